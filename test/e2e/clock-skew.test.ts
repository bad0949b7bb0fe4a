// A source whose clock is 5 minutes off: the board it feeds shows a notice naming it and its offset,
// and stays live; the admin's sources table says "clock +5 min 0 s ahead" / "behind" in its row,
// and nothing for a source whose clock is right. In a real headless Chromium on a TV link.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOCK_MIN_SLOTS, CLOCK_SLOT_MS } from '../../shared/clock-offset.js'
import { ADMIN_PASSWORD, postEvents, testApp } from '../integration/helpers.js'
import { launchBrowser, logIn } from './browser.js'

let app: FastifyInstance
let browser: Awaited<ReturnType<typeof launchBrowser>>
let tv: Page
let base: string

const SOURCES = { 'pbx-fast': 5 * 60_000, 'pbx-slow': -5 * 60_000, 'pbx-good': 0 }
/** "clock +5 min 0 s ahead", or a second less when storing took a moment */
const OFFSET_TEXT = (dir: '+' | '−', word: string) => new RegExp(`clock \\${dir}(5 min 0|4 min 59) s ${word}`)

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const token = (await app.displayTokens.create({ name: 'tv', boardId: 'floor', createdBy: 'test' })).secret
  browser = await launchBrowser()
  tv = await browser.context.newPage()
  await tv.goto(`${base}/board/floor?token=${token}`)
  // Each source sends in enough slots of stored time for its clock to be judged, each event
  // stamped with its own clock as it is sent.
  for (let slot = 0; slot < CLOCK_MIN_SLOTS; slot++) {
    if (slot > 0) await new Promise((r) => setTimeout(r, CLOCK_SLOT_MS + 100))
    await postEvents(
      app,
      Object.entries(SOURCES).map(([source, offset], i) => ({
        id: `${source}-${slot}`,
        type: 'call.queued',
        ts: Date.now() + offset,
        callId: `${source}-c${slot}`,
        queue: ['east', 'west', 'north'][i],
        source,
      })),
    )
  }
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

describe('a source clock 5 minutes off', () => {
  it('shows a notice on the board naming each skewed source and its offset, and the board stays live', async () => {
    const notice = tv.getByTestId('clock-notice')
    await notice.waitFor({ timeout: 15_000 })
    expect(await notice.getAttribute('data-sources')).toBe('pbx-fast pbx-slow')
    const named = (await tv.getByTestId('clock-notice-sources').textContent()) ?? ''
    expect(named).toMatch(new RegExp(`pbx-fast ${OFFSET_TEXT('+', 'ahead').source}`))
    expect(named).toMatch(new RegExp(`pbx-slow ${OFFSET_TEXT('−', 'behind').source}`))
    expect(named).not.toContain('pbx-good')
    expect(await tv.getByTestId('board').getAttribute('data-state')).toBe('live')
  })

  it("says so in the admin's sources table, in the skewed sources' rows only", async () => {
    await logIn(browser.context, base, 'admin', ADMIN_PASSWORD)
    const admin = await browser.context.newPage()
    await admin.goto(`${base}/admin/screens`)
    const row = (id: string) => admin.locator(`[data-testid="source-row"][data-source="${id}"]`)
    await row('pbx-fast').getByTestId('source-clock').waitFor({ timeout: 10_000 })
    expect(await row('pbx-fast').getByTestId('source-clock').textContent()).toMatch(OFFSET_TEXT('+', 'ahead'))
    expect(await row('pbx-slow').getByTestId('source-clock').textContent()).toMatch(OFFSET_TEXT('−', 'behind'))
    expect(await row('pbx-good').getByTestId('source-clock').count()).toBe(0)
  })
})
