// The TV board at 1920×1080 and 3840×2160 with 12 queues: everything fits without scrolling, every
// card is whole on screen, and no figure is drawn smaller than the minimum this project holds to
// (README: service level 5 % of the screen height, other figures 2 %, labels 0.9 %); a board with
// every tile pages by itself rather than go below it. Screenshots for the README.
import { mkdirSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { BOARD_TILE_IDS } from '../../shared/admin.js'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { buildApp } from '../../server/app.js'
import { TEST_KEY, testConfig } from '../integration/helpers.js'
import { launchBrowser } from './browser.js'

let app: FastifyInstance
let base: string
let token: string
let everyTileToken: string

beforeAll(async () => {
  const config = testConfig()
  app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false })
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  const now = Date.now()
  const events: object[] = []
  for (let q = 0; q < 12; q++) {
    const queue = `Queue ${String.fromCharCode(65 + q)}`
    for (let c = 0; c < 40; c++) {
      const callId = `${q}-${c}`
      const at = now - 3_600_000 + c * 60_000
      events.push({ id: `${callId}-q`, type: 'call.queued', ts: at, callId, queue })
      if (c % 7 === 0) events.push({ id: `${callId}-x`, type: 'call.abandoned', ts: at + 50_000, callId, queue })
      else if (c < 38)
        events.push({
          id: `${callId}-a`,
          type: 'call.answered',
          ts: at + (c % 4) * 9_000,
          callId,
          queue,
          agent: `a${q}-${c % 5}`,
        })
    }
  }
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  expect(res.status).toBe(200)
  await app.aggregator.drain()
  token = (await app.displayTokens.create({ name: 'layout TV', boardId: 'floor', createdBy: 'test' })).secret
  await app.boards.create({ id: 'every-tile', name: 'Every tile', allQueues: true, display: { tiles: [...BOARD_TILE_IDS] } })
  everyTileToken = (await app.displayTokens.create({ name: 'every tile', boardId: 'every-tile', createdBy: 'test' })).secret
})
afterAll(async () => {
  await app?.close()
})

interface Measure {
  scrollW: number
  scrollH: number
  cards: number
  cardsInside: number
  minFigurePx: number
  minLabelPx: number
  slPx: number
}

describe('the board layout', () => {
  for (const [width, height, board] of [
    [1920, 1080, 'floor'],
    [3840, 2160, 'floor'],
    [1920, 1080, 'every-tile'],
  ] as const) {
    const everyTile = board === 'every-tile'
    const title = everyTile
      ? `pages by itself rather than shrink a card with every tile below the minimum, on ${width}×${height}`
      : `fits 12 queues on ${width}×${height} without scrolling, with figures it can read`
    it(title, async () => {
      const browser = await launchBrowser({ width, height })
      try {
        const page = await browser.context.newPage()
        await page.goto(`${base}/board/${board}?token=${everyTile ? everyTileToken : token}`)
        await page.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
        if (everyTile) await expect.poll(() => page.getByTestId('page').textContent()).toMatch(/1\/[2-9]/)
        else await expect.poll(() => page.locator('article[data-testid^="queue-"]').count()).toBe(12)
        await page.waitForTimeout(300)
        const m = await page.evaluate((): Measure => {
          // The few DOM shapes used here (this project's Node type check has no DOM library).
          type El = {
            getBoundingClientRect(): { left: number; top: number; right: number; bottom: number }
            textContent: string | null
          }
          type Win = {
            innerWidth: number
            innerHeight: number
            getComputedStyle(e: El): { fontSize: string }
            document: {
              querySelectorAll(q: string): Iterable<El>
              documentElement: { scrollWidth: number; scrollHeight: number }
            }
          }
          const w = globalThis as unknown as Win
          const d = w.document
          const cards = [...d.querySelectorAll('article[data-testid^="queue-"]')]
          const inside = cards.filter((c) => {
            const r = c.getBoundingClientRect()
            return r.left >= 0 && r.top >= 0 && r.right <= w.innerWidth + 0.5 && r.bottom <= w.innerHeight + 0.5
          })
          const px = (sel: string) =>
            Math.min(
              ...[...d.querySelectorAll(sel)]
                .filter((e) => (e.textContent ?? '').trim() !== '')
                .map((e) => parseFloat(w.getComputedStyle(e).fontSize)),
            )
          return {
            scrollW: d.documentElement.scrollWidth - w.innerWidth,
            scrollH: d.documentElement.scrollHeight - w.innerHeight,
            cards: cards.length,
            cardsInside: inside.length,
            minFigurePx: px('article .value'),
            slPx: px('article [data-testid="sl"]'),
            minLabelPx: px('article .label, article .name'),
          }
        })
        expect(m.scrollW).toBeLessThanOrEqual(0)
        expect(m.scrollH).toBeLessThanOrEqual(0)
        expect(m.cardsInside).toBe(everyTile ? m.cards : 12)
        if (everyTile) expect(m.cards).toBeGreaterThanOrEqual(4)
        // The minimum held to (README, "Boards"): service level 5 %, every other figure 2 %, every label 0.9 % of the height.
        expect(m.slPx).toBeGreaterThanOrEqual(0.05 * height)
        expect(m.minFigurePx).toBeGreaterThanOrEqual(0.02 * height)
        expect(m.minLabelPx).toBeGreaterThanOrEqual(0.009 * height)
        expect(
          await page
            .locator('.board')
            .evaluate(
              (e) => (globalThis as unknown as { getComputedStyle(x: unknown): { cursor: string } }).getComputedStyle(e).cursor,
            ),
        ).toBe('none')
        console.log(
          `${board} ${width}×${height}, ${m.cards} queues on a page: service level ${m.slPx.toFixed(1)} px, smallest figure ${m.minFigurePx.toFixed(1)} px, smallest label ${m.minLabelPx.toFixed(1)} px`,
        )
        // For the README: WALLBOARD_SCREENSHOTS=test/e2e/screenshots npx vitest run --project e2e test/e2e/layout.test.ts
        const dir = process.env['WALLBOARD_SCREENSHOTS']
        if (dir) {
          mkdirSync(dir, { recursive: true })
          await page.screenshot({ path: `${dir}/board-${everyTile ? 'every-tile' : '12-queues'}-${width}x${height}.png` })
        }
      } finally {
        await browser.close()
      }
    })
  }
})
