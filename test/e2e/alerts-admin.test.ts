// The alert admin page in a real headless Chromium: an admin adds a signed webhook channel (a local
// receiver), sees its secret masked, sends it a test; writes a rule whose levels are in the wrong
// order and sees the server's reason next to the field, fixes it, and "sends a test alert" of the
// rule, which arrives at the receiver signed and naming the rule.
import { createHmac } from 'node:crypto'
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, login, testApp } from '../integration/helpers.js'
import { launchBrowser, logIn } from './browser.js'

const SECRET = 'a-webhook-secret-of-some-length'
let app: FastifyInstance
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let receiver: Server
let hookUrl: string
let base: string
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  // a token in the query, as chat webhooks carry theirs: the page must never show it
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=tok-0123456789abcdef`
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
  await logIn(browser.context, base, 'admin', ADMIN_PASSWORD)
  page = await browser.context.newPage()
  await page.goto(`${base}/admin/alerts`)
  await page.getByTestId('channel-form').waitFor({ timeout: 15_000 })
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
  receiver?.close()
})

describe('the alert admin page', () => {
  it('adds a signed webhook channel, shows its URL masked, and sends it a test', async () => {
    await page.getByTestId('channel-type').selectOption('webhook')
    await page.getByTestId('channel-name').fill('Ops hook')
    await page.getByTestId('channel-url').fill(hookUrl)
    await page.getByTestId('channel-secret').fill('short')
    await page.getByTestId('channel-create').click()
    await expect.poll(() => page.getByTestId('channel-error-secret').textContent(), { timeout: 5_000 }).toContain('16')
    await page.getByTestId('channel-secret').fill(SECRET)
    await page.getByTestId('channel-create').click()
    const row = page.getByTestId('channel-row').first()
    await row.waitFor({ timeout: 5_000 })
    expect(await row.textContent()).toContain('/hook?token=••••cdef')
    expect(await page.content()).not.toContain('tok-0123456789abcdef')
    expect(await page.content()).not.toContain(SECRET)
    await row.getByTestId('channel-test').click()
    await expect.poll(() => row.getByTestId('channel-outcome').textContent(), { timeout: 10_000 }).toBe('delivered')
    expect(received).toHaveLength(1)
  })

  it('refuses levels in the wrong order next to the field, then saves the rule and sends its test alert', async () => {
    await page.getByTestId('rule-name').fill('Queue backlog')
    await page.getByTestId('rule-warn').fill('10')
    await page.getByTestId('rule-critical').fill('5')
    await page.locator('input[name="channels"]').first().check()
    await page.getByTestId('rule-save').click()
    await expect.poll(() => page.getByTestId('rule-error-critical').textContent(), { timeout: 5_000 }).toContain('above warn')
    await page.getByTestId('rule-critical').fill('20')
    await page.getByTestId('rule-save').click()
    await page.getByTestId('rule-notice').waitFor({ timeout: 5_000 })
    const rule = page.getByTestId('rule-row').first()
    await rule.waitFor({ timeout: 5_000 })
    expect(await rule.textContent()).toContain('Queue backlog')
    await rule.getByTestId('rule-test').click()
    await expect.poll(() => rule.getByTestId('rule-outcome').textContent(), { timeout: 10_000 }).toContain('delivered')
    const last = received[received.length - 1]!
    expect(last.body).toContain('Queue backlog')
    const ts = String(last.headers['x-wallboard-timestamp'])
    const expected = createHmac('sha256', SECRET).update(`${ts}.${last.body}`).digest('hex')
    expect(last.headers['x-wallboard-signature']).toBe(`sha256=${expected}`)
  })

  it('lets a team lead route a rule of their team to a channel they see by name only', async () => {
    const admin = await login(app)
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.headers,
      payload: { username: 'lin', password: 'lin-password-long', role: 'teamlead', teams: ['A'] },
    })
    expect(created.statusCode).toBe(201)
    const lead = await launchBrowser()
    try {
      await logIn(lead.context, base, 'lin', 'lin-password-long')
      const p = await lead.context.newPage()
      await p.goto(`${base}/admin/alerts`)
      await p.getByTestId('rule-form').waitFor({ timeout: 15_000 })
      await p.locator('input[name="channels"]').first().waitFor({ timeout: 5_000 })
      expect(await p.getByTestId('channel-form').count()).toBe(0)
      expect(await p.content()).not.toContain('/hook')
      await p.getByTestId('rule-name').fill('Team A backlog')
      await p.getByTestId('rule-warn').fill('5')
      await p.locator('input[name="channels"]').first().check()
      // another team's queue is refused, naming the scope
      await p.getByTestId('rule-scope').selectOption('team')
      await p.getByTestId('rule-scope-id').fill('B')
      await p.getByTestId('rule-save').click()
      await expect.poll(() => p.getByTestId('rule-error-scope').textContent(), { timeout: 5_000 }).toContain('own teams')
      await p.getByTestId('rule-scope-id').fill('A')
      await p.getByTestId('rule-save').click()
      await p.getByTestId('rule-notice').waitFor({ timeout: 5_000 })
      await expect.poll(() => p.getByTestId('rule-row').count()).toBe(1)
    } finally {
      await lead.close()
    }
  })
})
