// Two server instances on one Redis prefix, in one test process (each with its own connections, as
// two processes would have): the first is the active aggregator, the second a replica. Alerts are
// judged by the active one only, reach connections of both, and a person's action taken on the
// replica is carried out by the active one. An ingest-only instance takes events and nothing else.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../shared/alerts.js'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js'
import { redisKeys } from '../../server/store/keys.js'
import { FencedError, StateStore } from '../../server/store/state-store.js'
import { until } from '../support/wait.js'
import { type Browser, auth, login, postEvents, testApp } from './helpers.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>
const apps: FastifyInstance[] = []
const sockets: Client[] = []

afterAll(async () => {
  for (const s of sockets) s.disconnect()
  for (const app of apps) await app.close()
})

async function start(prefix: string, role: 'all' | 'ingest' = 'all'): Promise<FastifyInstance> {
  const app = await testApp({ redisPrefix: prefix, role })
  apps.push(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

/** One waiting call, posted to `app`: stored, and acknowledged. */
async function queueOneCall(app: FastifyInstance, queue: string): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: auth,
    payload: [{ id: `${queue}-1`, type: 'call.queued', ts: Date.now(), callId: `${queue}-c1`, queue }],
  })
  expect(res.json()).toMatchObject({ accepted: 1 })
}

const baseOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

async function watchAlerts(app: FastifyInstance, browser: Browser): Promise<{ client: Client; seen: Alert[] }> {
  const client: Client = io(baseOf(app), {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { cookie: browser.cookie },
  })
  sockets.push(client)
  const seen: Alert[] = []
  client.on('alert', (alert) => seen.push(alert))
  await new Promise<void>((resolve, reject) => {
    client.once('snapshot', () => resolve())
    client.once('connect_error', reject)
  })
  return { client, seen }
}

describe('an active aggregator and a replica on one Redis', () => {
  let active: FastifyInstance
  let replica: FastifyInstance
  beforeAll(async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    active = await start(prefix)
    replica = await start(prefix)
  })

  it('has exactly one active aggregator, and both apply every event', async () => {
    expect(active.aggregator.leader).toBe(true)
    expect(replica.aggregator.leader).toBe(false)
    await queueOneCall(replica, 'pq')
    await active.aggregator.drain()
    await replica.aggregator.drain()
    for (const app of [active, replica]) {
      const q = (await app.inject({ url: '/api/v1/metrics?queue=pq', headers: auth })).json().queues[0]
      expect(q.live.waiting).toBe(1)
    }
  })

  it('judges alerts in the active process, pushes them from both, and acts on an acknowledgement taken on the replica', async () => {
    const adminActive = await login(active)
    const adminReplica = await login(replica)
    const onActive = await watchAlerts(active, adminActive)
    const onReplica = await watchAlerts(replica, adminReplica)
    // The rule is made on the replica: the active engine is told and judges it.
    const made = await replica.inject({
      method: 'POST',
      url: '/api/v1/alert-rules',
      headers: adminReplica.headers,
      payload: {
        enabled: true,
        activeHours: null,
        cooldownSec: 0,
        channels: [],
        banner: true,
        sound: false,
        kind: 'figure',
        name: 'Anyone waiting',
        scope: { queue: 'pq' },
        window: 'live',
        figure: 'waiting',
        comparator: 'above',
        warn: 0,
        critical: null,
        forSec: 0,
        clearAt: null,
      },
    })
    expect(made.statusCode, made.body).toBe(201)
    const fired = await until('the alert on both processes', () => onActive.seen[0] && onReplica.seen[0] && onActive.seen[0])
    expect(onReplica.seen[0]!.id).toBe(fired.id)
    await until('the replica to know the open alert', () => replica.alerts.openAlerts().some((a) => a.id === fired.id))

    const ack = await replica.inject({ method: 'POST', url: `/api/v1/alerts/${fired.id}/ack`, headers: adminReplica.headers })
    expect(ack.statusCode, ack.body).toBe(200)
    expect(ack.json().state).toBe('acknowledged')
    // The active engine holds the acknowledged alert: its next judgement does not undo it.
    expect(active.alerts.openAlerts().find((a) => a.id === fired.id)?.state).toBe('acknowledged')
    await until('the acknowledgement on both sockets', () =>
      [onActive, onReplica].every((w) => w.seen.some((a) => a.id === fired.id && a.state === 'acknowledged')),
    )
  })
})

