// Logging in and display tokens in a real headless Chromium against a real server and Redis: the
// admin logs in at /login and lands on the board; a wrong password is answered next to the form;
// a browser without a session is sent to log in; a TV link shows its board by name with no login,
// locks within seconds when its token is revoked, and says so for a bad token; logging out locks a
// logged-in board.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import type { Config } from '../../server/config.js'
import { TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

const BOARD_NAME = 'Floor 3 · 三楼'
const QUEUE = 'e2e-auth-q'

let config: Config
let app: FastifyInstance
let base: string
/** logs in during the tests */
let browser: Awaited<ReturnType<typeof launchBrowser>>
/** never logs in: a TV, or a stranger */
let tv: Awaited<ReturnType<typeof launchBrowser>>
let admin: { cookie: string; csrf: string }

beforeAll(async () => {
  config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await app.ready()
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  admin = await logIn('admin', config.adminPassword!)
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ id: 'e2e-auth-1', type: 'call.queued', ts: Date.now() - 20_000, callId: 'ca1', queue: QUEUE }]),
  })
  expect(res.status).toBe(200)
  ;[browser, tv] = await Promise.all([launchBrowser(), launchBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await tv?.close()
  await app?.close()
})

/** A session for the admin API, as a browser would hold it: the cookie and the CSRF token. */
async function logIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  expect(res.status).toBe(200)
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('wb_session='))
    ?.split(';')[0]
  if (!cookie) throw new Error('no session cookie')
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken }
}

async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      cookie: admin.cookie,
      'x-csrf-token': admin.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : null,
  })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** A board of the test queue with a fresh display token; the TV's URL and the token's id. */
async function boardWithToken(): Promise<{ boardId: string; url: string; tokenId: string }> {
  const board = await api<{ id: string }>('POST', '/api/v1/boards', { name: BOARD_NAME, queues: [QUEUE] })
  const issued = await api<{ token: { id: string }; url: string }>('POST', `/api/v1/boards/${board.id}/tokens`, {
    name: 'e2e TV',
  })
  return { boardId: board.id, url: issued.url, tokenId: issued.token.id }
}

const board = (page: Page, state: string) => page.locator(`[data-testid="board"][data-state="${state}"]`)

async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-password').press('Enter')
}

