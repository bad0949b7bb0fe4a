// The admin's definitions form in a real headless Chromium against a real server and Redis: a
// refused change shows the server's reason next to its field and keeps the version; a preset saved
// is a new version that the figures follow; a queue's own options, and back to the defaults.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { ADMIN_PASSWORD, TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let browser: Awaited<ReturnType<typeof launchBrowser>>

const api = async (url: string) =>
  (await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).json() as Promise<Record<string, unknown>>

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const now = Date.now()
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      { id: 'd1-q', type: 'call.queued', ts: now - 60_000, callId: 'd1', queue: 'sales' },
      { id: 'd1-a', type: 'call.answered', ts: now - 45_000, callId: 'd1', queue: 'sales', agent: 'li' },
    ]),
  })
  expect(res.status).toBe(200)
  await app.aggregator.drain()
  browser = await launchBrowser()
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  const [name, ...value] = login.headers
    .getSetCookie()
    .find((c) => c.startsWith('wb_session='))!
    .split(';')[0]!
    .split('=')
  await browser.context.addCookies([{ name: name!, value: value.join('='), url: base }])
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

async function openForm(): Promise<Page> {
  const page = await browser.context.newPage()
  await page.goto(`${base}/admin/definitions`)
  await page.getByTestId('definition-form').waitFor({ timeout: 10_000 })
  await page.getByTestId('current-label').waitFor()
  return page
}

const versions = (page: Page) => page.locator('[data-testid="history"] li').count()

describe('the definitions form', () => {
  it('shows the server’s reason next to the field, and keeps the version', async () => {
    const page = await openForm()
    await page.locator('#field-slTargetPct').fill('101')
    await page.getByTestId('save').click()
    await expect.poll(() => page.getByTestId('error-slTargetPct').textContent(), { timeout: 5_000 }).toMatch(/100/)
    expect(await page.locator('#field-slTargetPct').getAttribute('aria-invalid')).toBe('true')
    expect(await versions(page)).toBe(1)
    expect(((await api('/api/v1/definitions')) as { version: number }).version).toBe(1)
    await page.close()
  })

  it('saves a preset as a new version, which the figures follow', async () => {
    const page = await openForm()
    await page.getByTestId('preset-90/10').click()
    await page.getByTestId('save').click()
    await expect.poll(() => page.getByTestId('saved').textContent(), { timeout: 5_000 }).toContain('version 2')
    expect(await page.getByTestId('current-label').textContent()).toMatch(/^SL 90\/10 .* · v2$/)
    expect(await versions(page)).toBe(2)
    await expect
      .poll(
        async () => {
          const m = (await api('/api/v1/metrics?queue=sales')) as { queues: Array<{ definition: { label: string } }> }
          return m.queues[0]?.definition.label
        },
        { timeout: 10_000 },
      )
      .toMatch(/^SL 90\/10 .* · v2$/)
    await page.close()
  })

  it('sets a queue’s own option, names a bad one, and lets the queue follow the defaults again', async () => {
    const page = await openForm()
    await page.getByTestId('target-sales').click()
    await page.locator('#field-timezone').fill('Mars/Base')
    await page.getByTestId('save').click()
    await expect.poll(() => page.getByTestId('error-timezone').textContent(), { timeout: 5_000 }).toContain('unknown time zone')
    await page.locator('#field-timezone').fill('Asia/Shanghai')
    await page.locator('#field-slThresholdSec').fill('30')
    await page.getByTestId('save').click()
    await expect.poll(() => page.getByTestId('saved').textContent(), { timeout: 5_000 }).toContain('version 3')
    expect(await page.getByTestId('target-sales').textContent()).toContain('own')
    expect(await page.getByTestId('current-label').textContent()).toMatch(/^SL 90\/30 .* · v3$/)
    await page.getByTestId('follow-defaults').click()
    await expect.poll(() => page.getByTestId('saved').textContent(), { timeout: 5_000 }).toContain('version 4')
    expect(await page.getByTestId('current-label').textContent()).toMatch(/^SL 90\/10 .* · v4$/)
    await page.close()
  })
})
