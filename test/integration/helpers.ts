// Builds a real app against the test run's redis-server, isolated by a random key prefix.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { inject } from 'vitest'
import { buildApp } from '../../server/app.js'
import { type Config, loadConfig } from '../../server/config.js'

export const TEST_KEY = 'test-key-0123456789abcdef'

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ WALLBOARD_TIMEZONE: 'Asia/Shanghai', WALLBOARD_API_KEY: TEST_KEY, HOST: '127.0.0.1', PORT: '0' }),
    redisPrefix: `test:${randomBytes(6).toString('hex')}:`,
    ...overrides,
  }
}

export async function testApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(overrides), redisUrl: inject('redisUrl'), logger: false })
  await app.ready()
  return app
}

export const auth = { authorization: `Bearer ${TEST_KEY}` }
