// From the supervisor's interval chart to the calls behind it, in a real headless Chromium against
// a real server and Redis: a click on an interval of the service-level chart opens the drill-down of
// that interval's calls that missed service level, and its heading names the interval.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { ADMIN_PASSWORD, TEST_KEY, testConfig, zoneAtHour } from '../integration/helpers.js'
import { launchBrowser, logIn } from './browser.js'

const HOUR = 3_600_000
const HALF_HOUR = 30 * 60_000

const started = Date.now()
// It is between 14:00 and 15:00 in the centre's zone: the last two closed intervals are today's.
const { zone } = zoneAtHour(14, started)
// Two closed half-hour intervals (whole-hour offsets: intervals are UTC half hours).
const P = Math.floor((started - HOUR) / HALF_HOUR) * HALF_HOUR
const Q = P + HALF_HOUR

let app: FastifyInstance
let base: string
let browser: Awaited<ReturnType<typeof launchBrowser>>

function call(id: string, at: number, waitSec: number, outcome: 'answered' | 'abandoned' = 'answered') {
  const end =
    outcome === 'answered'
      ? { id: `${id}-a`, type: 'call.answered', ts: at + waitSec * 1000, callId: id, queue: 'echo', agent: 'zhao' }
      : { id: `${id}-x`, type: 'call.abandoned', ts: at + waitSec * 1000, callId: id, queue: 'echo' }
  return [{ id: `${id}-q`, type: 'call.queued', ts: at, callId: id, queue: 'echo', caller: `tel-${id}` }, end]
}

beforeAll(async () => {
  const config = testConfig({ timezone: zone })
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      // P: e1 answered after 40 s and e2 abandoned after 30 s missed SL 80/20; e3 met it.
      ...call('e1', P + 60_000, 40),
      ...call('e2', P + 120_000, 30, 'abandoned'),
      ...call('e3', P + 200_000, 5),
      // Q: f1 answered after 50 s.
      ...call('f1', Q + 60_000, 50),
    ]),
  })
  expect(res.status).toBe(200)
  await app.aggregator.drain()
  browser = await launchBrowser()
  await logIn(browser.context, base, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

/** Clicks the service-level chart over the column of the interval that starts at `from`. */
async function clickInterval(page: Page, from: number): Promise<void> {
  const canvas = page.getByTestId('chart-sl')
  const starts = ((await canvas.getAttribute('data-intervals')) ?? '').split(',')
  const index = starts.indexOf(String(from))
  expect(index, `interval ${from} in ${starts.join(',')}`).toBeGreaterThanOrEqual(0)
  const box = (await canvas.boundingBox())!
  // The columns share the plot's width, right of the y axis' labels (about 35 px).
  const left = 35
  const x = left + ((index + 0.5) * (box.width - left)) / starts.length
  await canvas.click({ position: { x, y: box.height * 0.6 } })
}

const rows = (page: Page) =>
  page
    .getByTestId('calls-panel')
    .locator('[data-testid="call-row"]')
    .evaluateAll((els) => els.map((r) => r.getAttribute('data-call')))

describe('the interval chart’s drill-down', () => {
  it('lists the calls that missed service level in the interval clicked, and names it', async () => {
    const page = await browser.context.newPage()
    await page.goto(`${base}/supervisor?lang=en`)
    await page.getByTestId('row-echo').waitFor({ timeout: 15_000 })
    await page.getByTestId('chart-queue').selectOption('echo')
    await expect
      .poll(async () => Number(await page.getByTestId('interval-charts').getAttribute('data-points')), { timeout: 10_000 })
      .toBe(2)

    await clickInterval(page, P)
    const panel = page.getByTestId('calls-panel')
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual(['e2', 'e1'])
    expect(await panel.getAttribute('data-kind')).toBe('missed-sl')
    expect(Number(await panel.getAttribute('data-from'))).toBe(P)
    expect(Number(await panel.getAttribute('data-to'))).toBe(Q)
    const hhmm = (ms: number) =>
      new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(ms)
    expect(await page.getByTestId('calls-title').textContent()).toBe(`Missed service level ${hhmm(P)}–${hhmm(Q)} · echo`)

    await clickInterval(page, Q)
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual(['f1'])
    expect(await page.getByTestId('calls-title').textContent()).toContain(`${hhmm(Q)}–${hhmm(Q + HALF_HOUR)}`)

    // The table's drill-down still lists the whole day.
    await page.locator('[data-testid="row-echo"] [data-testid="drill-missed-sl"]').click()
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual(['f1', 'e2', 'e1'])
    expect(await page.getByTestId('calls-title').textContent()).toBe('Missed service level today · echo')
    await page.close()
  })

  it('names the interval in Chinese', async () => {
    const page = await browser.context.newPage()
    await page.goto(`${base}/supervisor?lang=zh-CN`)
    await page.getByTestId('row-echo').waitFor({ timeout: 15_000 })
    await expect
      .poll(async () => Number(await page.getByTestId('interval-charts').getAttribute('data-points')), { timeout: 10_000 })
      .toBe(2)
    await clickInterval(page, Q)
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual(['f1'])
    expect(await page.getByTestId('calls-title').textContent()).toMatch(/^\d\d:\d\d–\d\d:\d\d 未达服务水平的来电 · echo$/)
    await page.close()
  })
})
