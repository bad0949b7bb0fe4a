// The socket-fed store every view reads: the figures (a full snapshot, then updates' deltas applied),
// the connection, the server clock, whether the data can still be called live, and whether the
// server refused this board's credential (locked: no figures at all).
// Created once in main.ts and handed down by context.
import type { Socket } from 'socket.io-client'
import type { Denial, DenialCode } from '../../shared/auth.js'
import { type FiguresReplica, applyUpdate, replicaOf } from '../../shared/figures/delta.js'
import type { AgentFigures, FiguresSnapshot, QueueFigures } from '../../shared/figures/schema.js'
import { type SourceHealth, isFailing, sourcesOf } from '../../shared/sources.js'
import type { Alert } from '../../shared/alerts.js'
import { mergeAlert, sortAlerts } from './alerts.js'
import {
  type AgentsUpdate,
  type ClientToServerEvents,
  type FiguresUpdate,
  type Health,
  type ServerToClientEvents,
  type SocketSnapshot,
  SILENT_AFTER_MS,
  STALE_AFTER_MS,
} from '../../shared/socket.js'

export type BoardSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * `connecting`: no figures yet; `live`: figures are current; `stale`: figures are shown dimmed,
 * with their age; `locked`: the server refused the credential, no figures are kept.
 */
export type BoardState = 'connecting' | 'live' | 'stale' | 'locked'
export type BoardView = FiguresSnapshot['view']
export type StaleReason = 'disconnected' | 'silent' | 'store' | 'unhealthy' | 'behind' | 'source'

const TICK_MS = 1_000
/** How long to wait for a `snapshot:get` answer before trying again. */
const SNAPSHOT_TIMEOUT_MS = 5_000
const RESYNC_RETRY_MS = 3_000
/** Connected but silent this long (a half-open link the transport has not noticed): reconnect. */
const SILENT_RECONNECT_MS = 3 * STALE_AFTER_MS
/** Reconnecting after the server ended or refused the connection, which socket.io does not retry. */
const RECONNECT_MIN_MS = 1_000
const RECONNECT_MAX_MS = 5_000
/**
 * A locked board tries one connection this often, in case its link is restored: slowly, since a
 * revoked link on many TVs must not flood the server (each attempt is ±10 %, so they spread out).
 */
const LOCKED_RETRY_MS = 60_000

export class LiveBoard {
  /** The figures, in the server's order; replaced whole, never mutated. */
  queues = $state.raw<QueueFigures[]>([])
  /** Agents, once a view asked with watchAgents() (the supervisor's grid); replaced whole. */
  agents = $state.raw<AgentFigures[]>([])
  /** Epoch ms (server clock) up to which the server had applied the event log; null before any data. */
  asOf = $state<number | null>(null)
  /** The centre's time zone, for the clock; the browser's own until the first snapshot. */
  timeZone = $state<string | undefined>(undefined)
  /** What the figures are of (a board, a team, every queue), with its name; null before any data. */
  view = $state.raw<BoardView | null>(null)
  /** Why the server refused this board's credential; null while it is accepted. */
  denial = $state.raw<Denial | null>(null)
  /** Server clock, epoch ms, when the board locked. */
  lockedAt = $state<number | null>(null)
  health = $state.raw<Health | null>(null)
  /** the open alerts this connection may see (critical first, then newest); resolved ones leave */
  alerts = $state.raw<Alert[]>([])
  /** the newest alert that fired (or escalated) since the page opened, for a sound */
  lastFired = $state.raw<Alert | null>(null)
  connected = $state(false)
  hasData = $state(false)
  /** Client clock, epoch ms, when the last message (snapshot, update or health) arrived. */
  lastMessageAt = $state<number | null>(null)
  /** serverNow − client clock, measured at each message: TVs' clocks are often wrong. */
  clockOffsetMs = $state(0)
  /** Client clock, epoch ms; ticks every second (on the second) and at every message. */
  now = $state(Date.now())

  /** The server's clock now, as well as this client can tell. */
  readonly serverNow = $derived(this.now + this.clockOffsetMs)

