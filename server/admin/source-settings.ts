// How long each event source may stay silent before boards fed by it go stale, set by an admin
// (a source that rests at night gets a longer limit, or none); the rest take the configured default.
import type { Redis } from 'ioredis'
import type { SourceSettings as Settings } from '../../shared/sources.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

export class SourceSettings {
  private readonly rows: HashMirror<Settings>

  constructor(
    redis: Redis,
    keys: Keys,
    /** seconds; WALLBOARD_SOURCE_QUIET_SEC */
    private readonly defaultQuietSec: number,
  ) {
    this.rows = new HashMirror(redis, keys.sourceSettings)
  }

  refresh(): Promise<void> {
    return this.rows.refresh()
  }

  /** Whether an admin set anything for this source. */
  has(source: string): boolean {
    return this.rows.get(source) !== undefined
  }

  quietAfterSec(source: string): number | null {
    const own = this.rows.get(source)
    return own === undefined ? this.defaultQuietSec : own.quietAfterSec
  }

  async set(source: string, settings: Settings): Promise<Settings | null> {
    await this.rows.refresh()
    const before = this.rows.get(source) ?? null
    await this.rows.set(source, settings)
    return before
  }

  async remove(source: string): Promise<void> {
    await this.rows.delete(source)
  }
}
