// A board says which event sources feed it and when each was last heard, and goes visibly stale,
// naming the source, when one stays silent past its limit; it is live again as soon as the source
// sends. In a real headless Chromium on a TV link.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, auth, postEvents, testApp } from '../integration/helpers.js'
import { launchBrowser, logIn } from './browser.js'

let app: FastifyInstance
let browser: Awaited<ReturnType<typeof launchBrowser>>
let tv: Page
let base: string

beforeAll(async () => {
  app = await testApp({ sourceQuietSec: 4 })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const now = Date.now()
  await postEvents(app, [
    // agent states first: enough events for the source to be judged (JUDGED_AFTER_EVENTS)
    ...Array.from({ length: 19 }, (_, i) => ({
      id: `a${i}`,
      type: 'agent.state',
      ts: now - 1_000 + i,
      agent: `x${i}`,
      state: 'available',
      source: 'pbx-sh',
    })),
    { id: 'e1', type: 'call.queued', ts: now, callId: 'c1', queue: 'east', source: 'pbx-sh' },
  ])
  const token = (await app.displayTokens.create({ name: 'tv', boardId: 'floor', createdBy: 'test' })).secret
  browser = await launchBrowser()
  tv = await browser.context.newPage()
  await tv.goto(`${base}/board/floor?token=${token}`)
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

describe('sources on the board', () => {
  it('shows each source that feeds the board, with when it was last heard', async () => {
    await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
    await expect.poll(() => tv.getByTestId('sources').textContent(), { timeout: 5_000 }).toMatch(/pbx-sh \d+(\.\d)? s/)
  })

  it('goes stale naming the source once it is silent past its limit, and live when it sends again', async () => {
    await tv.locator('[data-testid="board"][data-state="stale"]').waitFor({ timeout: 10_000 })
    const reason = tv.getByTestId('stale-reason')
    expect(await reason.getAttribute('data-reason')).toBe('source')
    expect(await reason.textContent()).toContain('pbx-sh')
    await postEvents(app, [{ id: 'e2', type: 'call.abandoned', ts: Date.now(), callId: 'c1', queue: 'east', source: 'pbx-sh' }])
    await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 5_000 })
  })

  it('lets an admin see the sources and let one rest, with the reason for a wrong limit in its row', async () => {
    const admin = await browser.context.newPage()
    await logIn(browser.context, base, 'admin', ADMIN_PASSWORD)
    await admin.goto(`${base}/admin/screens`)
    const row = admin.locator('[data-testid="source-row"][data-source="pbx-sh"]')
    await row.waitFor({ timeout: 10_000 })
    expect(await row.textContent()).toContain('east')
    await row.getByTestId('source-limit').fill('0')
    await row.getByTestId('source-save').click()
    await expect.poll(() => row.getByTestId('source-error').textContent(), { timeout: 5_000 }).toContain('1')
    await row.getByTestId('source-limit').fill('')
    await row.getByTestId('source-save').click()
    await expect
      .poll(async () => (await app.inject({ url: '/api/v1/sources', headers: auth })).json().sources[0].quietAfterSec)
      .toBeNull()
    // silent for longer than the default 4 s, and the board stays live
    await new Promise((r) => setTimeout(r, 6_000))
    expect(await tv.getByTestId('board').getAttribute('data-state')).toBe('live')
  })

  it('goes stale naming a source whose link is down, shows the link on the admin page, and is live when it is back', async () => {
    const report = (connected: boolean) => ({
      kind: 'queue_log',
      connected,
      target: '/var/log/asterisk/queue_log',
      since: Date.now(),
      lastEventAt: Date.now(),
      linesPerMin: 120,
      eventsPerMin: 90,
      lines: 5000,
      events: 3750,
      pending: 0,
      skipped: { QUEUESTART: 1, DID: 12 },
      problems: { truncated: 2 },
      recentProblems: [{ line: '1772413211|1772413210.501|sales|PJSIP/20', reason: 'truncated' }],
      error: connected ? null : 'permission denied reading /var/log/asterisk/queue_log',
    })
    const put = (connected: boolean) =>
      app.inject({ method: 'PUT', url: '/api/v1/sources/pbx-sh/link', headers: auth, payload: report(connected) })
    expect((await put(false)).statusCode).toBe(204)
    await tv.locator('[data-testid="board"][data-state="stale"]').waitFor({ timeout: 10_000 })
    expect(await tv.getByTestId('stale-reason').textContent()).toContain('pbx-sh (link down)')

    const admin = await browser.context.newPage()
    await admin.goto(`${base}/admin/screens`)
    const row = admin.locator('[data-testid="source-row"][data-source="pbx-sh"]')
    await row.getByTestId('source-down').waitFor({ timeout: 10_000 })
    const link = row.getByTestId('source-link')
    expect(await link.innerText()).toContain('queue_log /var/log/asterisk/queue_log')
    expect(await link.getByTestId('link-error').textContent()).toContain('permission denied')
    expect(await link.getByTestId('link-skipped').textContent()).toBe('skipped: DID 12, QUEUESTART 1')
    expect(await link.getByTestId('link-problems').textContent()).toBe('problems: truncated 2')

    expect((await put(true)).statusCode).toBe(204)
    await tv.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 10_000 })
    await row.getByTestId('source-down').waitFor({ state: 'detached', timeout: 10_000 })
    expect(await link.innerText()).toContain('120 lines/min · 90 events/min')
  })
})
