// Reads the event log in order, applies each event once to the state (shared/figures), and saves
// the changed rows with the log position after every batch. The imperative shell around the pure
// reducer: it owns the clock, the Redis I/O and the retry loop.
import { EventEmitter } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { DefinitionBook } from '../../shared/definitions.js'
import { type AggregateState, DEFAULT_RETENTION, applyEvent, emptyState, prune, reindex } from '../../shared/figures/aggregate.js'
import type { EventOf, WallboardEvent } from '../../shared/events.js'
import { UNNAMED_SOURCE, noteSource } from '../../shared/sources.js'
import type { EventLog, LogEntry } from '../store/event-log.js'
import { isUnavailable } from '../store/redis.js'
import type { StateStore } from '../store/state-store.js'
import { bookAt, recomputeForDefinitions } from './recompute.js'

/** Orders stream ids (`<ms>-<seq>`). */
export function comparePositions(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am - bm || as - bs
}

/** While events stream in, the state is saved at most this often, and at the latest this long after a batch. */
const SAVE_EVERY_MS = 250
/** The aggregator applies events for at most this long before it lets other work of the process run. */
const APPLY_SLICE_MS = 2

export interface AggregatorOptions {
  log: EventLog
  store: StateStore
  /** a connection of its own: XREAD BLOCK holds it */
  reader: Redis
  /** the definition books: the one loaded last, and a re-read when another version may exist */
  definitions: { current(): DefinitionBook; refresh(): Promise<DefinitionBook> }
  logger: FastifyBaseLogger
  batchSize?: number
  blockMs?: number
  pruneEveryMs?: number
  now?: () => number
}

export interface AppliedBatch {
  queues: Set<string>
  agents: Set<string>
  events: number
  /** the survey responses applied (and saved) in the batch, for the alert engine's event rules */
  surveys: Array<EventOf<'survey.response'>>
}

export interface AggregatorEvents {
  applied: [AppliedBatch]
}

export class Aggregator extends EventEmitter<AggregatorEvents> {
  readonly state: AggregateState = emptyState()
  /** last applied stream id */
  position = '0-0'
  applied = 0
  /** epoch ms up to which the whole log is applied (the log had nothing newer then) */
  asOf: number | null = null
  newestEventAt: number | null = null
  healthy = false
  skipped = 0
  /** the definitions every applied event was computed under */
  book!: DefinitionBook
  /** every call with an outcome from this instant on is in memory or in the call archive (see load) */
  callsArchivedSince = 0
  private stopped = false
  private savedPosition = '0-0'
  private lastSaveAt = 0
  private saveFailed = false
  /** a save under way (one at a time: the transaction that writes the position must follow its rows') */
  private saving: Promise<void> | null = null
  private saveTimer: NodeJS.Timeout | null = null
  /** true while a step applies events or recomputes: the state must not be serialised meanwhile */
  private applying = false
  private savedDefinitions = 0
  private loop: Promise<void> | null = null
  private lastPrune = 0
  /** survey responses applied since the last `applied` event: handed on only once saved */
  private surveys: Array<EventOf<'survey.response'>> = []
  private readonly now: () => number
  private readonly batchSize: number
  private readonly blockMs: number
  private readonly pruneEveryMs: number

  constructor(private readonly opts: AggregatorOptions) {
    super()
    this.now = opts.now ?? Date.now
    this.batchSize = opts.batchSize ?? 1000
    this.blockMs = opts.blockMs ?? 1000
    this.pruneEveryMs = opts.pruneEveryMs ?? 60_000
  }

  /** Restores the saved state and position. */
  async load(): Promise<void> {
    const saved = await this.opts.store.loadPosition()
    const rows = await this.opts.store.loadInto(this.state)
    reindex(this.state)
    this.position = saved.position
    this.savedPosition = saved.position
    this.applied = saved.applied
    // A store that never applied an event never forgot a call; one an older release ran may have
    // forgotten calls whose last event came before the oldest finished call it still keeps.
    this.callsArchivedSince = await this.opts.store.callArchiveStart(
      saved.applied === 0 ? 0 : this.now() - DEFAULT_RETENTION.finishedCallMs,
    )
    const book = await this.opts.definitions.refresh()
    // Saved under an older definition (a change was made, then the process stopped): catch up.
    this.book = saved.definitions > 0 ? bookAt(book, saved.definitions) : book
    this.savedDefinitions = saved.definitions
    this.opts.logger.info(
      { position: this.position, applied: this.applied, rows, definitions: saved.definitions },
      'aggregator state loaded',
    )
  }

