// Fault scenario 2: Redis (AOF everysec) killed with SIGKILL mid-ingest and started again on the
// same files, after 3 s (and, in `npm run test:faults`, after 30 s). While it is away ingest
// answers 503 with Retry-After at once (no request hangs); within 1 s of its return ingest takes
// events again; TVs go stale within 3 s and are fresh within 2 s after. At the end the stored log
// and every figure equal what the ledger of acknowledged events implies, and a TV that stayed
// connected shows what a freshly opened one shows.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { ADMIN_PASSWORD, FULL, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { Ledger } from '../support/ledger.js'
import { expectExact } from '../support/exact.js'
import { displayToken, openTv, untilSameAsFresh } from '../support/screens.js'
import { killAll } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'
import { until } from '../support/wait.js'

afterAll(killAll)

const outages = FULL ? [3, 30] : [3]

describe.each(outages)('Redis killed with SIGKILL and back after %i s', (outageSec) => {
  it('sheds with 503 and Retry-After, recovers within 1 s, says stale, and ends exact', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-redis-'))
    let redis: LocalRedis = await startRedisServer({ dir })
    const server = await startFaultServer(redis.url)
    try {
      const tv = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      const events = deliveryOrder(
        generateTraffic({ seed: 31, startMs: Date.now() - 60 * 60_000, calls: 500, arrivalGapMs: 6_000 }),
        3,
      )
      // Traffic in requests of 2 that outlasts the outage by about 8 s (100 events/s for the 3 s
      // outage), so that the sender is still sending when Redis comes back.
      const ratePerSec = Math.min(50, events.length / 2 / (outageSec + 8))
      const ledger = new Ledger({ bases: [server.base], key: KEY, events, ratePerSec, batch: 2, timeoutMs: 3_000 })
      ledger.start()
      await new Promise((r) => setTimeout(r, 2_000))

      redis.process.kill('SIGKILL')
      const killedAt = Date.now()
      await new Promise((r) => redis.process.once('exit', r))
      await until('the TV stale', () => tv.health?.ok === false, 5_000)
      const staleAfterMs = Date.now() - killedAt
      await new Promise((r) => setTimeout(r, outageSec * 1_000 - (Date.now() - killedAt)))
      redis = await startRedisServer({ dir, port: redis.port })
      const backAt = Date.now()
      await until('an event acknowledged again', () => ledger.answers.some((a) => a.sentAt >= backAt && a.status === 200), 5_000)
      const firstOk = ledger.answers
        .filter((a) => a.sentAt >= backAt && a.status === 200)
        .sort((a, b) => a.answeredAt - b.answeredAt)[0]!
      await until('the TV fresh', () => tv.health?.ok === true, 5_000)
      const freshAfterMs = Date.now() - backAt
      console.log(
        `Redis away ${outageSec} s: TV stale ${staleAfterMs} ms after the kill; ingest back ${firstOk.answeredAt - backAt} ms and the TV fresh ${freshAfterMs} ms after Redis`,
      )
      expect(staleAfterMs).toBeLessThanOrEqual(3_000)
      expect(firstOk.answeredAt - backAt).toBeLessThanOrEqual(1_000)
      expect(freshAfterMs).toBeLessThanOrEqual(2_000)

      // While Redis was away: answers, not hangs; 503 with Retry-After, never a 2xx.
      const during = ledger.answers.filter((a) => a.sentAt > killedAt + 100 && a.answeredAt < backAt)
      expect(during.length).toBeGreaterThan(outageSec * ratePerSec * 0.8)
      for (const a of during) {
        expect(a.status).toBe(503)
        expect(a.retryAfter).not.toBeNull()
        expect(a.answeredAt - a.sentAt).toBeLessThan(1_000)
      }

      await ledger.settle()
      expect(ledger.refused).toEqual([])
      expect(ledger.acknowledged.size).toBe(new Set(events.map((e) => e.id)).size)

      // The stored log holds each acknowledged event once; the figures are the ledger's.
      await expectExact({
        base: server.base,
        key: KEY,
        timezone: TZ,
        acknowledged: [...ledger.acknowledged.values()],
        offered: 500,
        log: { redisUrl: redis.url, prefix: 'wb:' },
      })

      // The TV that lived through it shows what a fresh one shows.
      const fresh = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      await untilSameAsFresh(tv, fresh)
      tv.socket.disconnect()
      fresh.socket.disconnect()
    } finally {
      await server.kill()
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
