// Definitions as data, against a real Redis: a change is a new version with who and when, the
// current day is recomputed from the log under it, closed days keep theirs, and history shows the
// break. Invalid definitions are refused with the field named.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BusinessCalendar } from '../../shared/figures/calendar.js'
import { DefinitionStore } from '../../server/admin/definitions.js'
import { type Browser, auth, login, testApp, testConfig } from './helpers.js'

type Queue = {
  id: string
  definition: { version: number; label: string }
  windows: { today: Record<string, unknown> }
  staffing: Record<string, unknown>
}

let app: FastifyInstance
let admin: Browser
const config = testConfig()
const now = Date.now()
const cal = new BusinessCalendar('Asia/Shanghai', 0)
const dayStart = cal.startOf(cal.dateOf(now))
/** Today's events start here: within the day, a little in the past. */
const t0 = Math.max(now - 20 * 60_000, dayStart + 1_000)
const yesterday = dayStart - 3 * 3600_000

beforeAll(async () => {
  app = await testApp(config)
  admin = await login(app)
  const call = (id: string, queue: string, at: number, waitSec: number, talkSec: number, caller?: string) => [
    { id: `${id}-q`, type: 'call.queued', ts: at, callId: id, queue, ...(caller ? { caller } : {}) },
    { id: `${id}-a`, type: 'call.answered', ts: at + waitSec * 1000, callId: id, queue, agent: 'li' },
    { id: `${id}-e`, type: 'call.ended', ts: at + (waitSec + talkSec) * 1000, callId: id, queue, agent: 'li' },
  ]
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: auth,
    payload: [
      {
        id: 'li-on',
        type: 'agent.state',
        ts: yesterday - 60_000,
        agent: 'li',
        state: 'available',
        queues: ['sales', 'support'],
        team: 'A',
      },
      // Yesterday: one call answered after 15 s.
      ...call('y1', 'sales', yesterday, 15, 60),
      // Today: answered after 15 s and after 5 s, in sales; one in support.
      ...call('c1', 'sales', t0, 15, 60, '13800000001'),
      ...call('c2', 'sales', t0 + 1_000, 5, 30),
      ...call('c3', 'support', t0 + 2_000, 15, 30),
    ],
  })
  expect(res.json().rejected).toEqual([])
  await app.aggregator.drain()
})
afterAll(async () => {
  await app.close()
})

const as = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) })

async function queue(id: string): Promise<Queue> {
  const res = await app.inject({ url: `/api/v1/metrics?queue=${id}`, headers: auth })
  return res.json().queues[0] as Queue
}

