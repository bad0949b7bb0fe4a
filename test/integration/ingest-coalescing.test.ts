// Single-event requests that arrive together, against a real redis-server: their appends share one
// script call and their rate-limit counts one transaction, while each request is still answered on
// its own (stored, duplicate, refused) exactly as if it had come alone; and the ingest route, which
// skips the per-request work of the helmet and session plugins, still sends the same headers.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SECRET_CACHE_MS } from '../../server/auth/secrets.js'
import { auth, login, testApp, testConfig } from './helpers.js'

let app: FastifyInstance
const now = Date.now()

beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app.close()
})

const post = (target: FastifyInstance, body: object, headers: Record<string, string> = auth) =>
  target.inject({ method: 'POST', url: '/api/v1/events', headers, payload: body })
const queued = (id: string) => ({ id, type: 'call.queued', ts: now - 1_000, callId: `call-${id}`, queue: 'together' })

/** Counts the event log's script calls while `run` runs. */
async function appendCalls(target: FastifyInstance, run: () => Promise<void>): Promise<number> {
  const log = target.eventLog
  const append = log.append.bind(log)
  let calls = 0
  log.append = (events) => {
    calls++
    return append(events)
  }
  try {
    await run()
  } finally {
    log.append = append
  }
  return calls
}

describe('single-event requests sent at once', () => {
  it('are stored with one script call, each answered as stored', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `together-${i}`)
    let answers: Array<{ statusCode: number; body: unknown }> = []
    const calls = await appendCalls(app, async () => {
      answers = (await Promise.all(ids.map((id) => post(app, queued(id))))).map((r) => ({
        statusCode: r.statusCode,
        body: r.json(),
      }))
    })
    expect(calls).toBeLessThan(ids.length / 4)
    for (const a of answers) expect(a).toEqual({ statusCode: 200, body: { accepted: 1, duplicates: 0, rejected: [] } })
    const stored = await app.redis.smismember(app.keys.eventIds, ...ids)
    expect(stored).toEqual(ids.map(() => 1))
  })

  it('store an id sent by several of them once, and answer the others as duplicates', async () => {
    let bodies: Array<{ accepted: number; duplicates: number }> = []
    const calls = await appendCalls(app, async () => {
      bodies = (await Promise.all(Array.from({ length: 10 }, () => post(app, queued('together-dup'))))).map((r) => r.json())
    })
    expect(calls).toBeLessThan(3)
    expect(bodies.filter((b) => b.accepted === 1)).toHaveLength(1)
    expect(bodies.filter((b) => b.duplicates === 1)).toHaveLength(9)
    const entries = await app.redis.xrange(app.keys.events, '-', '+')
    expect(entries.filter(([, fields]) => JSON.parse(fields[1]!).id === 'together-dup')).toHaveLength(1)
  })

  it('carry the same security headers as every other route, the first answer and the later ones', async () => {
    const reference = await app.inject({ method: 'GET', url: '/api/v1/session' })
    const helmetHeaders = [
      'content-security-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'x-content-type-options',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-frame-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ].filter((h) => reference.headers[h] !== undefined)
    expect(helmetHeaders.length).toBeGreaterThan(8)
    const fresh = await testApp()
    try {
      for (const res of [await post(fresh, queued('headers-1')), await post(fresh, queued('headers-2')), await post(fresh, {})]) {
        for (const h of helmetHeaders) expect(res.headers[h], h).toBe(reference.headers[h])
      }
    } finally {
      await fresh.close()
    }
  })

  it('get no session cookie when they bring a key', async () => {
    const res = await post(app, queued('no-session'))
    expect(res.statusCode).toBe(200)
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})

describe('the ingest rate limit, for requests sent at once', () => {
  it('refuses exactly the requests over the limit, across processes, with Retry-After', async () => {
    const { redisPrefix } = testConfig()
    const one = await testApp({ redisPrefix, ingestRateLimit: 5 })
    const two = await testApp({ redisPrefix, ingestRateLimit: 5 })
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i % 2 ? one : two, queued(`limited-${i}`))))
      const codes = answers.map((r) => r.statusCode)
      expect(codes.filter((c) => c === 200)).toHaveLength(5)
      expect(codes.filter((c) => c === 429)).toHaveLength(3)
      const refused = answers.find((r) => r.statusCode === 429)!
      expect(refused.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringMatching(/^Rate limit exceeded, retry in \d+ (seconds?|minute)$/),
      })
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      expect(refused.headers['x-ratelimit-remaining']).toBe('0')
      const remaining = answers.filter((r) => r.statusCode === 200).map((r) => Number(r.headers['x-ratelimit-remaining']))
      expect(remaining.sort()).toEqual([0, 1, 2, 3, 4])
      // Only the accepted ones were stored.
      const stored = await one.redis.scard(one.keys.eventIds)
      expect(stored).toBe(5)
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })
})

describe('a revoked API key', () => {
  it('is refused by every process within the key cache time, at once by the one that revoked it', async () => {
    const { redisPrefix } = testConfig()
    const one = await testApp({ redisPrefix })
    const two = await testApp({ redisPrefix })
    try {
      const admin = await login(one)
      const created = await one.inject({
        method: 'POST',
        url: '/api/v1/keys',
        headers: admin.headers,
        payload: { name: 'pbx', scopes: ['ingest'] },
      })
      const { secret, key } = created.json() as { secret: string; key: { id: string } }
      const withKey = { authorization: `Bearer ${secret}` }
      // Both processes have the key in their cache.
      expect((await post(one, queued('revoke-1'), withKey)).statusCode).toBe(200)
      expect((await post(two, queued('revoke-2'), withKey)).statusCode).toBe(200)
      await one.inject({ method: 'DELETE', url: `/api/v1/keys/${key.id}`, headers: admin.headers })
      const revokedAt = Date.now()
      expect((await post(one, queued('revoke-3'), withKey)).statusCode).toBe(401)
      while ((await post(two, queued(`revoke-${Date.now()}`), withKey)).statusCode === 200) {
        expect(Date.now() - revokedAt).toBeLessThan(SECRET_CACHE_MS + 500)
        await new Promise((r) => setTimeout(r, 50))
      }
      expect((await post(two, queued('revoke-4'), withKey)).json().message).toBe('unknown or revoked API key')
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })
})

describe('a Redis failure', () => {
  it('fails every request of a shared script call with 503 and Retry-After, storing nothing', async () => {
    const broken = await testApp()
    try {
      broken.redis.disconnect()
      let answers: Awaited<ReturnType<typeof post>>[] = []
      const calls = await appendCalls(broken, async () => {
        answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(broken, queued(`lost-${i}`))))
      })
      expect(calls).toBeLessThan(3)
      for (const res of answers) {
        expect(res.statusCode).toBe(503)
        expect(res.headers['retry-after']).toBe('1')
        expect(res.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'event store unavailable; nothing was stored, retry later',
        })
      }
      expect(await app.redis.smismember(broken.keys.eventIds, 'lost-0', 'lost-5')).toEqual([0, 0])
    } finally {
      await broken.close()
    }
  })
})