  /** How old the figures are: server time since `asOf`. */
  readonly dataAgeMs = $derived(this.asOf === null ? null : Math.max(0, this.serverNow - this.asOf))

  readonly silentMs = $derived(this.lastMessageAt === null ? null : Math.max(0, this.now - this.lastMessageAt))

  /** The sources that feed this view's queues, and those of them that went quiet or whose link is down. */
  readonly sources: SourceHealth[] = $derived(
    sourcesOf(
      this.health?.sources ?? [],
      this.queues.map((q) => q.id),
    ),
  )
  readonly failingSources: SourceHealth[] = $derived(this.sources.filter((s) => isFailing(s, this.serverNow)))

  readonly staleReason: StaleReason | null = $derived.by(() => {
    if (!this.connected) return 'disconnected'
    // Heartbeats stopped: a dropped network says so within seconds, before the figures are old.
    if (this.silentMs !== null && this.silentMs > SILENT_AFTER_MS) return 'silent'
    // The store refuses writes (its disk is full): nothing new is counted, and the board says why.
    if (this.health?.writesRefused) return 'store'
    if (this.health !== null && !this.health.ok) return 'unhealthy'
    if (this.dataAgeMs === null || this.dataAgeMs > STALE_AFTER_MS) return 'behind'
    if (this.failingSources.length > 0) return 'source'
    return null
  })

  readonly state: BoardState = $derived(
    this.denial !== null ? 'locked' : !this.hasData ? 'connecting' : this.staleReason === null ? 'live' : 'stale',
  )

  /**
   * The instant live figures are ticked to (longest wait): the server clock while the data is
   * fresh, held at `asOf` + STALE_AFTER_MS once it is not, so a stale board does not invent waits.
   */
  readonly figuresNow = $derived(this.asOf === null ? this.serverNow : Math.min(this.serverNow, this.asOf + STALE_AFTER_MS))

  private readonly socket: BoardSocket
  /** `asOf` of the figures themselves (snapshot, update), which health does not move. */
  private figuresAsOf: number | null = null
  /** the figures with the revision of each queue in the server process's stream: what deltas apply to */
  private replica: FiguresReplica | null = null
  private tickTimer: ReturnType<typeof setTimeout> | null = null
  /** Client clock at the last tick (or wake): a gap much longer than a tick means the page did not run. */
  private lastTickAt = Date.now()
  /** Client clock when the browser froze the page; null while it runs. */
  private frozenAt: number | null = null
  private resyncing = false
  private resyncRetry: ReturnType<typeof setTimeout> | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private reconnectAttempts = 0
  private wantsAgents = false

  constructor(socket: BoardSocket) {
    this.socket = socket
  }

  /** Subscribes to the socket and the page, and starts the clock. Call once. */
  start(): void {
    const s = this.socket
    s.on('connect', this.onConnect)
    s.on('disconnect', this.onDisconnect)
    s.on('connect_error', this.onConnectError)
    s.on('snapshot', this.onSnapshot)
    s.on('update', this.onUpdate)
    s.on('health', this.onHealth)
    s.on('denied', this.onDenied)
    s.on('agents', this.onAgents)
    s.on('reload', this.onReload)
    s.on('alert', this.onAlert)
    document.addEventListener('visibilitychange', this.onVisibilityChange)
    document.addEventListener('freeze', this.onFreeze)
    document.addEventListener('resume', this.onResume)
    this.tick()
    if (!s.connected) s.connect()
  }

  private readonly tick = (): void => {
    this.now = Date.now()
    const pausedMs = this.now - this.lastTickAt
    this.lastTickAt = this.now
    // Shown, yet the page did not run for a while (a TV woken from sleep): as a frozen tab's return.
    if (pausedMs > SILENT_AFTER_MS + TICK_MS && document.visibilityState === 'visible') this.wake(pausedMs)
    else this.watchdog()
    // Align to the next whole second so the clock and every ticking wait change together.
    this.tickTimer = setTimeout(this.tick, TICK_MS - (this.now % TICK_MS) + 5)
  }

