// Teams as records, against a real Redis: the list is every team named anywhere (queue settings,
// team leads, boards, agent events) with what belongs to each; admins give a team a name and a site,
// and delete the record only when nothing names the team; team leads see their own teams; every
// change is audited, and a team's view on the socket carries the record's name.
import type { FastifyInstance, InjectOptions } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry, TeamSummary } from '../../shared/admin.js'
import type { FiguresSnapshot } from '../../shared/figures/schema.js'
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js'
import { type Browser, auth, login, postEvents, testApp } from './helpers.js'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

let app: FastifyInstance
let base: string
let admin: Browser
let leadA: Browser
const sockets: Client[] = []

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  admin = await login(app)
  for (const [username, teams] of [
    ['lead-a', ['A']],
    ['lead-b', ['B', 'A']],
  ] as const) {
    const res = await as('POST', '/api/v1/users', {
      username,
      password: `${username}-password!`,
      role: 'teamlead',
      teams: [...teams],
    })
    expect(res.statusCode, res.body).toBe(201)
  }
  leadA = await login(app, 'lead-a', 'lead-a-password!')
  const now = Date.now()
  await postEvents(app, [
    { id: 't1', type: 'call.queued', ts: now - 5_000, callId: 'c1', queue: 'sales' },
    { id: 't2', type: 'call.queued', ts: now - 5_000, callId: 'c2', queue: 'support' },
    { id: 't3', type: 'agent.state', ts: now - 5_000, agent: 'li', state: 'available', team: 'A' },
    { id: 't4', type: 'agent.state', ts: now - 5_000, agent: 'wang', state: 'available', team: 'A' },
    { id: 't5', type: 'agent.state', ts: now - 5_000, agent: 'zhao', state: 'available', team: 'Ops' },
  ])
  expect((await as('PATCH', '/api/v1/queues/sales', { team: 'A' })).statusCode).toBe(200)
  expect((await as('PATCH', '/api/v1/queues/support', { team: 'B' })).statusCode).toBe(200)
  expect((await as('POST', '/api/v1/boards', { id: 'c-board', name: 'Team C', teams: ['C'] })).statusCode).toBe(201)
})
afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await app.close()
})

function as(method: InjectOptions['method'], url: string, payload?: object, who: Browser = admin) {
  return app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) })
}

async function teams(who: Browser = admin): Promise<TeamSummary[]> {
  const res = await as('GET', '/api/v1/teams', undefined, who)
  expect(res.statusCode, res.body).toBe(200)
  return res.json().teams as TeamSummary[]
}

const team = async (id: string) => (await teams()).find((t) => t.id === id)

describe('the list of teams', () => {
  it('is every team named by queue settings, team leads, boards and agents, with what belongs to each', async () => {
    const all = await teams()
    expect(all.map((t) => t.id)).toEqual(['A', 'B', 'C', 'Ops'])
    expect(all).toEqual([
      {
        id: 'A',
        name: null,
        site: null,
        hours: null,
        record: false,
        queues: ['sales'],
        leads: ['lead-a', 'lead-b'],
        boards: [],
        agents: 2,
      },
      {
        id: 'B',
        name: null,
        site: null,
        hours: null,
        record: false,
        queues: ['support'],
        leads: ['lead-b'],
        boards: [],
        agents: 0,
      },
      { id: 'C', name: null, site: null, hours: null, record: false, queues: [], leads: [], boards: ['c-board'], agents: 0 },
      { id: 'Ops', name: null, site: null, hours: null, record: false, queues: [], leads: [], boards: [], agents: 1 },
    ])
  })

  it('shows a team lead only their own teams, and a read key every team', async () => {
    expect((await teams(leadA)).map((t) => t.id)).toEqual(['A'])
    const res = await app.inject({ url: '/api/v1/teams', headers: auth })
    expect((res.json().teams as TeamSummary[]).map((t) => t.id)).toEqual(['A', 'B', 'C', 'Ops'])
  })
})

