// Fault scenario 11: source clocks skewed by ±5 minutes. Three sources send live traffic at a fixed
// rate, each from a sender that keeps a ledger: one with a correct clock (and a few events minutes
// late mixed in, as retries and replays give), one whose clock is 5 minutes ahead, one 5 minutes
// behind. Both skewed ones are flagged, with offsets within a few seconds of ±300 s, and the correct
// one is not: in the sources API, in the health every board receives (whose notice names them),
// and in the Prometheus gauge. Nothing from the source 5 minutes ahead is refused, while an event
// a little further ahead is, naming `ts`. The figures equal the pure functions' over the ledger:
// the rule is event time, skew or not.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { type RawEvent, MAX_FUTURE_SKEW_MS } from '../../shared/events.js'
import { type SourceHealth, skewedSources, sourcesOf } from '../../shared/sources.js'
import { ADMIN_PASSWORD, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { Ledger } from '../support/ledger.js'
import { expectExact } from '../support/exact.js'
import { displayToken, openTv } from '../support/screens.js'
import { getJson, killAll } from '../support/server-process.js'
import { generateTraffic, prng } from '../support/traffic.js'
import { until } from '../support/wait.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-clock-'))
/** requests per second per source, of BATCH events: 20 events/s each */
const RATE = 10
const BATCH = 2
/** how close to the true skew the estimate must come: delivery delay and a loaded machine's late timers */
const WITHIN_MS = 3_000

let redis: LocalRedis

