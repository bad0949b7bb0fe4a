// Users, API keys and the audit log from the admin page, in a real headless Chromium: a refused
// user shows its reason next to the field; a user is created and disabled; a key is issued once
// and revoked (and then refused by the API); the audit log shows each change.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { ADMIN_PASSWORD, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
  page = await browser.context.newPage()
  await page.goto(`${base}/login?next=/admin/access`)
  await page.getByTestId('login-username').fill('admin')
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
  await page.getByTestId('login-password').press('Enter')
  await page.waitForURL((u) => u.pathname === '/admin/access', { timeout: 10_000 })
  await page.getByTestId('user-admin').waitFor({ timeout: 10_000 })
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

describe('users, keys and the audit log', () => {
  it('refuses a short password next to its field, then creates the user and disables it', async () => {
    await page.locator('#user-username').fill('lead-east')
    await page.locator('#user-password').fill('short')
    await page.locator('#user-teams').fill('East')
    await page.getByTestId('create-user-submit').click()
    await expect.poll(() => page.getByTestId('user-error-password').textContent(), { timeout: 5_000 }).toBeTruthy()
    await page.locator('#user-password').fill('a-long-enough-password')
    await page.getByTestId('create-user-submit').click()
    const row = page.getByTestId('user-lead-east')
    await row.waitFor({ timeout: 5_000 })
    expect(await row.textContent()).toContain('East')
    await row.getByTestId('toggle-user').click()
    await expect.poll(() => row.getAttribute('data-disabled'), { timeout: 5_000 }).toBe('true')
  })

  it('issues a key once, which works until it is revoked', async () => {
    await page.locator('#key-name').fill('PBX connector')
    await page.getByTestId('create-key-submit').click()
    const secret = await page.getByTestId('key-secret').inputValue()
    expect(secret).toMatch(/^wbk_/)
    const post = () =>
      fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: `k-${Date.now()}`, type: 'call.queued', ts: Date.now(), callId: 'k1', queue: 'q' }),
      })
    expect((await post()).status).toBe(200)
    await page.locator('[data-testid="key-row"][data-name="PBX connector"]').getByTestId('revoke-key').click()
    await expect
      .poll(() => page.locator('[data-testid="key-row"][data-name="PBX connector"]').getAttribute('data-revoked'), {
        timeout: 5_000,
      })
      .toBe('true')
    expect((await post()).status).toBe(401)
  })

  it('shows each change in the audit log', async () => {
    await page.reload()
    await page.getByTestId('audit-row').first().waitFor({ timeout: 10_000 })
    const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))
    for (const a of ['user.create', 'user.update', 'key.create', 'key.revoke']) expect(actions).toContain(a)
  })
})
