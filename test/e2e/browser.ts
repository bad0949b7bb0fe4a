// Headless Chromium from the system (no downloaded browsers), driven by playwright-core, with a
// fresh profile directory per launch.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
/** Headless, and nothing that reaches out to the internet or a GPU. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launchBrowser(
  viewport = { width: 1920, height: 1080 },
  locale = 'en-US',
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'wallboard-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    locale,
    args: CHROMIUM_FLAGS,
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Gives the browser the session cookie of a user logged in at `base`, as after the login form. */
export async function logIn(context: BrowserContext, base: string, username: string, password: string): Promise<void> {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wb_session='))
  if (!cookie) throw new Error(`login ${username}: ${res.status}`)
  const [name, ...value] = cookie.split(';')[0]!.split('=')
  await context.addCookies([{ name: name!, value: value.join('='), url: base }])
}
