// Fault scenario 3: Redis comes back empty (killed with SIGKILL, started again on the same port
// with no files: persistence lost). The server notices within 2 s of its return, tells the TVs
// (`health.reset`), the admin API and /readyz, fires the system alert to a real webhook receiver,
// and never shows silent zeros: the figures continue from the aggregator's memory, re-saved into the
// new store. The rule, checked exactly: the figures are those of every event applied before the
// loss plus every event acknowledged after it. Events acknowledged but not yet applied at the
// instant of the loss would be lost with the store (the reset record counts them); to make "applied
// before" exactly "acknowledged before", the sender pauses until the aggregator has caught up,
// then streams again from the moment Redis is killed, through the outage and the return.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../shared/alerts.js'
import type { DataReset } from '../../shared/socket.js'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { ADMIN_PASSWORD, FULL, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { webhookReceiver } from '../support/alerts.js'
import { Ledger } from '../support/ledger.js'
import { expectExact } from '../support/exact.js'
import { displayToken, login, openTv, untilSameAsFresh } from '../support/screens.js'
import { killAll } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'
import { until } from '../support/wait.js'

afterAll(killAll)

async function adminCall<T>(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  // Right after a reset the admin is being created again: a moment's wait.
  const { cookie, csrf } = await until('an admin session', () => login(base, ADMIN_PASSWORD).catch(() => null), 5_000)
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as T }
}

interface SystemStatus {
  reset: DataReset | null
  writesRefused: string | null
  alerts: Alert[]
}

const outages = FULL ? [1, 30] : [1]

