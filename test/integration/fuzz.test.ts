// Hostile input: malformed, oversized and poisonous payloads thrown at the ingest route and every
// configuration route. Each must get a 4xx that says why, the server must keep running, nothing
// invalid may be stored, and no prototype may be polluted.
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateEvent } from '../../shared/events.js'
import { type Browser, auth, login, testApp } from './helpers.js'

let app: FastifyInstance
let admin: Browser
let adminId: string

beforeAll(async () => {
  app = await testApp({ bodyLimitBytes: 256 * 1024, loginRateLimit: 1000 })
  admin = await login(app)
  adminId = (await app.inject({ url: '/api/v1/session', headers: admin.headers })).json().user.id
})
afterAll(async () => {
  await app.close()
})

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', '']
const FIELD_KEYS = [
  'id',
  'type',
  'ts',
  'queue',
  'callId',
  'agent',
  'state',
  'name',
  'username',
  'password',
  'role',
  'teams',
  'scopes',
  'allQueues',
  'queues',
  'team',
  'csat',
  'current',
]
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\uffff',
    '\u202e',
    '<script>alert(1)</script>',
    "'; DROP TABLE users; --",
    '../../etc/passwd',
    'call.queued',
    'admin',
    'agent.state',
  ),
  fc.string({ minLength: 1000, maxLength: 20_000 }),
)
const scalar = fc.oneof(
  nasty,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().map((b) => Number(b)),
)
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(fc.constantFrom(...FIELD_KEYS, ...HOSTILE_KEYS), tie('value'), { maxKeys: 8 }),
}))

/** JSON text with a hostile key spliced into the first object, as a raw attacker would send it. */
const poisoned = fc
  .tuple(fc.dictionary(fc.constantFrom(...FIELD_KEYS), scalar, { maxKeys: 5 }), fc.constantFrom('__proto__', 'constructor'))
  .map(([obj, key]) => {
    const inner = key === '__proto__' ? '{"polluted":"yes","isAdmin":true}' : '{"prototype":{"polluted":"yes"}}'
    const text = JSON.stringify(obj)
    return text === '{}' ? `{"${key}":${inner}}` : `{"${key}":${inner},${text.slice(1)}`
  })

function polluted(): boolean {
  const probe = {} as Record<string, unknown>
  return (
    probe['polluted'] !== undefined ||
    probe['isAdmin'] !== undefined ||
    Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')
  )
}

async function snapshotConfig() {
  const [users, boards, keys, settings, teams, log] = await Promise.all([
    app.redis.hlen(app.keys.users),
    app.redis.hlen(app.keys.boards),
    app.redis.hlen(app.keys.apiKeys.hashes),
    app.redis.hgetall(app.keys.queueSettings),
    app.redis.hgetall(app.keys.teams),
    app.eventLog.length(),
  ])
  return { users, boards, keys, settings, teams, log }
}

const CONFIG_ROUTES: Array<{ method: 'POST' | 'PATCH' | 'PUT'; url: () => string; label?: string }> = [
  { method: 'POST', url: () => '/api/v1/users' },
  { method: 'PATCH', url: () => `/api/v1/users/${adminId}`, label: '/api/v1/users/:id' },
  { method: 'POST', url: () => '/api/v1/boards' },
  { method: 'PATCH', url: () => '/api/v1/boards/floor' },
  { method: 'POST', url: () => '/api/v1/boards/floor/tokens' },
  { method: 'POST', url: () => '/api/v1/keys' },
  { method: 'PATCH', url: () => '/api/v1/queues/fuzzed' },
  { method: 'PUT', url: () => '/api/v1/teams/fuzzed' },
  { method: 'PUT', url: () => '/api/v1/session/password' },
  { method: 'POST', url: () => '/api/v1/session' },
]

