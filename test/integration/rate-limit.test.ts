// Login and ingest are rate-limited in Redis, so the limit holds across server processes: two apps
// sharing one Redis (as two processes behind a load balancer would) share one budget.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, testApp, testConfig } from './helpers.js'

let one: FastifyInstance
let two: FastifyInstance

beforeAll(async () => {
  const { redisPrefix } = testConfig()
  one = await testApp({ redisPrefix, loginRateLimit: 3, ingestRateLimit: 4 })
  two = await testApp({ redisPrefix, loginRateLimit: 3, ingestRateLimit: 4 })
})
afterAll(async () => {
  await Promise.all([one.close(), two.close()])
})

const attempt = (app: FastifyInstance) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload: { username: 'nobody', password: 'wrong password' },
    remoteAddress: '10.0.0.7',
  })

describe('rate limits', () => {
  it('refuse the fourth login attempt in a minute from one address, across processes, with Retry-After', async () => {
    expect((await attempt(one)).statusCode).toBe(401)
    expect((await attempt(two)).statusCode).toBe(401)
    expect((await attempt(one)).statusCode).toBe(401)
    const refused = await attempt(two)
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.json().message).toMatch(/rate limit/i)
    // Another address is not affected.
    const other = await one.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'nobody', password: 'x' },
      remoteAddress: '10.0.0.8',
    })
    expect(other.statusCode).toBe(401)
  })

  it('limit ingest per API key', async () => {
    const post = (app: FastifyInstance, i: number) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: auth,
        payload: { id: `rl-${i}`, type: 'call.queued', ts: Date.now(), callId: `c${i}`, queue: 'rl' },
      })
    const codes = []
    for (let i = 0; i < 5; i++) codes.push((await post(i % 2 ? one : two, i)).statusCode)
    expect(codes).toEqual([200, 200, 200, 200, 429])
  })
})
