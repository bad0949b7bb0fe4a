// A TV as the tests see it: an admin session, a display token for a board, and a socket.io
// client that keeps the board's figures from its snapshot and updates, and the latest health.
import { type Socket, io } from 'socket.io-client'
import { type FiguresReplica, applyUpdate, replicaOf } from '../../shared/figures/delta.js'
import type { Screen } from '../../shared/admin.js'
import type { QueueFigures } from '../../shared/figures/schema.js'
import type { ClientToServerEvents, FiguresUpdate, Health, ServerToClientEvents, SocketSnapshot } from '../../shared/socket.js'
import { until } from './wait.js'

/** An admin session's cookie and CSRF token. */
export async function login(base: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  })
  if (res.status !== 200) throw new Error(`admin login: ${res.status}`)
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: csrfToken }
}

export async function displayToken(base: string, password: string, board = 'floor'): Promise<string> {
  const { cookie, csrf } = await login(base, password)
  const res = await fetch(`${base}/api/v1/boards/${board}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'test TV' }),
  })
  if (res.status !== 201) throw new Error(`display token: ${res.status}`)
  return ((await res.json()) as { secret: string }).secret
}

export interface Tv {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>
  /** every update received, in order */
  updates: FiguresUpdate[]
  /** the board's queues as the TV holds them: its snapshot with every update since */
  queues: Map<string, QueueFigures>
  /** snapshots received (on connection, and those it asked for after a gap) */
  snapshots: number
  /** updates that did not apply to what the TV held, and the errors of the snapshots it then asked for */
  gaps: number
  resyncErrors: string[]
  /** why the connection closed, and why a reconnection was refused, in order */
  disconnects: string[]
  health: Health | null
  /** epoch ms of each change of `health.ok`, with its new value */
  healthChanges: Array<{ at: number; ok: boolean }>
}

/** A TV of `board`, connected to `base` over WebSocket, once it has its snapshot. */
export async function openTv(base: string, token: string): Promise<Tv> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    forceNew: true,
    auth: { token },
  })
  const tv: Tv = {
    socket,
    updates: [],
    queues: new Map(),
    snapshots: 0,
    gaps: 0,
    resyncErrors: [],
    disconnects: [],
    health: null,
    healthChanges: [],
  }
  let replica: FiguresReplica | null = null
  const take = (s: SocketSnapshot) => {
    tv.snapshots++
    replica = replicaOf(s)
    tv.queues = new Map(s.queues.map((q) => [q.id, q]))
  }
  let resyncing = false
  // As a board does: a delta that does not apply to what it holds means a fresh snapshot.
  const resync = () => {
    if (resyncing) return
    resyncing = true
    socket
      .timeout(5_000)
      .emitWithAck('snapshot:get')
      .then((r) => (r.ok ? take(r.data) : tv.resyncErrors.push(r.error)))
      .catch((err: unknown) => tv.resyncErrors.push(String(err)))
      .finally(() => (resyncing = false))
  }
  socket.on('snapshot', take)
  socket.on('disconnect', (reason) => tv.disconnects.push(`${Date.now()} disconnect: ${reason}`))
  socket.on('denied', (d) => tv.disconnects.push(`${Date.now()} denied: ${d.code} ${d.message}`))
  socket.on('connect_error', (err) => tv.disconnects.push(`${Date.now()} connect_error: ${err.message}`))
  socket.on('update', (u: FiguresUpdate) => {
    tv.updates.push(u)
    if (replica === null) return resync()
    const applied = applyUpdate(replica, u)
    replica = applied.replica
    for (const id of applied.changed)
      tv.queues.set(
        id,
        replica.queues.find((q) => q.id === id)!,
      )
    if (applied.gap) {
      tv.gaps++
      resync()
    }
  })
  socket.on('health', (h: Health) => {
    if (tv.health?.ok !== h.ok) tv.healthChanges.push({ at: Date.now(), ok: h.ok })
    tv.health = h
  })
  await until('the TV has its snapshot', () => socket.connected && tv.snapshots > 0 && tv.health !== null, 10_000)
  return tv
}

/** Every count a TV shows, queue by queue; `to` is left out, being only the moment each was computed. */
function shownCounts(tv: Tv): string {
  return JSON.stringify([...tv.queues].map(([id, q]) => [id, q.live.waiting, { ...q.windows.today, to: null }]).sort())
}

/** Waits until a TV that lived through a fault shows what `fresh`, opened afterwards, shows. */
export async function untilSameAsFresh(tv: Tv, fresh: Tv): Promise<void> {
  await until('the TV equal to a fresh one', () => shownCounts(tv) === shownCounts(fresh))
}

/** The connections of the TVs on the server now (a connection recovered within 2 min keeps its id), as an admin lists them. */
export async function tvConnections(base: string, cookie: string): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/screens`, { headers: { cookie } })
  const { screens } = (await res.json()) as { screens: Screen[] }
  return screens.filter((x) => x.kind === 'tv').map((x) => x.id)
}
