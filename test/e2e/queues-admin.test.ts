// Queue settings from the admin page, in a real headless Chromium: a name, a team and a site are
// saved per queue (the board shows the new name live); a name too long is refused next to its field.
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
let page: Page

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      { id: 'n1', type: 'call.queued', ts: Date.now() - 5_000, callId: 'n1', queue: 'q-north' },
      {
        id: 'n2',
        type: 'agent.state',
        ts: Date.now() - 5_000,
        agent: 'sip-2001',
        name: 'SIP/2001',
        state: 'available',
        queues: ['q-north'],
      },
    ]),
  })
  await app.aggregator.drain()
  browser = await launchBrowser()
  page = await browser.context.newPage()
  await page.goto(`${base}/login?next=/admin/queues`)
  await page.getByTestId('login-username').fill('admin')
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
  await page.getByTestId('login-password').press('Enter')
  await page.waitForURL((u) => u.pathname === '/admin/queues', { timeout: 10_000 })
  await page.getByTestId('queue-q-north').waitFor({ timeout: 10_000 })
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

describe('queue settings', () => {
  const row = () => page.getByTestId('queue-q-north')

  it('refuses a name that is too long, next to the field', async () => {
    await row().getByTestId('input-name').fill('x'.repeat(201))
    await row().getByTestId('save').click()
    await expect.poll(() => row().getByTestId('error-name').textContent(), { timeout: 5_000 }).toMatch(/200/)
  })

  it('gives an agent a display name over the one its events carry, and takes it back', async () => {
    const agent = page.getByTestId('agent-sip-2001')
    await agent.waitFor({ timeout: 10_000 })
    const nameOf = async () => {
      const res = await fetch(`${base}/api/v1/agents`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
      return ((await res.json()) as { agents: Array<{ id: string; name: string }> }).agents.find((a) => a.id === 'sip-2001')?.name
    }
    expect(await nameOf()).toBe('SIP/2001')
    await agent.getByTestId('agent-name').fill('Zhang Wei 张伟')
    await agent.getByTestId('save-agent').click()
    await agent.getByTestId('agent-saved').waitFor({ timeout: 5_000 })
    expect(await nameOf()).toBe('Zhang Wei 张伟')
    await agent.getByTestId('agent-name').fill('')
    await agent.getByTestId('save-agent').click()
    await expect.poll(nameOf, { timeout: 5_000 }).toBe('SIP/2001')
  })

  it('saves a name, a team and a site, and the board shows the name live', async () => {
    const board = await browser.context.newPage()
    await board.goto(`${base}/board`)
    await board.getByTestId('queue-q-north').waitFor({ timeout: 10_000 })
    await row().getByTestId('input-name').fill('North 北区')
    await row().getByTestId('input-team').fill('North')
    await row().getByTestId('input-site').fill('Chengdu')
    await row().getByTestId('save').click()
    await row().getByTestId('saved').waitFor({ timeout: 5_000 })
    const res = await fetch(`${base}/api/v1/queues`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    const q = ((await res.json()) as { queues: Array<Record<string, unknown>> }).queues.find((x) => x['id'] === 'q-north')
    expect(q).toMatchObject({ name: 'North 北区', team: 'North', site: 'Chengdu' })
    await expect
      .poll(() => board.getByTestId('queue-q-north').getByTestId('queue-name').textContent(), { timeout: 10_000 })
      .toBe('North 北区')
    await board.close()
  })
})
