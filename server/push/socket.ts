// socket.io: the middleware authenticates every connection (a TV's display token, or a user's
// session cookie) and decides what it may watch; the connection joins only the rooms of that view
// (`all`, `team:<id>`, `board:<id>`) and receives a snapshot, then the updates of its queues, and
// a `health` heartbeat every HEALTH_INTERVAL_MS. Rooms are joined by the server only: a client
// asks with `view:subscribe` and the policy answers. Credentials are re-checked every few seconds
// and at once on revocation or logout; a connection whose credential ends gets `denied`, then closes.
//
// Several processes may share one Redis: socket.io's Redis Streams adapter carries what concerns
// connections of other processes (denials, reloads, alerts, the list of screens) and keeps the
// sessions for connection-state recovery. Figures are not carried: every process applies the whole
// log (aggregate/aggregator.ts), so it sends its own connections their snapshots and updates.
import { performance } from 'node:perf_hooks'
import { createAdapter } from '@socket.io/redis-streams-adapter'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Server, type Socket } from 'socket.io'
import { type Board, DEFAULT_BOARD_DISPLAY, type Screen, type ScreenReload } from '../../shared/admin.js'
import { type Denial, type DenialCode, type Principal, SESSION_COOKIE, type Unavailable } from '../../shared/auth.js'
import { Counter } from 'prom-client'
import {
  type ClientToServerEvents,
  type FiguresUpdate,
  HEALTH_INTERVAL_MS,
  type Health,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketAuth,
  type SocketData,
  type SocketSnapshot,
  type ViewRequest,
} from '../../shared/socket.js'
import { type Directory, type ViewDecision, agentVisible, decideView } from '../auth/policy.js'

type WallboardServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
type WallboardSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

export interface Push {
  io: WallboardServer
  /** sends `denied` to every connection in a room (`token:<id>`, `session:<id>`, `user:<id>`) and closes them */
  deny(room: string, denial: Denial): void
  /** re-decides every connection's view after a configuration change, sending fresh snapshots */
  refreshViews(resend?: boolean): Promise<void>
  /** every screen connected, to any process */
  screens(): Promise<Screen[]>
  /** asks one screen, a board's screens, or every screen to reload; answers how many were asked */
  reload(target: ScreenReload): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    push: Push
    health(): Promise<Health>
  }
}

/** Connections written to per encoding of an update. */
const FANOUT_SLICE = 50
/** Writing updates holds the event loop at most about this long before other work gets a turn. */
const FANOUT_TURN_MS = 3

/**
 * Bytes that may wait in this process for one connection (WALLBOARD_SOCKET_BUFFER_KB): a board
 * that reads slower than its updates come (a TV on a weak link) is sent no update or health above
 * it, so the process does not hold an ever longer backlog for it; once it drains below, it gets a
 * fresh snapshot in place of what it missed.
 */
export const SOCKET_BUFFER_BYTES = 128 * 1024

/**
 * Bytes queued in this process for a connection that the kernel has not taken yet: engine.io's
 * packets waiting for the transport (a WebSocket still writing, or a poll not yet made), and what
 * the WebSocket itself holds.
 */
function bufferedBytes(socket: WallboardSocket): number {
  // Both are fields engine.io and ws keep to themselves (no typings); they are only read here.
  const conn = socket.conn as unknown as {
    writeBuffer?: Array<{ data?: unknown }>
    transport?: { socket?: { bufferedAmount?: unknown } }
  }
  let n = 0
  for (const p of conn.writeBuffer ?? []) {
    if (typeof p.data === 'string') n += p.data.length
    else if (p.data instanceof Uint8Array) n += p.data.byteLength
  }
  const ws = conn.transport?.socket?.bufferedAmount
  return n + (typeof ws === 'number' ? ws : 0)
}

/** How often every connection's credential is checked again (revocations in other processes). */
export const RECHECK_MS = 5_000

class DenialError extends Error {
  constructor(readonly data: Denial) {
    super(data.code)
  }
}

const denial = (code: DenialCode, message: string): Denial => ({ code, message })

/** A refused connection the client retries: its `connect_error` carries the reason. */
function unavailable(message: string): Error & { data: Unavailable } {
  return Object.assign(new Error('unavailable'), { data: { code: 'unavailable' as const, message } })
}

