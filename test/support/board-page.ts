// A TV board in a real headless Chromium, as the fault tests drive it: the browser app built as
// `npm start` builds it (into a directory of the test's own, so a test never serves another's
// build), the board opened with its display link, and what it renders read back: every figure of
// every queue card, as text, and whether the board calls itself live or stale, and why.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, type CDPSession, type Page, chromium } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll } from 'vitest'
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/browser.js'

/** Builds the browser app into a fresh directory, for a server's WALLBOARD_WEB_DIR. */
export async function buildWeb(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-web-'))
  await build({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir: dir, emptyOutDir: true } })
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Opens the TV board `board` at `base` with its display link, once it shows live figures. */
export async function openBoard(context: BrowserContext, base: string, token: string, board = 'floor'): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${base}/board/${board}?token=${token}&lang=en`)
  await page.locator('[data-testid="board"][data-state="live"]').waitFor({ timeout: 15_000 })
  return page
}

/** What a board shows of each queue: every figure by its test id, in the board's order. */
export type Rendered = Array<{ queue: string; figures: Record<string, string> }>

/** The few DOM shapes read here (this project's Node type check has no DOM library). */
interface El {
  textContent: string | null
  dataset: Record<string, string | undefined>
  querySelector(q: string): El | null
  querySelectorAll(q: string): Iterable<El>
}

export function rendered(page: Page): Promise<Rendered> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: El }).document
    return [...d.querySelectorAll('article[data-testid^="queue-"]')].map((card) => {
      const figures: Record<string, string> = {}
      for (const el of card.querySelectorAll('[data-testid]')) {
        const text = el.textContent?.trim() ?? ''
        // A level (amber, red) is part of what a figure shows.
        figures[el.dataset['testid']!] = el.dataset['level'] === undefined ? text : `${text} [${el.dataset['level']}]`
      }
      return { queue: card.dataset['testid']!.slice('queue-'.length), figures }
    })
  })
}

/** Whether the board calls itself live or stale (and why, as its banner says). */
export function boardState(page: Page): Promise<{ state: string | null; reason: string | null; banner: string | null }> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: El }).document
    return {
      state: d.querySelector('[data-testid="board"]')?.dataset['state'] ?? null,
      reason: d.querySelector('[data-testid="stale-reason"]')?.dataset['reason'] ?? null,
      banner: d.querySelector('[data-testid="stale"]')?.textContent?.trim() ?? null,
    }
  })
}

/** The figures `b` renders that `a` renders otherwise (or not), but for the longest wait, which ticks (and a stale board holds). */
export function differing(a: Rendered, b: Rendered): string[] {
  const out: string[] = []
  for (const q of b) {
    const other = a.find((x) => x.queue === q.queue)
    for (const [id, text] of Object.entries(q.figures))
      if (id !== 'longest-wait' && other?.figures[id] !== text) out.push(`${q.queue}/${id}`)
  }
  return out
}

/**
 * Waits until two boards render the same figures, read from both at once (a longest wait ticks
 * every second, so reads a second apart may differ); resolves to the figures.
 */
export async function untilSame(a: Page, b: Page, timeoutMs: number): Promise<Rendered> {
  const deadline = Date.now() + timeoutMs
  let last: [Rendered, Rendered]
  for (;;) {
    last = await Promise.all([rendered(a), rendered(b)])
    if (last[0].length > 0 && JSON.stringify(last[0]) === JSON.stringify(last[1])) return last[0]
    if (Date.now() > deadline)
      throw new Error(`the boards still differ after ${timeoutMs} ms:\n${JSON.stringify(last[0])}\n${JSON.stringify(last[1])}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface TvBrowser {
  context: BrowserContext
  /** hides and freezes a page, as a browser does to a background tab (and a TV to a tab nobody looks at) */
  freeze(page: Page): Promise<void>
  /** resumes a frozen page and shows it again, as a user coming back to the tab does */
  resume(page: Page): Promise<void>
  close(): Promise<void>
}

/**
 * Headless Chromium with a fresh profile, attached over CDP rather than launched by Playwright:
 * Playwright keeps every page it launches focused and visible (its focus emulation holds the tab
 * as if captured), which a hidden or frozen tab is not. Attached with `noDefaults`, the pages of
 * the browser's own context hide and freeze as a real browser's do.
 */
export async function launchTvBrowser(): Promise<TvBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'wallboard-chromium-'))
  const child = spawn(
    CHROMIUM,
    [...CHROMIUM_FLAGS, '--window-size=1920,1080', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${err}`)), 30_000)
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString()
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}): ${err}`)))
    })
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true })
    const context = browser.contexts()[0]
    if (!context) throw new Error('Chromium has no default context')
    const sessions = new Map<Page, CDPSession>()
    const session = async (page: Page) => {
      let s = sessions.get(page)
      if (!s) sessions.set(page, (s = await context.newCDPSession(page)))
      return s
    }
    return {
      context,
      async freeze(page) {
        // Freezing hides the page first (visibilitychange, then freeze): its timers, tasks and socket events stop.
        await (await session(page)).send('Page.setWebLifecycleState', { state: 'frozen' })
      },
      async resume(page) {
        const s = await session(page)
        await s.send('Page.setWebLifecycleState', { state: 'active' })
        // Shown again: focus emulation holds the page visible, as the tab in front is.
        await s.send('Emulation.setFocusEmulationEnabled', { enabled: true })
      },
      async close() {
        // Attached, not launched: Playwright only detaches, so the browser is asked to quit, and killed if it does not.
        await (await browser.newBrowserCDPSession()).send('Browser.close').catch(() => undefined)
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await gone
        clearTimeout(killer)
        await browser.close().catch(() => undefined)
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
      },
    }
  } catch (err) {
    child.kill('SIGKILL')
    await gone
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    throw err
  }
}

/**
 * For a test file: the browser app built and a TV browser launched before its tests, both gone
 * after. The fields are set once `beforeAll` has run.
 */
export function useTvBrowser(): { web: { dir: string; remove(): void }; browser: TvBrowser } {
  const held = {} as { web: { dir: string; remove(): void }; browser: TvBrowser }
  beforeAll(async () => {
    held.web = await buildWeb()
    held.browser = await launchTvBrowser()
  })
  afterAll(async () => {
    try {
      await held.browser?.close()
    } finally {
      held.web?.remove()
    }
  })
  return held
}
