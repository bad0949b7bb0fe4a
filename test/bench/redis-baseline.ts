// The bare Redis write path, the baseline ingest is compared with: per request the Redis commands
// an ingest request issues (the rate limiter's script, then the event log's append script with the
// request's events), sent from one client with as many requests outstanding as the ingest phase
// has connections, against the same redis-server. No HTTP, no validation, no aggregator.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Redis } from 'ioredis'
import { EventLog } from '../../server/store/event-log.js'
import { redisKeys } from '../../server/store/keys.js'

/** The rate limiter's own script, as @fastify/rate-limit sends it for every request. */
function rateLimitScript(): string {
  const file = createRequire(import.meta.url).resolve('@fastify/rate-limit/store/RedisStore.js')
  const match = /const lua = `([\s\S]*?)`/.exec(readFileSync(file, 'utf8'))
  if (!match) throw new Error('the rate limiter script was not found')
  return match[1]!
}

export async function redisBaseline(
  redisUrl: string,
  opts: { seconds: number; batch: number; outstanding: number; prefix: string; next: () => { id: string } },
): Promise<{ eventsPerSec: number; requestsPerSec: number }> {
  const redis = new Redis(redisUrl)
  redis.defineCommand('rateLimit', { numberOfKeys: 1, lua: rateLimitScript() })
  const log = new EventLog(redis, redisKeys(opts.prefix))
  const rateLimit = (redis as unknown as { rateLimit(key: string, ...args: Array<string | number>): Promise<unknown> }).rateLimit
  const deadline = Date.now() + opts.seconds * 1000
  let requests = 0
  const worker = async () => {
    while (Date.now() < deadline) {
      const events = Array.from({ length: opts.batch }, () => {
        const e = opts.next()
        return { id: e.id, json: JSON.stringify(e) }
      })
      await rateLimit.call(redis, `${opts.prefix}rate`, 60_000, 1e9, 'false', 'false')
      await log.append(events)
      requests++
    }
  }
  const started = Date.now()
  await Promise.all(Array.from({ length: opts.outstanding }, worker))
  const sec = (Date.now() - started) / 1000
  redis.disconnect()
  return { eventsPerSec: Math.round((requests * opts.batch) / sec), requestsPerSec: Math.round(requests / sec) }
}
