// The ingest API against a real redis-server: formats, per-event errors, duplicates, auth, limits.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, testApp } from './helpers.js'

let app: FastifyInstance
const now = Date.now()

beforeAll(async () => {
  app = await testApp({ bodyLimitBytes: 64 * 1024, maxBatchEvents: 50 })
})
afterAll(async () => {
  await app.close()
})

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })

const queued = (id: string, callId: string, queue = 'sales', ts: number | string = now - 60_000) => ({
  id,
  type: 'call.queued',
  ts,
  callId,
  queue,
})

async function figures(queue: string) {
  await app.aggregator.drain()
  const res = await app.inject({ method: 'GET', url: `/api/v1/metrics?queue=${queue}`, headers: auth })
  expect(res.statusCode).toBe(200)
  return res.json().queues[0]
}

describe('POST /api/v1/events', () => {
  it('accepts one event as a JSON object', async () => {
    const res = await post(queued('one-1', 'c-one'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
  })

  it('accepts a JSON array and reports a bad event by index, id, field and reason, keeping its valid neighbours', async () => {
    const res = await post([
      queued('arr-1', 'c-a1', 'arrays'),
      { ...queued('arr-2', 'c-a2', 'arrays'), ts: 'yesterday' },
      queued('arr-3', 'c-a3', 'arrays'),
      { id: 'arr-4', type: 'call.answered', ts: now, queue: 'arrays', callId: 'c-a3' },
    ])
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.accepted).toBe(2)
    expect(body.rejected).toEqual([
      { index: 1, id: 'arr-2', error: expect.stringMatching(/^events\[1\]\.ts: expected ISO-8601/) },
      { index: 3, id: 'arr-4', error: 'events[3].agent: is required' },
    ])
    expect((await figures('arrays')).live.waiting).toBe(2)
  })

  it('accepts NDJSON and rejects only the line that is not JSON', async () => {
    const lines = [
      JSON.stringify(queued('nd-1', 'c-n1', 'ndjson')),
      '{not json',
      '',
      JSON.stringify(queued('nd-2', 'c-n2', 'ndjson')),
    ]
    const res = await post(lines.join('\n'), { 'content-type': 'application/x-ndjson' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.accepted).toBe(2)
    expect(body.rejected).toHaveLength(1)
    expect(body.rejected[0]).toMatchObject({ index: 1, id: null })
    expect(body.rejected[0].error).toMatch(/^events\[1\]: line 2 is not valid JSON/)
  })

  it('acknowledges a resent id as a duplicate and counts it once', async () => {
    const e = queued('dup-1', 'c-dup', 'dups')
    expect((await post(e)).json()).toMatchObject({ accepted: 1, duplicates: 0 })
    expect((await post([e, e])).json()).toMatchObject({ accepted: 0, duplicates: 2 })
    expect((await figures('dups')).live.waiting).toBe(1)
  })

  it('counts the same id twice in one batch once', async () => {
    const e = queued('dup-2', 'c-dup2', 'dups2')
    expect((await post([e, e])).json()).toMatchObject({ accepted: 1, duplicates: 1 })
  })

  it('keeps unknown fields in the stored event', async () => {
    await post({ ...queued('extra-1', 'c-extra', 'extras'), crmTicket: 'T-42' })
    const entries = await app.redis.xrange(app.keys.events, '-', '+')
    const stored = entries.map(([, f]) => JSON.parse(f[1]!)).find((e) => e.id === 'extra-1')
    expect(stored).toMatchObject({ crmTicket: 'T-42', channel: 'voice', ts: now - 60_000 })
  })

  it('answers 400 with every event rejected when nothing is valid', async () => {
    const res = await post([{ id: 'x', type: 'call.nope', ts: now }])
    expect(res.statusCode).toBe(400)
    expect(res.json().rejected[0].error).toMatch(/^events\[0\]\.type: unknown type "call.nope"/)
  })

  it('answers 400 with a reason for a body that is not JSON', async () => {
    const res = await post('{"id": ')
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^body is not valid JSON/)
  })

  it('answers 400 for an empty array', async () => {
    const res = await post([])
    expect(res.statusCode).toBe(400)
    expect(res.json().rejected[0].error).toBe('the body holds no events')
  })

  it('rejects an event more than 5 minutes in the future', async () => {
    const res = await post(queued('future-1', 'c-f', 'future', now + 10 * 60_000))
    expect(res.json().rejected[0].error).toMatch(/ts: more than 5 minutes ahead/)
  })

  it('answers 401 without a key and with a wrong key', async () => {
    const none = await app.inject({ method: 'POST', url: '/api/v1/events', payload: queued('a-1', 'c') })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/)
    const wrong = await post(queued('a-2', 'c'), { authorization: 'Bearer not-a-key' })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().message).toBe('unknown or revoked API key')
  })

  it('answers 413 for a body over the size limit and for too many events, storing nothing', async () => {
    const before = await app.eventLog.length()
    const big = await post([{ ...queued('big-1', 'c-big', 'big'), note: 'x'.repeat(70 * 1024) }])
    expect(big.statusCode).toBe(413)
    const many = await post(Array.from({ length: 51 }, (_, i) => queued(`many-${i}`, `c-m${i}`, 'many')))
    expect(many.statusCode).toBe(413)
    expect(many.json().message).toMatch(/51 events in one request; the limit is 50/)
    expect(await app.eventLog.length()).toBe(before)
  })

  it('rejects an event with a prototype-pollution key on its own, keeping its valid neighbours', async () => {
    const poisoned = `{"id":"pp-1","type":"call.queued","ts":${now},"callId":"c","queue":"pp","__proto__":{"polluted":true}}`
    const valid = JSON.stringify(queued('pp-2', 'c2', 'pp'))
    for (const [body, type] of [
      [`${poisoned}\n${valid}`, 'application/x-ndjson'],
      [`[${poisoned},${JSON.stringify(queued('pp-3', 'c3', 'pp'))}]`, 'application/json'],
    ] as const) {
      const res = await post(body, { 'content-type': type })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({
        accepted: 1,
        rejected: [{ index: 0, id: 'pp-1', error: 'events[0].__proto__: forbidden key' }],
      })
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('GET /api/v1/metrics', () => {
  it('returns every queue with its definition label, live state and both windows, named as in metrics.md', async () => {
    const base = now - 120_000
    const res = await post([
      {
        id: 'm-a',
        type: 'agent.state',
        ts: base - 1000,
        agent: 'wang',
        state: 'available',
        queues: ['metrics'],
        name: 'Wang Fang',
      },
      { ...queued('m-1', 'c-m1', 'metrics', base) },
      { id: 'm-2', type: 'call.answered', ts: base + 12_000, callId: 'c-m1', queue: 'metrics', agent: 'wang' },
      { ...queued('m-3', 'c-m3', 'metrics', base + 1000) },
      { id: 'm-4', type: 'call.abandoned', ts: base + 3000, callId: 'c-m3', queue: 'metrics' },
      { ...queued('m-5', 'c-m5', 'metrics', base + 2000) },
      { id: 'm-6', type: 'call.abandoned', ts: base + 40_000, callId: 'c-m5', queue: 'metrics' },
    ])
    expect(res.json().accepted).toBe(7)
    const q = await figures('metrics')
    expect(q).toMatchObject({
      id: 'metrics',
      name: 'metrics',
      definition: { label: 'SL 80/20 · abandons < 5 s ignored · v1', slThresholdSec: 20, slTargetPct: 80, slFormula: 'standard' },
      live: { waiting: 0, agents: { onCall: 1, available: 0 }, agentsLoggedIn: 1 },
    })
    for (const w of ['today', 'rolling'] as const) {
      expect(q.windows[w]).toMatchObject({
        offered: 3,
        answered: 1,
        abandoned: 2,
        shortAbandoned: 1,
        offeredNet: 2,
        serviceLevelPct: 50,
        answerRatePct: 50,
        abandonRatePct: 50,
        asaSec: 12,
        avgTalkSec: null,
      })
    }
  })

  it('filters by window', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/metrics?window=rolling', headers: auth })
    expect(res.statusCode).toBe(200)
    const q = res.json().queues[0]
    expect(q.windows.rolling).toBeDefined()
    expect(q.windows.today).toBeUndefined()
  })

  it('rejects an unknown window with a reason naming it', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/metrics?window=weekly', headers: auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/window/)
  })

  it('requires a key', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/metrics' })).statusCode).toBe(401)
  })
})

describe('operations', () => {
  it('is healthy and ready once the aggregator caught up', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    await app.aggregator.drain()
    const deadline = Date.now() + 5000
    let ready
    do {
      ready = await app.inject('/readyz')
      if (ready.statusCode === 200) break
      await new Promise((r) => setTimeout(r, 100))
    } while (Date.now() < deadline)
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({ ready: true, redis: 'ok', aggregator: { running: true, lagEvents: 0 } })
  })

  it('serves the OpenAPI description generated from the route schemas', async () => {
    const res = await app.inject('/docs/json')
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/events', '/api/v1/metrics', '/api/v1/agents', '/readyz']),
    )
  })

  it('exposes Prometheus metrics', async () => {
    expect((await app.inject('/metrics')).statusCode).toBe(401)
    const res = await app.inject({ url: '/metrics', headers: auth })
    expect(res.body).toMatch(/wallboard_ingest_events_total\{result="accepted"\}/)
  })
})
