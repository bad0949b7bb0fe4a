// The authorization matrix: every route and every socket view, tried with every kind of
// credential — none, a TV's display token, a team lead of another team, a team lead of the team,
// a supervisor, an admin, a revoked key, an ingest key and a read key. Each cell states the answer.
import type { FastifyInstance, InjectOptions } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Denial } from '../../shared/auth.js'
import type {
  Ack,
  AgentsUpdate,
  ClientToServerEvents,
  FiguresUpdate,
  ServerToClientEvents,
  ViewRequest,
} from '../../shared/socket.js'
import type { FiguresSnapshot } from '../../shared/figures/schema.js'
import { alertIdOf } from '../../shared/alert-engine.js'
import { type Browser, auth, login, testApp } from './helpers.js'

type Who = 'none' | 'display' | 'leadOther' | 'leadA' | 'supervisor' | 'admin' | 'revokedKey' | 'ingestKey' | 'readKey'
const WHO: Who[] = ['none', 'display', 'leadOther', 'leadA', 'supervisor', 'admin', 'revokedKey', 'ingestKey', 'readKey']

let app: FastifyInstance
let base: string
const headers = {} as Record<Who, Record<string, string>>
const cookies = {} as Partial<Record<Who, string>>
let displaySecret: string
let revokedDisplaySecret: string
let ids: {
  user: () => Promise<string>
  board: () => Promise<string>
  token: () => Promise<string>
  key: () => Promise<string>
  team: () => Promise<string>
  channel: () => Promise<string>
}
const sockets: Socket[] = []
/** An alert channel whose deliveries go nowhere. */
const CHANNEL = { type: 'slack', name: 'authz', url: 'http://127.0.0.1:1/services/authz' }

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const admin = await login(app)
  const adminCall = (opts: InjectOptions) => app.inject({ ...opts, headers: { ...admin.headers, ...(opts.headers ?? {}) } })
  for (const [username, role, teams] of [
    ['lead-other', 'teamlead', ['X']],
    ['lead-a', 'teamlead', ['A']],
    ['super', 'supervisor', undefined],
  ] as const) {
    const res = await adminCall({
      method: 'POST',
      url: '/api/v1/users',
      payload: { username, password: `${username}-password!`, role, ...(teams ? { teams } : {}) },
    })
    expect(res.statusCode, res.body).toBe(201)
  }
  const browsers: Array<[Who, Browser]> = [
    ['leadOther', await login(app, 'lead-other', 'lead-other-password!')],
    ['leadA', await login(app, 'lead-a', 'lead-a-password!')],
    ['supervisor', await login(app, 'super', 'super-password!')],
    ['admin', admin],
  ]
  for (const [who, b] of browsers) {
    headers[who] = b.headers
    cookies[who] = b.cookie
  }
  const key = async (scopes: string[]) =>
    (await adminCall({ method: 'POST', url: '/api/v1/keys', payload: { name: scopes.join('+'), scopes } })).json()
  const ingestKey = await key(['ingest'])
  const readKey = await key(['read'])
  const revoked = await key(['ingest', 'read'])
  await adminCall({ method: 'DELETE', url: `/api/v1/keys/${revoked.key.id}` })
  displaySecret = (await adminCall({ method: 'POST', url: '/api/v1/boards/floor/tokens', payload: {} })).json().secret
  const revokedToken = (await adminCall({ method: 'POST', url: '/api/v1/boards/floor/tokens', payload: {} })).json()
  revokedDisplaySecret = revokedToken.secret
  await adminCall({ method: 'DELETE', url: `/api/v1/boards/floor/tokens/${revokedToken.token.id}` })
  headers.none = {}
  headers.display = { authorization: `Bearer ${displaySecret}` }
  headers.revokedKey = { authorization: `Bearer ${revoked.secret}` }
  headers.ingestKey = { authorization: `Bearer ${ingestKey.secret}` }
  headers.readKey = { authorization: `Bearer ${readKey.secret}` }

  // Queues of team A and team B; a board of team A's queue.
  const now = Date.now()
  await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: auth,
    payload: [
      { id: 'm1', type: 'call.queued', ts: now - 5_000, callId: 'c1', queue: 'sales' },
      { id: 'm2', type: 'call.queued', ts: now - 5_000, callId: 'c2', queue: 'support' },
      { id: 'm3', type: 'agent.state', ts: now - 5_000, agent: 'li', state: 'available', team: 'A', queues: ['sales'] },
      { id: 'm4', type: 'agent.state', ts: now - 5_000, agent: 'wang', state: 'available', team: 'B', queues: ['support'] },
    ],
  })
  await adminCall({ method: 'PATCH', url: '/api/v1/queues/sales', payload: { team: 'A' } })
  await adminCall({ method: 'PATCH', url: '/api/v1/queues/support', payload: { team: 'B' } })
  await adminCall({ method: 'POST', url: '/api/v1/boards', payload: { id: 'a-board', name: 'Team A', teams: ['A'] } })
  await app.aggregator.drain()

  let n = 0
  ids = {
    user: async () =>
      (
        await adminCall({
          method: 'POST',
          url: '/api/v1/users',
          payload: { username: `target-${n++}`, password: 'target-password!', role: 'supervisor' },
        })
      ).json().id,
    board: async () => (await adminCall({ method: 'POST', url: '/api/v1/boards', payload: { name: `target ${n++}` } })).json().id,
    token: async () => (await adminCall({ method: 'POST', url: '/api/v1/boards/a-board/tokens', payload: {} })).json().token.id,
    key: async () =>
      (await adminCall({ method: 'POST', url: '/api/v1/keys', payload: { name: `target ${n++}`, scopes: ['read'] } })).json().key
        .id,
    team: async () =>
      (await adminCall({ method: 'PUT', url: `/api/v1/teams/target-${n++}`, payload: { name: 'Target' } })).json().id,
    channel: async () => (await adminCall({ method: 'POST', url: '/api/v1/channels', payload: CHANNEL })).json().id,
  }
})
afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await app.close()
})

