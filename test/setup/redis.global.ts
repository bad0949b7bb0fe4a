// One real redis-server for the whole test run, on a free loopback port, in a temporary
// directory. Test files isolate themselves with a random key prefix (see test/integration/helpers.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startRedisServer } from '../../server/store/redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-test-redis-'))
  const redis = await startRedisServer({ dir })
  project.provide('redisUrl', redis.url)
  return async () => {
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