  private watchdog(): void {
    if (this.connected && this.silentMs !== null && this.silentMs > SILENT_RECONNECT_MS) this.reconnectNow()
  }

  /** A new connection now, whatever the state of this one (its snapshot follows); the silence clock restarts. */
  private reconnectNow(): void {
    this.lastMessageAt = this.now
    this.socket.disconnect()
    this.socket.connect()
  }

  /**
   * The page runs again after it did not for `pausedMs` (a frozen tab resumed, a TV woken from
   * sleep): its messages and timers were held. Past a few missed heartbeats the server has most
   * likely dropped the connection (it answered no ping), or soon will: a new connection, whose
   * snapshot follows at once, beats waiting for socket.io to notice and back off. A short pause
   * only asks for a fresh snapshot.
   */
  private wake(pausedMs: number): void {
    this.now = this.lastTickAt = Date.now()
    if (this.denial !== null) return
    if (pausedMs > SILENT_AFTER_MS) this.reconnectNow()
    else this.resync()
  }

  /** The browser freezes the page (a background tab): nothing runs until `resume`. */
  private readonly onFreeze = (): void => {
    this.frozenAt = Date.now()
  }

  private readonly onResume = (): void => {
    this.wake(this.frozenAt === null ? 0 : Date.now() - this.frozenAt)
    this.frozenAt = null
  }

  private heard(serverNow: number): void {
    const now = Date.now()
    this.now = now
    this.lastMessageAt = now
    this.clockOffsetMs = serverNow - now
  }

  private readonly onConnect = (): void => {
    this.connected = true
    this.reconnectAttempts = 0
    // Accepted again (a locked board whose link was restored): its snapshot follows right away.
    this.denial = null
    this.lockedAt = null
    // The silence clock restarts with the connection; the server sends a snapshot right away.
    this.lastMessageAt = Date.now()
    if (this.wantsAgents) this.subscribeAgents()
  }

  /** Asks for agents too (every one the user may see, then the changed ones), now and after every reconnection. */
  watchAgents(): void {
    this.wantsAgents = true
    if (this.socket.connected) this.subscribeAgents()
  }

  private subscribeAgents(): void {
    this.socket
      .timeout(SNAPSHOT_TIMEOUT_MS)
      .emitWithAck('agents:subscribe')
      .then((result) => {
        if (result.ok && this.denial === null) this.onAgents(result.data)
      })
      .catch(() => {
        // The next reconnection asks again; a live connection that timed out asks once more.
        if (this.socket.connected) setTimeout(() => this.socket.connected && this.subscribeAgents(), RESYNC_RETRY_MS)
      })
  }

  /** An admin asked every screen (or this one) to reload: a new build, or a stuck TV. */
  private readonly onReload = (): void => {
    location.reload()
  }

  private readonly onAgents = (update: AgentsUpdate): void => {
    if (this.denial !== null) return
    this.heard(update.serverNow)
    this.agents = update.full ? update.agents : mergeById(this.agents, update.agents)
  }

  private readonly onDisconnect = (): void => {
    this.connected = false
    if (this.denial !== null) {
      this.scheduleLockedRetry()
      return
    }
    // socket.io retries by itself, except when the server closed the socket (a restart).
    if (!this.socket.active) this.scheduleReconnect()
  }

  private readonly onConnectError = (err: Error): void => {
    const denial = denialOf(err)
    if (denial !== null) {
      this.lock(denial)
      return
    }
    if (this.denial !== null) {
      // A locked board's one attempt failed otherwise (the server is down): no retry loop either.
      this.socket.disconnect()
      this.scheduleLockedRetry()
      return
    }
    // Any other refusal by the server (its middleware) also ends socket.io's own retries.
    if (!this.socket.active) this.scheduleReconnect()
  }

  /** The credential stopped being valid while connected: lock now, whatever the server does next. */
  private readonly onDenied = (denial: Denial): void => {
    this.lock(isDenial(denial) ? denial : { code: 'forbidden', message: '' })
  }

