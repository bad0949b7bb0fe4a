// The drill-down of a whole business day against a real Redis: calls forgotten from memory after
// 6 h leave a summary in one hash per queue and UTC day, written with the state in one MULTI, so
// `GET /api/v1/calls` still lists the morning's calls after prune, a save and a restart, each call
// once, whole from the day start; `from`/`to` select one interval.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CallSummary, callKey } from '../../shared/figures/calls.js'
import type { CallsBehindDoc } from '../../shared/figures/schema.js'
import { redisKeys } from '../../server/store/keys.js'
import { CALL_ARCHIVE_DAYS, StateStore, historyDayOf } from '../../server/store/state-store.js'
import { auth, testApp, testConfig, zoneAtHour } from './helpers.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const HALF_HOUR = 30 * 60_000

// It is between 18:00 and 19:00 in the centre's zone: the business day began 18 h ago, so the
// morning's calls (9 and 8 h ago) are forgotten from memory and still today.
const started = Date.now()
const { zone, offsetHours } = zoneAtHour(18, started)
const config = testConfig({ timezone: zone })
let app: FastifyInstance
beforeAll(async () => {
  app = await testApp(config)
})
afterAll(async () => {
  await app.close()
})

describe('the call archive in the store', () => {
  const keys = redisKeys(`${config.redisPrefix}store:`)
  let store: StateStore
  beforeAll(() => {
    store = new StateStore(app.redis, keys, 35)
  })
  const position = { position: '1-0', applied: 1, definitions: 1, writer: 'test' }
  /** 23:59 UTC yesterday: a day the archive still keeps. */
  const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY
  const outcomeAt = yesterday + DAY - 60_000
  const summary = (callId: string, queuedAt: number | null): CallSummary => ({
    callId,
    queue: 'sales',
    caller: '138',
    queuedAt,
    outcomeAt,
    outcome: 'abandoned',
    agent: null,
  })

  it('files a call by id under its queue and the UTC day of its outcome: a replay overwrites, never adds', async () => {
    const rows: Array<[string, CallSummary]> = [
      [callKey('sales', 'c1'), summary('c1', outcomeAt - 40_000)],
      [callKey('sales', 'c2'), summary('c2', null)],
    ]
    await store.save({ tables: [], history: [], archivedCalls: rows }, position)
    await store.save({ tables: [], history: [], archivedCalls: rows }, position)
    const key = keys.callsDay(historyDayOf(yesterday), 'sales')
    expect(await app.redis.hlen(key)).toBe(2)
    const back = await store.archivedCalls('sales', outcomeAt - HOUR, outcomeAt + HOUR)
    expect(back.sort((a, b) => (a.callId < b.callId ? -1 : 1))).toEqual(rows.map(([, c]) => c))
    // Kept until CALL_ARCHIVE_DAYS after its UTC day ends.
    expect(Number(await app.redis.call('PEXPIRETIME', key))).toBe(yesterday + DAY + CALL_ARCHIVE_DAYS * DAY)
  })

  it('reads every UTC day a range touches, and only that queue', async () => {
    const recent = Math.floor(Date.now() / DAY) * DAY + 60_000
    const nextDay: CallSummary = { ...summary('c3', recent - 30_000), outcomeAt: recent }
    const otherQueue: CallSummary = { ...summary('c4', recent - 30_000), queue: 'support', outcomeAt: recent }
    await store.save(
      {
        tables: [],
        history: [],
        archivedCalls: [
          [callKey('sales', 'c3'), nextDay],
          [callKey('support', 'c4'), otherQueue],
        ],
      },
      position,
    )
    const ids = async (from: number, to: number) => (await store.archivedCalls('sales', from, to)).map((c) => c.callId).sort()
    expect(await ids(recent - 2 * HOUR, recent)).toEqual(['c1', 'c2', 'c3'])
    expect(await ids(recent - 30_000, recent)).toEqual(['c3'])
    expect(await app.redis.exists(keys.callsDay(historyDayOf(recent), 'support'))).toBe(1)
  })
})

