// API keys for integrators (`ingest` and/or `read`), and display tokens for TVs (read-only, one
// board). Both are secrets shown once and kept as hashes; WALLBOARD_API_KEY is a bootstrap key
// that lives only in memory.
import type { RedisClient } from '../store/redis.js'
import type { ApiKey, DisplayToken } from '../../shared/admin.js'
import type { ApiKeyScope } from '../../shared/auth.js'
import type { Keys } from '../store/keys.js'
import { SecretRegistry } from './secrets.js'

export type Scope = ApiKeyScope

export class ApiKeys extends SecretRegistry<ApiKey> {
  constructor(redis: RedisClient, keys: Keys) {
    super(redis, keys.apiKeys, 'wbk_')
  }

  /** A key valid until this process ends (the built-in demo simulator's). */
  mintInMemory(name: string, scopes: Scope[]): string {
    const secret = this.generate()
    this.addInMemory(secret, { id: `memory:${name}`, name, scopes, createdBy: 'system' })
    return secret
  }
}

export class DisplayTokens extends SecretRegistry<DisplayToken> {
  constructor(redis: RedisClient, keys: Keys) {
    super(redis, keys.displayTokens, 'wbd_')
  }

  /** A token valid until this process ends (the demo's TV link). */
  mintInMemory(boardId: string, name: string): string {
    const secret = this.generate()
    this.addInMemory(secret, { id: `memory:${boardId}`, name, boardId, createdBy: 'system' })
    return secret
  }
}
