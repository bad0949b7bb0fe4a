// Event sources' health against a real Redis: each source's last event as stored, its count and
// queues, over the API and in every board's `health`; an admin sets how long a source may stay
// silent (or never) and forgets a retired one; all of it survives a restart.
import type { FastifyInstance, InjectOptions } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Health, ServerToClientEvents } from '../../shared/socket.js'
import type { SourceHealth } from '../../shared/sources.js'
import { type Browser, auth, login, postEvents, testApp, testConfig } from './helpers.js'

type Listed = SourceHealth & { quiet: boolean }

let app: FastifyInstance
let admin: Browser
const config = testConfig({ sourceQuietSec: 3 })
let startedAt: number

beforeAll(async () => {
  app = await testApp(config)
  admin = await login(app)
  startedAt = Date.now()
  await postEvents(app, [
    { id: 's1', type: 'call.queued', ts: startedAt - 60_000, callId: 'c1', queue: 'east', source: 'pbx-sh' },
    { id: 's2', type: 'call.queued', ts: startedAt - 90_000, callId: 'c2', queue: 'west', source: 'pbx-sh' },
    { id: 's3', type: 'agent.state', ts: startedAt - 30_000, agent: 'li', state: 'available', source: 'ami' },
    { id: 's4', type: 'call.queued', ts: startedAt - 10_000, callId: 'c3', queue: 'north' },
    // enough for pbx-sh to be judged (JUDGED_AFTER_EVENTS)
    ...Array.from({ length: 18 }, (_, i) => ({
      id: `p${i}`,
      type: 'agent.state',
      ts: startedAt - 120_000 + i,
      agent: `x${i}`,
      state: 'available',
      source: 'pbx-sh',
    })),
  ])
})
afterAll(async () => {
  await app?.close()
})

function as(method: InjectOptions['method'], url: string, payload?: object, who: Browser | null = admin) {
  return app.inject({ method, url, headers: who === null ? auth : who.headers, ...(payload ? { payload } : {}) })
}

async function listed(): Promise<Record<string, Listed>> {
  const res = await as('GET', '/api/v1/sources', undefined, null)
  expect(res.statusCode).toBe(200)
  return Object.fromEntries((res.json().sources as Listed[]).map((s) => [s.id, s]))
}