describe('GET /api/v1/calls over a whole business day', () => {
  const dayStart = Math.floor((started + offsetHours * HOUR) / DAY) * DAY - offsetHours * HOUR
  // Two morning intervals an hour apart (whole-hour offsets: intervals are UTC half hours).
  const A = Math.floor((started - 9 * HOUR) / HALF_HOUR) * HALF_HOUR
  const B = A + HOUR

  const queued = (id: string, ts: number) => ({
    id: `${id}-q`,
    type: 'call.queued',
    ts,
    callId: id,
    queue: 'drill',
    caller: `tel-${id}`,
  })
  const abandonedCall = (id: string, at: number, waitSec: number) => [
    queued(id, at),
    { id: `${id}-x`, type: 'call.abandoned', ts: at + waitSec * 1000, callId: id, queue: 'drill' },
  ]
  const answeredCall = (id: string, at: number, waitSec: number) => [
    queued(id, at),
    { id: `${id}-a`, type: 'call.answered', ts: at + waitSec * 1000, callId: id, queue: 'drill', agent: 'wang' },
    { id: `${id}-e`, type: 'call.ended', ts: at + (waitSec + 60) * 1000, callId: id, queue: 'drill', agent: 'wang' },
  ]

  const post = async (events: object[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: events })
    expect(res.json().rejected).toEqual([])
    await app.aggregator.drain()
  }
  const get = async (query: string) => {
    const res = await app.inject({ url: `/api/v1/calls?queue=drill&${query}`, headers: auth })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as CallsBehindDoc
  }
  const idsOf = (doc: CallsBehindDoc) => doc.calls.map((c) => c.callId)
  /** A new process on the same store, once its first step has pruned (archived) and saved. */
  const restart = async () => {
    await app.close()
    app = await testApp(config)
    // Its first step prunes, then saves, then reports healthy.
    for (const deadline = Date.now() + 5_000; !app.aggregator.healthy;) {
      if (Date.now() > deadline) throw new Error('the aggregator did not finish its first step within 5 s of start')
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const archiveKey = (day: number) => app.keys.callsDay(historyDayOf(day), 'drill')

  beforeAll(async () => {
    await post([
      ...abandonedCall('ab1', A + 60_000, 40),
      ...abandonedCall('ab2', A + 300_000, 3), // short: abandoned, but not against SL
      ...answeredCall('ms1', A + 600_000, 50),
      ...answeredCall('ok1', A + 900_000, 5),
      ...abandonedCall('ab3', B + 60_000, 30),
      ...answeredCall('ms2', B + 120_000, 45),
      // A call of the last minutes stays in memory.
      ...abandonedCall('r1', started - 120_000, 25),
    ])
    await restart()
  })

  it('moves the morning’s calls out of memory into the archive, in the same save as the state', async () => {
    expect(await app.redis.hexists(app.keys.state.calls, callKey('drill', 'ab1'))).toBe(0)
    expect(await app.redis.hexists(app.keys.state.calls, callKey('drill', 'r1'))).toBe(1)
    const archived = new Set<string>()
    for (const at of [A, B]) for (const id of await app.redis.hkeys(archiveKey(at))) archived.add(id)
    expect([...archived].sort()).toEqual(['ab1', 'ab2', 'ab3', 'ms1', 'ms2', 'ok1'])
    expect(app.aggregator.state.archivedCalls.size).toBe(0)
  })

  it('lists the whole day’s abandoned calls, newest first, complete from the day start', async () => {
    const doc = await get('kind=abandoned')
    expect(idsOf(doc)).toEqual(['r1', 'ab3', 'ab2', 'ab1'])
    expect(doc.from).toBe(dayStart)
    expect(doc.completeFrom).toBe(dayStart)
    expect(doc.calls.find((c) => c.callId === 'ab1')).toMatchObject({
      caller: 'tel-ab1',
      queuedAt: A + 60_000,
      outcomeAt: A + 100_000,
      outcome: 'abandoned',
      waitSec: 40,
    })
  })

  it('lists the whole day’s calls that missed service level', async () => {
    const doc = await get('kind=missed-sl')
    expect(idsOf(doc)).toEqual(['r1', 'ms2', 'ab3', 'ms1', 'ab1'])
    expect(doc.calls.find((c) => c.callId === 'ms1')).toMatchObject({ agent: 'wang', waitSec: 50, outcome: 'answered' })
  })

  it('selects one interval with from and to', async () => {
    const first = await get(`kind=missed-sl&from=${A}&to=${A + HALF_HOUR}`)
    expect(idsOf(first)).toEqual(['ms1', 'ab1'])
    expect([first.from, first.to, first.completeFrom]).toEqual([A, A + HALF_HOUR, A])
    expect(idsOf(await get(`kind=missed-sl&from=${B}&to=${B + HALF_HOUR}`))).toEqual(['ms2', 'ab3'])
    expect(idsOf(await get(`kind=abandoned&from=${A}&to=${A + HALF_HOUR}`))).toEqual(['ab2', 'ab1'])
    // [from, to): a call whose outcome is at `to` belongs to the next interval.
    expect(idsOf(await get(`kind=abandoned&from=${A}&to=${A + 100_000}`))).toEqual([])
  })

  it('answers a bad interval with a 400 naming the field', async () => {
    const bad = async (query: string, message: RegExp) => {
      const res = await app.inject({ url: `/api/v1/calls?queue=drill&${query}`, headers: auth })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().message).toMatch(message)
    }
    await bad(`kind=missed-sl&from=${A}`, /^querystring\.to: /)
    await bad(`kind=missed-sl&to=${A}`, /^querystring\.from: /)
    await bad(`kind=missed-sl&from=${A}&to=${A}`, /^querystring\.to: must be after from/)
    await bad(`kind=missed-sl&from=yesterday&to=${A}`, /^querystring\.from: expected integer/)
    await bad(`kind=missed-sl&from=${dayStart - 2 * DAY}&to=${A}`, /^querystring\.from: at most one business day back/)
    await bad(`kind=waiting&from=${A}&to=${B}`, /^querystring\.from: /)
    // The business day before this one is still within reach.
    expect((await get(`kind=abandoned&from=${dayStart - DAY}&to=${dayStart}`)).calls).toEqual([])
  })

  it('lists a call once when late events bring it back into memory', async () => {
    // The same call sent again under other event ids: a record in memory, and the archived summary.
    await post([
      { ...queued('ab1', A + 60_000), id: 'ab1-q-again' },
      { id: 'ab1-x-again', type: 'call.abandoned', ts: A + 100_000, callId: 'ab1', queue: 'drill' },
    ])
    expect(app.aggregator.state.calls.has(callKey('drill', 'ab1'))).toBe(true)
    expect(idsOf(await get('kind=abandoned'))).toEqual(['r1', 'ab3', 'ab2', 'ab1'])
    expect(idsOf(await get('kind=missed-sl'))).toEqual(['r1', 'ms2', 'ab3', 'ms1', 'ab1'])
  })

  it('lists the same calls after another restart, each once', async () => {
    // The restart forgets ab1 again: archived again under the same field, not beside it.
    await restart()
    expect(app.aggregator.state.calls.has(callKey('drill', 'ab1'))).toBe(false)
    const abandoned = await get('kind=abandoned')
    expect(idsOf(abandoned)).toEqual(['r1', 'ab3', 'ab2', 'ab1'])
    expect(abandoned.completeFrom).toBe(dayStart)
    expect(idsOf(await get('kind=missed-sl'))).toEqual(['r1', 'ms2', 'ab3', 'ms1', 'ab1'])
    let archived = 0
    for (const day of new Set([A, B].map(historyDayOf))) archived += await app.redis.hlen(app.keys.callsDay(day, 'drill'))
    expect(archived).toBe(6)
  })

  it('says the list is whole only from 6 h before the first start with the archive, on a store an older release ran', async () => {
    await app.redis.del(app.keys.callsArchivedSince)
    const before = Date.now()
    await restart()
    const after = Date.now()
    const doc = await get('kind=abandoned')
    expect(doc.completeFrom).toBeGreaterThanOrEqual(before - 6 * HOUR)
    expect(doc.completeFrom).toBeLessThanOrEqual(after - 6 * HOUR)
    // Set once: a later start keeps it.
    await restart()
    expect((await get('kind=abandoned')).completeFrom).toBe(doc.completeFrom)
  })
})