  /**
   * Forgets every figure (a revoked TV must not keep showing data), closes the connection, and
   * tries again only every LOCKED_RETRY_MS. A board locked for a reason keeps it when a later
   * attempt merely finds no credential (a logged-out browser: its session ended).
   */
  private lock(denial: Denial): void {
    if (this.denial === null) this.lockedAt = Date.now() + this.clockOffsetMs
    if (this.denial === null || denial.code !== 'unauthorized') this.denial = denial
    this.queues = []
    this.alerts = []
    this.agents = []
    this.view = null
    this.replica = null
    this.asOf = this.figuresAsOf = null
    this.health = null
    this.hasData = false
    this.lastMessageAt = null
    if (this.resyncRetry !== null) clearTimeout(this.resyncRetry)
    this.resyncRetry = null
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    // Also stops socket.io's own reconnection; fires `disconnect` when it was connected.
    this.socket.disconnect()
    this.connected = false
    this.scheduleLockedRetry()
  }

  /** A TV nobody touches must come back whatever ended the connection: retry, 1 s … 5 s apart. */
  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null) return
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.reconnectAttempts) * (0.75 + Math.random() * 0.5)
    this.reconnectAttempts++
    this.reconnectAfter(delay)
  }

  private scheduleLockedRetry(): void {
    this.reconnectAfter(LOCKED_RETRY_MS * (0.9 + Math.random() * 0.2))
  }

  private reconnectAfter(delayMs: number): void {
    if (this.reconnectTimer !== null) return
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (!this.socket.connected) this.socket.connect()
    }, delayMs)
  }

  private readonly onSnapshot = (snapshot: SocketSnapshot): void => {
    if (this.denial !== null) return
    this.heard(snapshot.serverNow)
    this.applySnapshot(snapshot)
  }

  private readonly onAlert = (alert: Alert): void => {
    if (this.denial !== null) return
    this.alerts = mergeAlert(this.alerts, alert)
    const last = alert.history[alert.history.length - 1]
    if (alert.state === 'firing' && (last?.transition === 'fired' || last?.transition === 'escalated')) this.lastFired = alert
  }

  /** Acknowledges an alert over the socket; resolves to null, or to the server's reason it could not. */
  acknowledge(id: string): Promise<string | null> {
    return new Promise((resolve) => {
      this.socket.timeout(10_000).emit('alert:ack', id, (err, r) => {
        if (err) resolve('timeout')
        else if (!r.ok) resolve(r.error)
        else {
          this.alerts = mergeAlert(this.alerts, r.data)
          resolve(null)
        }
      })
    })
  }

  /** Asks for every open alert (after each snapshot: a reconnect may have missed transitions). */
  private loadAlerts(): void {
    this.socket.emit('alerts:list', (r) => {
      if (r.ok) this.alerts = sortAlerts(r.data.alerts)
    })
  }

  private applySnapshot(snapshot: SocketSnapshot): void {
    this.replica = replicaOf(snapshot)
    this.queues = snapshot.queues
    this.view = snapshot.view
    this.timeZone = snapshot.timezone
    this.asOf = this.figuresAsOf = snapshot.asOf
    this.hasData = true
    this.loadAlerts()
  }

  private readonly onUpdate = (update: FiguresUpdate): void => {
    if (this.denial !== null) return
    this.heard(update.serverNow)
    // No figures yet (the replica comes with the snapshot), or time went backwards.
    if (this.replica === null || (this.figuresAsOf !== null && (update.asOf === null || update.asOf < this.figuresAsOf))) {
      // Time went backwards (another server process, a restore): only a full snapshot is safe.
      this.resync()
      return
    }
    // Only the queues whose delta applies to the revision held change (new objects, the others
    // kept); a delta on another base (a missed update, another process) is left out, and a fresh
    // snapshot asked for: a queue is never shown with a delta applied to the wrong figures.
    const applied = applyUpdate(this.replica, update)
    this.replica = applied.replica
    if (applied.changed.length > 0) this.queues = applied.replica.queues
    if (applied.gap) {
      this.resync()
      return
    }
    if (update.asOf !== null) {
      this.figuresAsOf = update.asOf
      if (this.asOf === null || update.asOf > this.asOf) this.asOf = update.asOf
    }
  }

  private readonly onHealth = (health: Health): void => {
    if (this.denial !== null) return
    this.heard(health.serverNow)
    this.health = health
    // A quiet centre still moves asOf forward: the figures are current up to it.
    if (this.hasData && health.asOf !== null && (this.asOf === null || health.asOf > this.asOf)) this.asOf = health.asOf
  }

  private readonly onVisibilityChange = (): void => {
    if (document.visibilityState !== 'visible') return
    // Visible again after being hidden: timers were throttled meanwhile, and updates may have
    // been missed. Catch the clock up and take a fresh snapshot.
    this.now = Date.now()
    this.resync()
  }

  /** Asks the server for a fresh full snapshot; retried until one arrives while connected. */
  resync(): void {
    if (this.resyncing || !this.socket.connected) return
    this.resyncing = true
    if (this.resyncRetry !== null) clearTimeout(this.resyncRetry)
    this.resyncRetry = null
    this.socket
      .timeout(SNAPSHOT_TIMEOUT_MS)
      .emitWithAck('snapshot:get')
      .then((result) => {
        if (!result.ok) throw new Error(result.error)
        if (this.denial !== null) return
        this.heard(result.data.serverNow)
        this.applySnapshot(result.data)
      })
      .catch(() => {
        // A reconnection brings its own snapshot; otherwise try again shortly.
        this.resyncRetry = setTimeout(() => {
          this.resyncRetry = null
          this.resync()
        }, RESYNC_RETRY_MS)
      })
      .finally(() => {
        this.resyncing = false
      })
  }

  /** Stops timers and listeners (tests, hot reload). */
  stop(): void {
    const s = this.socket
    s.off('connect', this.onConnect)
    s.off('disconnect', this.onDisconnect)
    s.off('connect_error', this.onConnectError)
    s.off('snapshot', this.onSnapshot)
    s.off('update', this.onUpdate)
    s.off('health', this.onHealth)
    s.off('denied', this.onDenied)
    s.off('agents', this.onAgents)
    s.off('reload', this.onReload)
    s.off('alert', this.onAlert)
    document.removeEventListener('visibilitychange', this.onVisibilityChange)
    document.removeEventListener('freeze', this.onFreeze)
    document.removeEventListener('resume', this.onResume)
    for (const t of [this.tickTimer, this.resyncRetry, this.reconnectTimer]) if (t !== null) clearTimeout(t)
  }
}