describe('logging in', () => {
  it('sends a browser without a session from /board to /login?next=/board', async () => {
    const page = await tv.context.newPage()
    await page.goto(`${base}/board`)
    await page.waitForURL((url) => url.pathname === '/login', { timeout: 10_000 })
    expect(new URL(page.url()).searchParams.get('next')).toBe('/board')
    await page.getByTestId('login-username').waitFor()
    await page.close()
  })

  it('answers a wrong password next to the form', async () => {
    const page = await tv.context.newPage()
    await page.goto(`${base}/login`)
    await submitLogin(page, 'admin', 'not-the-password')
    // Failed logins of a username are answered slowly from the third on: this is the first.
    await expect
      .poll(() => page.getByTestId('login-error').textContent(), { timeout: 10_000 })
      .toBe('Wrong username or password.')
    expect(await page.getByTestId('login-error').getAttribute('data-kind')).toBe('credentials')
    expect(page.url()).toBe(`${base}/login`)
    await page.close()
  })

  it('says how long to wait when logins are rate-limited', async () => {
    // A server of its own with a limit of 2 a minute, so the other tests keep theirs.
    const limited = await buildApp({ config: testConfig({ loginRateLimit: 2 }), redisUrl: inject('redisUrl'), logger: false })
    try {
      const limitedBase = await limited.listen({ port: 0, host: '127.0.0.1' })
      const page = await tv.context.newPage()
      await page.goto(`${limitedBase}/login`)
      for (let i = 0; i < 2; i++) {
        await submitLogin(page, 'nobody', 'not-the-password')
        await expect
          .poll(() => page.getByTestId('login-error').getAttribute('data-kind'), { timeout: 10_000 })
          .toBe('credentials')
        // so that the next answer is a new element, not this one
        await page.getByTestId('login-error').evaluate((el) => el.remove())
      }
      await submitLogin(page, 'nobody', 'not-the-password')
      await expect.poll(() => page.getByTestId('login-error').getAttribute('data-kind'), { timeout: 10_000 }).toBe('rateLimited')
      expect(await page.getByTestId('login-error').textContent()).toMatch(/^Too many attempts\. Try again in \d+\u00a0s\.$/)
      expect(await page.getByTestId('login-submit').isDisabled()).toBe(true)
      await page.close()
    } finally {
      await limited.close()
    }
  })

  it('logs the admin in at /login and lands on the board with figures, never on another site', async () => {
    const page = await browser.context.newPage()
    // An absolute `next` is an open redirect: the login goes to the board instead.
    await page.goto(`${base}/login?next=${encodeURIComponent('https://evil.example/board')}`)
    await submitLogin(page, 'admin', config.adminPassword!)
    await page.waitForURL((url) => url.origin === base && url.pathname === '/board', { timeout: 10_000 })
    await board(page, 'live').waitFor({ timeout: 15_000 })
    await expect.poll(() => page.locator(`[data-testid="queue-${QUEUE}"] [data-testid="waiting"]`).textContent()).toBe('1')
    await page.close()
  })

  it('shows who is logged in on /login, and locks an open board with session_ended on logout', async () => {
    const boardPage = await browser.context.newPage()
    await boardPage.goto(`${base}/board`)
    await board(boardPage, 'live').waitFor({ timeout: 15_000 })
    const loginPage = await browser.context.newPage()
    await loginPage.goto(`${base}/login`)
    await expect.poll(() => loginPage.getByTestId('login-user').textContent()).toBe('Administrator')
    await loginPage.getByTestId('logout').click()
    await loginPage.getByTestId('login-username').waitFor()
    await boardPage.locator('[data-testid="locked"][data-code="session_ended"]').waitFor({ timeout: 10_000 })
    expect(await boardPage.locator('[data-testid^="queue-"]').count()).toBe(0)
    expect(await boardPage.getByTestId('locked-login').getAttribute('href')).toBe('/login?next=/board')
    await loginPage.close()
    await boardPage.close()
  })
})

describe('a TV with a display token', () => {
  it('shows its board, titled with the board name, without logging in', async () => {
    const { url } = await boardWithToken()
    const page = await tv.context.newPage()
    await page.goto(`${base}${url}`)
    await board(page, 'live').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('board-title').textContent()).toBe(BOARD_NAME)
    expect(await page.title()).toBe(BOARD_NAME)
    await expect.poll(() => page.locator(`[data-testid="queue-${QUEUE}"] [data-testid="waiting"]`).textContent()).toBe('1')
    await page.close()
  })

  it('locks within seconds when its token is revoked, and keeps no figures', async () => {
    const { boardId, url, tokenId } = await boardWithToken()
    const page = await tv.context.newPage()
    await page.goto(`${base}${url}`)
    await board(page, 'live').waitFor({ timeout: 15_000 })
    const revokedAt = Date.now()
    await api('DELETE', `/api/v1/boards/${boardId}/tokens/${tokenId}`)
    await page.locator('[data-testid="locked"][data-code="token_revoked"]').waitFor({ timeout: 5_000 })
    expect(Date.now() - revokedAt).toBeLessThan(5_000)
    expect(await board(page, 'locked').count()).toBe(1)
    expect(await page.locator('[data-testid^="queue-"]').count()).toBe(0)
    expect(await page.getByTestId('locked').textContent()).toContain("This display's access was revoked.")
    expect(await page.getByTestId('locked-board').textContent()).toBe(boardId)
    // Reloading the revoked link does not bring the figures back either.
    await page.reload()
    await page.locator('[data-testid="locked"][data-code="token_revoked"]').waitFor({ timeout: 10_000 })
    await page.close()
  })

  it('says token_invalid for a token the server does not know, in the board language', async () => {
    const page = await tv.context.newPage()
    await page.goto(`${base}/board/floor?token=wbd_not-a-real-token&lang=zh-CN`)
    await page.locator('[data-testid="locked"][data-code="token_invalid"]').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('locked').textContent()).toContain('此看板链接无效')
    expect(page.url()).toContain('/board/floor')
    await page.close()
  })
})
