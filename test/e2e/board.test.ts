// The TV board in a real headless Chromium against a real server and Redis: it shows an event's
// effect without a reload, ticks the longest wait, goes stale when the server goes away, and
// resyncs from a fresh snapshot when it comes back.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import type { Config } from '../../server/config.js'
import { TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let config: Config
let app: FastifyInstance
let base: string
let port: number
let browser: Awaited<ReturnType<typeof launchBrowser>>

let token: string

async function start(): Promise<void> {
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port, host: '127.0.0.1' })
  port = Number(new URL(base).port)
}

beforeAll(async () => {
  config = testConfig()
  port = 0
  await start()
  // A TV's link: the default board (every queue) with a display token.
  token = (await app.displayTokens.create({ name: 'e2e TV', boardId: 'floor', createdBy: 'test' })).secret
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

async function post(events: object[]): Promise<void> {
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  expect(res.status).toBe(200)
}

const figure = (page: Page, queue: string, testid: string) =>
  page.locator(`[data-testid="queue-${queue}"] [data-testid="${testid}"]`)

/** Console reports of Content-Security-Policy violations, from every page opened here. */
const violations: string[] = []

async function openBoard(lang: string): Promise<Page> {
  const page = await browser.context.newPage()
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
  })
  await page.goto(`${base}/board/floor?token=${token}&lang=${lang}`)
  await page.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
  return page
}

describe('the TV board', () => {
  it('shows a posted event within a fraction of a second, without reloading', async () => {
    const page = await openBoard('en')
    const t0 = Date.now()
    await post([{ id: 'e2e-1', type: 'call.queued', ts: t0 - 30_000, callId: 'c1', queue: 'e2e-q' }])
    await expect.poll(() => figure(page, 'e2e-q', 'waiting').textContent(), { timeout: 5_000, interval: 50 }).toBe('1')
    // Not a performance assertion (npm run bench measures that): only that it is pushed.
    expect(Date.now() - t0).toBeLessThan(3_000)
    await post([{ id: 'e2e-2', type: 'call.answered', ts: Date.now(), callId: 'c1', queue: 'e2e-q', agent: 'zhang' }])
    await expect.poll(() => figure(page, 'e2e-q', 'waiting').textContent(), { timeout: 5_000, interval: 50 }).toBe('0')
    await expect.poll(() => figure(page, 'e2e-q', 'answered').textContent(), { timeout: 5_000, interval: 50 }).toBe('1')
    await page.close()
  })

  it('ticks the longest wait every second between updates', async () => {
    const page = await openBoard('en')
    await post([{ id: 'e2e-3', type: 'call.queued', ts: Date.now() - 65_000, callId: 'c3', queue: 'e2e-tick' }])
    const longest = figure(page, 'e2e-tick', 'longest-wait')
    await expect.poll(() => longest.textContent(), { timeout: 5_000 }).toMatch(/^1:0\d$/)
    const first = await longest.textContent()
    await expect.poll(() => longest.textContent(), { timeout: 4_000 }).not.toBe(first)
    await page.close()
  })

  it('shows the Erlang C staffing as "need N · have M", in amber when short', async () => {
    const page = await openBoard('en')
    const now = Date.now()
    // Two agents on the queue, and 20 calls in the last half hour each talking 5 min: 40 calls/h ×
    // 300 s = 3.3 Erlang, which two agents cannot carry (Erlang C needs more than the traffic).
    const events: object[] = ['s1', 's2'].map((agent) => ({
      id: `e2e-staff-${agent}`,
      type: 'agent.state',
      ts: now - 1_800_000,
      agent,
      state: 'available',
      queues: ['e2e-staff'],
    }))
    for (let i = 0; i < 20; i++) {
      const queuedAt = now - 1_700_000 + i * 60_000
      const call = { callId: `staff-${i}`, queue: 'e2e-staff' }
      events.push(
        { id: `e2e-staff-q${i}`, type: 'call.queued', ts: queuedAt, ...call },
        { id: `e2e-staff-a${i}`, type: 'call.answered', ts: queuedAt + 5_000, agent: `x${i}`, ...call },
        { id: `e2e-staff-e${i}`, type: 'call.ended', ts: queuedAt + 305_000, agent: `x${i}`, ...call },
      )
    }
    await post(events)
    const staffing = figure(page, 'e2e-staff', 'staffing')
    await expect.poll(() => staffing.textContent(), { timeout: 5_000 }).toMatch(/^need \d+ · have 2$/)
    const res = await fetch(`${base}/api/v1/metrics?queue=e2e-staff`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    const [queue] = ((await res.json()) as { queues: Array<{ staffing: { needed: number; have: number } }> }).queues
    expect(queue?.staffing.needed).toBeGreaterThan(3)
    expect(await staffing.textContent()).toBe(`need ${queue?.staffing.needed} · have 2`)
    expect(await staffing.getAttribute('data-short')).toBe('true')
    await page.close()
  })

  it('speaks Chinese when asked', async () => {
    const page = await openBoard('zh-CN')
    await expect.poll(() => page.locator('[data-testid="board"]').textContent()).toContain('排队数')
    await expect.poll(() => figure(page, 'e2e-q', 'sl-label').textContent()).toContain('秒内短放弃剔除')
    await page.close()
  })

  it('follows the browser language when the URL names none', async () => {
    const chinese = await launchBrowser(undefined, 'zh-CN')
    try {
      const page = await chinese.context.newPage()
      await page.goto(`${base}/board/floor?token=${token}`)
      await expect.poll(() => page.locator('[data-testid="board"]').textContent(), { timeout: 10_000 }).toContain('排队数')
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    } finally {
      await chinese.close()
    }
  })

  it('goes stale with the age of its data when the server goes away, and resyncs when it is back', async () => {
    const page = await openBoard('en')
    await app.close()
    await page.locator('[data-testid="board"][data-state="stale"]').waitFor({ timeout: 10_000 })
    await expect.poll(() => page.locator('[data-testid="stale"]').textContent()).toMatch(/Stale/)
    // Posted the moment the server is back, before the board has reconnected: the board must pick
    // it up from the fresh snapshot it gets on reconnection.
    await start()
    await post([{ id: 'e2e-4', type: 'call.queued', ts: Date.now() - 1_000, callId: 'c4', queue: 'e2e-q' }])
    await page.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 20_000 })
    await expect.poll(() => figure(page, 'e2e-q', 'waiting').textContent(), { timeout: 5_000 }).toBe('1')
    await page.close()
  })

  it('breaks no rule of the strict Content-Security-Policy', () => {
    expect(violations).toEqual([])
  })
})
