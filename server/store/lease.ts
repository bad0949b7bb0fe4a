// A Redis lease: at most one holder at a time among the processes sharing a Redis, held by
// renewing it before it expires. It elects the one active aggregator; a holder that dies (kill -9,
// power) stops renewing and another process takes the lease once it expires. The lease only keeps
// work from being done twice: what it guards must still be safe when two processes briefly both
// believe they hold it (a paused holder waking up), so the aggregator's saves are also fenced.
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { RedisClient } from './redis.js'
import { LuaScript } from './redis.js'

const renewScript = LuaScript.load('renew-lease.lua')
const releaseScript = LuaScript.load('release-lease.lua')

export interface LeaseOptions {
  /** how long a lease lasts without renewal: the longest a dead holder keeps others waiting */
  ttlMs?: number
  /** how often the holder renews, and others try to take it */
  everyMs?: number
  /** names the holder in Redis (for an operator reading the key); random by default */
  owner?: string
  now?: () => number
}

export interface LeaseEvents {
  acquired: []
  /** renewal failed, another process holds it, or Redis was unreachable for too long to be sure */
  lost: [reason: string]
}

export class Lease extends EventEmitter<LeaseEvents> {
  readonly owner: string
  readonly ttlMs: number
  private readonly everyMs: number
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  /** fires when the lease we hold runs out unless a renewal confirmed it meanwhile */
  private expiry: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = true
  /** when the lease we hold expires at the latest, by our own clock (a renewal's start + ttl) */
  private validUntil = 0
  private holding = false

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    opts: LeaseOptions = {},
  ) {
    super()
    this.ttlMs = opts.ttlMs ?? 3_000
    this.everyMs = opts.everyMs ?? 500
    this.owner = opts.owner ?? randomBytes(8).toString('hex')
    this.now = opts.now ?? Date.now
  }

  /** True while the lease is ours and cannot yet have expired in Redis. */
  get held(): boolean {
    return this.holding && this.now() < this.validUntil
  }

  /** Tries at once, then every `everyMs`: renews while held, takes it when free. */
  start(): Promise<void> {
    this.stopped = false
    return this.attempt()
  }

  /** Stops renewing and gives the lease up, so another process takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
    this.clearExpiry()
    if (this.holding) {
      this.holding = false
      await releaseScript.run(this.redis, [this.key], [this.owner]).catch(() => undefined)
      this.emit('lost', 'stopped')
    }
  }

  private attempt(): Promise<void> {
    const run = this.renewOrTake().finally(() => {
      this.running = null
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.attempt(), this.everyMs)
        this.timer.unref()
      }
    })
    this.running = run
    return run
  }

  private async renewOrTake(): Promise<void> {
    const startedAt = this.now()
    let ours: boolean
    try {
      // Renews when ours, takes it when free: one script, so a lease that just expired is never
      // taken by two processes (SET NX inside it).
      ours = (await renewScript.run(this.redis, [this.key], [this.owner, this.ttlMs])) === 1
    } catch (err) {
      // Unsure whether the renewal landed: held until the last certain expiry, then lost.
      if (this.holding && this.now() >= this.validUntil) this.lose(`cannot reach Redis: ${(err as Error).message}`)
      return
    }
    if (this.stopped) {
      if (ours) await releaseScript.run(this.redis, [this.key], [this.owner]).catch(() => undefined)
      return
    }
    if (ours) {
      // Counted from before the request: Redis started the ttl later than that, never earlier.
      this.validUntil = startedAt + this.ttlMs
      if (this.now() >= this.validUntil) {
        // Answered after the ttl it set had run out (Redis stalled meanwhile): proof of nothing now;
        // the next renewal, every `everyMs`, takes it back if it is still free.
        if (this.holding) this.lose('renewal answered after the lease expired')
        return
      }
      if (!this.holding) {
        this.holding = true
        this.emit('acquired')
      }
      this.expireAt(this.validUntil)
    } else if (this.holding) this.lose('another process holds the lease')
  }

  /**
   * Loses the lease at `atMs` unless a renewal confirms it first. A renewal that Redis does not
   * answer (stalled, paused) fails only at the connection's deadline, later than the lease's ttl:
   * by then another process may hold it, and this one must not go on believing it does.
   */
  private expireAt(atMs: number): void {
    this.clearExpiry()
    this.expiry = setTimeout(
      () => {
        this.expiry = null
        if (this.holding && this.now() >= this.validUntil) this.lose('renewal not confirmed before the lease expired')
      },
      Math.max(0, atMs - this.now()),
    )
    this.expiry.unref()
  }

  private clearExpiry(): void {
    if (this.expiry) clearTimeout(this.expiry)
    this.expiry = null
  }

  private lose(reason: string): void {
    this.clearExpiry()
    this.holding = false
    this.validUntil = 0
    this.emit('lost', reason)
  }
}
