// What the fault tests' servers share: an ingest key and an admin password of the test file, the
// centre's time zone, whether the long variants run (`npm run test:faults`), and a server process
// started with them.
import { randomBytes } from 'node:crypto'
import { type ServerProcess, startServer } from './server-process.js'

export const KEY = `fault-key-${randomBytes(8).toString('hex')}`
export const ADMIN_PASSWORD = `fault-admin-${randomBytes(8).toString('hex')}`
export const TZ = 'Asia/Shanghai'
export const FULL = process.env['FAULTS_FULL'] === '1'

/** A server process on `redisUrl` (key prefix `wb:` unless given) with the fault tests' key, password and time zone. */
export function startFaultServer(
  redisUrl: string,
  opts: { prefix?: string; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  return startServer({
    redisUrl,
    prefix: opts.prefix ?? 'wb:',
    key: KEY,
    timezone: TZ,
    env: { WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env },
  })
}
