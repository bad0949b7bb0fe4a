// API keys for integrators: random, shown once, stored only as a SHA-256 hash (keys are 256-bit
// random, so a fast hash is enough; passwords get scrypt). WALLBOARD_API_KEY is a bootstrap key
// that is never stored. Lookups are cached for a few seconds so ingest does not pay a Redis trip.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Keys } from '../store/keys.js'

export const SCOPES = ['ingest', 'read'] as const
export type Scope = (typeof SCOPES)[number]

export interface ApiKeyInfo {
  id: string
  name: string
  scopes: Scope[]
  createdAt: number
}

const CACHE_MS = 5_000

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function generateKey(): string {
  return `wbk_${randomBytes(32).toString('base64url')}`
}

export class ApiKeys {
  /** keys that live only in this process: the bootstrap key and the demo simulator's */
  private readonly memory = new Map<string, ApiKeyInfo>()
  private readonly cache = new Map<string, { info: ApiKeyInfo | null; until: number }>()

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Accepts a key kept outside Redis (WALLBOARD_API_KEY, or one minted for this process). */
  addInMemory(key: string, info: Omit<ApiKeyInfo, 'createdAt'>): void {
    this.memory.set(hashKey(key), { ...info, createdAt: Date.now() })
  }

  /** Mints a key that is valid until this process ends (for the built-in simulator). */
  mintInMemory(name: string, scopes: Scope[]): string {
    const key = generateKey()
    this.addInMemory(key, { id: `mem-${hashKey(key).slice(0, 8)}`, name, scopes })
    return key
  }

  async create(name: string, scopes: Scope[]): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = generateKey()
    const hash = hashKey(key)
    const info: ApiKeyInfo = { id: hash.slice(0, 12), name, scopes, createdAt: Date.now() }
    await this.redis.hset(this.keys.apiKeys, hash, JSON.stringify(info))
    return { key, info }
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.keys.apiKeys)
  }

  /** The key's info, or null when it is unknown. */
  async verify(key: string): Promise<ApiKeyInfo | null> {
    const hash = hashKey(key)
    for (const [h, info] of this.memory) {
      if (timingSafeEqual(Buffer.from(h, 'hex'), Buffer.from(hash, 'hex'))) return info
    }
    const now = Date.now()
    const hit = this.cache.get(hash)
    if (hit && hit.until > now) return hit.info
    // A lookup by hash reveals nothing about the key; no timing-safe compare is needed here.
    const raw = await this.redis.hget(this.keys.apiKeys, hash)
    const info = raw ? (JSON.parse(raw) as ApiKeyInfo) : null
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(hash, { info, until: now + CACHE_MS })
    return info
  }
}