// Alert rules of team A, and alerts to act on: an event rule makes a task of each detractor survey
// about li (team A), so every row that acts on an alert gets a fresh one.
const alertIds = { rule: async () => '', alert: async () => '' }
beforeAll(async () => {
  const admin = await login(app)
  const rule = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/alert-rules',
      headers: admin.headers,
      payload: bodyFor('alert-rule') as object,
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json().id as string
  }
  const tasks = await rule()
  let n = 0
  alertIds.rule = rule
  alertIds.alert = async () => {
    const id = `authz-survey-${n++}`
    await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: auth,
      payload: { id, type: 'survey.response', ts: Date.now(), agent: 'li', nps: 0 },
    })
    await app.aggregator.drain()
    await app.alerts.settle()
    return alertIdOf(tasks, 'survey', id)
  }
})

// Expected status per credential, in WHO order.
const I = 401 // no or bad credential
const F = 403 // valid credential, not allowed
type Row = [method: InjectOptions['method'], url: string | (() => Promise<string>), body: unknown, expected: number[]]

const routes: Row[] = [
  ['POST', '/api/v1/events', 'event', [I, I, F, F, F, F, I, 200, F]],
  ['GET', '/api/v1/metrics', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['GET', '/api/v1/agents', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['PUT', '/api/v1/agents/li/name', { name: 'Li Lei' }, [I, I, F, F, F, 200, I, F, F]],
  // Another team's queue is answered as unknown.
  ['GET', '/api/v1/waiting?queue=sales', undefined, [I, I, 404, 200, 200, 200, I, F, 200]],
  ['GET', '/api/v1/calls?queue=sales&kind=waiting', undefined, [I, I, 404, 200, 200, 200, I, F, 200]],
  ['GET', '/api/v1/definitions', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['GET', '/api/v1/queues', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['PATCH', '/api/v1/queues/billing', { name: 'Billing' }, [I, I, F, F, F, 200, I, F, F]],
  ['GET', '/api/v1/channels/names', undefined, [I, I, 200, 200, F, 200, I, F, F]],
  ['GET', '/api/v1/sources', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['PUT', '/api/v1/sources/pbx', { quietAfterSec: 600 }, [I, I, F, F, F, 200, I, F, F]],
  // an admin passes the guard and learns there is no such source
  ['DELETE', '/api/v1/sources/nowhere', undefined, [I, I, F, F, F, 404, I, F, F]],
  ['GET', '/api/v1/teams', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['PUT', '/api/v1/teams/Z', { name: 'Team Z' }, [I, I, F, F, F, 201, I, F, F]],
  ['DELETE', async () => `/api/v1/teams/${await ids.team()}`, undefined, [I, I, F, F, F, 204, I, F, F]],
  ['GET', '/api/v1/users', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/users', 'user', [I, I, F, F, F, 201, I, F, F]],
  ['PATCH', async () => `/api/v1/users/${await ids.user()}`, { name: 'Renamed' }, [I, I, F, F, F, 200, I, F, F]],
  ['DELETE', async () => `/api/v1/users/${await ids.user()}`, undefined, [I, I, F, F, F, 204, I, F, F]],
  ['GET', '/api/v1/boards', undefined, [I, I, 200, 200, 200, 200, I, F, F]],
  ['GET', '/api/v1/screens', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/screens/reload', {}, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/boards', 'board', [I, I, F, F, F, 201, I, F, F]],
  ['PATCH', async () => `/api/v1/boards/${await ids.board()}`, { name: 'Renamed' }, [I, I, F, F, F, 200, I, F, F]],
  ['DELETE', async () => `/api/v1/boards/${await ids.board()}`, undefined, [I, I, F, F, F, 204, I, F, F]],
  ['GET', '/api/v1/boards/a-board/tokens', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/boards/a-board/tokens', {}, [I, I, F, F, F, 201, I, F, F]],
  ['DELETE', async () => `/api/v1/boards/a-board/tokens/${await ids.token()}`, undefined, [I, I, F, F, F, 200, I, F, F]],
  ['GET', '/api/v1/keys', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/keys', { name: 'k', scopes: ['read'] }, [I, I, F, F, F, 201, I, F, F]],
  ['DELETE', async () => `/api/v1/keys/${await ids.key()}`, undefined, [I, I, F, F, F, 200, I, F, F]],
  ['GET', '/api/v1/audit', undefined, [I, I, F, F, F, 200, I, F, F]],
  // Team leads manage the rules of their teams (another team's rule is unknown to them); supervisors read.
  ['GET', '/api/v1/alert-rules', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['POST', '/api/v1/alert-rules', 'alert-rule', [I, I, F, 201, F, 201, I, F, F]],
  ['PATCH', async () => `/api/v1/alert-rules/${await alertIds.rule()}`, { name: 'Renamed' }, [I, I, 404, 200, F, 200, I, F, F]],
  ['DELETE', async () => `/api/v1/alert-rules/${await alertIds.rule()}`, undefined, [I, I, 404, 204, F, 204, I, F, F]],
  ['GET', '/api/v1/alerts', undefined, [I, I, 200, 200, 200, 200, I, F, 200]],
  ['POST', async () => `/api/v1/alerts/${await alertIds.alert()}/ack`, undefined, [I, I, 404, 200, 200, 200, I, F, F]],
  ['POST', async () => `/api/v1/alerts/${await alertIds.alert()}/resolve`, undefined, [I, I, 404, 200, 200, 200, I, F, F]],
  ['GET', '/api/v1/channels', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['POST', '/api/v1/channels', CHANNEL, [I, I, F, F, F, 201, I, F, F]],
  ['PATCH', async () => `/api/v1/channels/${await ids.channel()}`, { name: 'Renamed' }, [I, I, F, F, F, 200, I, F, F]],
  ['DELETE', async () => `/api/v1/channels/${await ids.channel()}`, undefined, [I, I, F, F, F, 204, I, F, F]],
  // the admin's test send fails (nothing listens on port 1) and says so: 200 with the error
  ['POST', async () => `/api/v1/channels/${await ids.channel()}/test`, {}, [I, I, F, F, F, 200, I, F, F]],
  ['GET', '/api/v1/notifications', undefined, [I, I, F, F, F, 200, I, F, F]],
  ['GET', '/metrics', undefined, [I, I, F, F, F, 200, I, F, 200]],
  ['GET', '/api/v1/session', undefined, [I, I, 200, 200, 200, 200, I, I, I]],
]

let unique = 0
function bodyFor(kind: unknown): unknown {
  if (kind === 'event')
    return { id: `authz-${unique++}`, type: 'call.queued', ts: Date.now(), callId: `a${unique}`, queue: 'authz' }
  if (kind === 'user') return { username: `new-user-${unique++}`, password: 'new-user-password', role: 'supervisor' }
  if (kind === 'board') return { name: `new board ${unique++}` }
  if (kind === 'alert-rule') {
    return {
      kind: 'event',
      name: `call back ${unique++}`,
      enabled: true,
      activeHours: null,
      cooldownSec: 0,
      channels: [],
      banner: false,
      sound: false,
      scope: { team: 'A' },
      trigger: 'detractor',
      dueMin: 240,
      escalation: [{ level: 'teamlead', channels: [] }],
    }
  }
  return kind
}

describe('every route, with every credential', () => {
  for (const [method, url, body, expected] of routes) {
    const label = typeof url === 'string' ? url : url.toString().match(/\/api\/v1\/[a-z/-]+/)?.[0] + '…'
    it(`${method} ${label}`, async () => {
      const got: Record<string, number> = {}
      const want: Record<string, number> = {}
      for (const [i, who] of WHO.entries()) {
        const target = typeof url === 'string' ? url : await url()
        const payload = bodyFor(body)
        const res = await app.inject({
          method,
          url: target,
          headers: headers[who],
          ...(payload !== undefined ? { payload: payload as object } : {}),
        })
        got[who] = res.statusCode
        want[who] = expected[i]!
      }
      expect(got).toEqual(want)
    })
  }

  it('gives team leads the queues and agents of their teams only', async () => {
    const queuesOf = async (who: Who) =>
      ((await app.inject({ url: '/api/v1/metrics', headers: headers[who] })).json().queues as Array<{ id: string }>).map(
        (q) => q.id,
      )
    expect(await queuesOf('leadOther')).toEqual([])
    expect(await queuesOf('leadA')).toEqual(['sales'])
    expect(await queuesOf('supervisor')).toEqual(expect.arrayContaining(['sales', 'support']))
    const agentsOf = async (who: Who) =>
      ((await app.inject({ url: '/api/v1/agents', headers: headers[who] })).json().agents as Array<{ id: string }>).map(
        (a) => a.id,
      )
    expect(await agentsOf('leadOther')).toEqual([])
    expect(await agentsOf('leadA')).toEqual(['li'])
  })

  it('lists to team leads their own teams only', async () => {
    const teamsOf = async (who: Who) =>
      ((await app.inject({ url: '/api/v1/teams', headers: headers[who] })).json().teams as Array<{ id: string }>).map((t) => t.id)
    expect(await teamsOf('leadOther')).toEqual(['X'])
    expect(await teamsOf('leadA')).toEqual(['A'])
    expect(await teamsOf('supervisor')).toEqual(expect.arrayContaining(['A', 'B', 'X']))
  })

  it('lists to each user only the boards they may watch', async () => {
    const boardsOf = async (who: Who) =>
      ((await app.inject({ url: '/api/v1/boards', headers: headers[who] })).json().boards as Array<{ id: string }>).map(
        (b) => b.id,
      )
    // (Boards that show nothing, made by the matrix above, are harmless to list.)
    const leadA = await boardsOf('leadA')
    expect(leadA).toContain('a-board')
    expect(leadA).not.toContain('floor')
    const leadOther = await boardsOf('leadOther')
    expect(leadOther).not.toContain('a-board')
    expect(leadOther).not.toContain('floor')
    expect(await boardsOf('supervisor')).toEqual(expect.arrayContaining(['a-board', 'floor']))
  })
})

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

async function connect(who: Who | 'revokedDisplay'): Promise<{ client: Client; first: FiguresSnapshot | Denial }> {
  const token =
    who === 'display'
      ? displaySecret
      : who === 'revokedDisplay'
        ? revokedDisplaySecret
        : who.endsWith('Key')
          ? headers[who as Who]['authorization']?.slice(7)
          : undefined
  const cookie = cookies[who as Who]
  const client: Client = io(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: token ? { token } : {},
    extraHeaders: cookie ? { cookie } : {},
  })
  sockets.push(client)
  const first = await new Promise<FiguresSnapshot | Denial>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who}: no answer`)), 5_000)
    client.once('snapshot', (s) => (clearTimeout(timer), resolve(s)))
    client.once('connect_error', (e) => (clearTimeout(timer), resolve((e as Error & { data: Denial }).data)))
  })
  return { client, first }
}

const VIEWS: Array<[string, ViewRequest]> = [
  ['all', { all: true }],
  ['team A', { team: 'A' }],
  ['team B', { team: 'B' }],
  ['board floor (every queue)', { board: 'floor' }],
  ['board a-board (team A)', { board: 'a-board' }],
]

describe('every socket subscription, with every credential', () => {
  const refused: Array<[Who | 'revokedDisplay', string]> = [
    ['none', 'unauthorized'],
    ['revokedDisplay', 'token_revoked'],
    ['revokedKey', 'token_invalid'],
    ['ingestKey', 'token_invalid'],
    ['readKey', 'token_invalid'],
  ]
  for (const [who, code] of refused) {
    it(`refuses ${who} with ${code}`, async () => {
      expect(await connect(who)).toMatchObject({ first: { code } })
    })
  }

  // Which views each credential may subscribe to, in VIEWS order.
  const allowed: Array<[Who, boolean[]]> = [
    ['display', [false, false, false, true, false]],
    ['leadOther', [true, false, false, false, false]],
    ['leadA', [true, true, false, false, true]],
    ['supervisor', [true, true, true, true, true]],
    ['admin', [true, true, true, true, true]],
  ]
  for (const [who, expected] of allowed) {
    it(`lets ${who} subscribe to exactly ${
      VIEWS.filter((_, i) => expected[i])
        .map(([n]) => n)
        .join(', ') || 'nothing else'
    }`, async () => {
      const { client, first } = await connect(who)
      expect(first).toHaveProperty('queues')
      const got: boolean[] = []
      for (const [, view] of VIEWS) {
        const res: Ack<FiguresSnapshot> = await client.timeout(5_000).emitWithAck('view:subscribe', view)
        got.push(res.ok)
      }
      expect(got).toEqual(expected)
    })
  }

  it('never sends a team lead an update about another team', async () => {
    const lead = (await connect('leadA')).client
    const supervisor = (await connect('supervisor')).client
    const seenByLead: string[] = []
    lead.on('update', (u: FiguresUpdate) => seenByLead.push(...u.queues.map((q) => q.id)))
    const supervisorSaw = new Promise<void>((resolve) =>
      supervisor.on('update', (u: FiguresUpdate) => u.queues.some((q) => q.id === 'support') && resolve()),
    )
    await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: auth,
      payload: { id: 'secret-b', type: 'call.queued', ts: Date.now(), callId: 'c9', queue: 'support' },
    })
    await supervisorSaw
    await new Promise((r) => setTimeout(r, 300))
    expect(seenByLead).not.toContain('support')
  })

  it('gives each user only the agents they may see, live, and a TV none', async () => {
    const subscribe = async (who: Who) => {
      const { client } = await connect(who)
      const res: Ack<AgentsUpdate> = await client.timeout(5_000).emitWithAck('agents:subscribe')
      return { client, res }
    }
    const lead = await subscribe('leadA')
    expect(lead.res.ok && lead.res.data.agents.map((a) => a.id).sort()).toEqual(['li'])
    const supervisor = await subscribe('supervisor')
    expect(supervisor.res.ok && supervisor.res.data.agents.map((a) => a.id).sort()).toEqual(['li', 'wang'])
    expect((await subscribe('display')).res.ok).toBe(false)
    // A change of wang (team B) reaches the supervisor, never the lead of A.
    const seenByLead: string[] = []
    lead.client.on('agents', (u: AgentsUpdate) => seenByLead.push(...u.agents.map((a) => a.id)))
    const supervisorSaw = new Promise<void>((resolve) =>
      supervisor.client.on(
        'agents',
        (u: AgentsUpdate) => u.agents.some((a) => a.id === 'wang' && a.state === 'paused') && resolve(),
      ),
    )
    await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: auth,
      payload: { id: 'wang-pause', type: 'agent.state', ts: Date.now(), agent: 'wang', state: 'paused', reason: 'break' },
    })
    await supervisorSaw
    await new Promise((r) => setTimeout(r, 400))
    expect(seenByLead).not.toContain('wang')
  })

  it('ignores malformed subscriptions', async () => {
    const { client } = await connect('supervisor')
    for (const bad of [{}, { all: false }, { team: '' }, { board: 5 }, { board: 'a', team: 'b' }, 'all', null]) {
      const res: Ack<FiguresSnapshot> = await client.timeout(5_000).emitWithAck('view:subscribe', bad as ViewRequest)
      expect(res.ok).toBe(false)
    }
  })
})
