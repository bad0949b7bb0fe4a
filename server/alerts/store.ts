// The alert engine's Redis: rules (mirrored in memory), open alerts, the resolved history (bounded
// by age and count), the tracking of each rule and subject (so a duration in progress survives a
// restart), and the transitions saved but not yet handed to the notifier. A transition is saved
// together with its "not yet notified" mark in one MULTI; the mark is dropped once the notifier has
// queued it. After a crash the marks left over are handed over again, and the notifier's dedupe
// (alert id, history index, channel) makes that once.
import type { RedisClient } from '../store/redis.js'
import type { Alert, AlertRule } from '../../shared/alerts.js'
import type { Track } from '../../shared/alert-engine.js'
import { HashMirror } from '../admin/hash-mirror.js'
import type { AlertKeys, Keys } from '../store/keys.js'

/** Resolved alerts are kept this long, and at most this many (the oldest go first). */
export const HISTORY_DAYS = 30
export const HISTORY_MAX = 20_000

export interface Unnotified {
  /** `<alert id>:<history index>` */
  key: string
  alertId: string
  index: number
  channels: string[]
}

export type TrackChange = [key: string, track: Track | null]

export class AlertStore {
  readonly rules: HashMirror<AlertRule>
  private readonly k: AlertKeys

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
  ) {
    this.k = keys.alerts
    this.rules = new HashMirror(redis, keys.alerts.rules)
  }

  async openAlerts(): Promise<Alert[]> {
    return Object.values(await this.redis.hgetall(this.k.open)).map((raw) => JSON.parse(raw) as Alert)
  }

  async tracks(): Promise<Map<string, Track>> {
    const all = await this.redis.hgetall(this.k.tracks)
    return new Map(Object.entries(all).map(([key, raw]) => [key, JSON.parse(raw) as Track]))
  }

  /** An alert, open or resolved (within the history kept). */
  async get(id: string): Promise<Alert | null> {
    const raw = (await this.redis.hget(this.k.open, id)) ?? (await this.redis.hget(this.k.resolved, id))
    return raw === null ? null : (JSON.parse(raw) as Alert)
  }

  /** Resolved alerts resolved at or after `since`, newest first. */
  async resolvedSince(since: number, limit: number): Promise<Alert[]> {
    const ids = await this.redis.zrevrangebyscore(this.k.resolvedAt, '+inf', since, 'LIMIT', 0, limit)
    if (ids.length === 0) return []
    const rows = await this.redis.hmget(this.k.resolved, ...ids)
    return rows.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as Alert]))
  }

  /**
   * Saves an alert after a transition, its track (null: forget it; undefined: unchanged) and the mark
   * that the transition still has to be handed to the notifier, in one transaction.
   */
  async saveTransition(alert: Alert, track: TrackChange | undefined, channels: readonly string[]): Promise<Unnotified> {
    const index = alert.history.length - 1
    const mark: Unnotified = { key: `${alert.id}:${index}`, alertId: alert.id, index, channels: [...channels] }
    const tx = this.redis.multi()
    const json = JSON.stringify(alert)
    if (alert.state === 'resolved') {
      tx.hdel(this.k.open, alert.id)
      tx.hset(this.k.resolved, alert.id, json)
      tx.zadd(this.k.resolvedAt, alert.resolvedAt ?? alert.firedAt, alert.id)
    } else {
      tx.hset(this.k.open, alert.id, json)
    }
    if (track) this.queueTrack(tx, track)
    tx.hset(this.k.unnotified, mark.key, JSON.stringify(mark.channels))
    await tx.exec()
    return mark
  }

  /**
   * Creates an event rule's task unless an alert of that id exists (open or resolved): a survey
   * event applied again after a crash finds its task. Only the engine writes alerts, one step at a
   * time, so the check and the write do not race.
   */
  async createTask(alert: Alert, channels: readonly string[]): Promise<Unnotified | null> {
    const [open, resolved] = await Promise.all([
      this.redis.hexists(this.k.open, alert.id),
      this.redis.hexists(this.k.resolved, alert.id),
    ])
    if (open || resolved) return null
    return this.saveTransition(alert, undefined, channels)
  }

  private queueTrack(tx: ReturnType<RedisClient['multi']>, [key, track]: TrackChange): void {
    if (track === null) tx.hdel(this.k.tracks, key)
    else tx.hset(this.k.tracks, key, JSON.stringify(track))
  }

  /** Saves tracks that changed without a transition (a timer started or stopped). */
  async saveTracks(changes: readonly TrackChange[]): Promise<void> {
    if (changes.length === 0) return
    const tx = this.redis.multi()
    for (const c of changes) this.queueTrack(tx, c)
    await tx.exec()
  }

  async unnotified(): Promise<Unnotified[]> {
    const all = await this.redis.hgetall(this.k.unnotified)
    return Object.entries(all).map(([key, raw]) => {
      const cut = key.lastIndexOf(':')
      return { key, alertId: key.slice(0, cut), index: Number(key.slice(cut + 1)), channels: JSON.parse(raw) as string[] }
    })
  }

  async notified(key: string): Promise<void> {
    await this.redis.hdel(this.k.unnotified, key)
  }

  async surveyPosition(): Promise<string | null> {
    return this.redis.get(this.k.surveyPosition)
  }

  async setSurveyPosition(position: string): Promise<void> {
    await this.redis.set(this.k.surveyPosition, position)
  }

  /** Forgets resolved alerts older than HISTORY_DAYS, and the oldest beyond HISTORY_MAX. Answers how many. */
  async prune(now: number): Promise<number> {
    const old = await this.redis.zrangebyscore(this.k.resolvedAt, '-inf', now - HISTORY_DAYS * 86_400_000)
    const count = await this.redis.zcard(this.k.resolvedAt)
    const excess = count - old.length - HISTORY_MAX
    const extra =
      excess > 0 ? await this.redis.zrange(this.k.resolvedAt, String(old.length), String(old.length + excess - 1)) : []
    const ids = [...old, ...extra]
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000)
      await this.redis
        .multi()
        .hdel(this.k.resolved, ...chunk)
        .zrem(this.k.resolvedAt, ...chunk)
        .exec()
    }
    return ids.length
  }
}
