// The alert engine end to end, on a real Redis: rules made over the API fire, escalate, are
// acknowledged and resolve as events change the figures, seen through GET /api/v1/alerts and the
// socket's `alert` event (delivery is another test's business). Timing is measured, not assumed:
// a rule fires within 2 s of its duration being met.
import type { FastifyInstance } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TeamSummary } from '../../shared/admin.js'
import type { Alert, AlertRule } from '../../shared/alerts.js'
import type { Ack, AlertList, ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js'
import { type Browser, auth, login, postEvents, testApp, testConfig } from './helpers.js'
import { until } from '../support/wait.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>
const apps: FastifyInstance[] = []
const sockets: Client[] = []

afterAll(async () => {
  for (const s of sockets) s.disconnect()
  for (const app of apps) await app.close()
})

async function start(prefix?: string, alertClock?: () => number): Promise<{ app: FastifyInstance; admin: Browser }> {
  const app = await testApp(prefix ? { redisPrefix: prefix } : {}, alertClock ? { alertClock } : {})
  apps.push(app)
  return { app, admin: await login(app) }
}

const COMMON = { enabled: true, activeHours: null, cooldownSec: 0, channels: [], banner: true, sound: false }

async function createRule(app: FastifyInstance, admin: Browser, body: object): Promise<AlertRule> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/alert-rules', headers: admin.headers, payload: body })
  expect(res.statusCode, res.body).toBe(201)
  return res.json()
}

async function alertsOf(app: FastifyInstance, who: Browser | typeof auth, query = ''): Promise<Alert[]> {
  const res = await app.inject({ url: `/api/v1/alerts${query}`, headers: 'headers' in who ? who.headers : who })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().alerts
}

/** A logged-in browser's socket, with every `alert` it receives (and when). */
async function watch(
  app: FastifyInstance,
  browser: Browser,
): Promise<{ client: Client; seen: Array<{ at: number; alert: Alert }> }> {
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const client: Client = io(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: browser.cookie } })
  sockets.push(client)
  const seen: Array<{ at: number; alert: Alert }> = []
  client.on('alert', (alert) => seen.push({ at: Date.now(), alert }))
  await new Promise<void>((resolve, reject) => {
    client.once('snapshot', () => resolve())
    client.once('connect_error', reject)
  })
  return { client, seen }
}