describe('taking over the alert engine', () => {
  it('turns the survey responses the previous active process saved, but never handed to its engine, into tasks', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    const first = await start(prefix)
    const admin = await login(first)
    const rule = await first.inject({
      method: 'POST',
      url: '/api/v1/alert-rules',
      headers: admin.headers,
      payload: {
        enabled: true,
        activeHours: null,
        cooldownSec: 0,
        channels: [],
        banner: true,
        sound: false,
        kind: 'event',
        name: 'Detractor call-back',
        scope: { team: 'A' },
        trigger: 'detractor',
        dueMin: 30,
        escalation: [{ level: 'teamlead', channels: [] }],
      },
    })
    expect(rule.statusCode, rule.body).toBe(201)
    // The engine stops (as if its process died just after the aggregator's save); the response is saved all the same.
    await first.alerts.stop()
    const t0 = Date.now()
    await postEvents(first, [
      { id: 'tk-a', type: 'agent.state', ts: t0 - 60_000, agent: 'li', state: 'available', team: 'A' },
      { id: 'tk-s', type: 'survey.response', ts: t0, callId: 'tk-call', agent: 'li', nps: 2 },
    ])
    await first.close()
    apps.splice(apps.indexOf(first), 1)
    const next = await start(prefix)
    expect(next.aggregator.leader).toBe(true)
    const task = await until('the call-back task', async () => {
      await next.alerts.settle()
      return next.alerts.openAlerts().find((a) => a.kind === 'event' && a.subject.callId === 'tk-call')
    })
    expect(task).toMatchObject({ state: 'firing', figure: 'nps', value: 2 })
  })
})

describe('a fenced save', () => {
  it('lands only while the saved state is the one its writer continues (a paused aggregator waking up is refused)', async () => {
    const app = await start(`test:${randomBytes(6).toString('hex')}:`)
    const keys = redisKeys(`test:${randomBytes(6).toString('hex')}:`)
    const store = new StateStore(app.redis, keys, 35)
    const conn = await app.connectRedis('fence-test')
    const at = (position: string, writer: string) => ({ position, applied: 1, definitions: 1, writer })
    const nothing = { tables: [], history: [] }
    await store.save(nothing, at('1-0', 'a:1'), { redis: conn, expected: '' })
    // Another process took over and saved after it.
    await store.save(nothing, at('2-0', 'b:1'), { redis: conn, expected: 'a:1' })
    // The first wakes up and saves as if nothing happened: refused, and nothing written.
    await expect(store.save(nothing, at('3-0', 'a:2'), { redis: conn, expected: 'a:1' })).rejects.toThrow(FencedError)
    expect(await store.loadPosition()).toEqual(at('2-0', 'b:1'))
  })
})

describe('an ingest-only process', () => {
  it('stores events and link reports, is ready on Redis alone, and serves nothing else', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    const ingest = await start(prefix, 'ingest')
    await queueOneCall(ingest, 'iq')
    expect(await ingest.eventLog.length()).toBe(1)
    const link = await ingest.inject({
      method: 'PUT',
      url: '/api/v1/sources/pbx-1/link',
      headers: auth,
      payload: {
        kind: 'queue_log',
        connected: true,
        target: '/var/log/asterisk/queue_log',
        since: Date.now() - 60_000,
        lastEventAt: null,
        linesPerMin: 0,
        eventsPerMin: 0,
        lines: 0,
        events: 0,
        pending: 0,
        skipped: {},
        problems: {},
        recentProblems: [],
        error: null,
      },
    })
    expect(link.statusCode, link.body).toBe(204)
    expect(ingest.aggregator.leader).toBe(false)
    expect((await ingest.inject({ url: '/readyz' })).statusCode).toBe(200)
    const figures = await ingest.inject({ url: '/api/v1/metrics', headers: auth })
    expect(figures.statusCode).toBe(404)
    expect(figures.json().message).toContain('ingest only')
    const client: Client = io(baseOf(ingest), { transports: ['websocket'], reconnection: false, auth: { token: 'x' } })
    sockets.push(client)
    const refused = await new Promise<Error & { data?: { code: string } }>((resolve) => client.once('connect_error', resolve))
    expect(refused.data?.code).toBe('unavailable')
    // A full process on the same Redis has the event.
    const full = await start(prefix)
    await full.aggregator.drain()
    const q = (await full.inject({ url: '/api/v1/metrics?queue=iq', headers: auth })).json().queues[0]
    expect(q.live.waiting).toBe(1)
  })
})