describe('the ingest route under hostile input', () => {
  it('stores exactly the valid events of any JSON body, and refuses the rest with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonValue, fc.array(jsonValue, { maxLength: 20 })), async (body) => {
        const before = await app.eventLog.length()
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        })
        const items = Array.isArray(body) ? body : [body]
        const valid = items.filter((e) => validateEvent(e, Date.now()).ok).length
        expect([200, 400, 413]).toContain(res.statusCode)
        if (res.statusCode !== 413) {
          const answer = res.json()
          expect(answer.accepted + answer.duplicates).toBe(valid)
          for (const r of answer.rejected) expect(r.error).toMatch(/^events\[\d+\]|^the body holds no events$/)
        }
        expect((await app.eventLog.length()) - before).toBeLessThanOrEqual(valid)
        expect(polluted()).toBe(false)
      }),
      { numRuns: 150 },
    )
  })

  it('refuses poisoned keys, raw bytes, deep nesting and huge bodies with 4xx, storing nothing', async () => {
    const before = await snapshotConfig()
    const send = (payload: string | Buffer, type = 'application/json') =>
      app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth, 'content-type': type }, payload })
    await fc.assert(
      fc.asyncProperty(poisoned, async (text) => {
        const res = await send(text)
        expect(res.statusCode).toBe(400)
        expect(res.json().rejected[0].error).toMatch(/^events\[0\]\.(__proto__|constructor): forbidden key$/)
      }),
      { numRuns: 50 },
    )
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), async (bytes) => {
        const res = await send(Buffer.from(bytes))
        expect(res.statusCode).toBeGreaterThanOrEqual(400)
        expect(res.statusCode).toBeLessThan(500)
      }),
      { numRuns: 100 },
    )
    // Deep nesting: refused as a 4xx whatever the depth (413 once it is larger than the body limit).
    for (const depth of [1_000, 30_000, 100_000]) {
      for (const text of ['['.repeat(depth) + ']'.repeat(depth), `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`]) {
        expect((await send(text)).statusCode).toBe(text.length > 256 * 1024 ? 413 : 400)
      }
    }
    expect((await send(`[${'"x",'.repeat(200_000)}"x"]`)).statusCode).toBe(413)
    expect((await send('{"id":"x","type":"call.queued"', 'application/json')).statusCode).toBe(400)
    expect((await send('hello', 'text/plain')).statusCode).toBe(415)
    expect((await send('{"a":1}\n{"__proto__":{"polluted":1}}\n\u0000\n', 'application/x-ndjson')).statusCode).toBe(400)
    expect(await snapshotConfig()).toEqual(before)
    expect(polluted()).toBe(false)
  })
})

describe('the configuration routes under hostile input', () => {
  for (const route of CONFIG_ROUTES) {
    it(`${route.method} ${route.label ?? route.url()} refuses malformed bodies with a 4xx naming the problem, changing nothing`, async () => {
      const before = await snapshotConfig()
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            // Always carries a field no schema allows, so it can never be valid by chance.
            jsonValue.map((v) =>
              JSON.stringify(typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, 'x-unknown': 1 } : v),
            ),
            poisoned,
            fc.string({ maxLength: 200 }),
          ),
          async (payload) => {
            const res = await app.inject({
              method: route.method,
              url: route.url(),
              headers: { ...admin.headers, 'content-type': 'application/json' },
              payload,
            })
            expect(res.statusCode, payload.slice(0, 200)).toBeGreaterThanOrEqual(400)
            expect(res.statusCode).toBeLessThan(500)
            expect(typeof res.json().message).toBe('string')
          },
        ),
        { numRuns: 60 },
      )
      expect(await snapshotConfig()).toEqual(before)
      expect(polluted()).toBe(false)
    })
  }

  it('names the field and the reason', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/boards',
      headers: admin.headers,
      payload: { name: 'x'.repeat(500), teams: ['A', 'A'], colour: 'red' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain('body.colour: unknown field')
    expect(res.json().message).toContain('body.name: longer than 200 characters')
    expect(res.json().message).toContain('body.teams: has the same item twice')
  })

  it('is still healthy afterwards', async () => {
    expect((await app.inject('/healthz')).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/v1/session', headers: admin.headers })).statusCode).toBe(200)
  })
})
