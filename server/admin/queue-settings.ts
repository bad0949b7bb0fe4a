// Per-queue settings an administrator gives: a display name and the team the queue belongs to
// (team leads see the queues of their teams). Queues themselves come into being from events.
// Mirrored in memory and refreshed every few seconds, like boards.
import type { Redis } from 'ioredis'
import type { Keys } from '../store/keys.js'

export interface QueueSetting {
  name: string | null
  team: string | null
}

export class QueueSettings {
  private cache = new Map<string, QueueSetting>()

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async refresh(): Promise<void> {
    const all = await this.redis.hgetall(this.keys.queueSettings)
    this.cache = new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as QueueSetting]))
  }

  get(queue: string): QueueSetting {
    return this.cache.get(queue) ?? { name: null, team: null }
  }

  teamOf(queue: string): string | null {
    return this.cache.get(queue)?.team ?? null
  }

  nameOf(queue: string): string {
    return this.cache.get(queue)?.name ?? queue
  }

  ids(): string[] {
    return [...this.cache.keys()]
  }

  async set(queue: string, patch: Partial<QueueSetting>): Promise<{ before: QueueSetting; after: QueueSetting }> {
    await this.refresh()
    const before = this.get(queue)
    const after = { ...before, ...patch }
    await this.redis.hset(this.keys.queueSettings, queue, JSON.stringify(after))
    this.cache.set(queue, after)
    return { before, after }
  }
}