function isViewRequest(v: unknown): v is ViewRequest {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length !== 1) return false
  if ('all' in o) return o['all'] === true
  if ('board' in o) return typeof o['board'] === 'string' && o['board'].length > 0 && o['board'].length <= 128
  if ('team' in o) return typeof o['team'] === 'string' && o['team'].length > 0 && o['team'].length <= 128
  return false
}

/** Whether a board shows a known queue, as boardQueues decides, without listing every queue. */
function boardShows(board: Board, queue: string, dir: Directory): boolean {
  const team = dir.teamOf(queue)
  return board.allQueues || board.queues.includes(queue) || (team !== null && board.teams.includes(team))
}

/** The rooms a connection joins for who it is, so that a revocation or logout can reach it. */
function credentialRooms(p: Principal): string[] {
  if (p.kind === 'display') return [`token:${p.tokenId}`]
  if (p.kind === 'user') return [`user:${p.user.id}`, `session:${p.sessionId}`]
  return []
}

async function authenticate(app: FastifyInstance, socket: WallboardSocket): Promise<Principal> {
  const auth = (socket.handshake.auth ?? {}) as SocketAuth
  if (typeof auth.token === 'string' && auth.token.length > 0) {
    const token = auth.token.length <= 200 ? await app.displayTokens.lookup(auth.token) : null
    if (!token)
      throw new DenialError(denial('token_invalid', 'this display link is not valid: ask an administrator for a new one'))
    if (token.revokedAt !== null)
      throw new DenialError(denial('token_revoked', 'this display link was revoked: ask an administrator for a new one'))
    return { kind: 'display', tokenId: token.id, boardId: token.boardId }
  }
  const cookie = socket.request.headers.cookie ? app.parseCookie(socket.request.headers.cookie)[SESSION_COOKIE] : undefined
  const sessionId = cookie ? app.sessionIdFromCookie(cookie) : null
  const user = sessionId ? await app.sessionUser(await app.sessions.read(sessionId)) : null
  if (!sessionId || !user) throw new DenialError(denial('unauthorized', 'log in to watch the boards'))
  return { kind: 'user', user, sessionId }
}

export interface PushOptions {
  /** behind a reverse proxy (WALLBOARD_TRUST_PROXY): client addresses come from X-Forwarded-For */
  trustProxy?: boolean | string
  /** SOCKET_BUFFER_BYTES unless set (WALLBOARD_SOCKET_BUFFER_KB) */
  socketBufferBytes?: number
}

