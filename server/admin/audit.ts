// The audit log: every configuration change with who, what and when, in a Redis stream that no
// API edits or deletes. Secrets never enter it (only their ids and names).
import type { RedisClient } from '../store/redis.js'
import type { AuditEntry } from '../../shared/admin.js'
import type { Keys } from '../store/keys.js'

export type Actor = AuditEntry['actor']
export const SYSTEM: Actor = { type: 'system', id: 'system', name: 'system' }

export class AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(actor: Actor, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.redis.xadd(this.keys.audit, '*', 'e', JSON.stringify({ at: Date.now(), actor, action, target, details }))
  }

  /** Newest first; `before` (an entry id) pages back. */
  async list(limit: number, before?: string): Promise<AuditEntry[]> {
    const end = before ? `(${before}` : '+'
    const entries = await this.redis.xrevrange(this.keys.audit, end, '-', 'COUNT', limit)
    return entries.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEntry, 'id'>) }))
  }
}