/** Rows of an update replace theirs (by id); new ones join at the end. */
export function mergeById<T extends { id: string }>(current: T[], changed: T[]): T[] {
  if (changed.length === 0) return current
  const byId = new Map(changed.map((q) => [q.id, q]))
  const merged = current.map((q) => {
    const next = byId.get(q.id)
    if (!next) return q
    byId.delete(q.id)
    return next
  })
  return merged.concat([...byId.values()])
}

const DENIAL_CODES: Record<DenialCode, true> = {
  unauthorized: true,
  token_invalid: true,
  token_revoked: true,
  session_ended: true,
  forbidden: true,
}

function isDenial(value: unknown): value is Denial {
  if (typeof value !== 'object' || value === null) return false
  const code: unknown = (value as { code?: unknown }).code
  return typeof code === 'string' && Object.hasOwn(DENIAL_CODES, code)
}

/**
 * The server's refusal in a `connect_error`: its middleware's error carries the Denial as `data`
 * (and its code as the message). Null for anything else: a transport failure, a server down.
 */
export function denialOf(err: Error): Denial | null {
  const data: unknown = (err as Error & { data?: unknown }).data
  if (isDenial(data)) return { code: data.code, message: typeof data.message === 'string' ? data.message : '' }
  const fromMessage = { code: err.message, message: '' }
  return data === undefined && isDenial(fromMessage) ? fromMessage : null
}
