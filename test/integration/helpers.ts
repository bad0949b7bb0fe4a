// Builds a real app against the test run's redis-server, isolated by a random key prefix, with
// the first start done (an admin, the default board), and logs users in as a browser would.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { inject } from 'vitest'
import { bootstrap } from '../../server/admin/bootstrap.js'
import { type AppOptions, buildApp } from '../../server/app.js'
import { type Config, loadConfig } from '../../server/config.js'

export const TEST_KEY = 'test-key-0123456789abcdef'
export const ADMIN_PASSWORD = 'admin-password-for-tests'

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      WALLBOARD_TIMEZONE: 'Asia/Shanghai',
      WALLBOARD_API_KEY: TEST_KEY,
      WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HOST: '127.0.0.1',
      PORT: '0',
    }),
    redisPrefix: `test:${randomBytes(6).toString('hex')}:`,
    ...overrides,
  }
}

/**
 * A zone with a whole-hour offset (`Etc/GMT…`) where the local hour at `nowMs` is `hour`: tests that
 * need "this morning" or "an hour ago, today" whatever the time they run at. Its intervals are UTC half hours.
 */
export function zoneAtHour(hour: number, nowMs: number): { zone: string; offsetHours: number } {
  let offset = hour - new Date(nowMs).getUTCHours()
  if (offset > 14) offset -= 24
  if (offset < -12) offset += 24
  return { zone: offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`, offsetHours: offset }
}

export async function testApp(
  overrides: Partial<Config> = {},
  options: Pick<AppOptions, 'alertClock' | 'logger'> = {},
): Promise<FastifyInstance> {
  const config = testConfig(overrides)
  const app = await buildApp({ config, redisUrl: inject('redisUrl'), logger: false, ...options })
  await app.ready()
  await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })
  return app
}

export const auth = { authorization: `Bearer ${TEST_KEY}` }

/** Posts events with the test key and waits until the figures include them; any refusal fails. */
export async function postEvents(app: FastifyInstance, events: object[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: events })
  if (res.statusCode !== 200 || res.json().rejected.length > 0) throw new Error(`events refused: ${res.body}`)
  await app.aggregator.drain()
}

/** A logged-in browser: its session cookie and CSRF token, as headers for app.inject. */
export interface Browser {
  cookie: string
  csrf: string
  headers: { cookie: string; 'x-csrf-token': string }
}

export function sessionCookieOf(res: LightMyRequestResponse): string {
  const set = res.headers['set-cookie']
  const line = (Array.isArray(set) ? set : [set ?? '']).find((c) => c.startsWith('wb_session='))
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(set)}`)
  return line.split(';')[0]!
}

export async function login(app: FastifyInstance, username = 'admin', password = ADMIN_PASSWORD): Promise<Browser> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`)
  const cookie = sessionCookieOf(res)
  const csrf = res.json().csrfToken as string
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } }
}
