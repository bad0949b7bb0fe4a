// The first start of an empty store: an admin (from WALLBOARD_ADMIN_PASSWORD, or a generated
// one-time password), a first API key (unless WALLBOARD_API_KEY is given) and a default board
// showing every queue. Whoever creates the admin does the rest, so that several processes starting
// together do it once. Every step goes to the audit log.
//
// A data reset (the store came back empty under running processes) is a first start again, with
// what memory still holds written back first: the definition versions the figures were computed
// under (the aggregator does that before it reads on, see aggregator.ts).
import type { FastifyInstance } from 'fastify'
import type { DefinitionBook } from '../../shared/definitions.js'
import type { Keys } from '../store/keys.js'
import type { RedisClient } from '../store/redis.js'
import { generatePassword } from '../auth/passwords.js'
import { ConflictError } from '../auth/users.js'
import { SYSTEM } from './audit.js'
import { DEFAULT_BOARD_ID } from './boards.js'

export const FIRST_ADMIN = 'admin'

export interface FirstStart {
  /** the admin's password when it was generated here (to print once) */
  adminPassword: string | null
  /** the first API key when it was generated here (to print once) */
  apiKey: string | null
}

export async function bootstrap(
  app: FastifyInstance,
  opts: { adminPassword: string | null; bootstrapKey: string | null },
): Promise<FirstStart | null> {
  if ((await app.users.count()) > 0) return null
  const password = opts.adminPassword ?? generatePassword()
  try {
    const admin = await app.users.create({ username: FIRST_ADMIN, name: 'Administrator', password, role: 'admin' })
    await app.audit.record(SYSTEM, 'user.create', admin.id, { username: admin.username, role: admin.role, firstStart: true })
  } catch (err) {
    if (err instanceof ConflictError) return null // another process is bootstrapping
    throw err
  }
  let apiKey: string | null = null
  if (opts.bootstrapKey === null) {
    const { secret, record } = await app.apiKeys.create({ name: 'first key', scopes: ['ingest', 'read'], createdBy: SYSTEM.name })
    await app.audit.record(SYSTEM, 'key.create', record.id, { name: record.name, scopes: record.scopes, firstStart: true })
    apiKey = secret
  }
  if (!app.boards.get(DEFAULT_BOARD_ID)) {
    const board = await app.boards.create({ id: DEFAULT_BOARD_ID, name: 'Floor', allQueues: true })
    await app.audit.record(SYSTEM, 'board.create', board.id, { ...board, firstStart: true })
  }
  return { adminPassword: opts.adminPassword === null ? password : null, apiKey }
}

/** Writes every definition version of `book` back into a store that lost them (a data reset). */
export async function restoreDefinitions(redis: RedisClient, keys: Keys, book: DefinitionBook): Promise<void> {
  const args: string[] = []
  for (const set of book.history) args.push(String(set.version), JSON.stringify(set))
  await redis.hset(keys.definitions, ...args)
}

/**
 * After a data reset: the first-start steps again (the admin from WALLBOARD_ADMIN_PASSWORD or a
 * generated password, the first key, the default board), recorded in the new audit log with the
 * reset. The board list in memory is re-read first: it still names the boards the store lost.
 */
export async function bootstrapAfterReset(
  app: FastifyInstance,
  opts: { adminPassword: string | null; bootstrapKey: string | null },
): Promise<FirstStart | null> {
  await app.boards.refresh()
  const first = await bootstrap(app, opts)
  // Once, by the process that re-created the admin.
  if (first !== null)
    await app.audit.record(SYSTEM, 'store.reset', app.storeWatch.reset?.epoch ?? 'store', { reset: app.storeWatch.reset })
  return first
}
