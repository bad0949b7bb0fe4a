// Per-queue settings an administrator gives: a display name, the team the queue belongs to (team
// leads see the queues of their teams) and the site it is served from. Queues themselves come into
// being from events.
import type { RedisClient } from '../store/redis.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

export interface QueueSetting {
  name: string | null
  team: string | null
  site: string | null
}

export class QueueSettings {
  private readonly rows: HashMirror<QueueSetting>

  constructor(redis: RedisClient, keys: Keys) {
    this.rows = new HashMirror(redis, keys.queueSettings)
  }

  refresh(): Promise<void> {
    return this.rows.refresh()
  }

  get(queue: string): QueueSetting {
    // Rows saved before sites existed have none.
    return { name: null, team: null, site: null, ...this.rows.get(queue) }
  }

  teamOf(queue: string): string | null {
    return this.rows.get(queue)?.team ?? null
  }

  nameOf(queue: string): string {
    return this.rows.get(queue)?.name ?? queue
  }

  ids(): string[] {
    return this.rows.ids()
  }

  async set(queue: string, patch: Partial<QueueSetting>): Promise<{ before: QueueSetting; after: QueueSetting }> {
    await this.rows.refresh()
    const before = this.get(queue)
    const after = { ...before, ...patch }
    await this.rows.set(queue, after)
    return { before, after }
  }
}