describe('event sources', () => {
  it('lists each source with its newest event as stored and as sent, its count and its queues', async () => {
    const s = await listed()
    expect(Object.keys(s).sort()).toEqual(['', 'ami', 'pbx-sh'])
    expect(s['pbx-sh']).toMatchObject({ events: 20, queues: ['east', 'west'], lastEventAt: startedAt - 60_000, quietAfterSec: 3 })
    expect(s['pbx-sh']!.lastReceivedAt).toBeGreaterThanOrEqual(startedAt - 1_000)
    expect(s['pbx-sh']!.lastReceivedAt).toBeLessThanOrEqual(Date.now())
    expect(s['ami']).toMatchObject({ events: 1, queues: [], quiet: false })
    expect(s['']).toMatchObject({ events: 1, queues: ['north'] })
  })

  it('calls a source quiet once it has been silent past its limit, and sends every board the sources', async () => {
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const socket: Socket<ServerToClientEvents> = io(base, {
      transports: ['websocket'],
      extraHeaders: { cookie: admin.cookie },
      reconnection: false,
    })
    try {
      const health = await new Promise<Health>((resolve) => socket.once('health', resolve))
      expect(health.sources.map((x) => x.id).sort()).toEqual(['', 'ami', 'pbx-sh'])
    } finally {
      socket.disconnect()
    }
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 3_500 - Date.now())))
    expect((await listed())['pbx-sh']!.quiet).toBe(true)
    await postEvents(app, [
      { id: 's5', type: 'call.answered', ts: Date.now(), callId: 'c1', queue: 'east', agent: 'li', source: 'pbx-sh' },
    ])
    expect((await listed())['pbx-sh']).toMatchObject({ quiet: false, events: 21 })
  })

  it('lets an admin set a source’s own limit or none, with reasons for a wrong one, audited', async () => {
    expect((await as('PUT', '/api/v1/sources/ami', { quietAfterSec: null })).statusCode).toBe(200)
    expect((await as('PUT', '/api/v1/sources/-', { quietAfterSec: 600 })).statusCode).toBe(200)
    const s = await listed()
    expect(s['ami']).toMatchObject({ quietAfterSec: null, quiet: false })
    expect(s['']).toMatchObject({ quietAfterSec: 600 })
    const bad = await as('PUT', '/api/v1/sources/ami', { quietAfterSec: 0, colour: 'red' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('body.quietAfterSec')
    expect(bad.json().message).toContain('body.colour: unknown field')
    expect((await as('PUT', '/api/v1/sources/ami', { quietAfterSec: 60 }, null)).statusCode).toBe(403)
    const audit = (await as('GET', '/api/v1/audit')).json().entries as Array<{ action: string; target: string }>
    expect(audit.some((e) => e.action === 'source.update' && e.target === 'ami')).toBe(true)
  })

  it('forgets a retired source, and keeps the rest across a restart', async () => {
    expect((await as('DELETE', '/api/v1/sources/nowhere')).statusCode).toBe(404)
    expect((await as('DELETE', '/api/v1/sources/ami')).statusCode).toBe(204)
    await app.aggregator.drain()
    // the forgetting is saved with the aggregator's next step
    await new Promise((r) => setTimeout(r, 1_500))
    await app.close()
    app = await testApp(config)
    admin = await login(app)
    const s = await listed()
    expect(Object.keys(s).sort()).toEqual(['', 'pbx-sh'])
    expect(s['pbx-sh']).toMatchObject({ events: 21, queues: ['east', 'west'] })
    expect(s['']).toMatchObject({ quietAfterSec: 600 })
    // the newest event time is known before any event arrives after the restart
    expect((await app.health()).newestEventAt).toBe(s['pbx-sh']!.lastEventAt)
  })

  it('takes link reports from a connector with an ingest key, lists a linked source before its first event, and forgets it', async () => {
    const report = {
      kind: 'ami',
      connected: true,
      target: '10.0.0.5:5038',
      since: Date.now() - 60_000,
      lastEventAt: null,
      linesPerMin: 40,
      eventsPerMin: 0,
      lines: 40,
      events: 0,
      pending: 0,
      skipped: { Newchannel: 40 },
      problems: {},
      recentProblems: [],
      error: null,
    }
    const put = (payload: object, headers: Record<string, string> = auth) =>
      app.inject({ method: 'PUT', url: '/api/v1/sources/pbx-bj/link', headers, payload })
    expect((await put(report)).statusCode).toBe(204)
    let s = (await listed())['pbx-bj']!
    expect(s).toMatchObject({ events: 0, lastReceivedAt: null, queues: [], quiet: false, down: false, link: report })
    expect(s.link!.reportedAt).toBeGreaterThan(Date.now() - 5_000)

    expect((await put({ ...report, connected: false, error: 'authentication failed' })).statusCode).toBe(204)
    s = (await listed())['pbx-bj']!
    expect(s).toMatchObject({ down: true, link: { connected: false, error: 'authentication failed' } })

    // the body is checked field by field, and a browser session may not report
    const bad = await put({ ...report, kind: 'sip', pending: -1, extra: 1 })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('body.kind')
    expect(bad.json().message).toContain('body.pending')
    expect(bad.json().message).toContain('body.extra: unknown field')
    expect((await put(report, admin.headers)).statusCode).toBe(403)

    expect((await as('DELETE', '/api/v1/sources/pbx-bj')).statusCode).toBe(204)
    expect((await listed())['pbx-bj']).toBeUndefined()
  })
})
