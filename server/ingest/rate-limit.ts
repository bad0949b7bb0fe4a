// The ingest rate limit: requests per minute per API key (per client address for requests without
// one), counted in Redis so that the limit holds across server processes. The same fixed window,
// counter keys, headers and 429 answer as @fastify/rate-limit with its Redis store, which login
// still uses; but that store runs one script per request, which for one event per request was half
// of ingest's Redis calls (the other half: the append). Here the requests that arrive together are
// counted with one INCRBY per key, each request taking its own place in the count, so the decisions
// are exactly those of one INCR per request in arrival order.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { hashSecret } from '../auth/secrets.js'
import { type RedisClient, isUnavailable, withDeadline } from '../store/redis.js'

export interface WindowCount {
  /** this request's place among the window's requests, 1 for the first */
  current: number
  /** until the window ends */
  ttlMs: number
}

interface Waiting {
  resolve(count: WindowCount): void
  reject(err: unknown): void
}

/** Fixed-window counters in Redis, the hits of one event-loop turn sent as one transaction. */
export class WindowCounters {
  private waiting = new Map<string, Waiting[]>()

  constructor(
    private readonly redis: RedisClient,
    private readonly windowMs: number,
  ) {}

  hit(key: string): Promise<WindowCount> {
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) setImmediate(() => this.flush())
      const forKey = this.waiting.get(key)
      if (forKey) forKey.push({ resolve, reject })
      else this.waiting.set(key, [{ resolve, reject }])
    })
  }

  private flush(): void {
    const batch = [...this.waiting]
    this.waiting.clear()
    // MULTI, so that no counter is ever left without its expiry; PEXPIRE NX starts the window at
    // a counter's first hit and leaves it alone after.
    const tx = this.redis.multi()
    for (const [key, hits] of batch) tx.incrby(key, hits.length).pexpire(key, this.windowMs, 'NX').pttl(key)
    tx.exec().then(
      (results) => {
        batch.forEach(([, hits], i) => {
          const [incrErr, total] = results?.[3 * i] ?? [new Error('transaction aborted')]
          const [, ttl] = results?.[3 * i + 2] ?? []
          if (incrErr) return hits.forEach((h) => h.reject(incrErr))
          const first = (total as number) - hits.length + 1
          const ttlMs = typeof ttl === 'number' && ttl >= 0 ? ttl : this.windowMs
          hits.forEach((h, k) => h.resolve({ current: first + k, ttlMs }))
        })
      },
      (err: unknown) => batch.forEach(([, hits]) => hits.forEach((h) => h.reject(err))),
    )
  }
}

/** "1 minute", "59 seconds": as @fastify/rate-limit words the wait. */
function retryIn(seconds: number): string {
  if (seconds >= 60) {
    const minutes = Math.round(seconds / 60)
    return `${minutes} minute${minutes === 1 ? '' : 's'}`
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

export interface IngestRateLimitOptions {
  redis: RedisClient
  /** the counters' key prefix (keys.rateLimit) */
  prefix: string
  /** requests per window */
  max: number
  windowMs: number
  /** the route, as @fastify/rate-limit names its counters: `POST/api/v1/events` */
  route: string
  /** the count must be in within this long of the request's arrival (the request's deadline for the store) */
  deadlineMs: number
}

/**
 * An onRequest hook that refuses a key's requests over `max` in the window with 429 and Retry-After.
 * When Redis does not count the request in time it throws the store's error (isUnavailable): the
 * route answers 503, at once, rather than spend the rest of its deadline on an append that would
 * meet the same Redis.
 */
export function ingestRateLimit(opts: IngestRateLimitOptions): onRequestAsyncHookHandler {
  const counters = new WindowCounters(opts.redis, opts.windowMs)
  const prefix = `${opts.prefix}${opts.route}-`
  // A source sends the same key with every request: its counter's name is worked out once.
  let lastAuthorization = ''
  let lastCounter = ''
  const counterOf = (req: FastifyRequest): string => {
    const authorization = req.headers.authorization
    if (!authorization) return `${prefix}ip:${req.ip}`
    if (authorization !== lastAuthorization) {
      lastCounter = `${prefix}key:${hashSecret(authorization)}`
      lastAuthorization = authorization
    }
    return lastCounter
  }
  return async (req: FastifyRequest, reply: FastifyReply) => {
    let count: WindowCount
    try {
      count = await withDeadline(counters.hit(counterOf(req)), opts.deadlineMs - reply.elapsedTime, 'the rate-limit count')
    } catch (err) {
      if (isUnavailable(err)) throw err
      // Anything else is no reason to refuse a source's events: the append decides, not this limiter a 500.
      count = { current: 0, ttlMs: 0 }
    }
    const resetSec = Math.ceil(count.ttlMs / 1000)
    reply.header('x-ratelimit-limit', opts.max)
    reply.header('x-ratelimit-remaining', Math.max(0, opts.max - count.current))
    reply.header('x-ratelimit-reset', resetSec)
    if (count.current <= opts.max) return
    reply.header('retry-after', resetSec)
    throw Object.assign(new Error(`Rate limit exceeded, retry in ${retryIn(resetSec)}`), { statusCode: 429 })
  }
}
