// Secrets shown once and stored only as SHA-256 hashes: API keys and display tokens. They are
// 256-bit random values, so a fast hash suffices (passwords get scrypt). Revoked secrets keep their
// record (with `revokedAt`) so the audit trail and the "revoked" message stay possible.
// Lookups are cached briefly so a hot path (ingest, socket checks) does not pay a Redis trip.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { RedisClient } from '../store/redis.js'
import type { SecretKeys } from '../store/keys.js'

export interface SecretRecord {
  id: string
  name: string
  createdAt: number
  createdBy: string
  revokedAt: number | null
}

export const SECRET_CACHE_MS = 2_000

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export class SecretRegistry<R extends SecretRecord> {
  /** secrets that live only in this process (the bootstrap API key, the demo's keys) */
  private readonly memory = new Map<string, R>()
  private readonly cache = new Map<string, { record: R | null; until: number }>()

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: SecretKeys,
    private readonly prefix: string,
  ) {}

  generate(): string {
    return `${this.prefix}${randomBytes(32).toString('base64url')}`
  }

  /** Stores a new secret's hash and record; the secret itself is returned once and kept nowhere. */
  async create(fields: Omit<R, 'id' | 'createdAt' | 'revokedAt'>): Promise<{ secret: string; record: R }> {
    const secret = this.generate()
    const hash = hashSecret(secret)
    const record = { ...fields, id: randomUUID(), createdAt: Date.now(), revokedAt: null } as R
    await this.redis.multi().hset(this.keys.hashes, hash, JSON.stringify(record)).hset(this.keys.records, record.id, hash).exec()
    return { secret, record }
  }

  /** A secret valid only in this process, never stored. */
  addInMemory(secret: string, fields: Omit<R, 'createdAt' | 'revokedAt'>): R {
    const record = { ...fields, createdAt: Date.now(), revokedAt: null } as R
    this.memory.set(hashSecret(secret), record)
    return record
  }

  /** The secret's record (revoked ones included, with `revokedAt`), or null when unknown. */
  async lookup(secret: string): Promise<R | null> {
    const hash = hashSecret(secret)
    const inMemory = this.memory.get(hash)
    if (inMemory) return inMemory
    const now = Date.now()
    const hit = this.cache.get(hash)
    if (hit && hit.until > now) return hit.record
    // A lookup by hash reveals nothing about the secret; no constant-time compare is needed.
    const raw = await this.redis.hget(this.keys.hashes, hash)
    const record = raw ? (JSON.parse(raw) as R) : null
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(hash, { record, until: now + SECRET_CACHE_MS })
    return record
  }

  /** The record when the secret is known and not revoked. */
  async verify(secret: string): Promise<R | null> {
    const record = await this.lookup(secret)
    return record && record.revokedAt === null ? record : null
  }

  async list(): Promise<R[]> {
    const all = await this.redis.hvals(this.keys.hashes)
    return all.map((raw) => JSON.parse(raw) as R).sort((a, b) => a.createdAt - b.createdAt)
  }

  async get(id: string): Promise<R | null> {
    const hash = await this.redis.hget(this.keys.records, id)
    if (!hash) return null
    const raw = await this.redis.hget(this.keys.hashes, hash)
    return raw ? (JSON.parse(raw) as R) : null
  }

  /** Marks the secret revoked; null when there is no such id. Idempotent. */
  async revoke(id: string): Promise<R | null> {
    const hash = await this.redis.hget(this.keys.records, id)
    if (!hash) return null
    const raw = await this.redis.hget(this.keys.hashes, hash)
    if (!raw) return null
    const record = JSON.parse(raw) as R
    if (record.revokedAt === null) {
      record.revokedAt = Date.now()
      await this.redis.hset(this.keys.hashes, hash, JSON.stringify(record))
    }
    this.cache.delete(hash)
    return record
  }

  /** Revokes every secret whose record matches (e.g. all tokens of a deleted board). */
  async revokeWhere(match: (r: R) => boolean): Promise<R[]> {
    const out: R[] = []
    for (const r of await this.list()) if (r.revokedAt === null && match(r)) out.push((await this.revoke(r.id))!)
    return out
  }
}
