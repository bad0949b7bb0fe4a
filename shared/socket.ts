// The socket contract, typed both ways: the server's `Server<ClientToServer, ServerToClient>` and
// the browser's `Socket<ServerToClient, ClientToServer>` both come from here.
// Server → client events are nouns; client → server commands are `noun:verb` with typed acks.
import type { FiguresSnapshot, QueueFigures } from './figures/schema.js'

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
}

/** Changed queues only; a client keeps the others from its snapshot. */
export interface FiguresUpdate {
  /** as in the snapshot: null before the first catch-up */
  asOf: number | null
  serverNow: number
  queues: QueueFigures[]
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: string }

export interface ServerToClientEvents {
  snapshot: (snapshot: FiguresSnapshot) => void
  update: (update: FiguresUpdate) => void
  health: (health: Health) => void
}

export interface ClientToServerEvents {
  /** asks for a fresh full snapshot (after a long sleep, a hidden tab, a gap) */
  'snapshot:get': (ack: (result: Ack<FiguresSnapshot>) => void) => void
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no inter-server events yet
export interface InterServerEvents {}

export interface SocketData {
  /** what this connection may see; filled by the auth middleware */
  scope: 'all'
}

/** How often the server sends `health` even when nothing changes, and when a board calls itself stale. */
export const HEALTH_INTERVAL_MS = 2_000
export const STALE_AFTER_MS = 10_000