beforeAll(async () => {
  redis = await startRedisServer({ dir })
})
afterAll(async () => {
  killAll()
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** One source's traffic: its own queues and agents, every event naming it. */
function ownTraffic(source: string, seed: number, startMs: number, calls: number): RawEvent[] {
  return generateTraffic({ seed, startMs, calls, queues: [`${source}-sales`, `${source}-support`], agents: 6 }).map((e) =>
    'agent' in e && typeof e.agent === 'string' ? { ...e, source, agent: `${source}/${e.agent}` } : { ...e, source },
  )
}

/**
 * A live source whose clock is `offsetMs` off, in the order its sender sends: each event stamped
 * with the source's clock at the moment the ledger sends it (request by request, from `t0`), so
 * ts − the server's time of storing it is the offset less the delivery delay. `stragglers` are
 * older events mixed in at random places, minutes late.
 */
function liveSource(source: string, offsetMs: number, t0: number, seed: number, stragglers: RawEvent[] = []): RawEvent[] {
  const live = ownTraffic(source, seed, 0, 80)
  const rnd = prng(seed + 1)
  const order: Array<{ e: RawEvent; live: boolean }> = live.map((e) => ({ e, live: true }))
  for (const e of stragglers) order.splice(Math.floor(rnd() * order.length), 0, { e, live: false })
  // The ledger sends request j (events j·BATCH …) once (j + 1) / RATE seconds have passed since it started (≥ t0).
  return order.map(({ e, live }, k) =>
    live ? { ...e, ts: t0 + offsetMs + Math.floor(((Math.floor(k / BATCH) + 1) * 1000) / RATE) } : e,
  )
}

const byId = (sources: readonly SourceHealth[]) => Object.fromEntries(sources.map((s) => [s.id, s]))

describe('source clocks skewed by ±5 min', () => {
  it('flags the skewed sources with their offsets, loses nothing, and keeps the figures exact', async () => {
    const server = await startFaultServer(redis.url)
    const tv = await openTv(server.base, await displayToken(server.base, ADMIN_PASSWORD))
    const t0 = Date.now()
    // The correct source's retries and replays: calls of 20 minutes ago, delivered now.
    const late = ownTraffic('pbx-ok', 110, t0 - 20 * 60_000, 8)
    const sources = {
      'pbx-ok': liveSource('pbx-ok', 0, t0, 11, late),
      'pbx-ahead': liveSource('pbx-ahead', 5 * 60_000, t0, 21),
      'pbx-behind': liveSource('pbx-behind', -5 * 60_000, t0, 31),
    }
    const ledgers = Object.values(sources).map(
      (events) => new Ledger({ bases: [server.base], key: KEY, events, ratePerSec: RATE, batch: BATCH }),
    )
    for (const l of ledgers) l.start()
    const started = Date.now()

    // Flagged while the traffic flows: the health every board of this server receives.
    const health = await until(
      'both skewed sources flagged on the TV',
      () => {
        const s = byId(tv.health?.sources ?? [])
        return s['pbx-ahead']?.clockSkewed && s['pbx-behind']?.clockSkewed ? s : null
      },
      30_000,
    )
    const flaggedAfterMs = Date.now() - started
    expect(health['pbx-ok']?.clockSkewed).toBe(false)

    for (const l of ledgers) {
      await l.settle()
      // The source 5 minutes ahead loses nothing to the rule against events from the future.
      expect(l.refused).toEqual([])
    }
    const acknowledged = ledgers.flatMap((l) => [...l.acknowledged.values()])
    const sent = Object.values(sources).flat()
    expect(acknowledged).toHaveLength(sent.length)

    // The admin API: offsets within a few seconds of ±300 s (never beyond: delivery only subtracts).
    const listed = byId((await getJson<{ sources: SourceHealth[] }>(server.base, KEY, '/api/v1/sources')).sources)
    const ahead = listed['pbx-ahead']!.clockOffsetMs!
    const behind = listed['pbx-behind']!.clockOffsetMs!
    const ok = listed['pbx-ok']!.clockOffsetMs!
    console.log(
      `clock offsets: pbx-ahead ${ahead} ms, pbx-behind ${behind} ms, pbx-ok ${ok} ms; flagged ${flaggedAfterMs} ms after sending began`,
    )
    expect(ahead).toBeGreaterThan(300_000 - WITHIN_MS)
    expect(ahead).toBeLessThanOrEqual(300_000)
    expect(behind).toBeGreaterThan(-300_000 - WITHIN_MS)
    expect(behind).toBeLessThanOrEqual(-300_000)
    expect(Math.abs(ok)).toBeLessThan(WITHIN_MS)
    expect([listed['pbx-ahead']!.clockSkewed, listed['pbx-behind']!.clockSkewed, listed['pbx-ok']!.clockSkewed]).toEqual([
      true,
      true,
      false,
    ])

    // The board: its notice names exactly the skewed sources that feed it, and it stays live.
    await until(
      'the TV has the final health',
      () => tv.health?.sources.find((s) => s.id === 'pbx-ok')?.events === sources['pbx-ok'].length,
    )
    const feeding = sourcesOf(tv.health!.sources, [...tv.queues.keys()])
    expect(feeding.map((s) => s.id)).toEqual(['pbx-ahead', 'pbx-behind', 'pbx-ok'])
    expect(skewedSources(feeding).map((s) => [s.id, Math.round(s.clockOffsetMs! / 60_000)])).toEqual([
      ['pbx-ahead', 5],
      ['pbx-behind', -5],
    ])
    expect(tv.health!.ok).toBe(true)

    // Operators see the same offsets.
    const metrics = await (await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text()
    const gauge = (source: string) =>
      Number(new RegExp(`^wallboard_source_clock_offset_seconds\\{source="${source}"\\} (\\S+)$`, 'm').exec(metrics)?.[1])
    expect(Math.round(gauge('pbx-ahead'))).toBeGreaterThanOrEqual(297)
    expect(Math.round(gauge('pbx-behind'))).toBeLessThanOrEqual(-300)

    // A little further ahead than the limit: refused, and the answer names the field.
    const future = {
      id: 'too-far-ahead',
      type: 'agent.state',
      ts: Date.now() + MAX_FUTURE_SKEW_MS + 5_000,
      agent: 'x',
      state: 'available',
    }
    const refused = await fetch(`${server.base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ ...future, source: 'pbx-ahead' }]),
    })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { rejected: Array<{ error: string }> }).rejected[0]!.error).toBe(
      'events[0].ts: more than 5 minutes ahead of server time',
    )

    // The figures are the ledger's, under the rule: every event counts at its own time.
    await expectExact({
      base: server.base,
      key: KEY,
      timezone: TZ,
      acknowledged,
      offered: 3 * 80 + 8,
      log: { redisUrl: redis.url, prefix: 'wb:' },
    })
    tv.socket.disconnect()
    await server.kill()
  }, 90_000)
})
