// Watches the store for two failures a reconnect does not reveal. A data reset: Redis came back
// empty (restarted without its files: persistence off, a wiped volume), so everything stored is
// gone while every process carries on. And refused writes: Redis cannot write its append-only file
// (its disk is full) and answers MISCONF to every write until it can again.
//
// A reset is seen through the store's epoch: a random id written once into an empty store. A
// process remembers the epoch it started with and reads it again at every reconnect and every
// `everyMs`; missing or different means the store it knew is gone. What a process with only an
// empty store cannot know is whether there was anything before it: a process that starts on an
// empty store takes it for a fresh install (no epoch to miss), so a reset is seen only while at
// least one process that knew the old epoch is running. The first process to notice writes the new
// epoch and the reset record (when, what was lost as far as it knows); the others adopt both.
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import type { DataReset } from '../../shared/socket.js'
import type { Keys } from './keys.js'
import type { RedisClient } from './redis.js'

export interface Epoch {
  id: string
  /** epoch ms it was written */
  startedAt: number
}

export interface StoreWatchEvents {
  /** the store was reset: every process hears it once per reset (the record is the shared one; `recordedHere` in the process that wrote it) */
  reset: [record: DataReset, recordedHere: boolean]
  /** the store started (a reason) or stopped (null) refusing writes */
  writes: [refused: string | null]
}

export interface StoreWatchOptions {
  logger: FastifyBaseLogger
  /** how often the epoch and the write status are read (besides at every reconnect) */
  everyMs?: number
  now?: () => number
}

/** What the aggregator keeps in memory when the store is lost: the log entries it had applied. */
export type MemoryOfLog = () => { applied: number } | null

/** Redis's own words for a store that refuses writes because its append-only file cannot be written. */
export const AOF_WRITE_REFUSED = 'Redis cannot write its append-only file (is its disk full?) and refuses every write'

function parse<T>(raw: string | null | undefined): T | null {
  if (!raw) return null
  try {
    return JSON.parse(raw) as T
  } catch {
    return null
  }
}

