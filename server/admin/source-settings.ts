// How long each event source may stay silent before boards fed by it go stale, set by an admin
// (a source that rests at night gets a longer limit, or none); the rest take the configured default.
// Also the latest link report of each source's connector (queue_log follower, AMI), as received.
import type { RedisClient } from '../store/redis.js'
import type { LinkReport, SourceSettings as Settings, SourceLink } from '../../shared/sources.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

export class SourceSettings {
  private readonly rows: HashMirror<Settings>
  private readonly linkRows: HashMirror<SourceLink>

  constructor(
    redis: RedisClient,
    keys: Keys,
    /** seconds; WALLBOARD_SOURCE_QUIET_SEC */
    private readonly defaultQuietSec: number,
  ) {
    this.rows = new HashMirror(redis, keys.sourceSettings)
    this.linkRows = new HashMirror(redis, keys.sourceLinks)
  }

  async refresh(): Promise<void> {
    await Promise.all([this.rows.refresh(), this.linkRows.refresh()])
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

  link(source: string): SourceLink | null {
    return this.linkRows.get(source) ?? null
  }

  /** Sources with a link report, reported or not lately. */
  linkIds(): string[] {
    return this.linkRows.ids()
  }

  async setLink(source: string, report: LinkReport, receivedAt: number): Promise<void> {
    await this.linkRows.set(source, { ...report, reportedAt: receivedAt })
  }

  /** Forgets the source's settings and link; false when there was neither. */
  async remove(source: string): Promise<boolean> {
    const had = this.rows.get(source) !== undefined || this.linkRows.get(source) !== undefined
    await Promise.all([this.rows.delete(source), this.linkRows.delete(source)])
    return had
  }
}
