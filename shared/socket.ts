// The socket contract, typed both ways: the server's `Server<ClientToServer, ServerToClient>` and
// the browser's `Socket<ServerToClient, ClientToServer>` both come from here.
// Server → client events are nouns; client → server commands are `noun:verb` with typed acks.
import type { Alert, AlertRule } from './alerts.js'
import type { Denial, Principal } from './auth.js'
import type { DataReset } from './data-reset.js'
import type { PatchOp } from './figures/delta.js'
import type { AgentFigures, FiguresSnapshot } from './figures/schema.js'
import type { SourceHealth } from './sources.js'

export type { DataReset }

export interface Health {
  /** server clock, epoch ms: clients measure ages against it, not against their own clock */
  serverNow: number
  /** epoch ms up to which the event log has been applied; null before the first catch-up */
  asOf: number | null
  /** the newest event time the figures include, epoch ms; null when no event yet */
  newestEventAt: number | null
  /** events stored but not yet applied */
  lagEvents: number
  /** the pipeline (store reachable, aggregator running) is healthy */
  ok: boolean
  /** every event source the figures know, with its last event; a board judges those of its queues */
  sources: SourceHealth[]
  /** the store lost its data (Redis came back empty) and no admin has acknowledged it yet; null otherwise */
  reset: DataReset | null
  /** why the store refuses writes (its disk is full): nothing new is stored or counted meanwhile; null while it takes them */
  writesRefused: string | null
}

/**
 * A snapshot as the socket sends it: the figures, and where each queue's figures stand in the
 * sending process's stream of updates, so that the updates that follow can be applied to it.
 */
export interface SocketSnapshot extends FiguresSnapshot {
  /** the server process's stream (one per process start): updates of another never apply */
  epoch: string
  /** per queue, in the order of `queues`: the revision its figures are at (0: not sent in an update yet) */
  revs: number[]
}

/**
 * One queue's change: the fields that changed since revision `base` (see shared/figures/delta.ts),
 * which make revision `rev`. `base` 0: the queue's first update, whose `patch` holds it whole.
 */
export interface QueueDelta {
  id: string
  base: number
  rev: number
  patch: PatchOp
}

/**
 * Changed queues only, as deltas; a client keeps the others from its snapshot. A delta whose
 * `base` is not the revision the client holds (a missed update, another process) is not applied:
 * the client asks for a fresh snapshot (`snapshot:get`) instead.
 */
export interface FiguresUpdate {
  /** as in the snapshot: null before the first catch-up */
  asOf: number | null
  serverNow: number
  epoch: string
  queues: QueueDelta[]
}

/**
 * Agents for a supervisor's grid: on `agents:subscribe` every agent the user may see (`full`),
 * then the changed ones as events touch them. Time in state ticks on the client from `since`.
 */
export interface AgentsUpdate {
  serverNow: number
  asOf: number | null
  /** true: this is every agent the connection may see (replace); false: only changed ones (merge) */
  full: boolean
  agents: AgentFigures[]
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: string }

/** The open alerts a connection may see (`alerts:list`): a team lead's teams', a TV's board banners. */
export interface AlertList {
  serverNow: number
  alerts: Alert[]
}

/** What a connection asks to watch: one board, one team's queues, or every queue it may see. */
export type ViewRequest = { board: string } | { team: string } | { all: true }

export interface ServerToClientEvents {
  /** every figure of the connection's view; sent on connection and after every view change */
  snapshot: (snapshot: SocketSnapshot) => void
  update: (update: FiguresUpdate) => void
  health: (health: Health) => void
  /** an admin asked this screen to reload (a new version, a stuck TV) */
  reload: () => void
  /** changed agents, to connections that asked with `agents:subscribe` */
  agents: (update: AgentsUpdate) => void
  /** the connection's credential stopped being valid (token revoked, logged out); it is closed next */
  denied: (denial: Denial) => void
  /**
   * an alert made a transition (fired, escalated, acknowledged, resolved): to supervisors and admins,
   * to team leads for their teams, and to TVs for banner alerts of their board's queues
   */
  alert: (alert: Alert) => void
}

export interface ClientToServerEvents {
  /** asks for a fresh full snapshot (after a long sleep, a hidden tab, a gap) */
  'snapshot:get': (ack: (result: Ack<SocketSnapshot>) => void) => void
  /** switches the connection to another view it may see; answers with its snapshot */
  'view:subscribe': (view: ViewRequest, ack: (result: Ack<SocketSnapshot>) => void) => void
  /** starts agent updates for this connection (a logged-in user's); answers with every agent it may see */
  'agents:subscribe': (ack: (result: Ack<AgentsUpdate>) => void) => void
  /** the open alerts this connection may see */
  'alerts:list': (ack: (result: Ack<AlertList>) => void) => void
  /** acknowledges an open alert (a logged-in user who may see it); answers with the alert */
  'alert:ack': (id: string, ack: (result: Ack<Alert>) => void) => void
}

/**
 * The handshake's `auth` object. A TV sends the display token from its URL (`/board/<id>?token=…`)
 * and the board id; a logged-in browser sends its session cookie and may name a board.
 */
export interface SocketAuth {
  token?: string
  board?: string
  /** the board app's version, shown to admins in the list of screens */
  version?: string
}

/** A person's action on an alert, handed to the process whose alert engine is active. */
export interface AlertAction {
  action: 'ack' | 'resolve'
  id: string
  /** the username acting */
  by: string
}

export type AlertActionResult = { ok: true; alert: Alert } | { ok: false; status: 404 | 409 | 503; error: string }

/**
 * Between server processes sharing a Redis (the socket.io Redis Streams adapter carries them).
 * One process is the active aggregator: its alert engine alone changes alerts.
 */
export interface InterServerEvents {
  /** an alert made a transition in the active process: each process pushes it to its own connections */
  alert: (alert: Alert) => void
  /** a person's action on an alert taken in another process; only the active one answers (others: null) */
  'alert:act': (action: AlertAction, reply: (result: AlertActionResult | null) => void) => void
  /** a rule was saved or removed in another process: the active engine judges again (and retires a removed rule's alerts) */
  'alert:rules': (removed: AlertRule | null) => void
  /** an admin forgot a retired source: every process drops it from its figures */
  'source:forget': (id: string) => void
}

/** Set by the auth middleware: who the connection is (a TV's token or a user's session) and what it watches. */
export interface SocketData {
  principal: Principal
  view: ViewRequest
  /** when the connection was made, and the last packet from the client (pings included), epoch ms */
  connectedAt: number
  lastSeenAt: number
}

/** How often the server sends `health` to every connection, even when nothing changes. */
export const HEALTH_INTERVAL_MS = 2_000
/**
 * A board that has heard nothing at all (not one heartbeat) for this long calls itself stale
 * (`silent`): two heartbeats missed, and a second for a busy server. A pulled cable or a dead Wi-Fi
 * closes nothing, so this, not the socket, is what shows a dropped network within seconds.
 */
export const SILENT_AFTER_MS = 2 * HEALTH_INTERVAL_MS + 1_000
/**
 * A board whose figures are older than this (the server's clock past their `asOf`, which the
 * heartbeat moves on while the centre is quiet) calls itself stale (`behind`), however connected.
 */
export const STALE_AFTER_MS = 10_000