export class StoreWatch extends EventEmitter<StoreWatchEvents> {
  /** the epoch of the store this process works on; null before start */
  epoch: Epoch | null = null
  /** the reset this store came out of, until an admin acknowledges it */
  reset: DataReset | null = null
  /** why the store refuses writes; null while it takes them */
  writesRefused: string | null = null
  /** when the last check found the epoch intact (epoch ms): detection is at most `everyMs` late after it */
  checkedAt = 0
  /** the aggregator's memory, for the reset record; set by the aggregate plugin */
  memory: MemoryOfLog = () => null
  private logLength: number | null = null
  private checking: Promise<boolean> | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly everyMs: number
  private readonly now: () => number
  private readonly onReady = () => void this.check()

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly opts: StoreWatchOptions,
  ) {
    super()
    this.everyMs = opts.everyMs ?? 500
    this.now = opts.now ?? Date.now
  }

  /** Reads (or, into an empty store, writes) the epoch, then checks at every reconnect and every `everyMs`. */
  async start(): Promise<void> {
    await this.adopt().catch((err: unknown) =>
      // A store that refuses writes cannot take a first epoch yet: the checks try again.
      this.opts.logger.warn({ err }, 'no store epoch yet; trying again'),
    )
    this.redis.on('ready', this.onReady)
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.everyMs).unref()
      })
    }
    this.timer = setTimeout(tick, this.everyMs).unref()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.redis.off('ready', this.onReady)
  }

  /**
   * True when the store is the one this process knew (or cannot be reached: nothing to judge then);
   * false when it was reset, once the reset is recorded and announced. Concurrent calls share one read.
   */
  check(): Promise<boolean> {
    this.checking ??= this.inspect().finally(() => (this.checking = null))
    return this.checking
  }

  /** Clears the reset notice (an admin read it); answers the record cleared, null when there was none. */
  async acknowledge(): Promise<DataReset | null> {
    const raw = await this.redis.get(this.keys.dataReset)
    await this.redis.del(this.keys.dataReset)
    const cleared = parse<DataReset>(raw) ?? this.reset
    this.reset = null
    return cleared
  }

  /**
   * The epoch this process starts on. NX: processes starting together on an empty store agree on
   * one. A store from before epochs existed gets its first one here too; it was not reset.
   */
  private async adopt(): Promise<void> {
    const candidate: Epoch = { id: randomBytes(8).toString('hex'), startedAt: this.now() }
    await this.redis.set(this.keys.epoch, JSON.stringify(candidate), 'NX')
    const [epoch, reset] = await Promise.all([this.redis.get(this.keys.epoch), this.redis.get(this.keys.dataReset)])
    this.epoch = parse<Epoch>(epoch) ?? candidate
    this.reset = parse<DataReset>(reset)
    this.checkedAt = this.now()
  }

  private async inspect(): Promise<boolean> {
    if (!this.epoch) {
      await this.adopt().catch(() => undefined)
      return true
    }
    let epoch: string | null
    let reset: string | null
    let length: number
    let persistence: string
    try {
      ;[epoch, reset, length, persistence] = await Promise.all([
        this.redis.get(this.keys.epoch),
        this.redis.get(this.keys.dataReset),
        this.redis.xlen(this.keys.events),
        this.redis.info('persistence'),
      ])
    } catch {
      return true
    }
    this.noteWrites(persistence)
    if (parse<Epoch>(epoch)?.id === this.epoch.id) {
      this.logLength = length
      // Another process recorded a reset of this epoch, or an admin acknowledged it.
      this.reset = parse<DataReset>(reset)
      this.checkedAt = this.now()
      return true
    }
    try {
      await this.recordReset(parse<Epoch>(epoch), parse<DataReset>(reset))
    } catch (err) {
      // Not recorded (the store refuses writes, or went away again): the next check tries again.
      this.opts.logger.error({ err }, 'the store was reset but the reset could not be recorded yet')
    }
    return false
  }

  /**
   * The first process to notice writes the new epoch and the record; a process that finds a newer
   * epoch already written adopts it and the record with it.
   */
  private async recordReset(found: Epoch | null, foundRecord: DataReset | null): Promise<void> {
    const previous = this.epoch!
    if (found === null) {
      const candidate: Epoch = { id: randomBytes(8).toString('hex'), startedAt: this.now() }
      await this.redis.set(this.keys.epoch, JSON.stringify(candidate), 'NX')
    }
    const current = parse<Epoch>(await this.redis.get(this.keys.epoch))
    if (current === null) throw new Error('the new epoch vanished as it was written')
    let record = foundRecord?.epoch === current.id ? foundRecord : null
    let recordedHere = false
    const memory = this.memory()
    if (record === null && memory === null) {
      // No figures here (an ingest-only process): the record is left to a process that has them
      // (what it keeps is the point of it); until then this one shows what it knows.
      record = {
        at: this.now(),
        previousEpoch: previous.id,
        epoch: current.id,
        logEntriesBefore: this.logLength,
        eventsKeptFromMemory: null,
        figuresKept: false,
      }
    } else if (record === null) {
      const candidate: DataReset = {
        at: this.now(),
        previousEpoch: previous.id,
        epoch: current.id,
        logEntriesBefore: this.logLength,
        eventsKeptFromMemory: memory?.applied ?? null,
        figuresKept: memory !== null,
      }
      recordedHere = (await this.redis.set(this.keys.dataReset, JSON.stringify(candidate), 'NX')) === 'OK'
      record = parse<DataReset>(await this.redis.get(this.keys.dataReset)) ?? candidate
    }
    this.epoch = current
    this.reset = record
    this.logLength = null
    this.checkedAt = this.now()
    this.opts.logger.error(
      { previousEpoch: previous.id, epoch: current.id, reset: record },
      'DATA RESET: the store came back empty (Redis restarted without its data); figures continue from memory',
    )
    this.emit('reset', record, recordedHere)
  }

  /** Redis refuses writes while its last append-only-file write failed (`aof_last_write_status:err`). */
  private noteWrites(persistence: string): void {
    const aofFailing = /^aof_last_write_status:err\s*$/m.test(persistence)
    const refused = aofFailing ? AOF_WRITE_REFUSED : null
    if (refused === this.writesRefused) return
    this.writesRefused = refused
    if (refused) this.opts.logger.error({ reason: refused }, 'the store refuses writes')
    else this.opts.logger.warn('the store takes writes again')
    this.emit('writes', refused)
  }
}