const lastTransition = (a: Alert) => a.history[a.history.length - 1]!.transition
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('figure rules', () => {
  let app: FastifyInstance
  let admin: Browser
  beforeAll(async () => {
    ;({ app, admin } = await start())
    await app.listen({ port: 0, host: '127.0.0.1' })
  })

  it('fires "calls waiting over 2 for 3 s" within 2 s of the 3 s being met, and resolves when the calls are answered', async () => {
    const { seen } = await watch(app, admin)
    const rule = await createRule(app, admin, {
      ...COMMON,
      kind: 'figure',
      name: 'Waiting over 2',
      scope: { queue: 'fig-q' },
      window: 'live',
      figure: 'waiting',
      comparator: 'above',
      warn: 2,
      critical: null,
      forSec: 3,
      clearAt: null,
    })
    const t0 = Date.now()
    await postEvents(
      app,
      ['f1', 'f2', 'f3'].map((c, i) => ({ id: `fq-${c}`, type: 'call.queued', ts: t0 + i, callId: c, queue: 'fig-q' })),
    )
    // The condition holds from the moment the third call is applied; its duration is met 3 s later.
    const trueAt = Date.now()
    const fired = await until('the alert', () => seen.find((s) => s.alert.ruleId === rule.id))
    const latencyMs = fired.at - (trueAt + 3_000)
    console.log(`figure rule fired ${latencyMs} ms after its duration was met (${fired.at - t0} ms after the events)`)
    expect(fired.at - t0).toBeGreaterThanOrEqual(3_000)
    expect(latencyMs).toBeLessThanOrEqual(2_000)
    expect(fired.alert).toMatchObject({
      state: 'firing',
      severity: 'warning',
      kind: 'figure',
      figure: 'waiting',
      window: 'live',
      value: 3,
      threshold: 2,
      subject: { queue: 'fig-q', agent: null },
      banner: true,
    })
    expect(fired.alert.firedAt - fired.alert.since).toBeGreaterThanOrEqual(3_000)
    expect((await alertsOf(app, admin, '?state=firing')).map((a) => a.id)).toContain(fired.alert.id)

    // Two answered: 1 waiting, back under the level: resolved by the figure.
    await postEvents(app, [
      { id: 'fq-a1', type: 'call.answered', ts: Date.now(), callId: 'f1', queue: 'fig-q', agent: 'x' },
      { id: 'fq-a2', type: 'call.answered', ts: Date.now(), callId: 'f2', queue: 'fig-q', agent: 'y' },
    ])
    const resolved = await until('the resolve', () =>
      seen.find((s) => s.alert.id === fired.alert.id && s.alert.state === 'resolved'),
    )
    expect(resolved.alert).toMatchObject({ resolvedBy: 'figure', value: 1 })
    expect(resolved.alert.history.map((h) => h.transition)).toEqual(['fired', 'resolved'])
    await sleep(1_500)
    // No storm: one message per transition.
    expect(seen.filter((s) => s.alert.id === fired.alert.id)).toHaveLength(2)
    const [listed] = await alertsOf(app, admin, `?rule=${rule.id}&state=resolved`)
    expect(listed).toMatchObject({ id: fired.alert.id, state: 'resolved' })
    await app.inject({ method: 'DELETE', url: `/api/v1/alert-rules/${rule.id}`, headers: admin.headers })
  })

  it('refuses rules whose levels contradict the comparator, naming the field', async () => {
    const base = {
      ...COMMON,
      kind: 'figure',
      name: 'bad',
      scope: { all: true },
      window: 'today',
      figure: 'serviceLevelPct',
      comparator: 'below',
      forSec: 60,
    }
    const post = (body: object) =>
      app.inject({ method: 'POST', url: '/api/v1/alert-rules', headers: admin.headers, payload: body })
    const cases: Array<[object, string]> = [
      [{ ...base, warn: 80, critical: 90, clearAt: null }, 'body.critical: must lie below warn'],
      [{ ...base, warn: null, critical: null, clearAt: null }, 'body.warn: set warn, critical or both'],
      [{ ...base, warn: 80, critical: 70, clearAt: 75 }, 'body.clearAt: must not lie below warn'],
      [{ ...base, warn: 180, critical: 70, clearAt: null }, 'body.warn: serviceLevelPct lies from 0 to 100'],
      [{ ...base, figure: 'waiting', warn: 80, critical: 70, clearAt: null }, 'body.figure: waiting is a live figure'],
      [{ ...base, warn: 80, critical: 70, clearAt: null, forSec: 'long' }, 'body.forSec: expected integer'],
      [{ ...base, warn: 80, critical: 70, clearAt: null, colour: 'red' }, 'body.colour: unknown field'],
      [
        { ...base, warn: 80, critical: 70, clearAt: null, activeHours: { days: [1], from: '08:00', to: '08:30' }, forSec: 3600 },
        'body.forSec: must be shorter than the active hours',
      ],
      [{ ...base, kind: 'nothing' }, 'body.kind: expected one of'],
    ]
    for (const [body, message] of cases) {
      const res = await post(body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().message).toContain(message)
    }
    const ok = await post({ ...base, warn: 80, critical: 70, clearAt: 85 })
    expect(ok.statusCode, ok.body).toBe(201)
    const id = ok.json().id
    const patch = (body: object) =>
      app.inject({ method: 'PATCH', url: `/api/v1/alert-rules/${id}`, headers: admin.headers, payload: body })
    expect((await patch({ critical: 85 })).json().message).toContain('body.critical')
    expect((await patch({ overSec: 5 })).json().message).toContain('body.overSec: unknown field')
    expect((await patch({ kind: 'agent' })).json().message).toContain('body.kind: a rule keeps its kind')
    const renamed = await patch({ name: 'SL today below target', enabled: false })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json()).toMatchObject({ id, name: 'SL today below target', enabled: false, warn: 80, kind: 'figure' })
    const listed = (await app.inject({ url: '/api/v1/alert-rules', headers: admin.headers })).json().rules as AlertRule[]
    expect(listed.find((r) => r.id === id)).toMatchObject({ name: 'SL today below target' })
    const audit = (await app.inject({ url: '/api/v1/audit', headers: admin.headers })).json().entries as Array<{
      action: string
      target: string
    }>
    expect(audit.filter((e) => e.target === id).map((e) => e.action)).toEqual(['alert-rule.update', 'alert-rule.create'])
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/alert-rules/${id}`, headers: admin.headers })).statusCode).toBe(
      204,
    )
  })
})

describe("rules on the team's opening hours", () => {
  it('fire for a queue only while its team is open, and around the clock for a team without hours', async () => {
    let offsetMs = 0
    const { app, admin } = await start(undefined, () => Date.now() + offsetMs)
    // Team "day" opens for an hour, two hours from now on the centre's clock (Shanghai, UTC+8 all
    // year, so its minutes are UTC's), every day; team "any" has a record without hours.
    const now = Date.now()
    const hour = (new Date(now).getUTCHours() + 8) % 24
    const hhmm = (h: number) => `${String(h % 24).padStart(2, '0')}:00`
    const hours = { days: [0, 1, 2, 3, 4, 5, 6], from: hhmm(hour + 2), to: hhmm(hour + 3) }
    for (const [team, body] of [
      ['day', { name: 'Day shift', hours }],
      ['any', { name: 'Any time' }],
    ] as const) {
      const res = await app.inject({ method: 'PUT', url: `/api/v1/teams/${team}`, headers: admin.headers, payload: body })
      expect(res.statusCode, res.body).toBe(201)
    }
    const listed = (await app.inject({ url: '/api/v1/teams', headers: admin.headers })).json().teams as TeamSummary[]
    expect(listed.find((t) => t.id === 'day')?.hours).toEqual(hours)
    for (const [queue, team] of [
      ['th-day', 'day'],
      ['th-any', 'any'],
    ]) {
      const res = await app.inject({ method: 'PATCH', url: `/api/v1/queues/${queue}`, headers: admin.headers, payload: { team } })
      expect(res.statusCode, res.body).toBe(200)
    }
    const rule = await createRule(app, admin, {
      ...COMMON,
      activeHours: 'team',
      kind: 'figure',
      name: 'Waiting while open',
      scope: { all: true },
      window: 'live',
      figure: 'waiting',
      comparator: 'above',
      warn: 0,
      critical: null,
      forSec: 1,
      clearAt: null,
    })
    expect(rule.activeHours).toBe('team')
    await postEvents(
      app,
      ['th-day', 'th-any'].map((queue, i) => ({ id: `th-${i}`, type: 'call.queued', ts: now, callId: `th-c${i}`, queue })),
    )
    const firingQueues = async () => (await alertsOf(app, admin, `?rule=${rule.id}`)).map((a) => a.subject.queue).sort()
    // Team "any" has no hours: its queue fires; team "day" is closed: its queue does not, however long.
    await until('the alert of the team without hours', async () => ((await firingQueues()).includes('th-any') ? true : undefined))
    await sleep(2_500)
    await app.alerts.settle()
    expect(await firingQueues()).toEqual(['th-any'])
    // Half an hour into team "day"'s opening hours, its queue fires too.
    offsetMs = now - (now % 3_600_000) + 2.5 * 3_600_000 - Date.now()
    await until('the alert of the team now open', async () => ((await firingQueues()).includes('th-day') ? true : undefined))
    expect(await firingQueues()).toEqual(['th-any', 'th-day'])
  })
})

describe('agent rules', () => {
  it('fires when an agent rings over 2 s, and resolves when the call is answered', async () => {
    const { app, admin } = await start()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { seen } = await watch(app, admin)
    const rule = await createRule(app, admin, {
      ...COMMON,
      kind: 'agent',
      name: 'Ringing over 2 s',
      scope: { all: true },
      state: 'ringing',
      reason: null,
      overSec: 2,
    })
    const t0 = Date.now()
    await postEvents(app, [
      { id: 'ag-s', type: 'agent.state', ts: t0 - 60_000, agent: 'mei', state: 'available', team: 'A', queues: ['ag-q'] },
      { id: 'ag-q1', type: 'call.queued', ts: t0, callId: 'r1', queue: 'ag-q' },
      { id: 'ag-r1', type: 'call.ringing', ts: t0, callId: 'r1', queue: 'ag-q', agent: 'mei' },
    ])
    const fired = await until('the agent alert', () => seen.find((s) => s.alert.ruleId === rule.id))
    expect(fired.at - t0).toBeGreaterThanOrEqual(2_000)
    expect(fired.at - (t0 + 2_000)).toBeLessThanOrEqual(2_000)
    expect(fired.alert).toMatchObject({
      kind: 'agent',
      state: 'firing',
      figure: 'ringing',
      threshold: 2,
      since: t0,
      subject: { agent: 'mei', team: 'A', queue: 'ag-q', callId: 'r1' },
    })
    await postEvents(app, [{ id: 'ag-a1', type: 'call.answered', ts: Date.now(), callId: 'r1', queue: 'ag-q', agent: 'mei' }])
    const resolved = await until('the resolve', () =>
      seen.find((s) => s.alert.id === fired.alert.id && s.alert.state === 'resolved'),
    )
    expect(resolved.alert.resolvedBy).toBe('figure')
    expect(resolved.alert.value).toBeGreaterThanOrEqual(2)
  })
})

describe('event rules', () => {
  it('makes a call-back task of a detractor survey that escalates when not acknowledged in time, until acknowledged, then resolved by hand', async () => {
    let offsetMs = 0
    const { app, admin } = await start(undefined, () => Date.now() + offsetMs)
    const rule = await createRule(app, admin, {
      ...COMMON,
      kind: 'event',
      name: 'Detractor call-back',
      scope: { team: 'A' },
      trigger: 'detractor',
      dueMin: 30,
      escalation: [
        { level: 'teamlead', channels: [] },
        { level: 'supervisor', channels: [] },
        { level: 'manager', channels: [] },
      ],
    })
    const t0 = Date.now()
    const survey = { id: 'sv-1', type: 'survey.response', ts: t0, callId: 'sv-call', agent: 'li', nps: 3 }
    await postEvents(app, [
      { id: 'sv-a', type: 'agent.state', ts: t0 - 60_000, agent: 'li', state: 'available', team: 'A' },
      { id: 'sv-b', type: 'agent.state', ts: t0 - 60_000, agent: 'wang', state: 'available', team: 'B' },
      survey,
      // a promoter, a detractor of another team, and a dissatisfied CSAT make no task under this rule
      { id: 'sv-2', type: 'survey.response', ts: t0, agent: 'li', nps: 9 },
      { id: 'sv-3', type: 'survey.response', ts: t0, agent: 'wang', nps: 2 },
      { id: 'sv-4', type: 'survey.response', ts: t0, agent: 'li', csat: 1 },
    ])
    await app.alerts.settle()
    const tasks = await alertsOf(app, admin, `?rule=${rule.id}`)
    expect(tasks).toHaveLength(1)
    const task = tasks[0]!
    expect(task).toMatchObject({
      kind: 'event',
      state: 'firing',
      level: 'teamlead',
      figure: 'nps',
      value: 3,
      threshold: 6,
      since: t0,
      dueAt: t0 + 30 * 60_000,
      subject: { agent: 'li', team: 'A', callId: 'sv-call', queue: null },
    })

    // Replayed after a crash (the aggregator hands the same event again): no second task.
    app.alerts.onApplied(
      { queues: new Set(), agents: new Set(), events: 1, surveys: [{ ...survey, type: 'survey.response' } as const] },
      app.aggregator.position,
    )
    await app.alerts.settle()
    expect(await alertsOf(app, admin, `?rule=${rule.id}`)).toHaveLength(1)

    // 31 minutes on, nobody acknowledged: the supervisor has it, due 30 minutes later.
    offsetMs = 31 * 60_000
    const escalated = await until('the escalation', async () => {
      const [a] = await alertsOf(app, admin, `?rule=${rule.id}`)
      return a?.level === 'supervisor' ? a : undefined
    })
    expect(escalated).toMatchObject({ state: 'firing', severity: 'critical', level: 'supervisor' })
    expect(escalated.dueAt! - escalated.history[1]!.at).toBe(30 * 60_000)
    expect(escalated.history.map((h) => h.transition)).toEqual(['fired', 'escalated'])

    // The lead of team A acknowledges it: escalation stops.
    const lead = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.headers,
      payload: { username: 'lead-a', password: 'lead-a-password!', role: 'teamlead', teams: ['A'] },
    })
    expect(lead.statusCode, lead.body).toBe(201)
    const leadA = await login(app, 'lead-a', 'lead-a-password!')
    const ack = await app.inject({ method: 'POST', url: `/api/v1/alerts/${task.id}/ack`, headers: leadA.headers })
    expect(ack.statusCode, ack.body).toBe(200)
    expect(ack.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'lead-a' })
    const again = await app.inject({ method: 'POST', url: `/api/v1/alerts/${task.id}/ack`, headers: admin.headers })
    expect(again.statusCode).toBe(409)
    expect(again.json().message).toContain('already acknowledged by lead-a')
    offsetMs = 2 * 61 * 60_000
    await sleep(1_500)
    await app.alerts.settle()
    const [stillAcked] = await alertsOf(app, admin, `?rule=${rule.id}`)
    expect(stillAcked).toMatchObject({ state: 'acknowledged', level: 'supervisor' })

    const resolved = await app.inject({ method: 'POST', url: `/api/v1/alerts/${task.id}/resolve`, headers: leadA.headers })
    expect(resolved.statusCode, resolved.body).toBe(200)
    expect(resolved.json()).toMatchObject({ state: 'resolved', resolvedBy: 'lead-a' })
    expect((resolved.json() as Alert).history.map((h) => [h.transition, h.by])).toEqual([
      ['fired', null],
      ['escalated', null],
      ['acknowledged', 'lead-a'],
      ['resolved', 'lead-a'],
    ])
    expect(await alertsOf(app, admin, `?rule=${rule.id}&state=firing`)).toEqual([])
    expect(await alertsOf(app, admin, `?rule=${rule.id}&state=resolved`)).toHaveLength(1)
    const audit = (await app.inject({ url: '/api/v1/audit', headers: admin.headers })).json().entries as Array<{
      action: string
      target: string
      actor: { name: string }
    }>
    expect(audit.filter((e) => e.target === task.id).map((e) => [e.action, e.actor.name])).toEqual([
      ['alert.resolve', 'lead-a'],
      ['alert.ack', 'lead-a'],
    ])
  })

  it('escalates through every level, then stays with the last', async () => {
    let offsetMs = 0
    const { app, admin } = await start(undefined, () => Date.now() + offsetMs)
    const rule = await createRule(app, admin, {
      ...COMMON,
      kind: 'event',
      name: 'Dissatisfied',
      scope: { all: true },
      trigger: 'dissatisfied',
      dueMin: 10,
      escalation: [
        { level: 'teamlead', channels: [] },
        { level: 'manager', channels: [] },
      ],
    })
    await postEvents(app, [{ id: 'ds-1', type: 'survey.response', ts: Date.now(), queue: 'dq', csat: 2 }])
    await app.alerts.settle()
    for (const [minutes, level] of [
      [11, 'manager'],
      [22, 'manager'],
    ] as const) {
      offsetMs = minutes * 60_000
      await sleep(1_300)
      await app.alerts.settle()
      const [a] = await alertsOf(app, admin, `?rule=${rule.id}`)
      expect(a).toMatchObject({ level, state: 'firing' })
      expect(a!.history.map((h) => h.transition)).toEqual(['fired', 'escalated'])
    }
  })
})

describe('after a restart', () => {
  it('keeps a firing alert firing without firing it again, and continues a duration from its start', async () => {
    const prefix = testConfig().redisPrefix
    const first = await start(prefix)
    const firing = await createRule(first.app, first.admin, {
      ...COMMON,
      kind: 'figure',
      name: 'Longest wait over 1 s',
      scope: { queue: 'rs-q' },
      window: 'live',
      figure: 'longestWaitSec',
      comparator: 'above',
      warn: 1,
      critical: null,
      forSec: 0,
      clearAt: null,
    })
    const pending = await createRule(first.app, first.admin, {
      ...COMMON,
      kind: 'figure',
      name: 'Waiting over 0 for 4 s',
      scope: { queue: 'rs-p' },
      window: 'live',
      figure: 'waiting',
      comparator: 'above',
      warn: 0,
      critical: null,
      forSec: 4,
      clearAt: null,
    })
    await postEvents(first.app, [{ id: 'rs-1', type: 'call.queued', ts: Date.now() - 5_000, callId: 'rs1', queue: 'rs-q' }])
    const fired = await until('the first alert', async () => (await alertsOf(first.app, first.admin, `?rule=${firing.id}`))[0])
    const conditionAt = Date.now()
    await postEvents(first.app, [{ id: 'rs-2', type: 'call.queued', ts: conditionAt, callId: 'rs2', queue: 'rs-p' }])
    await sleep(1_200)
    await first.app.close()
    apps.splice(apps.indexOf(first.app), 1)

    const second = await start(prefix)
    await second.app.listen({ port: 0, host: '127.0.0.1' })
    const { seen } = await watch(second.app, second.admin)
    const restartedAt = Date.now()
    const later = await until(
      'the pending alert',
      async () => (await alertsOf(second.app, second.admin, `?rule=${pending.id}`))[0],
    )
    // It fired 4 s after the condition began before the restart, not 4 s after the restart.
    expect(later.since).toBeLessThan(restartedAt)
    expect(later.firedAt - later.since).toBeGreaterThanOrEqual(4_000)
    expect(later.firedAt - later.since).toBeLessThan(4_000 + 2_500)
    await sleep(1_500)
    const [still] = await alertsOf(second.app, second.admin, `?rule=${firing.id}`)
    expect(still).toMatchObject({ id: fired.id, state: 'firing', firedAt: fired.firedAt })
    expect(still!.history.map((h) => h.transition)).toEqual(['fired'])
    expect(seen.filter((s) => s.alert.id === fired.id)).toEqual([])
  })
})

describe('the socket', () => {
  it('sends alerts to who may see them, lists them and acknowledges them', async () => {
    const { app, admin } = await start()
    await app.listen({ port: 0, host: '127.0.0.1' })
    for (const [username, teams] of [
      ['lead-a', ['A']],
      ['lead-b', ['B']],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.headers,
        payload: { username, password: `${username}-password!`, role: 'teamlead', teams },
      })
      expect(res.statusCode, res.body).toBe(201)
    }
    await app.inject({ method: 'PATCH', url: '/api/v1/queues/sk-a', headers: admin.headers, payload: { team: 'A' } })
    const leadA = await watch(app, await login(app, 'lead-a', 'lead-a-password!'))
    const leadB = await watch(app, await login(app, 'lead-b', 'lead-b-password!'))
    const rule = await createRule(app, admin, {
      ...COMMON,
      kind: 'figure',
      name: 'Anyone waiting',
      scope: { all: true },
      window: 'live',
      figure: 'waiting',
      comparator: 'above',
      warn: 0,
      critical: 5,
      forSec: 0,
      clearAt: null,
    })
    await postEvents(app, [{ id: 'sk-1', type: 'call.queued', ts: Date.now(), callId: 'sk1', queue: 'sk-a' }])
    const fired = await until('the lead of A to hear', () => leadA.seen.find((s) => s.alert.ruleId === rule.id))
    const list: Ack<AlertList> = await leadA.client.timeout(5_000).emitWithAck('alerts:list')
    expect(list.ok && list.data.alerts.map((a) => a.id)).toEqual([fired.alert.id])
    const listB: Ack<AlertList> = await leadB.client.timeout(5_000).emitWithAck('alerts:list')
    expect(listB.ok && listB.data.alerts).toEqual([])
    const refused: Ack<Alert> = await leadB.client.timeout(5_000).emitWithAck('alert:ack', fired.alert.id)
    expect(refused.ok).toBe(false)
    const acked: Ack<Alert> = await leadA.client.timeout(5_000).emitWithAck('alert:ack', fired.alert.id)
    expect(acked.ok && acked.data).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'lead-a' })
    await until('the acknowledgement to be pushed', () =>
      leadA.seen.find((s) => s.alert.id === fired.alert.id && s.alert.state === 'acknowledged'),
    )
    // Warning → critical: once, a new level to acknowledge.
    await postEvents(
      app,
      [2, 3, 4, 5, 6].map((n) => ({ id: `sk-${n}`, type: 'call.queued', ts: Date.now(), callId: `sk${n}`, queue: 'sk-a' })),
    )
    const critical = await until('the escalation', () =>
      leadA.seen.find((s) => s.alert.id === fired.alert.id && s.alert.severity === 'critical'),
    )
    expect(critical.alert).toMatchObject({ state: 'firing', acknowledgedBy: null, threshold: 5 })
    await sleep(1_200)
    expect(leadA.seen.filter((s) => s.alert.id === fired.alert.id).map((s) => lastTransition(s.alert))).toEqual([
      'fired',
      'acknowledged',
      'escalated',
    ])
    expect(leadB.seen).toEqual([])
    expect((await alertsOf(app, await login(app, 'lead-b', 'lead-b-password!'))).map((a) => a.id)).toEqual([])
  })
})