describe('team records', () => {
  it('creates a record with a name and a site, then replaces it', async () => {
    const created = await as('PUT', '/api/v1/teams/Ops', { name: 'Operations 运营', site: 'Chengdu' })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ id: 'Ops', name: 'Operations 运营', site: 'Chengdu' })
    expect(await team('Ops')).toMatchObject({ name: 'Operations 运营', site: 'Chengdu', record: true, agents: 1 })

    const updated = await as('PUT', '/api/v1/teams/Ops', { name: 'Ops floor' })
    expect(updated.statusCode, updated.body).toBe(200)
    expect(updated.json().createdAt).toBe(created.json().createdAt)
    expect(await team('Ops')).toMatchObject({ name: 'Ops floor', site: null, record: true })
  })

  it('lists a team that only its record names', async () => {
    expect((await as('PUT', '/api/v1/teams/night-shift', { name: 'Night shift', site: null })).statusCode).toBe(201)
    expect(await team('night-shift')).toEqual({
      id: 'night-shift',
      name: 'Night shift',
      site: null,
      hours: null,
      record: true,
      queues: [],
      leads: [],
      boards: [],
      agents: 0,
    })
  })

  it('keeps opening hours, lists them, and drops them when a PUT leaves them out', async () => {
    const nights = { days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00' }
    const res = await as('PUT', '/api/v1/teams/night-shift', { name: 'Night shift', hours: nights })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ id: 'night-shift', hours: nights })
    expect((await team('night-shift'))?.hours).toEqual(nights)
    expect(app.teams.hoursOf('night-shift')).toEqual(nights)
    // A PUT replaces the record whole: without hours, the team is open around the clock again.
    expect((await as('PUT', '/api/v1/teams/night-shift', { name: 'Night shift', hours: null })).json().hours).toBeNull()
    expect((await as('PUT', '/api/v1/teams/night-shift', { name: 'Night shift', hours: nights })).json().hours).toEqual(nights)
    expect((await as('PUT', '/api/v1/teams/night-shift', { name: 'Night shift' })).json().hours).toBeNull()
    expect((await team('night-shift'))?.hours).toBeNull()
    expect(app.teams.hoursOf('night-shift')).toBeNull()
    const entries = (await as('GET', '/api/v1/audit?limit=100')).json().entries as AuditEntry[]
    const changes = entries.filter((e) => e.target === 'night-shift' && e.action === 'team.update').reverse()
    expect(changes[1]?.details).toMatchObject({ before: { hours: null }, after: { hours: nights } })
  })

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const cases: Array<[string, object, RegExp]> = [
      ['/api/v1/teams/Ops', { name: '' }, /^body\.name: must not be empty$/],
      ['/api/v1/teams/Ops', { site: 'Chengdu' }, /^body\.name: is required$/],
      ['/api/v1/teams/Ops', { name: 'x'.repeat(201) }, /^body\.name: longer than 200 characters$/],
      ['/api/v1/teams/Ops', { name: 'Ops', site: 'a\u0007b' }, /^body\.site: /],
      ['/api/v1/teams/Ops', { name: 'Ops', colour: 'red' }, /^body\.colour: unknown field$/],
      ['/api/v1/teams/a%07b', { name: 'Bell' }, /^params\.id: expected team id$/],
      [
        '/api/v1/teams/Ops',
        { name: 'Ops', hours: { days: [1], from: '09:00', to: '09:00' } },
        /^body\.hours\.to: must differ from from \(for every hour of the day, set hours to null\)$/,
      ],
      ['/api/v1/teams/Ops', { name: 'Ops', hours: { days: [7], from: '09:00', to: '17:00' } }, /^body\.hours/],
      ['/api/v1/teams/Ops', { name: 'Ops', hours: { days: [1], from: '9:00', to: '17:00' } }, /^body\.hours/],
      ['/api/v1/teams/Ops', { name: 'Ops', hours: 'team' }, /^body\.hours/],
    ]
    for (const [url, body, message] of cases) {
      const res = await as('PUT', url, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().message).toMatch(message)
    }
    expect(await team('Ops')).toMatchObject({ name: 'Ops floor', site: null })
  })

  it('is changed by admins only', async () => {
    expect((await as('PUT', '/api/v1/teams/A', { name: 'Mine' }, leadA)).statusCode).toBe(403)
    expect((await as('DELETE', '/api/v1/teams/Ops', undefined, leadA)).statusCode).toBe(403)
    expect((await team('A'))?.record).toBe(false)
  })

  it('refuses to delete a record while queues, team leads or boards name the team, saying which', async () => {
    expect((await as('PUT', '/api/v1/teams/A', { name: 'Team A' })).statusCode).toBe(201)
    const a = await as('DELETE', '/api/v1/teams/A')
    expect(a.statusCode).toBe(409)
    expect(a.json().message).toBe('team A is still used by queues sales; team leads lead-a, lead-b')
    expect((await as('PUT', '/api/v1/teams/C', { name: 'Team C' })).statusCode).toBe(201)
    const c = await as('DELETE', '/api/v1/teams/C')
    expect(c.statusCode).toBe(409)
    expect(c.json().message).toBe('team C is still used by boards c-board')
    expect(await team('A')).toMatchObject({ record: true, name: 'Team A' })
    expect(await team('C')).toMatchObject({ record: true, name: 'Team C' })
  })

  it('deletes a record nothing else names; the team stays listed while its agents name it', async () => {
    expect((await as('DELETE', '/api/v1/teams/Ops')).statusCode).toBe(204)
    expect(await team('Ops')).toMatchObject({ name: null, site: null, record: false, agents: 1 })
    expect((await as('DELETE', '/api/v1/teams/Ops')).statusCode).toBe(404)
    expect((await as('DELETE', '/api/v1/teams/night-shift')).statusCode).toBe(204)
    expect(await team('night-shift')).toBeUndefined()
  })

  it('audits every change with the record before and after', async () => {
    const entries = (await as('GET', '/api/v1/audit?limit=100')).json().entries as AuditEntry[]
    const ops = entries.filter((e) => e.target === 'Ops' && e.action.startsWith('team.')).reverse()
    expect(ops.map((e) => e.action)).toEqual(['team.update', 'team.update', 'team.delete'])
    expect(ops[0]).toMatchObject({
      actor: { type: 'user', name: 'admin' },
      details: { before: null, after: { id: 'Ops', name: 'Operations 运营', site: 'Chengdu' } },
    })
    expect(ops[1]?.details).toMatchObject({ before: { name: 'Operations 运营' }, after: { name: 'Ops floor', site: null } })
    expect(ops[2]?.details).toMatchObject({ before: { id: 'Ops', name: 'Ops floor' } })
    // Refused changes leave no entry.
    expect(entries.filter((e) => e.target === 'A' && e.action === 'team.delete')).toEqual([])
  })
})

