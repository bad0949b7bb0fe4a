// The fleet flow through the admin pages, in a real headless Chromium: an admin creates a
// board, issues a TV link and opens it on a "TV"; changes what the board shows and sees the TV
// follow without a reload; revokes the link and sees the TV lock. A bad name is refused next to
// its field.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { ADMIN_PASSWORD, TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let adminBrowser: Awaited<ReturnType<typeof launchBrowser>>
let tvBrowser: Awaited<ReturnType<typeof launchBrowser>>
let admin: Page
let tv: Page
let tvUrl: string

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const now = Date.now()
  await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      { id: 'x1', type: 'call.queued', ts: now - 5_000, callId: 'x1', queue: 'east' },
      { id: 'x2', type: 'call.queued', ts: now - 5_000, callId: 'x2', queue: 'west' },
    ]),
  })
  await app.aggregator.drain()
  adminBrowser = await launchBrowser()
  tvBrowser = await launchBrowser()
  admin = await adminBrowser.context.newPage()
  await admin.goto(`${base}/login?next=/admin/boards`)
  await admin.getByTestId('login-username').fill('admin')
  await admin.getByTestId('login-password').fill(ADMIN_PASSWORD)
  await admin.getByTestId('login-password').press('Enter')
  await admin.waitForURL((u) => u.pathname === '/admin/boards', { timeout: 10_000 })
  await admin.getByTestId('board-floor').waitFor({ timeout: 10_000 })
})
afterAll(async () => {
  await adminBrowser?.close()
  await tvBrowser?.close()
  await app?.close()
})

const cookieOf = async (page: Page) => (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')

const cards = (page: Page) =>
  page.locator('article[data-testid^="queue-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(6)))

describe('managing boards from the admin page', () => {
  it('refuses a board without a name, next to the field', async () => {
    await admin.getByTestId('create').click()
    await expect.poll(() => admin.getByTestId('create-error-name').textContent(), { timeout: 5_000 }).toBeTruthy()
  })

  it('creates a board and issues a TV link that shows it', async () => {
    await admin.locator('#new-name').fill('Lobby')
    await admin.locator('#new-id').fill('lobby')
    await admin.getByTestId('create').click()
    await admin.getByTestId('board-form').waitFor()
    await admin.locator('#board-queues').fill('east')
    await admin.getByTestId('save-board').click()
    await expect.poll(() => admin.getByTestId('notice').textContent(), { timeout: 5_000 }).toBeTruthy()
    await admin.getByTestId('token-name').fill('lobby TV')
    await admin.getByTestId('issue-token').click()
    tvUrl = await admin.getByTestId('issued-url').inputValue()
    expect(tvUrl).toMatch(/\/board\/lobby\?token=wbd_/)
    tv = await tvBrowser.context.newPage()
    await tv.goto(tvUrl)
    await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
    expect(await tv.getByTestId('board-title').textContent()).toBe('Lobby')
    await expect.poll(() => cards(tv)).toEqual(['east'])
  })

  it('changes what the board shows, and the TV follows without reloading', async () => {
    await tv.evaluate(() => Object.assign(globalThis, { boardMark: 1 }))
    await admin.locator('#board-queues').fill('east, west')
    await admin.getByTestId('save-board').click()
    await expect.poll(() => cards(tv), { timeout: 10_000 }).toEqual(['east', 'west'])
    expect(await tv.evaluate(() => (globalThis as { boardMark?: number }).boardMark)).toBe(1)
  })

  it('changes how the board looks, live: a light theme, and one queue per page rotating', async () => {
    await admin.locator('#board-page-size').fill('99')
    await admin.getByTestId('save-board').click()
    await expect.poll(() => admin.getByTestId('error-display.pageSize').textContent(), { timeout: 5_000 }).toContain('24')
    await admin.getByTestId('board-theme').selectOption('light')
    await admin.locator('#board-page-size').fill('1')
    await admin.locator('#board-rotate').fill('5')
    await admin.getByTestId('save-board').click()
    await expect.poll(() => tv.locator('html').getAttribute('data-theme'), { timeout: 10_000 }).toBe('light')
    await expect.poll(() => tv.getByTestId('page').textContent(), { timeout: 10_000 }).toContain('1/2')
    expect(await cards(tv)).toEqual(['east'])
    await expect.poll(() => cards(tv), { timeout: 12_000 }).toEqual(['west'])
    expect(await tv.evaluate(() => (globalThis as { boardMark?: number }).boardMark)).toBe(1)
  })

  it('chooses the tiles, their order, their thresholds and the language, and the TV follows live', async () => {
    const card = tv.locator('article[data-testid^="queue-"]').first()
    await admin.getByTestId('tile-agents').locator('input').uncheck()
    await admin.getByTestId('tile-serviceLevelRolling').locator('input').check()
    await admin
      .getByRole('button', { name: /Longest wait/ })
      .first()
      .click() // up: before Waiting
    // red before amber is refused, next to its row
    await admin.getByTestId('threshold-longestWaitFactor-amber').fill('0.05')
    await admin.getByTestId('threshold-longestWaitFactor-red').fill('0.01')
    await admin.getByTestId('save-board').click()
    await expect
      .poll(() => admin.getByTestId('error-display.thresholds.longestWaitFactor').textContent(), { timeout: 5_000 })
      .toContain('red (0.01) must be at least amber (0.05)')
    expect(await card.getByTestId('longest-wait').getAttribute('data-level')).not.toBe('red')
    // waits of 1 s and more are amber, of 2 s and more red, on this board only
    await admin.getByTestId('threshold-longestWaitFactor-red').fill('0.1')
    await admin.getByTestId('board-language').selectOption('zh-CN')
    await admin.getByTestId('save-board').click()
    await expect.poll(() => card.getByTestId('longest-wait').getAttribute('data-level'), { timeout: 10_000 }).toBe('red')
    expect(await card.getByTestId('agents-available').count()).toBe(0)
    expect(await card.getByTestId('service-level-rolling').count()).toBe(1)
    const large = await card.locator('.now [data-testid]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))
    expect(large).toEqual(['longest-wait', 'waiting'])
    await expect.poll(() => tv.locator('html').getAttribute('lang'), { timeout: 10_000 }).toBe('zh-CN')
    expect(await card.locator('.sl').textContent()).toContain('服务水平')
    expect(await tv.evaluate(() => (globalThis as { boardMark?: number }).boardMark)).toBe(1)
    // the board keeps what it was given
    const saved = (await (await fetch(`${base}/api/v1/boards`, { headers: { cookie: await cookieOf(admin) } })).json()) as {
      boards: Array<{ id: string; display: { thresholds: unknown; tiles: string[]; language: string } }>
    }
    const lobby = saved.boards.find((b) => b.id === 'lobby')!
    expect(lobby.display.thresholds).toEqual({ longestWaitFactor: { amber: 0.05, red: 0.1 } })
    expect(lobby.display.language).toBe('zh-CN')
    expect(lobby.display.tiles).not.toContain('agents')
  })

  it('revokes the TV link, and the TV locks', async () => {
    await admin.getByTestId('revoke').click()
    await tv.locator('[data-testid="board"][data-state="locked"]').waitFor({ timeout: 10_000 })
    expect(await tv.locator('article[data-testid^="queue-"]').count()).toBe(0)
    await expect
      .poll(() => admin.locator('[data-testid="token-row"]').first().getAttribute('data-revoked'), { timeout: 5_000 })
      .toBe('true')
  })
})
