// Turns the aggregator's state into figures for the push layer: a full snapshot on demand, and
// updates of just the queues that changed, right after each applied batch and on a one-second tick
// for what time alone changes (the rolling window sliding, the day rolling over).
//
// An update's cost is mostly its fan-out: one write per board. The push layer's listener starts it
// inside the emit and may finish it in slices, so that ingest and the aggregator run in between
// (see `sending`). While events stream in, an update goes out as soon as a batch is applied if no
// update is being sent, else the batches applied meanwhile go out together once it is: after an
// update whose work took d ms, the next waits d·(1/UPDATE_SHARE − 1) ms more. A few boards never
// wait; a thousand take at most about that share of the process, with more events per update.
//
// What boards hold is what was published: each queue's figures as last sent, at a revision (one
// counter per process, named by `epoch`). An update carries, per changed queue, only the fields
// that changed since its last revision (shared/figures/delta.ts), and a socket snapshot carries the
// published figures with their revisions, never figures newer than the updates that follow it: a
// delta applied to a snapshot then gives exactly what the server published.
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { type Definitions, calendarOf, dayBucketStart } from '../../shared/figures/aggregate.js'
import type { CallSummary } from '../../shared/figures/calls.js'
import { definitionLabel } from '../../shared/definition-text.js'
import { diff } from '../../shared/figures/delta.js'
import {
  type FigureOptions,
  agentCountsByQueue,
  computeAgentFigures,
  computeFigures,
  type DrillDown,
  callsBehind,
  finishedCallsBehind,
  summariesInMemory,
  waitingSeries,
} from '../../shared/figures/compute.js'
import type {
  AgentFigures,
  FiguresSnapshot,
  LabelledDefinition,
  QueueFigures,
  WaitingSeries,
  CallsBehindDoc,
} from '../../shared/figures/schema.js'
import type { AgentsUpdate, QueueDelta, SocketSnapshot } from '../../shared/socket.js'
import type { Aggregator, AppliedBatch } from './aggregator.js'

/** A full snapshot may be handed to several connections within this time, unless an event changed it. */
const SNAPSHOT_REUSE_MS = 250

export type SnapshotView = FiguresSnapshot['view']

/** The queues an update changed: their figures whole (for the alert engine), and as deltas (for boards). */
export interface FiguresChange {
  asOf: number | null
  serverNow: number
  epoch: string
  queues: QueueFigures[]
  /** per queue of `queues`, in the same order */
  deltas: QueueDelta[]
}

export interface FiguresServiceEvents {
  update: [FiguresChange]
  /** the agents events touched (never `full`), at most one every `minAgentIntervalMs` */
  agents: [AgentsUpdate]
}

/** Agent updates are coalesced: a grid of hundreds of agents need not redraw on every event. */
const AGENT_INTERVAL_MS = 250

/** The share of the process's time that updates (computing and sending them) may take while events stream in. */
const UPDATE_SHARE = 0.5

/** What changes with every tick by itself; clients derive it, so it does not make a queue "changed". */
function stableKey(q: QueueFigures): string {
  return JSON.stringify(q, (key, value: unknown) =>
    key === 'longestWaitSec' || key === 'to' || (key === 'from' && value !== q.windows.today?.from) ? undefined : value,
  )
}

interface Published {
  figures: QueueFigures
  /** stableKey(figures) */
  key: string
  rev: number
}

export class FiguresService extends EventEmitter<FiguresServiceEvents> {
  /** this process's stream of revisions: a board that reconnects elsewhere never applies a delta on a foreign base */
  readonly epoch = randomBytes(6).toString('base64url')
  private revision = 0
  private published = new Map<string, Published>()
  private pending = new Set<string>()
  /** when (performance.now()) the oldest change in `pending` was applied */
  private pendingSince = 0
  private timer: NodeJS.Timeout | null = null
  private ticker: NodeJS.Timeout | null = null
  /** no update before this instant (performance.now()): the last one's cost is being paid back */
  private quietUntil = 0
  /** the rest of the update being sent, handed over by a listener: resolves to its work in ms */
  private rest: Promise<number> | null = null
  /** true from the start of an update until it is sent, slices included */
  private inFlight = false
  private cachedSnapshots = new Map<string, SocketSnapshot>()
  /** Whether anyone watches agents (the push layer sets it): otherwise agent updates are not computed. */
  wantsAgents: () => boolean = () => false
  private pendingAgents = new Set<string>()
  private agentTimer: NodeJS.Timeout | null = null
  private readonly onApplied = (batch: AppliedBatch) => {
    this.cachedSnapshots.clear()
    this.schedule(batch.queues)
    if (batch.agents.size > 0 && this.wantsAgents()) {
      for (const a of batch.agents) this.pendingAgents.add(a)
      this.agentTimer ??= setTimeout(() => this.flushAgents(), AGENT_INTERVAL_MS)
    }
  }

