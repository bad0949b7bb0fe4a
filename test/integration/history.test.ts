// Closed intervals against a real Redis: they leave memory for one hash per UTC day that expires
// once the retention has passed, a late event for an archived interval adds to it, and the history
// API answers old days from the archive with figures recomputed from the stored counters.
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { bucketKey } from '../../shared/figures/aggregate.js'
import { emptyCounters } from '../../shared/figures/counters.js'
import { redisKeys } from '../../server/store/keys.js'
import { StateStore, historyDayOf } from '../../server/store/state-store.js'
import { auth, testApp, testConfig } from './helpers.js'

const DAY = 86_400_000
const HALF_HOUR = 30 * 60_000

let redis: Redis
beforeAll(() => {
  redis = new Redis(inject('redisUrl'))
})
afterAll(async () => {
  await redis.quit()
})

describe('the archive of closed intervals', () => {
  const prefix = `test:history-store:${process.pid}:`
  const keys = redisKeys(prefix)
  let store: StateStore
  beforeAll(() => {
    store = new StateStore(redis, keys, 35)
  })
  const position = { position: '1-0', applied: 1, definitions: 1, writer: 'test' }
  /** The start of a half-hour interval `days` days ago. */
  const intervalAgo = (days: number) => Math.floor((Date.now() - days * DAY) / HALF_HOUR) * HALF_HOUR
  const counters = (offered: number, answered: number) => ({ ...emptyCounters(), offered, answered })
  const stored = async (field: string, startMs: number) => {
    const json = await redis.hget(keys.historyDay(historyDayOf(startMs)), field)
    return json === null ? null : (JSON.parse(json) as { offered: number; answered: number })
  }

  it('keeps each UTC day in its own hash, expiring when the retention after that day has passed', async () => {
    const start = intervalAgo(10)
    const field = bucketKey.interval('sales', start)
    await store.save({ tables: [], history: [[field, counters(3, 2)]] }, position)
    expect(await stored(field, start)).toMatchObject({ offered: 3, answered: 2 })
    const day = historyDayOf(start)
    const expected = Date.parse(`${day}T00:00:00Z`) + 36 * DAY
    const pexpiretime = Number(await redis.call('PEXPIRETIME', keys.historyDay(day)))
    expect(pexpiretime).toBe(expected)
    // The archive is not one of the tables loaded into memory at start.
    expect(await redis.exists(keys.position.replace(/position$/, 'history'))).toBe(0)
  })

  it('adds a late row to what is archived instead of replacing it', async () => {
    const start = intervalAgo(10) - HALF_HOUR
    const field = bucketKey.interval('sales', start)
    await store.save({ tables: [], history: [[field, counters(3, 2)]] }, position)
    await store.save({ tables: [], history: [[field, counters(1, 1)]] }, position)
    expect(await stored(field, start)).toMatchObject({ offered: 4, answered: 3 })
  })

  it('drops a day once it is older than the retention', async () => {
    const start = intervalAgo(40)
    const field = bucketKey.interval('sales', start)
    await store.save({ tables: [], history: [[field, counters(5, 5)]] }, position)
    expect(await redis.exists(keys.historyDay(historyDayOf(start)))).toBe(0)
    // The last day still inside it is kept.
    const kept = Date.parse(`${historyDayOf(Date.now() - 35 * DAY)}T00:00:00Z`) + HALF_HOUR
    await store.save({ tables: [], history: [[bucketKey.interval('sales', kept), counters(1, 0)]] }, position)
    expect(await redis.pttl(keys.historyDay(historyDayOf(kept)))).toBeGreaterThan(0)
  })

  it('saves a change of any size in one transaction (a prune of a thousand-seat day)', async () => {
    const rows: Array<[string, unknown]> = Array.from({ length: 200_000 }, (_, i) => [`s|${i}|q`, { offered: 1 }])
    await store.save({ tables: [['buckets', rows]], history: [] }, position)
    expect(await redis.hlen(keys.state.buckets)).toBe(200_000)
    await store.save({ tables: [['buckets', rows.map(([k]) => [k, undefined])]], history: [] }, position)
    expect(await redis.exists(keys.state.buckets)).toBe(0)
  })

  it('costs one key per UTC day, whatever the number of queues and intervals', async () => {
    const start = Date.parse(`${historyDayOf(Date.now() - 20 * DAY)}T00:00:00Z`)
    const rows: Array<[string, ReturnType<typeof counters>]> = []
    for (let q = 0; q < 20; q++)
      for (let i = 0; i < 48; i++) rows.push([bucketKey.interval(`q${q}`, start + i * HALF_HOUR), counters(i, i)])
    await store.save({ tables: [], history: rows }, position)
    expect(await redis.hlen(keys.historyDay(historyDayOf(start)))).toBe(20 * 48)
    expect(await redis.keys(keys.historyDay(`${historyDayOf(start)}*`))).toEqual([keys.historyDay(historyDayOf(start))])
  })
})

