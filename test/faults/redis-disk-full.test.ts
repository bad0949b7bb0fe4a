// Fault scenario 8: the Redis disk fills up (AOF everysec on a small tmpfs, filled by a filler file
// mid-ingest). Redis 7 then answers MISCONF to every write until an AOF write succeeds again; the
// one write whose AOF write failed was answered OK and stays in memory, written out once space
// returns (checked below by restarting Redis on its files). The server answers ingest 503 with
// Retry-After and the reason while Redis refuses writes (never a 2xx for an event it did not
// store), says so on the TVs (stale, reason `store`), /readyz and the admin API, fires the system
// alert to a real webhook receiver, and recovers by itself once the filler is deleted. At the end
// the stored log and every figure equal what the ledger of acknowledged events implies.
//
// Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped, saying why.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../shared/alerts.js'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { ADMIN_PASSWORD, FULL, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { webhookReceiver } from '../support/alerts.js'
import { Ledger } from '../support/ledger.js'
import { expectExact } from '../support/exact.js'
import { displayToken, login, openTv } from '../support/screens.js'
import { killAll, startServer } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'
import { until } from '../support/wait.js'

// Only root can mount the small tmpfs. Elsewhere the scenario is skipped, except in CI (which runs
// as root and sets CI): there it always runs, and without root it fails saying the mount failed.
const RUNS = process.getuid?.() === 0 || Boolean(process.env['CI'])
const holds = FULL ? [4, 30] : [4]

afterAll(killAll)

/** Writes zeros into `file` until the file system is full. */
function fillUp(file: string): void {
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(64 * 1024)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
}

interface Readiness {
  ready: boolean
  reasons: string[]
  store: { writesRefused: string | null }
}

describe.runIf(RUNS).each(holds)('the Redis disk full for %i s (needs root to mount a small tmpfs)', (fullSec) => {
  it('answers 503 with the reason, never a 2xx for an unstored event, alerts, says why, recovers, and ends exact', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-disk-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir])
    const filler = path.join(dir, 'filler')
    const hook = await webhookReceiver()
    let redis: LocalRedis | null = null
    let server: Awaited<ReturnType<typeof startServer>> | null = null
    try {
      redis = await startRedisServer({ dir: path.join(dir, 'redis') })
      server = await startFaultServer(redis.url)
      const base = server.base
      const admin = await login(base, ADMIN_PASSWORD)
      const adminGet = async <T>(url: string) => {
        const res = await fetch(`${base}${url}`, { headers: { cookie: admin.cookie } })
        return { status: res.status, body: (await res.json()) as T }
      }
      const created = await fetch(`${base}/api/v1/channels`, {
        method: 'POST',
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'webhook',
          id: 'ops-hook',
          name: 'operations',
          url: hook.url,
          secret: randomBytes(16).toString('hex'),
        }),
      })
      expect(created.status).toBe(201)
      const tv = await openTv(base, await displayToken(base, ADMIN_PASSWORD))
      // The server re-reads the channels every 2 s: the webhook is in its memory after this.
      await new Promise((r) => setTimeout(r, 2_500))

      const events = deliveryOrder(
        generateTraffic({ seed: 83, startMs: Date.now() - 60 * 60_000, calls: 400, arrivalGapMs: 8_000 }),
        3,
      )
      // At most 120 events/s in requests of 3, and slower for a long fill: the sender is still sending once space returns.
      const ratePerSec = Math.min(40, Math.ceil(events.length / 3 / (fullSec + 8)))
      const ledger = new Ledger({ bases: [base], key: KEY, events, ratePerSec, batch: 3, timeoutMs: 3_000 })
      ledger.start()
      await new Promise((r) => setTimeout(r, 2_000))

      fillUp(filler)
      const fullAt = Date.now()
      // The next AOF write fails, and from then on every write is refused.
      await until('the TV says the store refuses writes', () => tv.health?.writesRefused, 5_000)
      const toldAfterMs = Date.now() - fullAt
      expect(tv.health!.ok).toBe(false)
      await until('a refusal', () => ledger.answers.some((a) => a.sentAt > fullAt && a.status === 503), 5_000)
      const refusal = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify([events[0]]),
      })
      expect(refusal.status).toBe(503)
      expect(refusal.headers.get('retry-after')).not.toBeNull()
      expect(((await refusal.json()) as { message: string }).message).toContain('refuses writes')
      const ready = (await fetch(`${base}/readyz`).then((r) => r.json())) as Readiness
      expect(ready.ready).toBe(false)
      expect(ready.store.writesRefused).toContain('disk full')
      expect(ready.reasons.join('; ')).toContain('store refuses writes')
      const fired = await until('the system alert delivered', () => hook.received.find((r) => r.event === 'alert.fired'), 10_000)
      expect(fired.alert).toMatchObject({ kind: 'system', ruleId: 'system:writes-refused', severity: 'critical' })
      const status = await adminGet<{ writesRefused: string | null; alerts: Alert[] }>('/api/v1/system')
      expect(status.status).toBe(200)
      expect(status.body.writesRefused).toContain('disk full')
      expect(status.body.alerts.map((a) => a.ruleId)).toEqual(['system:writes-refused'])

      await new Promise((r) => setTimeout(r, fullSec * 1_000 - (Date.now() - fullAt)))
      rmSync(filler)
      const freedAt = Date.now()
      await until('the TV fresh again', () => tv.health?.ok === true && tv.health.writesRefused === null, 10_000)
      const freshAfterMs = Date.now() - freedAt
      await until('an event acknowledged again', () => ledger.answers.some((a) => a.sentAt >= freedAt && a.status === 200), 5_000)
      const resolved = await until('the resolve delivered', () => hook.received.find((r) => r.event === 'alert.resolved'), 10_000)
      expect(resolved.alert).toMatchObject({ ruleId: 'system:writes-refused', state: 'resolved' })

      // While Redis refused writes: 503 with Retry-After, never a 2xx, answered at once.
      const during = ledger.answers.filter((a) => a.sentAt > fullAt + 1_000 && a.answeredAt < freedAt)
      expect(during.length).toBeGreaterThan(50)
      for (const a of during) {
        expect(a.status).toBe(503)
        expect(a.retryAfter).not.toBeNull()
        expect(a.answeredAt - a.sentAt).toBeLessThan(1_000)
      }
      console.log(
        `disk full: TV told ${toldAfterMs} ms after the disk filled; fresh ${freshAfterMs} ms after space returned; ${during.length} requests refused meanwhile`,
      )

      // What was refused is sent again: a long outage leaves hundreds of requests.
      await ledger.settle(150_000)
      expect(ledger.refused).toEqual([])
      expect(ledger.acknowledged.size).toBe(new Set(events.map((e) => e.id)).size)
      await expectExact({
        base,
        key: KEY,
        timezone: TZ,
        acknowledged: [...ledger.acknowledged.values()],
        offered: 400,
        log: { redisUrl: redis.url, prefix: 'wb:' },
      })
      tv.socket.disconnect()

      // What Redis acknowledged around the failed write is on its disk: restarted on its files, the log is whole.
      await server.kill()
      await redis.stop()
      redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: redis.port })
      const store = new Redis(redis.url)
      try {
        expect(await store.xlen('wb:{c}:events')).toBe(ledger.acknowledged.size)
      } finally {
        store.disconnect()
      }
    } finally {
      await server?.kill()
      await redis?.stop()
      await hook.close()
      execFileSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