export default fp<PushOptions>(
  async (app, opts) => {
    // The adapter's XREAD BLOCK (1 s) needs a deadline above it; it opens a second connection like
    // this one for its read loop, which retries a failed read at once: commands wait for Redis
    // (see connectRedis) rather than fail in a tight loop while it is away.
    const adapterRedis = await app.connectRedis('wallboard-socket-adapter', 10_000, true)
    const io: WallboardServer = new Server(app.server, {
      serveClient: false,
      // A board that misses a ping for this long is dropped and reconnects with a fresh snapshot.
      pingInterval: 10_000,
      pingTimeout: 10_000,
      maxHttpBufferSize: 16 * 1024,
      adapter: createAdapter(adapterRedis, {
        streamName: app.keys.socketStream,
        sessionKeyPrefix: app.keys.socketSessions,
        blockTimeInMs: 1_000,
      }),
      // A board back within 2 minutes keeps its session (rooms, identity) on whichever process it
      // reaches; it is sent a fresh snapshot either way, since figures are not replayed.
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    })

    const health = async (): Promise<Health> => {
      const { aggregator } = app
      let lagEvents = 0
      const { reset, writesRefused } = app.storeWatch
      // A store that refuses writes stores no new event: the figures cannot be called live.
      let ok = aggregator.healthy && writesRefused === null
      try {
        lagEvents = Math.max(0, (await app.eventLog.length()) - aggregator.applied)
      } catch {
        ok = false
      }
      const sources = app.sourceHealth()
      // After a restart the aggregator has applied nothing yet: the sources remember the newest event.
      const newestEventAt = sources.reduce<number | null>(
        (max, x) => (x.lastEventAt !== null && (max === null || x.lastEventAt > max) ? x.lastEventAt : max),
        aggregator.newestEventAt,
      )
      return { serverNow: Date.now(), asOf: aggregator.asOf, newestEventAt, lagEvents, ok, sources, reset, writesRefused }
    }
    app.decorate('health', health)

    const deny = (target: WallboardSocket | string, d: Denial) => {
      if (typeof target === 'string') {
        io.to(target).emit('denied', d)
        io.in(target).disconnectSockets(true)
      } else {
        target.emit('denied', d)
        target.disconnect(true)
      }
    }

    /**
     * Whether the store is in a data reset not yet acknowledged (looked at first when it is not
     * known to be: a store just back empty may not have been noticed yet). What was lost with the
     * store (a display link, a board) then turns no one away: a TV keeps what it shows, with the notice.
     */
    const inDataReset = async (): Promise<boolean> =>
      app.storeWatch.reset !== null || !(await app.storeWatch.check()) || app.storeWatch.reset !== null

    /** Turns a connection away from a view it may no longer watch, unless a data reset took the board (it keeps its rooms). */
    const denyView = async (socket: WallboardSocket, reason: string): Promise<void> => {
      if (!(await inDataReset().catch(() => false))) deny(socket, denial('forbidden', reason))
    }

    const snapshotFor = (decision: Extract<ViewDecision, { ok: true }>, view: ViewRequest): SocketSnapshot => {
      const shown: SocketSnapshot['view'] =
        'board' in view
          ? {
              kind: 'board',
              id: view.board,
              name: decision.name,
              display: app.boards.get(view.board)?.display ?? DEFAULT_BOARD_DISPLAY,
            }
          : 'team' in view
            ? { kind: 'team', id: view.team, name: decision.name }
            : { kind: 'all', id: null, name: '' }
      return app.figures.socketSnapshot({
        queues: decision.queues,
        // A board's name and looks are part of what is shared, so a change is never served from the cache.
        cacheKey: `${decision.rooms.join('|')}:${[...decision.queues].sort().join('|')}:${JSON.stringify(shown)}`,
        view: shown,
      })
    }

    const isViewRoom = (room: string) => room === 'all' || room.startsWith('team:') || room.startsWith('board:')

    /** Moves a connection into the rooms of a view (leaving its old view's) and sends its snapshot. */
    const watch = (socket: WallboardSocket, view: ViewRequest): ViewDecision => {
      const decision = decideView(socket.data.principal, view, app.directory)
      if (!decision.ok) return decision
      for (const room of socket.rooms) if (isViewRoom(room)) void socket.leave(room)
      void socket.join(decision.rooms)
      socket.data.view = view
      return decision
    }

    io.use((socket, next) => {
      if (app.role === 'ingest') {
        return next(unavailable('this server process takes ingest only: connect boards to the others'))
      }
      authenticate(app, socket)
        .then((principal) => {
          const auth = (socket.handshake.auth ?? {}) as SocketAuth
          const asked = typeof auth.board === 'string' && auth.board.length > 0 ? auth.board : null
          const view: ViewRequest =
            principal.kind === 'display' ? { board: asked ?? principal.boardId } : asked ? { board: asked } : { all: true }
          const decision = decideView(principal, view, app.directory)
          if (!decision.ok) throw new DenialError(denial('forbidden', decision.reason))
          socket.data.principal = principal
          socket.data.view = view
          next()
        })
        .catch((err: unknown) => {
          if (err instanceof DenialError) {
            const e = new Error(err.data.code) as Error & { data: Denial }
            e.data = err.data
            next(e)
            return
          }
          app.log.error({ err }, 'socket authentication failed')
          next(unavailable('the server cannot check credentials right now; retrying'))
        })
    })

    io.on('connection', (socket) => {
      socket.data.connectedAt = socket.data.lastSeenAt = Date.now()
      socket.conn.on('packet', () => {
        socket.data.lastSeenAt = Date.now()
      })
      socket.on('disconnect', () => outOfSync.delete(socket.id))
      void socket.join(credentialRooms(socket.data.principal))
      const decision = watch(socket, socket.data.view)
      if (!decision.ok) return deny(socket, denial('forbidden', decision.reason))
      socket.emit('snapshot', snapshotFor(decision, socket.data.view))
      void health().then((h) => socket.emit('health', h))

      socket.on('snapshot:get', (ack) => {
        if (typeof ack !== 'function') return
        const d = decideView(socket.data.principal, socket.data.view, app.directory)
        if (!d.ok) {
          ack({ ok: false, error: d.reason })
          void denyView(socket, d.reason)
          return
        }
        ack({ ok: true, data: snapshotFor(d, socket.data.view) })
      })

      socket.on('agents:subscribe', (ack) => {
        if (typeof ack !== 'function') return
        const p = socket.data.principal
        // The agent grid is for people; a TV's board shows queues only.
        if (p.kind !== 'user') {
          ack({ ok: false, error: 'agents are for logged-in users' })
          return
        }
        void socket.join('agents')
        const all = app.figures.agents()
        ack({
          ok: true,
          data: {
            serverNow: all.serverNow,
            asOf: all.asOf,
            full: true,
            agents: all.agents.filter((a) => agentVisible(p, a.team)),
          },
        })
      })

      socket.on('view:subscribe', (view, ack) => {
        if (typeof ack !== 'function') return
        if (!isViewRequest(view)) {
          ack({ ok: false, error: 'expected { board }, { team } or { all: true }' })
          return
        }
        const d = watch(socket, view)
        ack(d.ok ? { ok: true, data: snapshotFor(d, view) } : { ok: false, error: d.reason })
      })
    })

    // The view rooms that have members, kept as the adapter creates and deletes rooms, so an update
    // does not walk every connection's private rooms.
    const viewRooms = new Set<string>()
    io.of('/').adapter.on('create-room', (room: string) => isViewRoom(room) && viewRooms.add(room))
    io.of('/').adapter.on('delete-room', (room: string) => viewRooms.delete(room))

    // A slow board: its connection's buffer is above the bound, so it is skipped (and counted);
    // skipped for an update, it is out of sync until its buffer drains and it gets a snapshot.
    const bufferBound = opts.socketBufferBytes ?? SOCKET_BUFFER_BYTES
    const skipped = new Counter({
      name: 'wallboard_socket_sends_skipped_total',
      help: 'Messages not sent to a connection because more than WALLBOARD_SOCKET_BUFFER_KB waited for it (a slow board)',
      labelNames: ['message'],
      registers: [app.promRegistry],
    })
    app.registerGauge(
      'wallboard_socket_buffered_bytes_max',
      'The most bytes waiting in this process for one connection (bounded by WALLBOARD_SOCKET_BUFFER_KB plus one message)',
      () => {
        let max = 0
        for (const socket of io.of('/').sockets.values()) max = Math.max(max, bufferedBytes(socket))
        return max
      },
    )
    const outOfSync = new Set<string>()
    /** A fresh snapshot of its view to a connection that missed updates; true when sent. */
    const resend = (socket: WallboardSocket): boolean => {
      const decision = decideView(socket.data.principal, socket.data.view, app.directory)
      if (!decision.ok) {
        void denyView(socket, decision.reason)
        return false
      }
      socket.emit('snapshot', snapshotFor(decision, socket.data.view))
      return true
    }
    /** Whether a message goes to this connection now; a slow one's is skipped, a drained one is resynced. */
    const writable = (id: string, message: 'update' | 'health'): boolean => {
      const socket = io.of('/').sockets.get(id)
      if (!socket) return false
      if (bufferedBytes(socket) > bufferBound) {
        skipped.inc({ message })
        if (message === 'update') outOfSync.add(id)
        return false
      }
      // Its snapshot holds the figures published so far, this update's included.
      if (outOfSync.delete(id)) return resend(socket) && message !== 'update'
      return true
    }

    /**
     * Sends each room (null: every connection of this process) its message, FANOUT_SLICE members at
     * a time, each slice encoded once (socket.io writes one prepared WebSocket frame to each of
     * them: no per-connection encoding, and no per-message deflate, which engine.io leaves off). A
     * slice goes out at once; after FANOUT_TURN_MS of writing, the rest waits for the next turn of
     * the event loop, so ingest and the aggregator are not held up behind a thousand boards.
     * A connection with more than the bound waiting for it is skipped (see `writable`).
     * Resolves to the ms of writing.
     */
    const fanOut = async (
      message: 'update' | 'health',
      sends: Array<[room: string | null, send: (to: string[]) => void]>,
    ): Promise<number> => {
      const membersOf = (room: string | null) => (room === null ? io.of('/').sockets : io.of('/').adapter.rooms.get(room))
      let work = 0
      let turn = performance.now()
      for (const [room, send] of sends) {
        const members = [...(membersOf(room)?.keys() ?? [])]
        for (let i = 0; i < members.length; i += FANOUT_SLICE) {
          if (performance.now() - turn > FANOUT_TURN_MS) {
            await new Promise((r) => setImmediate(r))
            turn = performance.now()
          }
          const started = performance.now()
          // Members still there: one that switched views meanwhile must not get its old view's queues.
          const now = membersOf(room)
          const slice = members.slice(i, i + FANOUT_SLICE).filter((id) => now?.has(id) && writable(id, message))
          // This process's connections only: every process sends its own the same figures.
          if (slice.length > 0) send(slice)
          work += performance.now() - started
        }
      }
      return work
    }

    // Updates: each view room gets the deltas of the changed queues it shows. The rooms are
    // filtered by the changed queues only, never by every queue the board shows.
    app.figures.on('update', ({ asOf, serverNow, epoch, deltas }) => {
      const sends: Array<[string, (to: string[]) => void]> = []
      for (const room of viewRooms) {
        let queues = deltas
        if (room === 'all') {
          // every queue
        } else if (room.startsWith('team:')) {
          const team = room.slice(5)
          queues = queues.filter((q) => app.directory.teamOf(q.id) === team)
        } else if (room.startsWith('board:')) {
          const board = app.boards.get(room.slice(6))
          queues = board ? queues.filter((q) => boardShows(board, q.id, app.directory)) : []
        } else continue
        if (queues.length > 0) {
          // asOf and serverNow first: a bench client reads serverNow from the frame's first bytes.
          const forRoom: FiguresUpdate = { asOf, serverNow, epoch, queues }
          sends.push([room, (to) => io.local.to(to).emit('update', forRoom)])
        }
      }
      // The first slices are written now; the next update waits for the rest (figures.ts coalesces meanwhile).
      if (sends.length > 0) app.figures.sending(fanOut('update', sends))
    })

    // Agent updates: to each subscribed connection, the changed agents its user may see.
    app.figures.wantsAgents = () => (io.sockets.adapter.rooms.get('agents')?.size ?? 0) > 0
    app.figures.on('agents', (update) => {
      for (const id of io.sockets.adapter.rooms.get('agents') ?? []) {
        const socket = io.sockets.sockets.get(id)
        const p = socket?.data.principal
        if (!socket || !p) continue
        const agents = update.agents.filter((a) => agentVisible(p, a.team))
        if (agents.length > 0) socket.emit('agents', { ...update, agents })
      }
    })

    /** Checks every connection's credential again; grouped, so each token or session is read once. */
    const recheck = async (): Promise<void> => {
      const tokens = new Map<string, Promise<Denial | null>>()
      const sessions = new Map<string, Promise<Denial | Principal | null>>()
      for (const socket of io.sockets.sockets.values()) {
        const p = socket.data.principal
        if (!p) continue
        if (p.kind === 'display') {
          const token = (socket.handshake.auth as SocketAuth).token ?? ''
          if (!tokens.has(p.tokenId)) {
            tokens.set(
              p.tokenId,
              app.displayTokens.lookup(token).then(async (t) => {
                // A link lost with the store in a data reset keeps its TV until an admin acknowledges it.
                if (!t) return (await inDataReset()) ? null : denial('token_invalid', 'this display link is no longer valid')
                return t.revokedAt !== null
                  ? denial('token_revoked', 'this display link was revoked: ask an administrator for a new one')
                  : null
              }),
            )
          }
          const d = await tokens.get(p.tokenId)!
          if (d) deny(socket, d)
        } else if (p.kind === 'user') {
          if (!sessions.has(p.sessionId)) {
            sessions.set(
              p.sessionId,
              (async () => {
                // Reading the session also keeps a watched session alive.
                const user = await app.sessionUser(await app.sessions.read(p.sessionId))
                if (!user) return denial('session_ended', 'your session ended: log in again')
                return { kind: 'user', user, sessionId: p.sessionId } satisfies Principal
              })(),
            )
          }
          const r = await sessions.get(p.sessionId)!
          if (r && 'code' in r) deny(socket, r)
          else if (r) socket.data.principal = r
        }
      }
      // A board, queue setting or team changed (perhaps in another process): every view gets a fresh snapshot.
      const stamp = configStamp()
      await refreshViews(stamp !== lastStamp)
      lastStamp = stamp
    }

    const configStamp = () =>
      JSON.stringify([
        app.boards.list().map((b) => [b.id, b.updatedAt]),
        app.queueSettings.ids().map((q) => app.queueSettings.get(q)),
        app.teams.list().map((t) => [t.id, t.updatedAt]),
      ])
    let lastStamp = configStamp()

    const refreshViews = async (resend = true): Promise<void> => {
      for (const socket of io.sockets.sockets.values()) {
        if (!socket.data.principal) continue
        const before = [...socket.rooms].filter(isViewRoom).sort()
        const decision = decideView(socket.data.principal, socket.data.view, app.directory)
        if (!decision.ok) {
          // A board lost in a data reset: the TV keeps its rooms (the first start's board comes back
          // at once; another, once an admin acknowledged the reset without re-creating it, denies).
          await denyView(socket, decision.reason)
          continue
        }
        const changed = before.join('|') !== [...decision.rooms].sort().join('|')
        if (changed) watch(socket, socket.data.view)
        if (changed || resend) socket.emit('snapshot', snapshotFor(decision, socket.data.view))
      }
    }

    let checking = false
    const checker = setInterval(() => {
      if (checking) return
      checking = true
      recheck()
        .catch((err: unknown) => app.log.warn({ err }, 'socket credential check failed'))
        .finally(() => (checking = false))
    }, RECHECK_MS)
    checker.unref()

    /** The client's address: the first X-Forwarded-For hop only behind a trusted proxy. */
    const addressOf = (socket: Pick<WallboardSocket, 'handshake'>): string => {
      const forwarded = socket.handshake.headers['x-forwarded-for']
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim()
      return opts.trustProxy && first ? first : socket.handshake.address
    }
    const screens = async (): Promise<Screen[]> =>
      (await io.fetchSockets())
        .filter((socket) => socket.data.principal && socket.data.principal.kind !== 'key')
        .map((socket) => {
          const { principal, view } = socket.data
          const auth = (socket.handshake.auth ?? {}) as SocketAuth
          return {
            id: socket.id,
            kind: principal.kind === 'display' ? 'tv' : 'browser',
            board: 'board' in view ? view.board : null,
            view: 'board' in view ? `board:${view.board}` : 'team' in view ? `team:${view.team}` : 'all',
            user: principal.kind === 'user' ? principal.user.username : null,
            address: addressOf(socket),
            userAgent: String(socket.handshake.headers['user-agent'] ?? '').slice(0, 300),
            connectedAt: socket.data.connectedAt,
            lastSeenAt: socket.data.lastSeenAt,
            version: typeof auth.version === 'string' ? auth.version.slice(0, 64) : null,
          } satisfies Screen
        })
        .sort((a, b) => a.connectedAt - b.connectedAt)
    const reload = async (target: ScreenReload): Promise<number> => {
      let n = 0
      for (const socket of await io.fetchSockets()) {
        const view = socket.data.view
        if (!socket.data.principal || socket.data.principal.kind === 'key') continue
        if (target.screen !== undefined && socket.id !== target.screen) continue
        if (target.board !== undefined && !(view && 'board' in view && view.board === target.board)) continue
        socket.emit('reload')
        n++
      }
      return n
    }

    app.decorate('push', { io, deny, refreshViews, screens, reload })
    io.on('source:forget', (id) => app.aggregator.forgetSource(id))

    // Health to every connection, in slices as updates are; at once when the pipeline's health
    // changes (Redis lost or back), else every HEALTH_INTERVAL_MS.
    const sendHealth = () =>
      void health()
        .then((h) => fanOut('health', [[null, (to) => io.local.to(to).emit('health', h)]]))
        .catch((err: unknown) => app.log.warn({ err }, 'health not sent'))
    const heartbeat = setInterval(sendHealth, HEALTH_INTERVAL_MS)
    app.aggregator.on('health', sendHealth)
    // A data reset, or the store refusing writes (or taking them again): boards are told at once.
    app.storeWatch.on('reset', sendHealth)
    app.storeWatch.on('writes', sendHealth)
    heartbeat.unref()
    app.registerGauge('wallboard_socket_clients', 'Connected boards and browsers', () => io.engine.clientsCount)

    // Open websockets would keep the HTTP server from closing: end them first.
    app.addHook('preClose', async () => {
      clearInterval(heartbeat)
      app.aggregator.off('health', sendHealth)
      app.storeWatch.off('reset', sendHealth)
      app.storeWatch.off('writes', sendHealth)
      clearInterval(checker)
      io.local.disconnectSockets(true)
    })
    app.addHook('onClose', async () => {
      io.close()
    })
  },
  { name: 'push', dependencies: ['aggregate', 'metrics', 'auth', 'admin'] },
)