describe("a team's view", () => {
  async function watchTeam(id: string): Promise<{ client: Client; first: FiguresSnapshot }> {
    const client: Client = io(base, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { cookie: admin.cookie },
    })
    sockets.push(client)
    await new Promise<void>((resolve, reject) => {
      client.once('snapshot', () => resolve())
      client.once('connect_error', reject)
    })
    const res: Ack<FiguresSnapshot> = await client.timeout(5_000).emitWithAck('view:subscribe', { team: id })
    if (!res.ok) throw new Error(res.error)
    return { client, first: res.data }
  }

  it("is named by the team's record, else by its id, and follows a rename live", async () => {
    const { client, first } = await watchTeam('B')
    expect(first.view).toMatchObject({ kind: 'team', id: 'B', name: 'B' })
    expect(first.queues.map((q) => q.id)).toEqual(['support'])
    const renamed = new Promise<FiguresSnapshot>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot with the new name within 5 s')), 5_000)
      client.on('snapshot', (s) => s.view.name === 'Billing 账务' && (clearTimeout(timer), resolve(s)))
    })
    expect((await as('PUT', '/api/v1/teams/B', { name: 'Billing 账务' })).statusCode).toBe(201)
    expect((await renamed).view).toMatchObject({ kind: 'team', id: 'B' })
    expect((await watchTeam('B')).first.view.name).toBe('Billing 账务')
    expect((await watchTeam('A')).first.view.name).toBe('Team A')
  })
})
