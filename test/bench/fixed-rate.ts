// A fixed-rate run reported as one latency over every answer, with 2xx, non-2xx and errors
// counted: the ingest benchmarks' view of the open-loop generator (open-loop.ts), whose requests
// are timed from the moment they were due, whatever the server does.
import { openLoop } from './open-loop.js'

export interface FixedRateOptions {
  /** http://host:port */
  base: string
  path: string
  headers: Record<string, string>
  /** the body of the next request */
  body: () => string
  /** requests per second */
  rate: number
  seconds: number
  connections: number
  /** requests still unanswered this long after the last one was due count as timeouts */
  drainMs?: number
}

export interface FixedRateResult {
  /** requests per second asked for, and answered per second over the schedule plus the drain */
  rate: number
  achievedPerSec: number
  sent: number
  ok: number
  non2xx: number
  /** connection errors and requests never answered */
  errors: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

export async function fixedRate(opts: FixedRateOptions): Promise<FixedRateResult> {
  const r = await openLoop({ ...opts, drainMs: opts.drainMs ?? 10_000 })
  const refused = r.refused429 + r.refused503 + Object.values(r.otherStatus).reduce((a, b) => a + b, 0)
  return {
    rate: opts.rate,
    achievedPerSec: Math.round(r.answered / r.elapsedSec),
    sent: r.sent,
    ok: r.admitted,
    non2xx: refused,
    errors: r.errors + r.timeouts,
    p50Ms: r.allP50Ms,
    p99Ms: r.allP99Ms,
    p999Ms: r.allP999Ms,
    maxMs: r.allMaxMs,
  }
}