describe.each(outages)('Redis restarted empty (persistence lost) after %i s away', (outageSec) => {
  it('says "data reset" within 2 s everywhere, alerts, keeps the figures from memory, and ends exact', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-reset-'))
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-reset-empty-'))
    const hook = await webhookReceiver()
    let redis: LocalRedis = await startRedisServer({ dir })
    const server = await startFaultServer(redis.url)
    try {
      const channel = await adminCall<{ id: string }>(server.base, 'POST', '/api/v1/channels', {
        type: 'webhook',
        id: 'ops-hook',
        name: 'operations',
        url: hook.url,
        secret: randomBytes(16).toString('hex'),
      })
      expect(channel.status).toBe(201)
      const tv = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      expect(tv.health?.reset).toBeNull()

      const events = deliveryOrder(
        generateTraffic({ seed: 47, startMs: Date.now() - 60 * 60_000, calls: 300, arrivalGapMs: 10_000 }),
        3,
      )
      const split = Math.floor(events.length * 0.4)
      // Before: about 4 s at 100 events/s, then caught up.
      const before = new Ledger({ bases: [server.base], key: KEY, events: events.slice(0, split), ratePerSec: 50, batch: 2 })
      before.start()
      await before.settle(30_000, 30_000)
      await until(
        'the aggregator caught up',
        async () => {
          const r = (await fetch(`${server.base}/readyz`).then((res) => res.json())) as { aggregator: { lagEvents: number } }
          return r.aggregator.lagEvents === 0
        },
        10_000,
      )
      // The server re-reads the channels every 2 s: the webhook is in its memory by now.
      await new Promise((r) => setTimeout(r, 2_500))
      const storedBefore = before.acknowledged.size

      // Kill it; the sender streams on through the outage and the empty store's return.
      redis.process.kill('SIGKILL')
      await new Promise((r) => redis.process.once('exit', r))
      const killedAt = Date.now()
      // At most 100 events/s, and slower for a long outage: the sender is still sending once Redis is back.
      const rest = events.slice(split)
      const ratePerSec = Math.min(50, Math.ceil(rest.length / 2 / (outageSec + 6)))
      const after = new Ledger({ bases: [server.base], key: KEY, events: rest, ratePerSec, batch: 2 })
      after.start()
      await new Promise((r) => setTimeout(r, outageSec * 1_000))
      redis = await startRedisServer({ dir: emptyDir, port: redis.port })
      const backAt = Date.now()

      // The TV is told at once; the board's health carries what was lost.
      await until('the TV told of the data reset', () => tv.health?.reset, 5_000)
      const toldAfterMs = Date.now() - backAt
      const reset = tv.health!.reset!
      expect(reset.at).toBeGreaterThanOrEqual(backAt)
      expect(reset.figuresKept).toBe(true)
      expect(reset.logEntriesBefore).toBe(storedBefore)
      expect(reset.eventsKeptFromMemory).toBe(storedBefore)

      // The system alert reaches the webhook (a real HTTP delivery from the server's memory).
      const fired = await until('the system alert delivered', () => hook.received.find((r) => r.event === 'alert.fired'), 10_000)
      expect(fired.alert).toMatchObject({ kind: 'system', ruleId: 'system:data-reset', severity: 'critical', state: 'firing' })

      // Ingest takes events again.
      await until('an event acknowledged again', () => after.answers.some((a) => a.sentAt >= backAt && a.status === 200), 5_000)
      const firstOk = after.answers
        .filter((a) => a.sentAt >= backAt && a.status === 200)
        .sort((a, b) => a.answeredAt - b.answeredAt)[0]!
      const whileDown = after.answers.filter((a) => a.sentAt > killedAt && a.answeredAt < backAt)
      expect(whileDown.length).toBeGreaterThan(10)
      for (const a of whileDown) expect(a.status).toBe(503)

      // The admin API and /readyz say it too (the sessions were in the lost store: a new login,
      // as the re-created admin).
      const status = await adminCall<SystemStatus>(server.base, 'GET', '/api/v1/system')
      expect(status.status).toBe(200)
      expect(status.body.reset).toEqual(reset)
      expect(status.body.alerts.map((a) => a.ruleId)).toEqual(['system:data-reset'])
      const ready = (await fetch(`${server.base}/readyz`).then((r) => r.json())) as { store: { reset: DataReset | null } }
      expect(ready.store.reset).toEqual(reset)

      console.log(
        `data reset: told ${toldAfterMs} ms, alert delivered ${fired.at - backAt} ms and ingest back ${firstOk.answeredAt - backAt} ms after the empty Redis started; ${storedBefore} events kept from memory`,
      )
      expect(toldAfterMs).toBeLessThanOrEqual(2_000)

      // What was refused is sent again: a long outage leaves hundreds of requests.
      await after.settle(150_000)
      expect(before.refused).toEqual([])
      expect(after.refused).toEqual([])
      const acknowledged = [...before.acknowledged.values(), ...after.acknowledged.values()]
      expect(new Set(acknowledged.map((e) => e.id)).size).toBe(new Set(events.map((e) => e.id)).size)

      // Not zeros: the figures are every event applied before the loss plus every one after.
      await expectExact({ base: server.base, key: KEY, timezone: TZ, acknowledged, offered: 300 })
      // The new store's log holds only what came after; the state saved in it is the whole.
      const store = new Redis(redis.url)
      try {
        expect(await store.xlen('wb:{c}:events')).toBe(after.acknowledged.size)
        expect(await store.hget('wb:{c}:agg:position', 'writer')).not.toBe('')
      } finally {
        store.disconnect()
      }

      // The TV that lived through it (its link was lost with the store: it stays until an admin
      // acknowledges) shows what a freshly opened one shows.
      const fresh = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
      await untilSameAsFresh(tv, fresh)
      // Its link and board were lost with the store, even before the reset was noticed: it was never turned away.
      expect(tv.disconnects).toEqual([])
      expect(fresh.health?.reset).toEqual(reset)

      // An admin acknowledges: the notice leaves the TV, the alert resolves (and is told), audited.
      const ack = await adminCall<SystemStatus>(server.base, 'POST', '/api/v1/system/reset/ack')
      expect(ack.status).toBe(200)
      expect(ack.body.reset).toBeNull()
      expect(ack.body.alerts).toEqual([])
      await until('the TV notice cleared', () => fresh.health !== null && fresh.health.reset === null, 5_000)
      const resolved = await until('the resolve delivered', () => hook.received.find((r) => r.event === 'alert.resolved'), 10_000)
      expect(resolved.alert).toMatchObject({ ruleId: 'system:data-reset', state: 'resolved', resolvedBy: 'admin' })
      const audit = await adminCall<{ entries: Array<{ action: string }> }>(server.base, 'GET', '/api/v1/audit')
      expect(audit.body.entries.map((e) => e.action)).toContain('store.reset.acknowledge')
      expect((await adminCall(server.base, 'POST', '/api/v1/system/reset/ack')).status).toBe(409)
      tv.socket.disconnect()
      fresh.socket.disconnect()
    } finally {
      await server.kill()
      await redis.stop()
      await hook.close()
      rmSync(dir, { recursive: true, force: true })
      rmSync(emptyDir, { recursive: true, force: true })
    }
  }, 300_000)
})
