// Reads the event log in order, applies each event once to the state (shared/figures), and saves
// the changed rows with the log position. The imperative shell around the pure reducer: it owns the
// clock, the Redis I/O and the retry loop.
//
// Every server process runs one, so that each serves its boards and reads from memory. Exactly one
// is the active aggregator (the leader, holding the Redis lease): it saves the state, and its
// process runs the alert engine. The others are replicas: they apply the same log in the same order
// and save nothing. A replica that takes the lease reloads the saved state and catches up from the
// saved position, as a restarted process does, so every event is in the saved state exactly once.
import { EventEmitter } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../store/redis.js'
import type { DefinitionBook } from '../../shared/definitions.js'
import { type AggregateState, DEFAULT_RETENTION, applyEvent, emptyState, prune, reindex } from '../../shared/figures/aggregate.js'
import type { EventOf, WallboardEvent } from '../../shared/events.js'
import { UNNAMED_SOURCE, noteSource } from '../../shared/sources.js'
import type { EventLog, LogEntry } from '../store/event-log.js'
import { isUnavailable } from '../store/redis.js'
import { FencedError, type SavedPosition, type StateStore } from '../store/state-store.js'
import { bookAt, recomputeForDefinitions } from './recompute.js'
import { STATE_TABLES } from '../store/keys.js'
import type { Table } from '../../shared/figures/table.js'

/** When Redis stored a log entry: the `<ms>` of its stream id. */
function storedAt(position: string): number {
  const dash = position.indexOf('-')
  return Number(dash < 0 ? position : position.slice(0, dash))
}

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
  reader: RedisClient
  /** a connection of its own for the fenced saves (WATCH holds for the connection) */
  writer: RedisClient
  /** whether this process is the active aggregator now (the lease); always, when absent */
  isLeader?: () => boolean
  /** names this process in the saves it writes */
  owner?: string
  /**
   * the definition books: the one loaded last, a re-read when another version may exist, and (after
   * a data reset) the versions memory holds written back into the new store
   */
  definitions: { current(): DefinitionBook; refresh(): Promise<DefinitionBook>; restore?(book: DefinitionBook): Promise<void> }
  /**
   * whether the store is still the one this process knew (server/store/epoch.ts): false after a data
   * reset, which is then adopted (storeReset) before this process loads anything from the new store
   */
  epoch?: { check(): Promise<boolean> }
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
  /** when Redis stored the oldest event of the batch (epoch ms, its log position): how long events waited to be applied */
  storedAt?: number
  /** the survey responses applied (and saved) in the batch, for the alert engine's event rules */
  surveys: Array<EventOf<'survey.response'>>
}

export interface AggregatorEvents {
  applied: [AppliedBatch]
  /**
   * this process became the active aggregator (true) or stopped being it (false), with the position
   * its saved state reaches: responses after it are in `applied` batches, once saved
   */
  role: [leader: boolean, savedPosition: string]
  /** the pipeline became healthy (a step succeeded) or not (a step failed): boards are told at once */
  health: [healthy: boolean]
}

export class Aggregator extends EventEmitter<AggregatorEvents> {
  /** replaced, never edited in place, when this process takes over (see promote) */
  state: AggregateState = emptyState()
  /** true while this process is the active aggregator: it saves, the others only apply */
  leader = false
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
  /** the writer of the saved state this one continues: a save lands only if it is still the last */
  private writerToken = ''
  private saves = 0
  /** memory holds applied events whose changes were not kept for a save (as a replica): a promotion must reload */
  private diverged = false
  private loop: Promise<void> | null = null
  private lastPrune = 0
  /** the store was reset (storeReset): adopted at the start of the next step */
  private resetPending = false
  /**
   * after a data reset, memory is the only copy of the state: the first save as leader writes every
   * row, and a promotion keeps memory instead of loading the empty store (unless another process
   * already saved its copy into it)
   */
  private resaveAll = false
  /** survey responses applied since the last `applied` event: handed on only once saved */
  private surveys: Array<EventOf<'survey.response'>> = []
  /** the storage time of the oldest event applied since the last `applied` event */
  private storedAt: number | undefined
  private readonly now: () => number
  private readonly batchSize: number
  private readonly blockMs: number
  private readonly pruneEveryMs: number

