// Users, sessions, boards, display tokens, API keys and the audit log, against a real Redis: what
// an admin does, and what everyone else may then see.
import type { FastifyInstance } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { DEFAULT_BOARD_DISPLAY } from '../../shared/admin.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Denial } from '../../shared/auth.js'
import type { FiguresSnapshot } from '../../shared/figures/schema.js'
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js'
import { loginDelayMs } from '../../server/routes/session.js'
import { ADMIN_PASSWORD, type Browser, auth, login, sessionCookieOf, testApp } from './helpers.js'

let app: FastifyInstance
let base: string
let admin: Browser
const sockets: Socket[] = []
const now = Date.now()

beforeAll(async () => {
  app = await testApp({ loginRateLimit: 50 })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  admin = await login(app)
  // Two teams' queues, and their agents.
  await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: auth,
    payload: [
      { id: 'a1', type: 'agent.state', ts: now - 60_000, agent: 'li', state: 'available', queues: ['sales'], team: 'A' },
      { id: 'a2', type: 'agent.state', ts: now - 60_000, agent: 'wang', state: 'available', queues: ['support'], team: 'B' },
      { id: 'q1', type: 'call.queued', ts: now - 30_000, callId: 'c1', queue: 'sales' },
      { id: 'q2', type: 'call.queued', ts: now - 30_000, callId: 'c2', queue: 'support' },
    ],
  })
  for (const [queue, team] of [
    ['sales', 'A'],
    ['support', 'B'],
  ]) {
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/queues/${queue}`,
      headers: admin.headers,
      payload: { team, name: `${queue} desk` },
    })
  }
  await app.aggregator.drain()
})
afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await app.close()
})

const as = (browser: Browser, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: browser.headers, ...(payload ? { payload } : {}) })

async function createUser(username: string, role: string, teams?: string[]): Promise<Browser> {
  const res = await as(admin, 'POST', '/api/v1/users', {
    username,
    password: `${username}-password-1`,
    role,
    ...(teams ? { teams } : {}),
  })
  expect(res.statusCode, res.body).toBe(201)
  return login(app, username, `${username}-password-1`)
}

function connect(opts: { token?: string; board?: string; cookie?: string }): Socket<ServerToClientEvents, ClientToServerEvents> {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: { ...(opts.token ? { token: opts.token } : {}), ...(opts.board ? { board: opts.board } : {}) },
    extraHeaders: opts.cookie ? { cookie: opts.cookie } : {},
  })
  sockets.push(s)
  return s
}

function outcome(
  s: Socket<ServerToClientEvents, ClientToServerEvents>,
): Promise<{ snapshot: FiguresSnapshot } | { refused: Denial }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither snapshot nor refusal')), 5_000)
    s.once('snapshot', (snapshot) => (clearTimeout(timer), resolve({ snapshot })))
    s.once('connect_error', (err) => (clearTimeout(timer), resolve({ refused: (err as Error & { data: Denial }).data })))
  })
}

describe('logging in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and answers the user and a CSRF token', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    })
    expect(res.statusCode).toBe(200)
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/wb_session=/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(res.json()).toMatchObject({ user: { username: 'admin', role: 'admin' }, csrfToken: expect.any(String) })
    expect(res.json().user.passwordHash).toBeUndefined()
  })

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'admin', password: 'not the password' },
    })
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'nobody', password: 'whatever-else' },
    })
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json().message).toBe(unknown.json().message)
  })

  it('slows every attempt for a username after repeated failures', () => {
    expect([0, 1, 2].map(loginDelayMs)).toEqual([0, 0, 0])
    expect(loginDelayMs(3)).toBe(500)
    expect(loginDelayMs(4)).toBe(1000)
    expect(loginDelayMs(20)).toBe(8000)
  })

  it('answers who is logged in, and 401 to a browser that is not', async () => {
    expect((await as(admin, 'GET', '/api/v1/session')).json().user.username).toBe('admin')
    expect((await app.inject('/api/v1/session')).statusCode).toBe(401)
  })

  it('refuses a state-changing request without the CSRF token, or from another site', async () => {
    const noToken = await app.inject({
      method: 'POST',
      url: '/api/v1/boards',
      headers: { cookie: admin.cookie },
      payload: { name: 'x' },
    })
    expect(noToken.statusCode).toBe(403)
    expect(noToken.json().message).toMatch(/CSRF/)
    const crossSite = await app.inject({
      method: 'POST',
      url: '/api/v1/boards',
      headers: { ...admin.headers, origin: 'https://evil.example' },
      payload: { name: 'x' },
    })
    expect(crossSite.statusCode).toBe(403)
  })

  it('ends the session at logout', async () => {
    const browser = await login(app)
    expect((await as(browser, 'DELETE', '/api/v1/session')).statusCode).toBe(204)
    expect((await as(browser, 'GET', '/api/v1/session')).statusCode).toBe(401)
    expect((await as(browser, 'GET', '/api/v1/users')).statusCode).toBe(401)
  })

  it('ends every session of a user whose password changes', async () => {
    const a = await createUser('sam', 'supervisor')
    const b = await login(app, 'sam', 'sam-password-1')
    const res = await as(a, 'PUT', '/api/v1/session/password', { current: 'sam-password-1', password: 'sam-new-password-2' })
    expect(res.statusCode, res.body).toBe(200)
    expect((await as(b, 'GET', '/api/v1/session')).statusCode).toBe(401)
    // The session that changed it continues, with the new cookie.
    const renewed = { ...a, cookie: sessionCookieOf(res), csrf: res.json().csrfToken }
    renewed.headers = { cookie: renewed.cookie, 'x-csrf-token': renewed.csrf }
    expect((await as(renewed, 'GET', '/api/v1/session')).statusCode).toBe(200)
  })
})

describe('users', () => {
  it('need teams when they are team leads, and name the field when they do not', async () => {
    const res = await as(admin, 'POST', '/api/v1/users', { username: 'tl-none', password: 'long-enough-pass', role: 'teamlead' })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('body.teams: a team lead needs at least one team')
  })

  it('reject unknown fields with the field named', async () => {
    const res = await as(admin, 'POST', '/api/v1/users', {
      username: 'x1',
      password: 'long-enough-pass',
      role: 'admin',
      superuser: true,
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('body.superuser: unknown field')
  })

  it('have unique usernames', async () => {
    await createUser('dup', 'supervisor')
    const res = await as(admin, 'POST', '/api/v1/users', { username: 'DUP', password: 'long-enough-pass', role: 'supervisor' })
    expect(res.statusCode).toBe(409)
  })

  it('keep one active admin', async () => {
    const me = (await as(admin, 'GET', '/api/v1/session')).json().user.id as string
    const res = await as(admin, 'PATCH', `/api/v1/users/${me}`, { role: 'supervisor' })
    expect(res.statusCode).toBe(409)
    expect(res.json().message).toMatch(/last active admin/)
  })

  it('cannot log in once disabled, and their open sessions end', async () => {
    const browser = await createUser('temp', 'supervisor')
    const id = (await as(browser, 'GET', '/api/v1/session')).json().user.id as string
    expect((await as(admin, 'PATCH', `/api/v1/users/${id}`, { disabled: true })).statusCode).toBe(200)
    expect((await as(browser, 'GET', '/api/v1/session')).statusCode).toBe(401)
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'temp', password: 'temp-password-1' },
    })
    expect(again.statusCode).toBe(401)
  })
})

describe('team leads', () => {
  it("see only their teams' queues and agents in the API", async () => {
    const lead = await createUser('lead-a', 'teamlead', ['A'])
    const metrics = (await as(lead, 'GET', '/api/v1/metrics')).json()
    expect(metrics.queues.map((q: { id: string }) => q.id)).toEqual(['sales'])
    expect(metrics.queues[0].name).toBe('sales desk')
    const agents = (await as(lead, 'GET', '/api/v1/agents')).json()
    expect(agents.agents.map((a: { id: string }) => a.id)).toEqual(['li'])
    expect((await as(lead, 'GET', '/api/v1/metrics?queue=support')).json().queues).toEqual([])
  })

  it("see only their teams' queues on the socket, and cannot subscribe to another team", async () => {
    const lead = await createUser('lead-b', 'teamlead', ['B'])
    const s = connect({ cookie: lead.cookie })
    const first = await outcome(s)
    expect('snapshot' in first && first.snapshot.queues.map((q) => q.id)).toEqual(['support'])
    const other = await s.timeout(5_000).emitWithAck('view:subscribe', { team: 'A' })
    expect(other).toEqual({ ok: false, error: 'team A is not yours' })
    const board = await s.timeout(5_000).emitWithAck('view:subscribe', { board: 'floor' })
    expect(board.ok).toBe(false)
    const own: Ack<FiguresSnapshot> = await s.timeout(5_000).emitWithAck('view:subscribe', { team: 'B' })
    expect(own.ok && own.data.queues.map((q) => q.id)).toEqual(['support'])
  })
})

describe('boards and display tokens', () => {
  it('show a TV its board with no login, read-only, and say which board it is', async () => {
    const board = (
      await as(admin, 'POST', '/api/v1/boards', { id: 'floor-3', name: 'Floor 3 · 三楼', queues: ['support'] })
    ).json()
    expect(board).toMatchObject({ id: 'floor-3', allQueues: false, queues: ['support'] })
    const issued = await as(admin, 'POST', '/api/v1/boards/floor-3/tokens', { name: 'TV by the door' })
    expect(issued.statusCode).toBe(201)
    const { secret, url, token } = issued.json()
    expect(url).toBe(`/board/floor-3?token=${secret}`)
    expect(token).not.toHaveProperty('secret')
    // Only a hash is kept.
    const dump = JSON.stringify(await app.redis.hgetall(app.keys.displayTokens.hashes))
    expect(dump).not.toContain(secret)
    const s = connect({ token: secret, board: 'floor-3' })
    const first = await outcome(s)
    expect('snapshot' in first && first.snapshot.view).toEqual({
      kind: 'board',
      id: 'floor-3',
      name: 'Floor 3 · 三楼',
      display: DEFAULT_BOARD_DISPLAY,
    })
    expect('snapshot' in first && first.snapshot.queues.map((q) => q.id)).toEqual(['support'])
    // Read-only: the token is no API credential.
    const asKey = await app.inject({ method: 'GET', url: '/api/v1/metrics', headers: { authorization: `Bearer ${secret}` } })
    expect(asKey.statusCode).toBe(401)
    // One board only.
    expect(await s.timeout(5_000).emitWithAck('view:subscribe', { board: 'floor' })).toMatchObject({ ok: false })
  })

  it('lock a TV within seconds of its token being revoked, saying why', async () => {
    const { secret, token } = (await as(admin, 'POST', '/api/v1/boards/floor/tokens', {})).json()
    const s = connect({ token: secret })
    await outcome(s)
    const denied = new Promise<Denial>((resolve) => s.once('denied', resolve))
    const closed = new Promise<void>((resolve) => s.once('disconnect', () => resolve()))
    const revokedAt = Date.now()
    expect((await as(admin, 'DELETE', `/api/v1/boards/floor/tokens/${token.id}`)).statusCode).toBe(200)
    expect((await denied).code).toBe('token_revoked')
    await closed
    expect(Date.now() - revokedAt).toBeLessThan(3_000)
    // And it cannot come back.
    const again = await outcome(connect({ token: secret }))
    expect(again).toEqual({ refused: { code: 'token_revoked', message: expect.stringMatching(/revoked/) } })
  })

  it('refuse an unknown token and a connection with no credential', async () => {
    expect(await outcome(connect({ token: 'wbd_not-a-token' }))).toMatchObject({ refused: { code: 'token_invalid' } })
    expect(await outcome(connect({}))).toMatchObject({ refused: { code: 'unauthorized' } })
  })

  it('follow a board change live, without a reconnect', async () => {
    const { secret } = (await as(admin, 'POST', '/api/v1/boards/floor-3/tokens', {})).json()
    const s = connect({ token: secret })
    await outcome(s)
    const next = new Promise<FiguresSnapshot>((resolve) => s.once('snapshot', resolve))
    await as(admin, 'PATCH', '/api/v1/boards/floor-3', { queues: ['support', 'sales'] })
    expect((await next).queues.map((q) => q.id).sort()).toEqual(['sales', 'support'])
  })

  it('keep display settings not named in a change, and refuse thresholds whose red comes before amber', async () => {
    const light = await as(admin, 'PATCH', '/api/v1/boards/floor-3', {
      display: { theme: 'light', tiles: ['waiting', 'agents'] },
    })
    expect(light.statusCode).toBe(200)
    expect(light.json().display).toEqual({ ...DEFAULT_BOARD_DISPLAY, theme: 'light', tiles: ['waiting', 'agents'] })
    const zh = await as(admin, 'PATCH', '/api/v1/boards/floor-3', {
      display: { language: 'zh-CN', thresholds: { abandonRateAbovePct: { amber: 2, red: 4 } } },
    })
    expect(zh.json().display).toMatchObject({ theme: 'light', language: 'zh-CN', tiles: ['waiting', 'agents'] })
    const bad = await as(admin, 'PATCH', '/api/v1/boards/floor-3', {
      display: {
        tiles: ['waiting', 'waiting', 'clock'],
        thresholds: { answerRateBelowPct: { amber: 80, red: 90 }, asaFactor: { amber: 1, red: 0.5 } },
      },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/body\.display\.tiles\[2\]: expected one of/)
    const order = await as(admin, 'PATCH', '/api/v1/boards/floor-3', {
      display: { thresholds: { answerRateBelowPct: { amber: 80, red: 90 }, asaFactor: { amber: 1, red: 0.5 } } },
    })
    expect(order.statusCode).toBe(400)
    expect(order.json().message).toBe(
      'body.display.thresholds.asaFactor: red (0.5) must be at least amber (1); ' +
        'body.display.thresholds.answerRateBelowPct: red (90) must be at most amber (80)',
    )
    const created = await as(admin, 'POST', '/api/v1/boards', {
      name: 'x',
      display: { thresholds: { longestWaitFactor: { amber: 3, red: 1 } } },
    })
    expect(created.statusCode).toBe(400)
    // nothing refused was kept
    const kept = (await as(admin, 'GET', '/api/v1/boards')).json().boards.find((b: { id: string }) => b.id === 'floor-3')
    expect(kept.display.thresholds).toEqual({ abandonRateAbovePct: { amber: 2, red: 4 } })
    expect((await as(admin, 'GET', '/api/v1/boards')).json().boards.some((b: { name: string }) => b.name === 'x')).toBe(false)
  })
})

describe('API keys', () => {
  it('are shown once, kept as a hash, and stop working when revoked', async () => {
    const created = await as(admin, 'POST', '/api/v1/keys', { name: 'pbx-1', scopes: ['ingest'] })
    expect(created.statusCode).toBe(201)
    const { secret, key } = created.json()
    expect(JSON.stringify(await app.redis.hgetall(app.keys.apiKeys.hashes))).not.toContain(secret)
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { authorization: `Bearer ${secret}` },
        payload: { id: `k-${Math.random()}`, type: 'call.queued', ts: Date.now(), callId: 'k', queue: 'sales' },
      })
    expect((await post()).statusCode).toBe(200)
    // An ingest-only key may not read.
    expect((await app.inject({ url: '/api/v1/metrics', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(403)
    expect((await as(admin, 'DELETE', `/api/v1/keys/${key.id}`)).json().revokedAt).toEqual(expect.any(Number))
    expect((await post()).statusCode).toBe(401)
  })
})

describe('the audit log', () => {
  it('records every configuration change with who, what and when, and no secret', async () => {
    const entries = (await as(admin, 'GET', '/api/v1/audit?limit=1000')).json().entries as Array<{
      at: number
      actor: { name: string }
      action: string
      target: string
    }>
    const actions = entries.map((e) => e.action)
    for (const action of [
      'user.create',
      'user.update',
      'board.create',
      'board.update',
      'token.create',
      'token.revoke',
      'key.create',
      'key.revoke',
      'queue.update',
    ]) {
      expect(actions).toContain(action)
    }
    const revoke = entries.find((e) => e.action === 'token.revoke')!
    expect(revoke.actor.name).toBe('admin')
    expect(revoke.at).toBeGreaterThan(now - 60_000)
    expect(JSON.stringify(entries)).not.toMatch(/wbd_|wbk_|password-1/)
  })

  it('is for admins only', async () => {
    const sup = await createUser('sup-audit', 'supervisor')
    expect((await as(sup, 'GET', '/api/v1/audit')).statusCode).toBe(403)
  })
})

describe('pages', () => {
  it('carry security headers and a strict Content-Security-Policy', async () => {
    for (const url of ['/board', '/login', '/api/v1/session']) {
      const res = await app.inject(url)
      const csp = String(res.headers['content-security-policy'])
      expect(csp).toMatch(/default-src 'self'/)
      expect(csp).toMatch(/script-src 'self'(;|$)/)
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
      expect(csp).toMatch(/frame-ancestors 'none'/)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
    }
  })
})

describe('an idle session', () => {
  it('ends after the idle time, and is kept alive by use', async () => {
    const short = await testApp({ sessionIdleMinutes: 1.5 / 60 })
    try {
      const browser = await login(short)
      await new Promise((r) => setTimeout(r, 1_000))
      expect((await short.inject({ url: '/api/v1/session', headers: browser.headers })).statusCode).toBe(200)
      await new Promise((r) => setTimeout(r, 1_000))
      // Used 1 s ago: still alive.
      expect((await short.inject({ url: '/api/v1/session', headers: browser.headers })).statusCode).toBe(200)
      await new Promise((r) => setTimeout(r, 2_000))
      expect((await short.inject({ url: '/api/v1/session', headers: browser.headers })).statusCode).toBe(401)
    } finally {
      await short.close()
    }
  })
})
