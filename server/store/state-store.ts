// Saves the aggregator's state to Redis: only the rows an event batch changed, together with the
// log position they include (and the definition version they were computed under), in one
// MULTI/EXEC. After a crash the saved rows and the position always agree, so re-reading the log
// from that position applies every event exactly once. Closed intervals leave memory for one
// hash per UTC day, which expires when the history retention has passed: the history's key count
// and memory are bounded by the retention. Calls forgotten from memory leave a summary in one hash
// per queue and UTC day of their outcome, for the drill-down of a whole business day; it expires
// CALL_ARCHIVE_DAYS after that day.
import type { RedisClient } from './redis.js'
import { type AggregateState, SAVED_APART, parseBucketKey } from '../../shared/figures/aggregate.js'
import type { CallSummary, OutcomeKind } from '../../shared/figures/calls.js'
import type { Counters } from '../../shared/figures/counters.js'
import type { Table } from '../../shared/figures/table.js'
import { type Keys, STATE_TABLES, type StateTable } from './keys.js'
import { LuaScript } from './redis.js'

const mergeCounters = LuaScript.load('merge-counters.lua')

export interface SavedPosition {
  /** last applied stream id */
  position: string
  /** how many log entries have been applied in total */
  applied: number
  /** the definition-set version the saved state was computed under (0: none yet) */
  definitions: number
  /** names the save that wrote it ('' before the first): the next fenced save expects it unchanged */
  writer: string
}

/** A save refused because another process saved the state since this one loaded or last saved it. */
export class FencedError extends Error {
  override name = 'FencedError'
}

/**
 * Makes a save conditional: it lands only if the saved state is still the one `expected` wrote.
 * Runs on a connection of its own (WATCH holds for the connection until EXEC).
 */
export interface Fence {
  redis: RedisClient
  expected: string
}

export interface Changes {
  tables: Array<[StateTable, Array<[string, unknown]>]>
  /** intervals archived by this batch: interval key → counters (added to what is stored) */
  history: Array<[string, Counters | undefined]>
  /** calls archived by this batch: call key → summary (absent: none) */
  archivedCalls?: Array<[string, CallSummary | undefined]>
}

function tableOf(state: AggregateState, name: StateTable): Table<unknown> {
  return state[name] as Table<unknown>
}

const DAY_MS = 86_400_000
/** Rows per command within a save's transaction. */
const CHUNK_ROWS = 1000

function* chunks(args: string[], size: number): Generator<string[]> {
  // Nearly every save fits in one command: no copy then.
  if (args.length <= size) {
    if (args.length > 0) yield args
    return
  }
  for (let i = 0; i < args.length; i += size) yield args.slice(i, i + size)
}

/** A row's JSON without the fields another table saves (in the row's own field order). */
function jsonWithout(row: object, apart: readonly string[]): string {
  const kept: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) if (!apart.includes(k)) kept[k] = v
  return JSON.stringify(kept)
}

/** The UTC day whose history hash holds an archived interval's row. */
export function historyDayOf(startMs: number): string {
  return new Date(startMs).toISOString().slice(0, 10)
}

/**
 * Archived calls are kept 3 days after the UTC day of their outcome ends. The drill-down reaches
 * back one business day before the current one: at most two days of at most 25 h (DST), so an
 * instant at most 50 h old, whatever the zone and day start hour. That is never more than two UTC
 * days past the one it falls in; the third is margin.
 */
export const CALL_ARCHIVE_DAYS = 3

/** An archived call as stored (its call id is the field, its queue and day the key): compact, ~60 bytes. */
type StoredCall = [queuedAt: number | null, outcomeAt: number, outcome: OutcomeKind, caller: string | null, agent: string | null]

function decodeCall(queue: string, callId: string, json: string): CallSummary | null {
  try {
    const [queuedAt, outcomeAt, outcome, caller, agent] = JSON.parse(json) as StoredCall
    return { callId, queue, caller, queuedAt, outcomeAt, outcome, agent }
  } catch {
    return null
  }
}

/** The UTC days an instant range touches, oldest first. */
function utcDays(fromMs: number, toMs: number): string[] {
  const days: string[] = []
  for (let t = Date.parse(`${historyDayOf(fromMs)}T00:00:00Z`); t <= toMs; t += DAY_MS) days.push(historyDayOf(t))
  return days
}

