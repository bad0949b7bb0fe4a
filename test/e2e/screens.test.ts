// The fleet in a real headless Chromium against a real server and Redis: an admin sees a connected
// TV (board, address, version) and makes it reload remotely; a change of the board's configuration
// reaches the TV live, without a reload.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { ADMIN_PASSWORD, TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let tvBrowser: Awaited<ReturnType<typeof launchBrowser>>
let adminBrowser: Awaited<ReturnType<typeof launchBrowser>>
let session: { cookie: string; csrf: string }
let tv: Page

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ id: 's1', type: 'call.queued', ts: Date.now() - 5_000, callId: 's1', queue: 'fleet-q' }]),
  })
  const token = (await app.displayTokens.create({ name: 'lobby TV', boardId: 'floor', createdBy: 'test' })).secret
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  session = {
    cookie: login.headers
      .getSetCookie()
      .find((c) => c.startsWith('wb_session='))!
      .split(';')[0]!,
    csrf: ((await login.json()) as { csrfToken: string }).csrfToken,
  }
  tvBrowser = await launchBrowser()
  tv = await tvBrowser.context.newPage()
  await tv.goto(`${base}/board/floor?token=${token}`)
  await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
  adminBrowser = await launchBrowser()
  const [name, ...value] = session.cookie.split('=')
  await adminBrowser.context.addCookies([{ name: name!, value: value.join('='), url: base }])
})
afterAll(async () => {
  await tvBrowser?.close()
  await adminBrowser?.close()
  await app?.close()
})

/** A mark in the TV page's memory: gone once the page reloads. */
const mark = () => tv.evaluate(() => Object.assign(globalThis, { fleetMark: 'still here' }))
const marked = () => tv.evaluate(() => (globalThis as { fleetMark?: string }).fleetMark ?? null)

describe('the fleet of screens', () => {
  it('lists the connected TV with its board, address and version', async () => {
    const page = await adminBrowser.context.newPage()
    await page.goto(`${base}/admin/screens`)
    const row = page.locator('[data-testid="screen-row"][data-kind="tv"]')
    await row.waitFor({ timeout: 10_000 })
    expect(await row.getAttribute('data-board')).toBe('floor')
    const text = (await row.textContent()) ?? ''
    expect(text).toContain('board:floor')
    expect(text).toContain('127.0.0.1')
    expect(text).toMatch(/\d+\.\d+\.\d+\+\d{12}/)
    await page.close()
  })

  it('picks up a change of its board live, without reloading', async () => {
    await mark()
    const res = await fetch(`${base}/api/v1/boards/floor`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: JSON.stringify({ name: 'Lobby · 大堂' }),
    })
    expect(res.status).toBe(200)
    await expect.poll(() => tv.getByTestId('board-title').textContent(), { timeout: 10_000 }).toBe('Lobby · 大堂')
    expect(await marked()).toBe('still here')
  })

  it('reloads when an admin asks, from the list', async () => {
    await mark()
    const page = await adminBrowser.context.newPage()
    await page.goto(`${base}/admin/screens`)
    const row = page.locator('[data-testid="screen-row"][data-kind="tv"]')
    await row.waitFor({ timeout: 10_000 })
    await row.getByTestId('reload-one').click()
    await expect.poll(() => page.getByTestId('screens-notice').textContent(), { timeout: 5_000 }).toContain('1')
    await expect.poll(() => marked().catch(() => 'navigating'), { timeout: 10_000 }).toBeNull()
    await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
    await page.close()
  })

  it('lets only admins see or reload the screens', async () => {
    const res = await fetch(`${base}/api/v1/screens/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(403)
  })
})