  constructor(
    private readonly aggregator: Aggregator,
    private readonly defs: () => Definitions,
    private readonly opts: {
      now?: () => number
      tickMs?: number
      nameOf?: (queue: string) => string
      /** the display name an admin gave an agent, if any */
      agentNameOf?: (agent: string) => string | null
      /** a queue's archived calls whose outcome may fall in [fromMs, toMs] (the store's call archive) */
      archivedCalls?: (queue: string, fromMs: number, toMs: number) => Promise<CallSummary[]>
      /** hears, after each update sent for applied events, how long ago (ms) the oldest of them was applied */
      sent?: (sinceAppliedMs: number) => void
    } = {},
  ) {
    super()
  }

  private compute(now: number, extra: FigureOptions & { queues?: Iterable<string> } = {}): QueueFigures[] {
    return computeFigures(this.aggregator.state, this.defs(), now, { nameOf: this.opts.nameOf, ...extra })
  }

  private now(): number {
    return (this.opts.now ?? Date.now)()
  }

  start(): void {
    this.aggregator.on('applied', this.onApplied)
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs ?? 1000)
    this.ticker.unref()
  }

  stop(): void {
    this.aggregator.off('applied', this.onApplied)
    // An update still being sent finds nothing more to send.
    this.pending.clear()
    if (this.timer) clearTimeout(this.timer)
    if (this.ticker) clearInterval(this.ticker)
    if (this.agentTimer) clearTimeout(this.agentTimer)
    this.timer = this.ticker = this.agentTimer = null
  }

  /** The figures of some queues (all by default), as they are now. */
  snapshot(scope: { queues?: Iterable<string>; view?: SnapshotView } = {}): FiguresSnapshot {
    const now = this.now()
    return {
      asOf: this.aggregator.asOf,
      serverNow: now,
      timezone: this.defs().forCentre(now).timezone,
      view: scope.view ?? { kind: 'all', id: null, name: '' },
      queues: this.compute(now, scope.queues ? { queues: scope.queues } : {}),
    }
  }

  /**
   * A snapshot for a board: the published figures of its queues with their revisions. Snapshots with the same `cacheKey`
   * (one per board or team room) are shared for a moment: after a server restart every board
   * reconnects at once.
   */
  socketSnapshot(scope: { queues?: Iterable<string>; view?: SnapshotView; cacheKey?: string } = {}): SocketSnapshot {
    const now = this.now()
    const cached = scope.cacheKey === undefined ? undefined : this.cachedSnapshots.get(scope.cacheKey)
    if (cached && now - cached.serverNow < SNAPSHOT_REUSE_MS) return cached
    const fresh = this.snapshot(scope)
    // A queue never sent yet goes as it is now, at revision 0: its first update carries it whole
    // (base 0), which applies whatever a board holds of it. Publishing it here instead would leave
    // the boards connected earlier without it until it changed again.
    const published = fresh.queues.map((q) => this.published.get(q.id) ?? { figures: q, rev: 0 })
    const snap: SocketSnapshot = {
      ...fresh,
      epoch: this.epoch,
      queues: published.map((p) => p.figures),
      revs: published.map((p) => p.rev),
    }
    if (scope.cacheKey !== undefined) this.cachedSnapshots.set(scope.cacheKey, snap)
    return snap
  }

  /** Every agent's figures, or only those of the agents named. */
  agents(only?: Iterable<string>): {
    asOf: number | null
    serverNow: number
    definition: LabelledDefinition
    agents: AgentFigures[]
  } {
    const now = this.now()
    const defs = this.defs()
    const centre = defs.forCentre(now)
    return {
      asOf: this.aggregator.asOf,
      serverNow: now,
      definition: { ...centre, label: definitionLabel(centre) },
      agents: computeAgentFigures(this.aggregator.state, defs, now, only).map((a) => {
        const given = this.opts.agentNameOf?.(a.id) ?? null
        return given === null ? a : { ...a, name: given }
      }),
    }
  }

  /** Calls waiting in a queue over the last `minutes`, one point per `stepSec`, ending now. */
  waiting(queue: string, minutes: number, stepSec: number): WaitingSeries {
    const now = this.now()
    const to = now - (now % (stepSec * 1000))
    const from = to - minutes * 60_000
    return { queue, from, to, stepSec, points: waitingSeries(this.aggregator.state, queue, from, to, stepSec * 1000) }
  }

  /** How far back a drill-down may reach: the start of the business day before the current one. */
  earliestCallsFrom(queue: string): number {
    const defs = this.defs()
    const now = this.now()
    const today = calendarOf(defs.forQueue(queue, now)).dayStartOf(now)
    return calendarOf(defs.forQueue(queue, today - 1)).dayStartOf(today - 1)
  }

  /**
   * The calls behind a figure of one queue (see callsBehind): of the business day so far, or of
   * `interval` ([from, to), not for waiting calls). Finished calls come from memory and from the
   * call archive of the days the window touches, so the list is whole from `completeFrom` on.
   */
  async calls(queue: string, kind: DrillDown, interval?: { from: number; to: number }): Promise<CallsBehindDoc> {
    const now = this.now()
    const defs = this.defs()
    const state = this.aggregator.state
    const from = interval?.from ?? dayBucketStart(defs, queue, now)
    const to = interval?.to ?? now
    const completeFrom = Math.max(from, this.aggregator.callsArchivedSince)
    if (kind === 'waiting') {
      const calls = callsBehind(state, queue, kind, defs, { fromMs: from, toMs: to, nowMs: now })
      return { queue, kind, from, to, completeFrom, calls }
    }
    // The day: every outcome its figures count, up to the day's end; an interval: [from, to).
    const until = interval?.to ?? calendarOf(defs.forQueue(queue, now)).dayEndOf(now)
    // Memory is read before the archive: a call archived and saved meanwhile is then in one or the other.
    const inMemory = summariesInMemory(state, queue)
    const stored = (await this.opts.archivedCalls?.(queue, from, Math.min(until, now))) ?? []
    const calls = finishedCallsBehind([...stored, ...inMemory], kind, defs, { fromMs: from, toMs: until, nowMs: now })
    return { queue, kind, from, to, completeFrom, calls }
  }

  private flushAgents(): void {
    this.agentTimer = null
    const ids = this.pendingAgents
    this.pendingAgents = new Set()
    // Only the agents events touched are computed, not the whole floor.
    const { serverNow, asOf, agents } = this.agents(ids)
    if (agents.length > 0) this.emit('agents', { serverNow, asOf, full: false, agents })
  }

  /**
   * Called by an `update` listener, inside the emit, that goes on sending after it returns:
   * `rest` resolves once it is done, to the milliseconds of work it took. No update starts before.
   */
  sending(rest: Promise<number>): void {
    const before = this.rest
    this.rest = before ? Promise.all([before, rest]).then(([a, b]) => a + b) : rest
  }

  private schedule(queues: Set<string>): void {
    if (queues.size === 0) return
    if (this.pending.size === 0) this.pendingSince = performance.now()
    for (const q of queues) this.pending.add(q)
    this.next()
  }

  /** Flushes the pending queues now, or once the update under way and its pay-back are over. */
  private next(): void {
    if (this.timer || this.inFlight || this.pending.size === 0) return
    const wait = this.quietUntil - performance.now()
    if (wait <= 0) this.flush()
    else this.timer = setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    this.timer = null
    if (this.pending.size === 0) return
    const since = this.pendingSince
    this.paced(
      () => {
        const now = this.now()
        const figures = this.compute(now, { queues: this.pending })
        this.pending.clear()
        return this.emitChanged(figures, now)
      },
      (sent) => sent && this.opts.sent?.(performance.now() - since),
    )
  }

  private tick(): void {
    if (this.inFlight) return
    this.paced(() => {
      const now = this.now()
      return this.emitChanged(this.compute(now, { agentCounts: agentCountsByQueue(this.aggregator.state) }), now)
    })
  }

  /**
   * Runs an update and whatever its listeners send after it, then keeps the next one back long
   * enough for updates to stay within UPDATE_SHARE of the process's time.
   */
  private paced(update: () => boolean, done?: (sent: boolean) => void): void {
    const started = performance.now()
    this.inFlight = true
    let sent = false
    try {
      sent = update()
    } finally {
      const work = performance.now() - started
      const rest = this.rest
      this.rest = null
      const finish = (restMs: number) => {
        this.inFlight = false
        this.quietUntil = Math.max(this.quietUntil, performance.now() + (work + restMs) * (1 / UPDATE_SHARE - 1))
        done?.(sent)
        this.next()
      }
      if (rest) void rest.then(finish, () => finish(0))
      else finish(0)
    }
  }

  /** Publishes and emits the queues whose figures changed since they were last sent; false when none did. */
  private emitChanged(figures: QueueFigures[], now: number): boolean {
    const changed: QueueFigures[] = []
    const deltas: QueueDelta[] = []
    for (const q of figures) {
      const key = stableKey(q)
      const before = this.published.get(q.id)
      if (before?.key === key) continue
      const rev = ++this.revision
      this.published.set(q.id, { figures: q, key, rev })
      changed.push(q)
      // Differs from `before` (its key did), so the patch is never empty.
      deltas.push({ id: q.id, base: before?.rev ?? 0, rev, patch: diff(before?.figures, q) ?? {} })
    }
    if (changed.length === 0) return false
    // A cached snapshot holds the figures published before: it would not match the revisions that follow.
    this.cachedSnapshots.clear()
    this.emit('update', { asOf: this.aggregator.asOf, serverNow: now, epoch: this.epoch, queues: changed, deltas })
    return true
  }
}