/** Serialising a save runs at most this long before it lets other work of the process run. */
const SAVE_SLICE_MS = 2

export class StateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** archived intervals are kept this many days after their UTC day ends */
    private readonly historyDays: number,
  ) {}

  async loadPosition(): Promise<SavedPosition> {
    const h = await this.redis.hgetall(this.keys.position)
    return {
      position: h['position'] ?? '0-0',
      applied: Number(h['applied'] ?? 0),
      definitions: Number(h['definitions'] ?? 0),
      writer: h['writer'] ?? '',
    }
  }

  /** Fills the state's tables from Redis (without marking anything changed); history stays in Redis. */
  async loadInto(state: AggregateState): Promise<number> {
    let rows = 0
    for (const name of STATE_TABLES) {
      const table = tableOf(state, name)
      let cursor = '0'
      do {
        const [next, flat] = await this.redis.hscan(this.keys.state[name], cursor, 'COUNT', 2000)
        for (let i = 0; i + 1 < flat.length; i += 2) {
          table.restore(flat[i]!, JSON.parse(flat[i + 1]!))
          rows++
        }
        cursor = next
      } while (cursor !== '0')
    }
    return rows
  }

  /** Takes the pending changes out of the state's tables. */
  takeChanges(state: AggregateState): Changes {
    return {
      tables: STATE_TABLES.map((name) => [name, tableOf(state, name).takeChanges()] as [StateTable, Array<[string, unknown]>]),
      history: state.history.takeChanges(),
      archivedCalls: state.archivedCalls.takeChanges(),
    }
  }

  /** Puts changes back after a failed save, so the next save includes them. */
  restoreChanges(state: AggregateState, changes: Changes): void {
    for (const [name, rows] of changes.tables) {
      const table = tableOf(state, name)
      for (const [key] of rows) table.touch(key)
    }
    for (const [key] of changes.history) state.history.touch(key)
    for (const [key] of changes.archivedCalls ?? []) state.archivedCalls.touch(key)
  }

  /** After a successful save, archived intervals leave memory (they live in Redis only). */
  forgetWritten(state: AggregateState, changes: Changes): void {
    for (const [key] of changes.history) state.history.rows.delete(key)
    for (const [key] of changes.archivedCalls ?? []) state.archivedCalls.rows.delete(key)
  }

  /**
   * From when the call archive covers the drill-down: every call with an outcome from then on is in
   * memory or archived. Set once, at the first start with the archive, to `coveredFrom`: the caller
   * passes 0 for a new store (nothing was ever forgotten), else now minus the time finished calls
   * stay in memory (an older release forgot only calls whose last event came before that).
   */
  async callArchiveStart(coveredFrom: number): Promise<number> {
    await this.redis.set(this.keys.callsArchivedSince, String(coveredFrom), 'NX')
    const stored = Number(await this.redis.get(this.keys.callsArchivedSince))
    return Number.isFinite(stored) ? stored : coveredFrom
  }

  /** The archived calls of a queue whose outcome may fall in [fromMs, toMs]: those of the UTC days it touches. */
  async archivedCalls(queue: string, fromMs: number, toMs: number): Promise<CallSummary[]> {
    const days = utcDays(fromMs, toMs)
    const pipeline = this.redis.pipeline()
    for (const day of days) pipeline.hgetall(this.keys.callsDay(day, queue))
    const out: CallSummary[] = []
    for (const [err, rows] of (await pipeline.exec()) ?? []) {
      if (err) throw err
      for (const [callId, json] of Object.entries(rows as Record<string, string>)) {
        const call = decodeCall(queue, callId, json)
        if (call) out.push(call)
      }
    }
    return out
  }

  /**
   * Writes the changed rows and the new position atomically. With a fence, only if nobody saved
   * since the save named `fence.expected`: two processes that both believe they aggregate (a paused
   * one waking after its lease ran out) can then never interleave their rows.
   */
  async save(changes: Changes, pos: SavedPosition, fence?: Fence): Promise<void> {
    const redis = fence?.redis ?? this.redis
    if (fence) {
      await redis.watch(this.keys.position)
      const current = (await redis.hget(this.keys.position, 'writer')) ?? ''
      if (current !== fence.expected) {
        await redis.unwatch()
        throw new FencedError(
          `the state was saved by another process (${current || 'unnamed'}) since ${fence.expected || 'it was loaded'}`,
        )
      }
    }
    const tx = redis.multi()
    // Serialising thousands of rows takes tens of milliseconds: in slices, so that requests (ingest
    // acknowledgements above all) are answered meanwhile. The aggregator waits for this save, so
    // the rows do not change under it.
    let sliceStart = performance.now()
    for (const [name, rows] of changes.tables) {
      if (rows.length === 0) continue
      const key = this.keys.state[name]
      const set: string[] = []
      const del: string[] = []
      // Fields of a row that another table saves are left out of the row.
      const apart = SAVED_APART[name]
      for (const [field, value] of rows) {
        if ((set.length & 127) === 0 && performance.now() - sliceStart > SAVE_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve))
          sliceStart = performance.now()
        }
        if (value === undefined) del.push(field)
        else set.push(field, apart ? jsonWithout(value as object, apart) : JSON.stringify(value))
      }
      // In chunks: a prune or a recompute can change hundreds of thousands of rows at once, more
      // arguments than one call can spread (still one transaction).
      for (const part of chunks(set, 2 * CHUNK_ROWS)) tx.hset(key, ...part)
      for (const part of chunks(del, CHUNK_ROWS)) tx.hdel(key, ...part)
    }
    this.archive(tx, changes.history)
    this.archiveCalls(tx, changes.archivedCalls ?? [])
    tx.hset(
      this.keys.position,
      'position',
      pos.position,
      'applied',
      String(pos.applied),
      'definitions',
      String(pos.definitions),
      'writer',
      pos.writer,
    )
    const results = await tx.exec()
    // EXEC answers nothing when the watched position changed after the check.
    if (fence && results === null) throw new FencedError('the state was saved by another process during this save')
    const failed = results?.find(([err]) => err)
    if (!results || failed) throw failed?.[0] ?? new Error('state save aborted')
  }

  /** Adds archived intervals into their day's hash and (re)sets the hash's expiry. */
  private archive(tx: ReturnType<RedisClient['multi']>, rows: Changes['history']): void {
    const byDay = new Map<string, string[]>()
    for (const [field, counters] of rows) {
      const k = parseBucketKey(field)
      if (counters === undefined || k?.kind !== 'i') continue
      const day = historyDayOf(Number(k.time))
      let args = byDay.get(day)
      if (!args) byDay.set(day, (args = []))
      args.push(field, JSON.stringify(counters))
    }
    for (const [day, args] of byDay) {
      const key = this.keys.historyDay(day)
      // Added to what is there (EVAL, not EVALSHA: a transaction cannot retry a NOSCRIPT).
      for (const part of chunks(args, 2 * CHUNK_ROWS)) tx.eval(mergeCounters.source, 1, key, ...part)
      tx.pexpireat(key, Date.parse(`${day}T00:00:00Z`) + (this.historyDays + 1) * DAY_MS)
    }
  }

  /**
   * Files archived calls under their queue and the UTC day of their outcome, by call id: a replay
   * after a crash overwrites the same field instead of adding a row. The day's expiry is (re)set.
   */
  private archiveCalls(tx: ReturnType<RedisClient['multi']>, rows: NonNullable<Changes['archivedCalls']>): void {
    const byKey = new Map<string, { day: string; args: string[] }>()
    for (const [, c] of rows) {
      if (c === undefined) continue
      const day = historyDayOf(c.outcomeAt)
      const key = this.keys.callsDay(day, c.queue)
      let entry = byKey.get(key)
      if (!entry) byKey.set(key, (entry = { day, args: [] }))
      const stored: StoredCall = [c.queuedAt, c.outcomeAt, c.outcome, c.caller, c.agent]
      entry.args.push(c.callId, JSON.stringify(stored))
    }
    for (const [key, { day, args }] of byKey) {
      for (const part of chunks(args, 2 * CHUNK_ROWS)) tx.hset(key, ...part)
      tx.pexpireat(key, Date.parse(`${day}T00:00:00Z`) + (CALL_ARCHIVE_DAYS + 1) * DAY_MS)
    }
  }
}
