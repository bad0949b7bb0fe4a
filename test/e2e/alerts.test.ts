// Alerts in a real headless Chromium: a rule fires when calls wait, the supervisor's inbox shows it
// at once with its value against its threshold, the TV board shows its banner; a team lead's
// acknowledgement reaches both; resolving by hand moves it to the history.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, login, postEvents, testApp } from '../integration/helpers.js'
import { launchBrowser, logIn } from './browser.js'

let app: FastifyInstance
let browser: Awaited<ReturnType<typeof launchBrowser>>
let supervisor: Page
let tv: Page

beforeAll(async () => {
  app = await testApp()
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const admin = await login(app)
  const rule = await app.inject({
    method: 'POST',
    url: '/api/v1/alert-rules',
    headers: admin.headers,
    payload: {
      kind: 'figure',
      name: 'Backlog on sales',
      enabled: true,
      scope: { queue: 'sales' },
      window: 'live',
      figure: 'waiting',
      comparator: 'above',
      warn: 1,
      critical: null,
      forSec: 0,
      clearAt: null,
      activeHours: null,
      cooldownSec: 0,
      channels: [],
      banner: true,
      sound: true,
    },
  })
  expect(rule.statusCode, rule.body).toBe(201)
  await postEvents(app, [{ id: 'q0', type: 'call.queued', ts: Date.now(), callId: 'c0', queue: 'sales' }])
  browser = await launchBrowser()
  await logIn(browser.context, base, 'admin', ADMIN_PASSWORD)
  supervisor = await browser.context.newPage()
  await supervisor.goto(`${base}/supervisor`)
  await supervisor.getByTestId('alert-inbox').waitFor({ timeout: 15_000 })
  const token = (await app.displayTokens.create({ name: 'tv', boardId: 'floor', createdBy: 'test' })).secret
  tv = await (await launchBrowser()).context.newPage()
  await tv.goto(`${base}/board/floor?token=${token}`)
  await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
})
afterAll(async () => {
  await tv?.context().close()
  await browser?.close()
  await app?.close()
})

describe('alerts on screen', () => {
  it('shows a firing alert in the inbox and as a banner on the board, live', async () => {
    expect(await supervisor.getByTestId('alert-row').count()).toBe(0)
    await postEvents(app, [{ id: 'q1', type: 'call.queued', ts: Date.now(), callId: 'c1', queue: 'sales' }])
    const row = supervisor.getByTestId('alert-row').first()
    await row.waitFor({ timeout: 5_000 })
    expect(await row.getAttribute('data-state')).toBe('firing')
    expect(await row.textContent()).toContain('Calls waiting')
    expect(await row.getByTestId('alert-value').textContent()).toBe('2 (threshold 1)')
    const banner = tv.getByTestId('alert-banner')
    await banner.waitFor({ timeout: 5_000 })
    expect(await banner.textContent()).toContain('sales')
    expect(await banner.getAttribute('data-state')).toBe('firing')
  })

  it('acknowledges it, and the board says who is on it', async () => {
    await supervisor.getByTestId('alert-ack').click()
    await expect
      .poll(() => supervisor.getByTestId('alert-row').first().getAttribute('data-state'), { timeout: 5_000 })
      .toBe('acknowledged')
    await expect.poll(() => tv.getByTestId('alert-banner').getAttribute('data-state'), { timeout: 5_000 }).toBe('acknowledged')
    expect(await tv.getByTestId('alert-banner').textContent()).toContain('admin')
  })

  it('resolves it by hand: it leaves the inbox for the history and the banner goes', async () => {
    await supervisor.getByTestId('alert-resolve').click()
    await supervisor.getByTestId('alerts-none').waitFor({ timeout: 5_000 })
    await supervisor.getByTestId('alert-history-row').first().waitFor({ state: 'attached', timeout: 5_000 })
    await tv.getByTestId('alert-banner').waitFor({ state: 'detached', timeout: 5_000 })
  })
})
