// Overload answers: a process with too many requests under way, whose event loop runs late, or
// whose memory passed its bound, refuses requests at once with 503 and Retry-After naming why,
// while health, readiness and metrics still answer; the rate limiter's refusals carry Retry-After too.
import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../support/wait.js'
import { auth, testApp } from './helpers.js'

const event = (i: number) => ({ id: `shed-${i}`, type: 'call.queued', ts: Date.now(), callId: `c${i}`, queue: 'shed' })
const ingest = (app: FastifyInstance, i: number) =>
  app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: event(i) })

/** Keeps the event loop about 400 ms late: each timer tick holds it that long. */
function busyLoop(): () => void {
  const timer = setInterval(() => {
    const end = performance.now() + 400
    while (performance.now() < end) {
      // holding the thread, as a request too heavy for the process would
    }
  }, 1)
  return () => clearInterval(timer)
}

describe('load shedding on requests in progress', () => {
  let app: FastifyInstance
  let port: number
  beforeAll(async () => {
    app = await testApp({
      loadShedding: { maxInFlight: 1, maxEventLoopDelayMs: 0, maxHeapUsedMB: 0, maxRssMB: 0, retryAfterSec: 1 },
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = (app.server.address() as net.AddressInfo).port
  })
  afterAll(async () => {
    await app.close()
  })

  it('refuses a request while another is under way, and admits again once that one is gone', async () => {
    // A request whose body never comes: it stays under way until its connection goes.
    const slow = net.connect({ port, host: '127.0.0.1' })
    await new Promise((resolve) => slow.once('connect', resolve))
    slow.write(
      `POST /api/v1/events HTTP/1.1\r\nhost: x\r\nauthorization: ${auth.authorization}\r\n` +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":',
    )
    await until('the slow request to be under way', async () =>
      /wallboard_http_requests_in_flight 1\b/.test((await app.inject({ url: '/metrics', headers: auth })).body),
    )
    const refused = await until('a refusal', async () => {
      const res = await ingest(app, 30)
      return res.statusCode === 503 ? res : null
    })
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.json().message).toMatch(/requests in progress/)
    expect((await app.inject('/healthz')).statusCode).toBe(200)

    slow.destroy()
    await until('an admission', async () => (await ingest(app, 31)).statusCode === 200)
    // Every request that ended gave its place back: several in a row are admitted.
    for (let i = 32; i < 40; i++) expect((await ingest(app, i)).statusCode).toBe(200)
  })
})

describe('load shedding on event-loop delay', () => {
  let app: FastifyInstance
  let stopBusy: (() => void) | null = null
  beforeAll(async () => {
    app = await testApp({
      // Far above what a busy test machine's loop lags by itself, far below the busy loop's 400 ms.
      loadShedding: { maxInFlight: 0, maxEventLoopDelayMs: 150, maxHeapUsedMB: 0, maxRssMB: 0, retryAfterSec: 3 },
    })
  })
  afterEach(() => stopBusy?.())
  afterAll(async () => {
    await app.close()
  })

  it('refuses requests with 503 and Retry-After while the loop runs late, and takes them again after', async () => {
    await until('a request admitted', async () => (await ingest(app, 0)).statusCode === 200)
    stopBusy = busyLoop()
    const refused = await until('a refusal', async () => {
      const res = await ingest(app, 1)
      return res.statusCode === 503 ? res : null
    })
    expect(refused.headers['retry-after']).toBe('3')
    expect(refused.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' })
    expect(refused.json().message).toMatch(/event-loop delay/)
    expect((await app.inject({ url: '/api/v1/definitions', headers: auth })).statusCode).toBe(503)

    // Still under pressure: the routes operators and load balancers ask keep answering.
    expect(app.isUnderPressure()).toBe(true)
    expect((await app.inject('/healthz')).statusCode).toBe(200)
    expect((await app.inject('/readyz')).json()).toHaveProperty('ready')
    const metrics = await app.inject({ url: '/metrics', headers: auth })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toMatch(/wallboard_http_shed_total\{reason="eventLoopDelay"\} [1-9]/)
    expect(metrics.body).toMatch(/wallboard_event_loop_delay_seconds_bucket\{le="0.05"\} [1-9]/)
    expect(app.isUnderPressure()).toBe(true)

    stopBusy()
    stopBusy = null
    await until('the pressure to pass', () => !app.isUnderPressure())
    expect((await ingest(app, 2)).statusCode).toBe(200)
  })
})

describe('load shedding on memory', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    // A bound every process is over: each request is refused, for that reason.
    app = await testApp({
      loadShedding: { maxInFlight: 0, maxEventLoopDelayMs: 0, maxHeapUsedMB: 1, maxRssMB: 0, retryAfterSec: 2 },
    })
  })
  afterAll(async () => {
    await app.close()
  })

  it('names the heap as the reason, and still answers health checks', async () => {
    const refused = await until('a refusal', async () => {
      const res = await ingest(app, 10)
      return res.statusCode === 503 ? res : null
    })
    expect(refused.headers['retry-after']).toBe('2')
    expect(refused.json().message).toMatch(/heap used/)
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
  })
})

describe('the ingest rate limiter', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await testApp({ ingestRateLimit: 1 })
  })
  afterAll(async () => {
    await app.close()
  })

  it('refuses with 429 and a Retry-After in seconds', async () => {
    expect((await ingest(app, 20)).statusCode).toBe(200)
    const refused = await ingest(app, 21)
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60)
  })
})
