// The append-only event log: appends validated events once per id, reads them back in order.
// Nothing here edits or deletes an accepted event.
import type { RedisClient } from './redis.js'
import type { Keys } from './keys.js'
import { LuaScript, StoreTimeoutError, withDeadline } from './redis.js'

const appendScript = LuaScript.load('append-events.lua')

/**
 * A blocking read not answered this long after its block time ended means Redis is stalled
 * (SIGSTOP, CLIENT PAUSE) rather than busy: Redis answers a block that ran out at once. The read
 * then fails, so the pipeline is reported down (boards go stale) within about 2 s, not at the
 * connection's deadline (5 s) and the health probe's after it.
 */
export const READ_GRACE_MS = 500
/** The log's length is the health probe's question: it must be answered at once or not at all. */
export const LENGTH_DEADLINE_MS = 500

export interface AppendResult {
  accepted: number
  duplicates: number
  /** one flag per event, in order: true when it was appended, false when its id was already stored */
  appended: boolean[]
}

export interface LogEntry {
  /** stream id: `<ms>-<seq>` of the moment Redis stored it */
  position: string
  json: string
}

export class EventLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Stores the events whose id is new, atomically; resolves only once Redis has them. */
  async append(events: Array<{ id: string; json: string }>): Promise<AppendResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, appended: [] }
    const args: string[] = []
    for (const e of events) args.push(e.id, e.json)
    const [accepted, duplicates, flags] = (await appendScript.run(this.redis, [this.keys.eventIds, this.keys.events], args)) as [
      number,
      number,
      string,
    ]
    return { accepted, duplicates, appended: [...flags].map((f) => f === '1') }
  }

  /**
   * Reads up to `count` entries after `after`, waiting up to `blockMs` for the first one; throws a
   * StoreTimeoutError when Redis has not answered `READ_GRACE_MS` after that. The reader's
   * connection is then dropped and made again: a read retried on it would queue behind the stuck
   * one, and each queued read would block for its full time once Redis resumes.
   */
  async readAfter(reader: RedisClient, after: string, count: number, blockMs: number): Promise<LogEntry[]> {
    let res: Awaited<ReturnType<RedisClient['xread']>>
    try {
      res = await withDeadline(
        reader.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.keys.events, after),
        blockMs + READ_GRACE_MS,
        'a read of the event log',
      )
    } catch (err) {
      if (err instanceof StoreTimeoutError) reader.disconnect(true)
      throw err
    }
    const entries = res?.[0]?.[1] ?? []
    return entries.map(([position, fields]) => ({ position, json: fields[1] ?? '' }))
  }

  /** Entries from `from` (inclusive; a stream id or `<ms>`) up to `to` (inclusive), `count` at a time. */
  async *range(from: string, to: string, count = 5000): AsyncGenerator<LogEntry[]> {
    let start = from
    for (;;) {
      const batch = await this.redis.xrange(this.keys.events, start, to, 'COUNT', count)
      if (batch.length === 0) return
      yield batch.map(([position, fields]) => ({ position, json: fields[1] ?? '' }))
      if (batch.length < count) return
      start = `(${batch[batch.length - 1]![0]}`
    }
  }

  /** The id of the newest entry, or null for an empty log. */
  async lastPosition(): Promise<string | null> {
    const [newest] = await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1)
    return newest?.[0] ?? null
  }

  /**
   * Total entries ever appended (the log is never trimmed). Throws a StoreTimeoutError when Redis
   * has not answered within `deadlineMs`: the health probe asks, and a stalled Redis must turn the
   * boards stale within seconds, not after the connection's deadline.
   */
  length(deadlineMs = LENGTH_DEADLINE_MS): Promise<number> {
    return withDeadline(this.redis.xlen(this.keys.events), deadlineMs, 'the length of the event log')
  }
}