  constructor(private readonly opts: AggregatorOptions) {
    super()
    this.now = opts.now ?? Date.now
    this.batchSize = opts.batchSize ?? 1000
    this.blockMs = opts.blockMs ?? 500
    this.pruneEveryMs = opts.pruneEveryMs ?? 60_000
  }

  /** Restores the saved state and position. */
  async load(): Promise<void> {
    const saved = await this.opts.store.loadPosition()
    const rows = await this.opts.store.loadInto(this.state)
    reindex(this.state)
    this.position = saved.position
    this.savedPosition = saved.position
    this.writerToken = saved.writer
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
    if (this.leader) await this.save().catch((err: unknown) => this.opts.logger.warn({ err }, 'final state save failed'))
  }

  /** Takes or gives up the active role as the lease says (at each step; at start before the first). */
  async followLease(): Promise<void> {
    const lead = this.opts.isLeader?.() ?? true
    if (lead && !this.leader) await this.promote()
    else if (!lead && this.leader) this.demote('the lease is held by another process')
  }

  /** Notes an applied event against its source: the log position says when it was stored. */
  private noteSource(state: AggregateState, event: WallboardEvent, position: string): void {
    const id = event.source ?? UNNAMED_SOURCE
    const queue = 'queue' in event && typeof event.queue === 'string' ? event.queue : undefined
    const dash = position.indexOf('-')
    const storedAt = Number(dash < 0 ? position : position.slice(0, dash))
    state.sources.set(id, noteSource(state.sources.get(id), { ts: event.ts, queue }, storedAt))
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

  /** Resolves once everything stored in the log before this call is applied (and saved, by the leader). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const last = await this.opts.log.lastPosition()
    if (last === null) return
    const deadline = this.now() + timeoutMs
    const reached = () => (this.leader ? this.savedPosition : this.position)
    while (comparePositions(reached(), last) < 0) {
      // Applied and waiting for its timed save: save now.
      if (this.leader && comparePositions(this.position, last) >= 0) this.saveLater(0)
      if (this.now() > deadline) throw new Error(`aggregator did not reach ${last} within ${timeoutMs} ms (at ${reached()})`)
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
        if (err instanceof FencedError) {
          // Another process saved meanwhile: this one's memory is no base for a save any more.
          this.demote(err.message)
          continue
        }
        this.setHealthy(false)
        failures++
        const level = isUnavailable(err) ? 'warn' : 'error'
        this.opts.logger[level]({ err }, 'aggregator step failed; retrying')
        // At most 0.5 s between attempts, as between Redis reconnects: fresh again soon after Redis is back.
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** failures, 500)))
      }
    }
  }

  /**
   * The store came back empty (a data reset): memory is now the only copy of the figures. Adopted
   * at the start of the next step, so never in the middle of one.
   */
  storeReset(): void {
    this.resetPending = true
  }

  /** One read-apply-save round. Returns true when more entries may be waiting. */
  private async step(blockMs: number): Promise<boolean> {
    if (this.resetPending) await this.adoptReset()
    await this.followLease()
    // A batch applied in memory but not yet saved (a failed save) is saved before anything new is read.
    if (this.saveFailed) await this.save()
    const book = await this.opts.definitions.refresh()
    // A store reset meanwhile would offer its fresh defaults as "another version": checked first.
    if (book.current.version !== this.book.current.version && (await this.storeIntact()))
      await this.changing(() => this.adopt(book))
    const askedAt = this.now()
    const entries = await this.opts.log.readAfter(this.opts.reader, this.position, this.batchSize, blockMs)
    await this.changing(async () => {
      const last = entries[entries.length - 1]
      this.applied += await this.applyEntries(entries, this.state, this.leader ? this.surveys : null)
      if (last) this.position = last.position
    })
    if (entries.length > 0) this.storedAt ??= storedAt(entries[0]!.position)
    const now = this.now()
    // At the first step (a restarted process archives what closed while it was down), then every
    // pruneEveryMs. While a backlog is replayed, as of the newest event applied, as live would have.
    if (now - this.lastPrune >= this.pruneEveryMs) {
      prune(this.state, Math.min(now, this.newestEventAt ?? now))
      this.lastPrune = now
    }
    const more = entries.length >= this.batchSize
    if (!more) this.asOf = entries.length === 0 && blockMs > 0 ? now : askedAt
    this.setHealthy(true)
    // The figures go out before the save: boards need not wait for a write they do not read.
    this.emitApplied(entries.length)
    // A save writes every row the batches since the last one touched: while events stream in,
    // batches are small and touch the same rows (each queue's buckets), so saving each batch would
    // write them many times a second. At most every SAVE_EVERY_MS, then, and at the latest that
    // long after the last batch. Survey responses are handed on once saved.
    if (!this.leader) {
      if (entries.length > 0) this.diverged = true
      this.discardChanges()
    } else if (now - this.lastSaveAt >= SAVE_EVERY_MS) {
      await this.save()
      this.emitApplied(0)
    } else this.saveLater(SAVE_EVERY_MS - (now - this.lastSaveAt))
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

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return
    this.healthy = healthy
    this.emit('health', healthy)
  }

  /** Tells the figures what changed; survey responses are handed on only once saved (an alert acts on them once). */
  private emitApplied(events: number): void {
    const { touchedQueues, touchedAgents } = this.state
    const saved = this.savedPosition === this.position
    const surveys = saved ? this.surveys : []
    if (touchedQueues.size || touchedAgents.size || events || surveys.length) {
      if (saved) this.surveys = []
      const storedAt = this.storedAt
      this.storedAt = undefined
      this.emit('applied', { queues: new Set(touchedQueues), agents: new Set(touchedAgents), events, storedAt, surveys })
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
          if (err instanceof FencedError) return this.demote(err.message)
          this.opts.logger.warn({ err }, 'state save failed; retrying')
          this.saveLater(SAVE_EVERY_MS)
        },
      )
    }, delayMs)
    this.saveTimer.unref()
  }

  /**
   * Applies log entries to a state, in slices; survey responses are collected when `surveys` is
   * given (the leader's: its alert engine acts on them). Answers how many entries it went through.
   */
  private async applyEntries(
    entries: LogEntry[],
    state: AggregateState,
    surveys: Array<EventOf<'survey.response'>> | null,
  ): Promise<number> {
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
      }
      applyEvent(state, event, this.book)
      if (surveys && event.type === 'survey.response') surveys.push(event)
      if (this.newestEventAt === null || event.ts > this.newestEventAt) this.newestEventAt = event.ts
      this.noteSource(state, event, entry.position)
    }
    return entries.length
  }

  /**
   * Becomes the active aggregator. A replica's memory does not record which rows changed since the
   * saved state, so the saved state is loaded again and caught up from its position to where this
   * process is, with the survey responses in between kept for the alert engine; only then does it
   * replace the replica's, so the figures never step back.
   */
  private async promote(): Promise<void> {
    const started = this.now()
    // An empty store must not replace memory: a reset is adopted (next step) before this process leads.
    if (!(await this.storeIntact())) return
    const saved = await this.opts.store.loadPosition()
    // After a reset nobody saved into yet, memory is the only copy: it is saved whole.
    const resave = this.resaveAll && saved.writer === ''
    // Unless nothing was applied since the state was loaded, and nobody saved since: then memory is the saved state.
    const reload = !resave && (this.diverged || saved.writer !== this.writerToken)
    if (resave) {
      this.touchAll()
      this.writerToken = ''
      this.diverged = false
    }
    if (reload) await this.reloadFrom(saved)
    this.resaveAll &&= resave
    this.leader = true
    this.opts.logger.info(
      { position: this.position, saved: saved.position, reloaded: reload, ms: this.now() - started },
      'this process is now the active aggregator',
    )
    this.emit('role', true, this.savedPosition)
  }

  /**
   * Replaces memory with the saved state caught up to where memory was (or the saved state, if
   * that is ahead). Survey responses caught up are kept for the alert engine, handed on once saved.
   */
  private async reloadFrom(saved: SavedPosition): Promise<void> {
    const fresh = emptyState()
    await this.opts.store.loadInto(fresh)
    reindex(fresh)
    const latest = await this.opts.definitions.refresh()
    const replicaBook = this.book
    const surveys: Array<EventOf<'survey.response'>> = []
    let position = saved.position
    let applied = saved.applied
    // The catch-up runs under the definitions the saved state was computed under; the next step adopts newer ones.
    this.book = saved.definitions > 0 ? bookAt(latest, saved.definitions) : latest
    try {
      if (comparePositions(saved.position, this.position) < 0) {
        for await (const entries of this.opts.log.range(`(${saved.position}`, this.position)) {
          applied += await this.applyEntries(entries, fresh, surveys)
          position = entries[entries.length - 1]!.position
        }
      }
    } catch (err) {
      this.book = replicaBook
      throw err
    }
    this.state = fresh
    this.position = position
    this.applied = applied
    this.savedPosition = saved.position
    this.savedDefinitions = saved.definitions
    this.writerToken = saved.writer
    this.surveys = surveys
    this.saveFailed = false
    this.lastSaveAt = 0
    this.lastPrune = 0
    this.diverged = false
  }

  private async storeIntact(): Promise<boolean> {
    return this.opts.epoch ? this.opts.epoch.check() : true
  }

  /** Marks every row of the state changed: the next save writes all of it. */
  private touchAll(): void {
    for (const name of STATE_TABLES) {
      const table = this.state[name] as Table<unknown>
      for (const key of table.rows.keys()) table.touch(key)
    }
  }

  /**
   * Continues on a store that came back empty. Memory holds every event applied before the loss;
   * the new log is read on from where memory is (its stream ids follow on from the old ones: they
   * are Redis's clock), so what counts as applied is now the new log's entries up to that position.
   * The definitions memory computed under are written back, and the whole state is saved by the
   * leader (or by whichever process leads first), marked as a reset by the store watch.
   */
  private async adoptReset(): Promise<void> {
    // Until this succeeds the reset stays pending: a failed step adopts it again (every part is idempotent).
    await this.opts.definitions.restore?.(this.book)
    await this.changing(async () => {
      let applied = 0
      for await (const entries of this.opts.log.range('-', this.position)) applied += entries.length
      this.applied = applied
      this.touchAll()
    })
    this.resetPending = false
    this.writerToken = ''
    this.savedPosition = '0-0'
    this.savedDefinitions = 0
    this.saveFailed = false
    this.diverged = false
    this.resaveAll = true
    this.opts.logger.warn(
      { position: this.position, leader: this.leader },
      'data reset adopted: the figures continue from memory and are saved whole into the new store',
    )
    if (this.leader) await this.save()
    else this.discardChanges()
  }

  /** Stops saving: this process goes on applying the log as a replica. */
  private demote(reason: string): void {
    if (!this.leader) return
    this.leader = false
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.saveTimer = null
    this.discardChanges()
    this.diverged = true
    this.surveys = []
    this.saveFailed = false
    this.opts.logger.warn({ reason }, 'no longer the active aggregator: applying the log without saving')
    this.emit('role', false, this.savedPosition)
  }

  /** A replica saves nothing: what changed is forgotten as soon as it is applied. */
  private discardChanges(): void {
    this.opts.store.forgetWritten(this.state, this.opts.store.takeChanges(this.state))
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
    if (!this.leader) return this.opts.store.forgetWritten(this.state, changes)
    if (empty && this.savedPosition === this.position && this.savedDefinitions === definitions) return
    this.lastSaveAt = this.now()
    const writer = `${this.opts.owner ?? 'aggregator'}:${++this.saves}`
    try {
      await this.opts.store.save(
        changes,
        { position: this.position, applied: this.applied, definitions, writer },
        { redis: this.opts.writer, expected: this.writerToken },
      )
      this.opts.store.forgetWritten(this.state, changes)
      this.writerToken = writer
      this.savedPosition = this.position
      this.savedDefinitions = definitions
      this.saveFailed = false
      this.resaveAll = false
    } catch (err) {
      this.opts.store.restoreChanges(this.state, changes)
      this.saveFailed = true
      throw err
    }
  }
}