  start(): void {
    this.stopped = false
    this.loop ??= this.run().finally(() => (this.loop = null))
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.loop
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.saveTimer = null
    // What was applied since the last save is saved now, rather than replayed at the next start.
    await this.save().catch((err: unknown) => this.opts.logger.warn({ err }, 'final state save failed'))
  }

  /** Notes an applied event against its source: the log position says when it was stored. */
  private noteSource(event: WallboardEvent, position: string): void {
    const id = event.source ?? UNNAMED_SOURCE
    const queue = 'queue' in event && typeof event.queue === 'string' ? event.queue : undefined
    const dash = position.indexOf('-')
    const storedAt = Number(dash < 0 ? position : position.slice(0, dash))
    this.state.sources.set(id, noteSource(this.state.sources.get(id), { ts: event.ts, queue }, storedAt))
  }

  /** Forgets a retired source (saved with the next step); false when there is none by that id. */
  forgetSource(id: string): boolean {
    if (!this.state.sources.has(id)) return false
    this.state.sources.delete(id)
    return true
  }

  /**
   * Resolves once no state save is under way. Readers of the saved state (history) wait for it: a
   * recompute under new definitions is in memory, and its figures visible, while it is being saved.
   */
  async settled(): Promise<void> {
    while (this.saving) await this.saving.catch(() => undefined)
  }

  /** Resolves once everything stored in the log before this call is applied and saved. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const last = await this.opts.log.lastPosition()
    if (last === null) return
    const deadline = this.now() + timeoutMs
    while (comparePositions(this.savedPosition, last) < 0) {
      // Applied and waiting for its timed save: save now.
      if (comparePositions(this.position, last) >= 0) this.saveLater(0)
      if (this.now() > deadline)
        throw new Error(`aggregator did not reach ${last} within ${timeoutMs} ms (at ${this.savedPosition})`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.once('applied', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private async run(): Promise<void> {
    let failures = 0
    while (!this.stopped) {
      try {
        await this.step(this.blockMs)
        failures = 0
      } catch (err) {
        if (this.stopped) break
        this.healthy = false
        failures++
        const level = isUnavailable(err) ? 'warn' : 'error'
        this.opts.logger[level]({ err }, 'aggregator step failed; retrying')
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures, 2_000)))
      }
    }
  }

  /** One read-apply-save round. Returns true when more entries may be waiting. */
  private async step(blockMs: number): Promise<boolean> {
    // A batch applied in memory but not yet saved (a failed save) is saved before anything new is read.
    if (this.saveFailed) await this.save()
    const book = await this.opts.definitions.refresh()
    if (book.current.version !== this.book.current.version) await this.changing(() => this.adopt(book))
    const askedAt = this.now()
    const entries = await this.opts.log.readAfter(this.opts.reader, this.position, this.batchSize, blockMs)
    await this.changing(() => this.applyEntries(entries))
    const now = this.now()
    // At the first step (a restarted process archives what closed while it was down), then every
    // pruneEveryMs. While a backlog is replayed, as of the newest event applied, as live would have.
    if (now - this.lastPrune >= this.pruneEveryMs) {
      prune(this.state, Math.min(now, this.newestEventAt ?? now))
      this.lastPrune = now
    }
    // A save writes every row the batches since the last one touched: while events stream in,
    // batches are small and touch the same rows (each queue's buckets), so saving each batch would
    // write them many times a second. At most every SAVE_EVERY_MS, then, and at the latest that
    // long after the last batch.
    if (now - this.lastSaveAt >= SAVE_EVERY_MS) await this.save()
    else this.saveLater(SAVE_EVERY_MS - (now - this.lastSaveAt))
    const more = entries.length >= this.batchSize
    if (!more) this.asOf = entries.length === 0 && blockMs > 0 ? now : askedAt
    this.healthy = true
    this.emitApplied(entries.length)
    return more
  }

  /**
   * Changes the state across awaits (applying in slices, a recompute): after any save under way,
   * which serialises the state in slices too, and with no timed save starting meanwhile.
   */
  private async changing(change: () => Promise<void>): Promise<void> {
    await this.settled()
    this.applying = true
    try {
      await change()
    } finally {
      this.applying = false
    }
  }

