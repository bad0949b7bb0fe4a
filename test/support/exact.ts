// The fault tests' end check: once a server has applied everything, its figures are exactly what
// the pure functions compute from the acknowledged events (the ledger), and the stored log holds
// each of them once.
import { Redis } from 'ioredis'
import { expect } from 'vitest'
import type { RawEvent } from '../../shared/events.js'
import { computeAgentFigures, computeFigures } from '../../shared/figures/compute.js'
import { referenceOf } from './reference.js'
import { getJson } from './server-process.js'
import { until } from './wait.js'

export interface ExactCheck {
  base: string
  key: string
  timezone: string
  acknowledged: readonly RawEvent[]
  /** calls the reference must count (the check is not vacuous) */
  offered: number
  /** the Redis and key prefix whose event log must hold each acknowledged event once */
  log?: { redisUrl: string; prefix: string }
}

export async function expectExact(c: ExactCheck): Promise<void> {
  if (c.log) {
    const redis = new Redis(c.log.redisUrl)
    try {
      expect(await redis.xlen(`${c.log.prefix}{c}:events`)).toBe(new Set(c.acknowledged.map((e) => e.id)).size)
    } finally {
      redis.disconnect()
    }
  }
  await until(
    'caught up',
    async () => {
      const r = await fetch(`${c.base}/readyz`)
        .then((res) => res.json() as Promise<{ ready: boolean; aggregator: { lagEvents: number } }>)
        .catch(() => null)
      return r?.ready === true && r.aggregator.lagEvents === 0
    },
    30_000,
  )
  const { state, defs, offered } = referenceOf(c.acknowledged, c.timezone)
  expect(offered).toBe(c.offered)
  const metrics = await getJson<{ serverNow: number; queues: unknown[] }>(c.base, c.key, '/api/v1/metrics')
  const agents = await getJson<{ serverNow: number; agents: unknown[] }>(c.base, c.key, '/api/v1/agents')
  expect(metrics.queues).toEqual(computeFigures(state, defs, metrics.serverNow))
  expect(agents.agents).toEqual(computeAgentFigures(state, defs, agents.serverNow))
}
