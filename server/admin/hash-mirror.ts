// A Redis hash of JSON rows mirrored in memory: reads are local, writes go to Redis first, and
// refresh() re-reads the whole hash (the plugin does so every few seconds) so that several server
// processes agree within seconds. For small configuration tables (boards, queue settings).
import type { RedisClient } from '../store/redis.js'

export class HashMirror<T> {
  private rows = new Map<string, T>()

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  async refresh(): Promise<void> {
    const all = await this.redis.hgetall(this.key)
    this.rows = new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as T]))
  }

  get(id: string): T | undefined {
    return this.rows.get(id)
  }

  ids(): string[] {
    return [...this.rows.keys()]
  }

  values(): T[] {
    return [...this.rows.values()]
  }

  async set(id: string, value: T): Promise<void> {
    await this.redis.hset(this.key, id, JSON.stringify(value))
    this.rows.set(id, value)
  }

  /** Sets the row only if the id is new; false when it exists (in Redis, whatever this mirror holds). */
  async add(id: string, value: T): Promise<boolean> {
    if ((await this.redis.hsetnx(this.key, id, JSON.stringify(value))) === 0) return false
    this.rows.set(id, value)
    return true
  }

  async delete(id: string): Promise<void> {
    await this.redis.hdel(this.key, id)
    this.rows.delete(id)
  }
}