  /** Tells the figures what changed; survey responses are handed on only once saved (an alert acts on them once). */
  private emitApplied(events: number): void {
    const { touchedQueues, touchedAgents } = this.state
    const saved = this.savedPosition === this.position
    const surveys = saved ? this.surveys : []
    if (touchedQueues.size || touchedAgents.size || events || surveys.length) {
      if (saved) this.surveys = []
      this.emit('applied', { queues: new Set(touchedQueues), agents: new Set(touchedAgents), events, surveys })
      touchedQueues.clear()
      touchedAgents.clear()
    }
  }

  /** Saves in `delayMs` unless a save is due before; one runs while a step applies is left to the step. */
  private saveLater(delayMs: number): void {
    if (this.saveTimer && delayMs > 0) return
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null
      if (this.stopped || this.saving) return
      if (this.applying) return this.saveLater(SAVE_EVERY_MS)
      this.save().then(
        () => this.emitApplied(0),
        (err: unknown) => {
          this.opts.logger.warn({ err }, 'state save failed; retrying')
          this.saveLater(SAVE_EVERY_MS)
        },
      )
    }, delayMs)
    this.saveTimer.unref()
  }

  private async applyEntries(entries: LogEntry[]): Promise<void> {
    let sliceStart = performance.now()
    for (const entry of entries) {
      // Applying a full batch takes tens of milliseconds; ingest requests (and their
      // acknowledgements) must not wait that long behind it.
      if (performance.now() - sliceStart > APPLY_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        sliceStart = performance.now()
      }
      let event: WallboardEvent
      try {
        event = JSON.parse(entry.json) as WallboardEvent
      } catch {
        // Only validated JSON is ever appended; count rather than stop the whole board.
        this.skipped++
        this.opts.logger.error({ position: entry.position }, 'unreadable event in the log; skipped')
        continue
      } finally {
        this.position = entry.position
        this.applied++
      }
      applyEvent(this.state, event, this.book)
      if (event.type === 'survey.response') this.surveys.push(event)
      if (this.newestEventAt === null || event.ts > this.newestEventAt) this.newestEventAt = event.ts
      this.noteSource(event, entry.position)
    }
  }

  /**
   * Switches to a newer definition book: the current day of every queue whose definition changed
   * is recomputed from the log, then saved with the new version in the same transaction.
   */
  private async adopt(book: DefinitionBook): Promise<void> {
    const started = this.now()
    const r = await recomputeForDefinitions(this.state, this.opts.log, this.position, this.book, book, started)
    this.book = book
    await this.save()
    this.emit('applied', {
      queues: new Set(this.state.touchedQueues),
      agents: new Set(this.state.touchedAgents),
      events: 0,
      surveys: [],
    })
    this.state.touchedQueues.clear()
    this.state.touchedAgents.clear()
    this.opts.logger.info(
      {
        version: book.current.version,
        changed: r.changed.map((q) => q ?? 'centre'),
        replayed: r.replayed,
        ms: this.now() - started,
      },
      'definitions changed: current day recomputed',
    )
  }

  /** Saves what changed since the last save, after any save under way. */
  private async save(): Promise<void> {
    // Checked and claimed in the same turn: two saves never run at once.
    while (this.saving) await this.saving.catch(() => undefined)
    const run = this.saveChanges()
    this.saving = run
    try {
      await run
    } finally {
      this.saving = null
    }
  }

  private async saveChanges(): Promise<void> {
    const changes = this.opts.store.takeChanges(this.state)
    const empty =
      changes.history.length === 0 &&
      (changes.archivedCalls ?? []).length === 0 &&
      changes.tables.every(([, rows]) => rows.length === 0)
    const definitions = this.book.current.version
    if (empty && this.savedPosition === this.position && this.savedDefinitions === definitions) return
    this.lastSaveAt = this.now()
    try {
      await this.opts.store.save(changes, { position: this.position, applied: this.applied, definitions })
      this.opts.store.forgetWritten(this.state, changes)
      this.savedPosition = this.position
      this.savedDefinitions = definitions
      this.saveFailed = false
    } catch (err) {
      this.opts.store.restoreChanges(this.state, changes)
      this.saveFailed = true
      throw err
    }
  }
}
