// Fault scenario 4: Redis stalls while events stream in: stopped (SIGSTOP, SIGCONT 6 s later; and
// 20 s in `npm run test:faults`) or paused (CLIENT PAUSE for 6 s, 10 s in `npm run test:faults`,
// sent on a connection of its own, in ALL mode and in WRITE mode, where reads go on and writes
// wait; on the server's shared connection a read then waits behind a write). Throughout, the
// server's event loop stays responsive (liveness answers at once) and every ingest request is
// answered within the store's per-command deadline (5 s) of its arrival: 503 with Retry-After
// while Redis does not answer, never a 200 for an event not confirmed stored, never a hang. TVs
// say stale within 3 s and fresh soon after. A burst of large requests has reached the server as
// the stall begins, their events following just after, so that their appends reach Redis only to
// wait there: Redis carries them out when it resumes, after their requests were answered 503, and
// the sender's resend of the same ids finds them stored (duplicates), so nothing is counted twice:
// the log and the figures equal the ledger's. And the aggregator's lease is lost when its ttl runs
// out unconfirmed, not at the renewal's later deadline.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { hashSecret } from '../../server/auth/secrets.js'
import { redisKeys } from '../../server/store/keys.js'
import { Lease } from '../../server/store/lease.js'
import { connectRedis, waitReady } from '../../server/store/redis.js'
import { startRedisServer } from '../../server/store/redis-server.js'
import { ADMIN_PASSWORD, FULL, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { expectExact } from '../support/exact.js'
import { type Answer, Ledger } from '../support/ledger.js'
import { displayToken, login, openTv, untilSameAsFresh } from '../support/screens.js'
import { killAll } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'
import { until } from '../support/wait.js'

/** the server's per-command deadline (server/store/redis.ts), which bounds every ingest request */
const DEADLINE_MS = 5_000
/** what an answer may take beyond the deadline: parsing a large request, a loaded machine */
const MARGIN_MS = 1_500

type How = 'SIGSTOP' | 'CLIENT PAUSE ALL' | 'CLIENT PAUSE WRITE'
// `npm test` keeps to the two stalls the scenario names (WRITE mode, where reads go on, only in
// the full run), to hold the default run near ten minutes.
const stalls: Array<{ how: How; seconds: number }> = [
  { how: 'SIGSTOP', seconds: 6 },
  { how: 'CLIENT PAUSE ALL', seconds: 6 },
  ...(FULL
    ? [
        { how: 'CLIENT PAUSE WRITE' as const, seconds: 6 },
        { how: 'SIGSTOP' as const, seconds: 20 },
        { how: 'CLIENT PAUSE ALL' as const, seconds: 10 },
        { how: 'CLIENT PAUSE WRITE' as const, seconds: 10 },
      ]
    : []),
]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

afterAll(killAll)

describe('the aggregator lease while Redis is stopped', () => {
  it('is lost when its ttl runs out unconfirmed, not at the renewal deadline, and taken back after', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-lease-'))
    const redis = await startRedisServer({ dir })
    const client = connectRedis(redis.url, { name: 'lease-test' })
    const lease = new Lease(client, 'lease-test:lease', { ttlMs: 3_000, everyMs: 500 })
    const changes: Array<{ at: number; held: boolean; reason?: string }> = []
    lease.on('acquired', () => changes.push({ at: Date.now(), held: true }))
    lease.on('lost', (reason) => changes.push({ at: Date.now(), held: false, reason }))
    try {
      await waitReady(client)
      await lease.start()
      expect(lease.held).toBe(true)
      await sleep(700)
      redis.process.kill('SIGSTOP')
      const stoppedAt = Date.now()
      // Held while its last confirmed renewal lasts, and not a moment after.
      await until('the lease lost', () => changes.some((c) => !c.held), 5_000)
      const lost = changes.find((c) => !c.held)!
      expect(lease.held).toBe(false)
      await sleep(6_000 - (Date.now() - stoppedAt))
      redis.process.kill('SIGCONT')
      const resumedAt = Date.now()
      await until('the lease taken back', () => lease.held, 3_000)
      console.log(
        `lease (ttl 3 s) lost ${lost.at - stoppedAt} ms after Redis stopped (${lost.reason}); taken back ${Date.now() - resumedAt} ms after it resumed`,
      )
      // The last renewal confirmed began at most `everyMs` before the stop; the per-command deadline (5 s) is later.
      expect(lost.at - stoppedAt).toBeLessThanOrEqual(3_000 + 100)
      expect(lost.reason).toBe('renewal not confirmed before the lease expired')
    } finally {
      redis.process.kill('SIGCONT')
      await lease.stop()
      client.disconnect()
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.each(stalls)('Redis stalled by $how for $seconds s', ({ how, seconds }) => {
  it('stays responsive, answers every request within its deadline, says stale, and counts nothing twice', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-stall-'))
    const redis = await startRedisServer({ dir })
    // The test's own connection: CLIENT PAUSE, and the look at the rate-limit counter that times the stall.
    const control = new Redis(redis.url)
    const server = await startFaultServer(redis.url)
    let stopped = false
    try {
      const tv = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      // 100 events/s in requests of 10, from before the stall to a few seconds after it. (Fewer,
      // larger requests: fewer to resend once the stall is over.)
      const calls = Math.round(((seconds + 5) * 100) / 3.5)
      const events = deliveryOrder(generateTraffic({ seed: 41, startMs: Date.now() - 60 * 60_000, calls }), 4)
      const ledger = new Ledger({ bases: [server.base], key: KEY, events, ratePerSec: 10, batch: 10, timeoutMs: 10_000 })
      // A burst of requests of 500 events each, all sent at once as the stall begins.
      const burstCalls = 1_800
      const burstEvents = generateTraffic({ seed: 43, startMs: Date.now() - 50 * 60_000, calls: burstCalls, arrivalGapMs: 1_000 })
      const BURST_BATCH = 500
      const { cookie, csrf } = await login(server.base, ADMIN_PASSWORD)
      const created = await fetch(`${server.base}/api/v1/keys`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'burst', scopes: ['ingest'] }),
      })
      expect(created.status).toBe(201)
      const burstKey = ((await created.json()) as { secret: string }).secret
      // Each request of the burst reaches the server (which counts it) at once, its events only once
      // the stall has begun: their appends are sent to a Redis that does not answer.
      let releaseBodies = () => {}
      const holdBodies = new Promise<void>((r) => (releaseBodies = r))
      const burst = new Ledger({
        bases: [server.base],
        key: burstKey,
        events: burstEvents,
        ratePerSec: 1_000,
        batch: BURST_BATCH,
        timeoutMs: 10_000,
        holdBodies,
      })
      ledger.start()
      await sleep(1_500)

      // The stall begins as soon as the rate limit has counted every request of the burst (sent
      // with a key of its own, counted on its own); then their events follow.
      const counter = `${redisKeys('wb:').rateLimit}POST/api/v1/events-key:${hashSecret(`Bearer ${burstKey}`)}`
      const burstRequests = Math.ceil(burstEvents.length / BURST_BATCH)
      // A request of no events first: the key's lookup is then cached (2 s), not a Redis call that would stall.
      const warm = await fetch(`${server.base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${burstKey}`, 'content-type': 'application/json' },
        body: '[]',
      })
      expect(warm.status).toBe(400)
      burst.start()
      const burstAt = Date.now()
      while (Number(await control.get(counter)) < 1 + burstRequests) {
        if (Date.now() - burstAt > 10_000) throw new Error('the burst was not counted within 10 s')
      }
      if (how === 'SIGSTOP') redis.process.kill('SIGSTOP')
      else await control.call('CLIENT', 'PAUSE', String(seconds * 1_000), how === 'CLIENT PAUSE ALL' ? 'ALL' : 'WRITE')
      stopped = true
      const stoppedAt = Date.now()
      releaseBodies()

      // The event loop is not blocked behind Redis: liveness answers at once, again and again.
      const probes: number[] = []
      while (Date.now() - stoppedAt < seconds * 1_000 - 250) {
        const t = Date.now()
        const res = await fetch(`${server.base}/healthz`)
        expect(res.status).toBe(200)
        probes.push(Date.now() - t)
        await sleep(200)
      }
      await sleep(seconds * 1_000 - (Date.now() - stoppedAt))
      if (how === 'SIGSTOP') redis.process.kill('SIGCONT')
      stopped = false
      const resumedAt = Date.now()
      await until('the TV fresh again', () => tv.health?.ok === true, 10_000)
      const freshAfterMs = Date.now() - resumedAt
      const staleAt = tv.healthChanges.find((c) => c.at >= stoppedAt && !c.ok)?.at ?? null

      await Promise.all([ledger.settle(60_000), burst.settle(60_000)])
      const answers = [...ledger.answers, ...burst.answers]
      const slowest = Math.max(...answers.map((a) => a.answeredAt - a.sentAt))
      const lateStored = burst.answers.reduce((n, a) => n + (a.duplicates ?? 0), 0)
      const refusedInStall = answers.filter((a) => a.status === 503 && a.sentAt >= stoppedAt && a.sentAt < resumedAt)
      console.log(
        `Redis stalled by ${how} for ${seconds} s: healthz slowest ${Math.max(...probes)} ms; TV stale ${staleAt === null ? 'never' : `${staleAt - stoppedAt} ms`} after the stall began, fresh ${freshAfterMs} ms after it ended; ` +
          `${refusedInStall.length} requests answered 503 meanwhile; slowest answer ${slowest} ms; ${lateStored} events stored late and found on resend`,
      )

      expect(Math.max(...probes)).toBeLessThan(500)
      // TVs say stale within 3 s of the stall (nothing is stored or applied meanwhile), fresh soon after it.
      expect(staleAt).not.toBeNull()
      expect(staleAt! - stoppedAt).toBeLessThanOrEqual(3_000)
      expect(freshAfterMs).toBeLessThanOrEqual(3_000)

      // No request hung: each was answered within the deadline of its arrival.
      expect(slowest).toBeLessThan(DEADLINE_MS + MARGIN_MS)
      // Whatever was answered while Redis could not confirm anything was refused, with Retry-After and a reason.
      const inStall = (a: Answer) => a.answeredAt > stoppedAt + 100 && a.answeredAt < resumedAt
      expect(answers.filter(inStall).length).toBeGreaterThan(0)
      for (const a of answers.filter(inStall)) {
        expect(a.status).toBe(503)
        expect(a.retryAfter).not.toBeNull()
        // The store's deadline, or load shedding: more requests waiting for Redis than the server takes at once.
        expect(a.message).toMatch(
          /^event store did not (answer|confirm the events) within 5 s \(Redis slow or stalled\)|^server overloaded \(requests in progress over its limit\)/,
        )
      }
      // Requests sent early in the stall were answered at their deadline, not when Redis came back.
      const early = ledger.answers.filter((a) => a.sentAt > stoppedAt + 100 && a.sentAt < resumedAt - DEADLINE_MS - 300)
      expect(early.length).toBeGreaterThan(0)
      for (const a of early) {
        expect(a.status).toBe(503)
        expect(a.answeredAt).toBeLessThan(resumedAt)
      }
      // Appends Redis carried out after their requests had been refused: the resend found them stored.
      expect(burst.answers.some((a) => a.status === 503 && a.message?.includes('they may still be stored'))).toBe(true)
      expect(lateStored).toBeGreaterThan(0)

      expect(ledger.refused).toEqual([])
      expect(burst.refused).toEqual([])
      const acknowledged = [...ledger.acknowledged.values(), ...burst.acknowledged.values()]
      expect(acknowledged.length).toBe(events.length + burstEvents.length)
      await expectExact({
        base: server.base,
        key: KEY,
        timezone: TZ,
        acknowledged,
        offered: calls + burstCalls,
        log: { redisUrl: redis.url, prefix: 'wb:' },
      })

      // The TV that lived through it shows what a fresh one shows.
      const fresh = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      await untilSameAsFresh(tv, fresh)
      tv.socket.disconnect()
      fresh.socket.disconnect()
    } finally {
      if (stopped && how === 'SIGSTOP') redis.process.kill('SIGCONT')
      if (stopped && how !== 'SIGSTOP') await control.call('CLIENT', 'UNPAUSE').catch(() => undefined)
      control.disconnect()
      await server.kill()
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
