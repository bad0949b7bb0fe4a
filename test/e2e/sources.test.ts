// A board says which event sources feed it and when each was last heard, and goes visibly stale,
// naming the source, when one stays silent past its limit; it is live again as soon as the source
// sends. In a real headless Chromium on a TV link.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, testApp } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let browser: Awaited<ReturnType<typeof launchBrowser>>
let tv: Page

beforeAll(async () => {
  app = await testApp({ sourceQuietSec: 4 })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  await postEvents(app, [{ id: 'e1', type: 'call.queued', ts: Date.now(), callId: 'c1', queue: 'east', source: 'pbx-sh' }])
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
})
