// Fault scenario 5: duplicate, out-of-order and late events. A tenth of the events is sent three
// times, neighbours are shuffled within 5 s of event time, and some arrive up to 10 minutes late,
// at a fixed rate from a sender that keeps a ledger. The stored log holds each event once, and the
// figures equal the pure functions' over the sorted, deduplicated log.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { Ledger } from '../support/ledger.js'
import { expectExact } from '../support/exact.js'
import { killAll } from '../support/server-process.js'
import { deliveryOrder, generateTraffic, withRepeats } from '../support/traffic.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-disorder-'))
let redis: LocalRedis

beforeAll(async () => {
  redis = await startRedisServer({ dir })
})
afterAll(async () => {
  killAll()
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('duplicate, out-of-order and late events', () => {
  it('are stored once and counted as the sorted, deduplicated log', async () => {
    const server = await startFaultServer(redis.url)
    const events = generateTraffic({ seed: 55, startMs: Date.now() - 2 * 3_600_000, calls: 800, arrivalGapMs: 8_000 })
    const sent = withRepeats(deliveryOrder(events, 56, 5_000, 0.03, 10 * 60_000), 57)
    expect(sent.length).toBeGreaterThan(events.length * 1.15)
    const ledger = new Ledger({ bases: [server.base], key: KEY, events: sent, ratePerSec: 100, batch: 5 })
    ledger.start()
    await ledger.settle()
    expect(ledger.refused).toEqual([])
    expect(ledger.acknowledged.size).toBe(events.length)

    await expectExact({
      base: server.base,
      key: KEY,
      timezone: TZ,
      acknowledged: [...ledger.acknowledged.values()],
      offered: 800,
      log: { redisUrl: redis.url, prefix: 'wb:' },
    })
    await server.kill()
  })
})