/** Waits until the aggregator has adopted a definition version for a queue. */
async function adopted(id: string, version: number): Promise<Queue> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const q = await queue(id)
    if (q.definition.version === version) return q
    if (Date.now() > deadline) throw new Error(`${id} still at v${q.definition.version}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('definitions as data', () => {
  it('start as version 1, the product defaults, with labels and formulas', async () => {
    const doc = (await app.inject({ url: '/api/v1/definitions', headers: auth })).json()
    expect(doc).toMatchObject({
      version: 1,
      defaults: { slThresholdSec: 20, slTargetPct: 80, label: 'SL 80/20 · abandons < 5 s ignored · v1' },
    })
    expect(doc.defaults.formulas.serviceLevelPct).toMatch(/answeredWithin 20 s/)
    expect(doc.presets.map((p: { id: string }) => p.id)).toEqual(['80/20', '90/10'])
    expect((await queue('sales')).windows.today).toMatchObject({ answered: 2, answeredWithin: 2, serviceLevelPct: 100 })
  })

  it('refuse an invalid change, naming the field, and keep the version', async () => {
    for (const [body, message] of [
      [{ slThresholdSec: 0 }, /body\.slThresholdSec/],
      [{ slTargetPct: 101 }, /body\.slTargetPct/],
      [{ slFormula: 'magic' }, /body\.slFormula: expected one of "standard"/],
      [{ timezone: 'Mars/Base' }, /body\.timezone: unknown time zone "Mars\/Base"/],
      [{ intervalMinutes: 20 }, /body\.intervalMinutes/],
      [{ csatTopBox: 6 }, /body\.csatTopBox: above csatScale/],
      [{ colour: 'red' }, /body\.colour: unknown field/],
      [{}, /names nothing to change/],
    ] as const) {
      const res = await as('PUT', '/api/v1/definitions/defaults', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().message).toMatch(message)
    }
    expect((await app.inject({ url: '/api/v1/definitions', headers: auth })).json().version).toBe(1)
  })

  it('make a new version on change, and recompute the current day under it', async () => {
    const res = await as('PUT', '/api/v1/definitions/defaults', { slThresholdSec: 10, slTargetPct: 90 })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ version: 2, defaults: { label: 'SL 90/10 · abandons < 5 s ignored · v2' } })
    const sales = await adopted('sales', 2)
    // The 15 s answer no longer meets a 10 s threshold: today is recomputed from the log.
    expect(sales.windows.today).toMatchObject({ answered: 2, answeredWithin: 1, serviceLevelPct: 50 })
    expect(sales.definition.label).toBe('SL 90/10 · abandons < 5 s ignored · v2')
  })

  it('keep closed days under the version they were computed with, and mark the break in history', async () => {
    const res = await app.inject({ url: `/api/v1/history?queue=sales&from=${yesterday - 3_600_000}`, headers: auth })
    expect(res.statusCode).toBe(200)
    const { rows, totals } = res.json() as {
      rows: Array<{ from: number; answered: number; answeredWithin: number; definition: { version: number } }>
      totals: Array<{ definition: { version: number }; answered: number; answeredWithin: number; serviceLevelPct: number }>
    }
    const before = rows.filter((r) => r.from < dayStart)
    const after = rows.filter((r) => r.from >= dayStart)
    // (Intervals with agent time and no call are rows too.)
    expect(new Set(before.map((r) => r.definition.version))).toEqual(new Set([1]))
    expect(before.reduce((n, r) => n + r.answered, 0)).toBe(1)
    expect(before.reduce((n, r) => n + r.answeredWithin, 0)).toBe(1)
    expect(after.every((r) => r.definition.version === 2)).toBe(true)
    expect(after.reduce((n, r) => n + r.answeredWithin, 0)).toBe(1)
    // Totals per version, from summed counters.
    expect(totals.map((t) => [t.definition.version, t.answered, t.answeredWithin, t.serviceLevelPct])).toEqual([
      [1, 1, 1, 100],
      [2, 2, 1, 50],
    ])
  })

  it("let a queue override an option: only that queue's version moves", async () => {
    const res = await as('PUT', '/api/v1/definitions/queues/support', { slThresholdSec: 30, overflowCounts: false })
    expect(res.statusCode, res.body).toBe(200)
    const support = await adopted('support', 3)
    expect(support.definition.label).toBe('SL 90/30 · abandons < 5 s ignored · overflows excluded · v3')
    expect(support.windows.today).toMatchObject({ answeredWithin: 1 })
    expect((await queue('sales')).definition.version).toBe(2)
    const doc = (await app.inject({ url: '/api/v1/definitions', headers: auth })).json()
    expect(doc.queues.find((q: { id: string }) => q.id === 'support').overrides).toEqual({
      slThresholdSec: 30,
      overflowCounts: false,
    })
    expect(doc.history.map((h: { changed: string[] }) => h.changed)).toEqual([['defaults'], ['defaults'], ['support']])
    // Dropping the override makes the queue follow the defaults again, as a new version.
    expect((await as('DELETE', '/api/v1/definitions/queues/support')).json().version).toBe(4)
    expect((await adopted('support', 4)).definition.label).toBe('SL 90/10 · abandons < 5 s ignored · v4')
  })

  it('record who changed what, and when', async () => {
    const entries = (await as('GET', '/api/v1/audit?limit=50')).json().entries as Array<{
      action: string
      target: string
      actor: { name: string }
      details: { version: number }
    }>
    const changes = entries.filter((e) => e.action === 'definition.update')
    expect(changes.map((e) => [e.target, e.details.version, e.actor.name])).toEqual([
      ['queue:support', 4, 'admin'],
      ['queue:support', 3, 'admin'],
      ['defaults', 2, 'admin'],
    ])
  })

  it('may be changed by admins only', async () => {
    const lead = await (async () => {
      await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.headers,
        payload: { username: 'lead-def', password: 'lead-def-password', role: 'teamlead', teams: ['A'] },
      })
      return login(app, 'lead-def', 'lead-def-password')
    })()
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/definitions/defaults',
      headers: lead.headers,
      payload: { slTargetPct: 50 },
    })
    expect(res.statusCode).toBe(403)
  })
})

describe('history', () => {
  it('answers CSV with the same field names, by Accept or by format', async () => {
    for (const request of [
      { url: `/api/v1/history?queue=sales&from=${t0 - 60_000}`, headers: { ...auth, accept: 'text/csv' } },
      { url: `/api/v1/history?queue=sales&from=${t0 - 60_000}&format=csv`, headers: auth },
    ]) {
      const res = await app.inject(request)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/csv/)
      const [header, ...lines] = res.body.trim().split('\n')
      const columns = header!.split(',')
      for (const f of [
        'queue',
        'from',
        'to',
        'definitionVersion',
        'definitionLabel',
        'offered',
        'answered',
        'answeredWithin',
        'serviceLevelPct',
        'asaSec',
        'occupancyPct',
        'fcrPct',
        'fcrPending',
      ]) {
        expect(columns).toContain(f)
      }
      expect(lines.length, res.body).toBeGreaterThan(0)
      expect(lines[0]!.split(',')[columns.indexOf('queue')]).toBe('sales')
    }
  })

  it('refuses a range it cannot serve, naming the parameter', async () => {
    const res = await app.inject({ url: '/api/v1/history?from=yesterday', headers: auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/querystring\.from/)
  })
})

describe('live figures of this release', () => {
  it('carry a staffing estimate: need and have', async () => {
    const sales = await queue('sales')
    expect(sales.staffing).toMatchObject({ have: 1, needed: expect.any(Number), trafficErlangs: expect.any(Number) })
    expect(sales.staffing['arrivalsPerHour']).toBeGreaterThan(0)
  })

  it('carry occupancy and calls per agent', async () => {
    const today = (await queue('sales')).windows.today
    expect(today['callsPerAgent']).toBe(2)
    expect(today['onCallMs']).toBe(90_000)
  })

  it("give agents' today figures with the centre's definition, labelled and versioned", async () => {
    const res = await app.inject({ url: '/api/v1/agents', headers: auth })
    const body = res.json() as { definition: { version: number; label: string }; agents: Array<{ id: string; today: object }> }
    // The centre follows the defaults: changed in version 2 (3 and 4 changed one queue only).
    expect(body.definition.version).toBe(2)
    expect(body.definition.label).toBe('SL 90/10 · abandons < 5 s ignored · v2')
    // Today: c1 and c2 in sales, c3 in support (yesterday's y1 is not today's).
    expect(body.agents.find((a) => a.id === 'li')?.today).toMatchObject({ handled: 3, onCallMs: 120_000 })
  })
})

describe('a definition changed while no aggregator ran', () => {
  it('is adopted, and the day recomputed, when the aggregator starts', async () => {
    const app2 = await testApp({ redisPrefix: config.redisPrefix })
    await app.close()
    await app2.close()
    // Another process writes version 5 while none runs.
    const { connectRedis } = await import('../../server/store/redis.js')
    const { redisKeys } = await import('../../server/store/keys.js')
    const { inject } = await import('vitest')
    const redis = connectRedis(inject('redisUrl'), { name: 'test' })
    await new Promise((r) => redis.once('ready', r))
    const store = new DefinitionStore(redis, redisKeys(config.redisPrefix), 'Asia/Shanghai')
    await store.load()
    await store.change({ target: 'defaults', options: { slThresholdSec: 20 } }, 'ops script')
    redis.disconnect()
    app = await testApp({ redisPrefix: config.redisPrefix })
    const sales = await adopted('sales', 5)
    expect(sales.windows.today).toMatchObject({ answered: 2, answeredWithin: 2 })
  })
})