describe('GET /api/v1/history for archived days', () => {
  let app: FastifyInstance
  const config = testConfig()
  /** Calls of five and six days ago: archived as soon as the aggregator prunes. */
  const old = Math.floor((Date.now() - 5 * DAY) / HALF_HOUR) * HALF_HOUR
  const older = old - DAY

  const call = (id: string, at: number, waitSec: number, answered = true) => [
    { id: `${id}-q`, type: 'call.queued', ts: at, callId: id, queue: 'archive' },
    answered
      ? { id: `${id}-a`, type: 'call.answered', ts: at + waitSec * 1000, callId: id, queue: 'archive', agent: 'wang' }
      : { id: `${id}-x`, type: 'call.abandoned', ts: at + waitSec * 1000, callId: id, queue: 'archive' },
    ...(answered
      ? [{ id: `${id}-e`, type: 'call.ended', ts: at + (waitSec + 60) * 1000, callId: id, queue: 'archive', agent: 'wang' }]
      : []),
  ]

  beforeAll(async () => {
    app = await testApp(config)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: auth,
      payload: [
        ...call('h1', old + 60_000, 5),
        ...call('h2', old + 120_000, 40),
        ...call('h3', old + 180_000, 30, false),
        ...call('h4', older + 60_000, 5),
      ],
    })
    expect(res.json().rejected).toEqual([])
    await app.aggregator.drain()
    // Closed intervals are archived when the aggregator prunes: on start, then every minute.
    await app.close()
    app = await testApp(config)
    const archive = app.keys.historyDay(historyDayOf(older))
    for (const deadline = Date.now() + 5_000; !(await redis.exists(archive));) {
      if (Date.now() > deadline) throw new Error('closed intervals not archived within 5 s of start')
      await new Promise((r) => setTimeout(r, 20))
    }
  })
  afterAll(async () => {
    await app.close()
  })

  it('reads the intervals from the day hashes, not from memory', async () => {
    const field = bucketKey.interval('archive', old)
    expect(await redis.hexists(app.keys.historyDay(historyDayOf(old)), field)).toBe(1)
    expect(await redis.hexists(app.keys.state.buckets, field)).toBe(0)
  })

  it('answers the archived intervals with figures from their counters', async () => {
    const res = await app.inject({ url: `/api/v1/history?queue=archive&from=${older}&to=${old + HALF_HOUR}`, headers: auth })
    expect(res.statusCode, res.body).toBe(200)
    const { rows, totals } = res.json() as {
      rows: Array<{ from: number; offered: number; answered: number; abandoned: number; answeredWithin: number }>
      totals: Array<{ offered: number; answered: number; answeredWithin: number; serviceLevelPct: number }>
    }
    const at = (from: number) => rows.find((r) => r.from === from)
    expect(at(old)).toMatchObject({ offered: 3, answered: 2, abandoned: 1, answeredWithin: 1 })
    expect(at(older)).toMatchObject({ offered: 1, answered: 1, answeredWithin: 1 })
    // SL over the range from the summed counters (standard: 2 within 20 s of 3 answered + 1 abandoned).
    expect(totals).toHaveLength(1)
    expect(totals[0]).toMatchObject({ offered: 4, answered: 3, answeredWithin: 2, serviceLevelPct: 50 })
  })

  it('answers every interval that overlaps the range, also one that began before from', async () => {
    const res = await app.inject({
      url: `/api/v1/history?queue=archive&from=${old + 20 * 60_000}&to=${old + 25 * 60_000}`,
      headers: auth,
    })
    const rows = res.json().rows as Array<{ from: number; to: number; offered: number }>
    expect(rows.map((r) => [r.from, r.to])).toEqual([[old, old + HALF_HOUR]])
  })

  it('adds a late event for an archived interval to the archived figures', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: call('h5', old + 240_000, 3) })
    expect(res.json().rejected).toEqual([])
    await app.aggregator.drain()
    const rows = (
      await app.inject({ url: `/api/v1/history?queue=archive&from=${old}&to=${old + HALF_HOUR}`, headers: auth })
    ).json().rows as Array<{ offered: number; answered: number }>
    expect(rows[0]).toMatchObject({ offered: 4, answered: 3 })
  })
})
