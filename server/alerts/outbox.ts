// The outbox: reliable delivery of alert notifications. `notify` writes one notification per
// channel to Redis, once ever per (alert, transition, channel) thanks to a dedupe marker set in the
// same script; workers in every process claim the due ones under a lease, deliver them with bounded
// concurrency, and retry failures with exponential backoff and full jitter until they are
// delivered, refused for good, or given up (attempts or age). The queue is bounded: when full, a new
// notification pushes the oldest pending one out, which is marked `dropped`, counted and logged.
// Everything lives in Redis, so a restart resumes the pending ones and never re-sends a delivered
// one. (A process that dies after a receiver took a message but before it recorded so sends it again
// after the lease: receivers dedupe by the delivery id, which is the same on every attempt.)
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../store/redis.js'
import type { Alert, AlertRule, ChannelType, Transition } from '../../shared/alerts.js'
import type {
  Channel,
  ChannelLanguage,
  ChannelTestResult,
  Notification,
  NotificationQuery,
  NotificationState,
} from '../../shared/channels.js'
import type { DeliveryConfig } from '../config.js'
import type { Keys } from '../store/keys.js'
import { LuaScript } from '../store/redis.js'
import type { ChannelStore } from './channels.js'
import { type MessageContext, renderAlertMessage } from './message.js'
import type { Notifier } from './notifier.js'
import { deliveryFor } from './payloads.js'
import { DeliveryError, type Sender } from './senders.js'

const enqueueScript = LuaScript.load('enqueue-notification.lua')
const claimScript = LuaScript.load('claim-notifications.lua')
const finishScript = LuaScript.load('finish-attempt.lua')

/** A notification as stored: with the alert as it was at the transition, which its message is made from. */
export interface StoredNotification extends Notification {
  alert: Alert
}

/** Counts for /metrics, by channel type and result. */
export type DeliveryResult = 'queued' | 'duplicate' | 'skipped' | 'delivered' | 'retried' | 'failed' | 'dropped'
export interface DeliveryStats {
  count(result: DeliveryResult, type: string | null): void
}

export interface OutboxOptions {
  redis: RedisClient
  keys: Keys
  channels: ChannelStore
  config: DeliveryConfig
  log: FastifyBaseLogger
  send: Sender
  /** how an alert is worded for a reader: names, the centre's zone, the wallboard's address */
  context(alert: Alert, language: ChannelLanguage, test: boolean): MessageContext
  stats?: DeliveryStats
}

/** The dedupe marker outlives any retry (a day by default) by far: "once ever" for practical purposes. */
const DEDUPE_TTL_SEC = 30 * 86_400
/** Finished notifications kept in the delivery log; older ones are forgotten (their markers stay). */
export const LOG_KEEP = 10_000
/** Workers look for due notifications this often, besides being woken by notify and by retries. */
const POLL_MS = 1_000
const HOUSEKEEPING_MS = 60_000

/**
 * The wait before retry number `attempt` (1 after the first failure): "full jitter", uniform in
 * [0, min(maxMs, minMs × 2^(attempt − 1))], so that many notifications failing together spread out.
 */
export function retryDelayMs(attempt: number, minMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40))
  return Math.round(random * ceiling)
}

/** The synthetic alert "send a test alert" sends: a service level below target, just now. */
export function testAlert(nowMs: number, by: string, like?: AlertRule): Alert {
  const base: Alert = {
    id: `test-${nowMs.toString(36)}-${randomBytes(3).toString('hex')}`,
    ruleId: 'test',
    ruleName: 'Test alert',
    kind: 'figure',
    subject: { queue: null, agent: null, team: null, callId: null },
    severity: 'warning',
    state: 'firing',
    figure: 'serviceLevelPct',
    value: 72.5,
    threshold: 80,
    since: nowMs - 60_000,
    firedAt: nowMs,
    dueAt: null,
    level: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    history: [{ at: nowMs, transition: 'fired', by }],
  }
  return like === undefined ? base : { ...base, ...ruleExample(like) }
}

/** What a rule's alert would say, with an example value just past its level: for "send a test alert" of a rule. */
function ruleExample(rule: AlertRule): Partial<Alert> {
  const scope = rule.scope
  const subject = {
    queue: 'queue' in scope ? scope.queue : null,
    team: 'team' in scope ? scope.team : null,
    agent: null,
    callId: null,
  }
  const common = { ruleId: rule.id, ruleName: rule.name, kind: rule.kind, subject, banner: rule.banner, sound: rule.sound }
  if (rule.kind === 'figure') {
    const threshold = rule.warn ?? rule.critical ?? 0
    const step = Math.max(1, Math.abs(threshold) * 0.1)
    return {
      ...common,
      figure: rule.figure,
      window: rule.window,
      severity: rule.warn === null ? 'critical' : 'warning',
      threshold,
      value: rule.comparator === 'above' ? threshold + step : threshold - step,
    }
  }
  if (rule.kind === 'agent')
    return {
      ...common,
      figure: rule.reason === null ? rule.state : `${rule.state}:${rule.reason}`,
      threshold: rule.overSec,
      value: rule.overSec + 60,
    }
  return {
    ...common,
    figure: rule.trigger === 'detractor' ? 'nps' : 'csat',
    value: rule.trigger === 'detractor' ? 3 : 1,
    threshold: null,
  }
}

/** A pending notification of the transition at `index` for one channel, due now. */
function newNotification(
  alert: Alert,
  index: number,
  channelId: string,
  channelType: ChannelType | null,
  test: boolean,
  nowMs: number,
): StoredNotification {
  return {
    id: `${alert.id}:${index}:${channelId}`,
    alertId: alert.id,
    ruleName: alert.ruleName,
    transition: alert.history[index]?.transition ?? 'fired',
    transitionIndex: index,
    channelId,
    channelType,
    test,
    state: 'pending',
    attempts: 0,
    createdAt: nowMs,
    lastAttemptAt: null,
    nextAttemptAt: nowMs,
    deliveredAt: null,
    lastError: null,
    alert,
  }
}

export function publicNotification(n: StoredNotification): Notification {
  const { alert: _alert, ...rest } = n
  return rest
}

export class Outbox implements Notifier {
  private readonly inFlight = new Set<Promise<void>>()
  private stopped = true
  private ticking = false
  private tickAgain = false
  private pollTimer: NodeJS.Timeout | undefined
  private wakeTimer: NodeJS.Timeout | undefined
  private wakeAt = Number.POSITIVE_INFINITY
  private lastHousekeeping = 0
  private pendingSeen = 0

  constructor(private readonly o: OutboxOptions) {}

  private get leaseMs(): number {
    // Longer than any one attempt can take, so no other process claims a notification under way.
    return Math.max(60_000, this.o.config.timeoutMs * 3)
  }

  /** Pending notifications at the last look (for the metrics gauge). */
  get pending(): number {
    return this.pendingSeen
  }

  async notify(alert: Alert, transition: Transition, channelIds: readonly string[]): Promise<void> {
    const index = alert.history.length - 1
    const now = Date.now()
    for (const channelId of new Set(channelIds)) {
      const channel = await this.o.channels.get(channelId)
      const skipped = channel === null ? 'unknown channel' : channel.enabled ? null : 'channel disabled'
      const draft = { ...newNotification(alert, index, channelId, channel?.type ?? null, false, now), transition }
      const n: StoredNotification =
        skipped === null ? draft : { ...draft, state: 'skipped', nextAttemptAt: null, lastError: skipped }
      if (await this.enqueue(n, skipped === null ? 'queue' : 'skip'))
        if (skipped !== null) this.o.log.info({ notification: n.id, channel: channelId, reason: skipped }, 'notification skipped')
    }
    this.kick()
  }

  /** Sends a test alert to one channel now, through the same path, once (no retries); its outcome. */
  /** Sends a test alert to one channel now, once: a generic one, or one shaped like `like`'s alerts. */
  async sendTest(channel: Channel, by: string, like?: AlertRule): Promise<ChannelTestResult> {
    const now = Date.now()
    const alert = testAlert(now, by, like)
    const n = { ...newNotification(alert, 0, channel.id, channel.type, true, now), nextAttemptAt: null }
    await this.enqueue(n, 'hold')
    const done = await this.attempt(n, channel, false)
    return {
      outcome: done.state === 'delivered' ? 'delivered' : 'failed',
      error: done.state === 'delivered' ? null : done.lastError,
      notification: publicNotification(done),
    }
  }

  /** The delivery log, newest first, filtered by channel and state. */
  async list(query: NotificationQuery): Promise<Notification[]> {
    const limit = query.limit ?? 100
    const out: Notification[] = []
    const page = 500
    for (let start = 0; out.length < limit && start < LOG_KEEP + this.o.config.maxPending; start += page) {
      const ids = await this.o.redis.zrevrange(this.o.keys.notificationsLog, start, start + page - 1)
      if (ids.length === 0) break
      const rows = await this.o.redis.hmget(this.o.keys.notifications, ...ids)
      for (const raw of rows) {
        if (raw === null) continue
        const n = JSON.parse(raw) as StoredNotification
        if (query.channel !== undefined && n.channelId !== query.channel) continue
        if (query.state !== undefined && n.state !== query.state) continue
        out.push(publicNotification(n))
        if (out.length >= limit) break
      }
    }
    return out
  }

  async get(id: string): Promise<StoredNotification | null> {
    const raw = await this.o.redis.hget(this.o.keys.notifications, id)
    return raw === null ? null : (JSON.parse(raw) as StoredNotification)
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.pollTimer = setInterval(() => this.kick(), POLL_MS)
    this.pollTimer.unref()
    this.kick()
  }

  /** Stops claiming and waits for the deliveries under way, so their outcome is recorded. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.pollTimer)
    clearTimeout(this.wakeTimer)
    while (this.ticking || this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight])
      if (this.ticking) await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** Looks for due notifications now (one look at a time; a kick during one makes another). */
  private kick(): void {
    if (this.stopped) return
    if (this.ticking) {
      this.tickAgain = true
      return
    }
    this.ticking = true
    this.tick()
      .catch((err: unknown) => this.o.log.warn({ err }, 'alert delivery: could not claim notifications; retrying'))
      .finally(() => {
        this.ticking = false
        if (this.tickAgain) {
          this.tickAgain = false
          this.kick()
        }
      })
  }

  private wakeUpAt(atMs: number): void {
    if (this.stopped || atMs >= this.wakeAt) return
    clearTimeout(this.wakeTimer)
    this.wakeAt = atMs
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Number.POSITIVE_INFINITY
        this.kick()
      },
      Math.max(0, atMs - Date.now()),
    )
    this.wakeTimer.unref()
  }

  private async tick(): Promise<void> {
    const { redis, keys, config } = this.o
    const now = Date.now()
    if (now - this.lastHousekeeping >= HOUSEKEEPING_MS) {
      this.lastHousekeeping = now
      await this.trimLog()
    }
    this.pendingSeen = await redis.zcard(keys.notificationsPending)
    const free = config.concurrency - this.inFlight.size
    if (free <= 0 || this.stopped) return
    const ids = (await claimScript.run(redis, [keys.notificationsDue], [now, now + this.leaseMs, free])) as string[]
    // The next one due after these: a retry keeps one wake-up, the earliest, so the later retries it
    // replaced are woken for here, on time rather than at the next poll (which would stretch the backoff).
    const [, next] = await redis.zrange(keys.notificationsDue, '0', '0', 'WITHSCORES')
    if (next !== undefined && Number(next) > now) this.wakeUpAt(Number(next))
    for (const id of ids) {
      const job: Promise<void> = this.process(id)
        .catch((err: unknown) => this.o.log.error({ err, notification: id }, 'alert delivery: attempt failed to run'))
        .finally(() => {
          this.inFlight.delete(job)
          this.kick()
        })
      this.inFlight.add(job)
    }
  }

  private async process(id: string): Promise<void> {
    const n = await this.get(id)
    if (n === null || n.state !== 'pending') {
      await this.o.redis.multi().zrem(this.o.keys.notificationsDue, id).zrem(this.o.keys.notificationsPending, id).exec()
      return
    }
    const channel = await this.o.channels.get(n.channelId)
    if (channel === null || !channel.enabled) {
      const reason = channel === null ? 'channel deleted before delivery' : 'channel disabled before delivery'
      await this.finish({ ...n, state: 'skipped', nextAttemptAt: null, lastError: reason }, null)
      this.o.stats?.count('skipped', n.channelType)
      this.o.log.info({ notification: n.id, channel: n.channelId, reason }, 'notification skipped')
      return
    }
    await this.attempt(n, channel, !n.test)
  }

  /** Writes the outcome of an attempt; false when the notification was pushed out meanwhile. */
  private async finish(n: StoredNotification, nextAttemptAt: number | null): Promise<boolean> {
    const { redis, keys } = this.o
    const written = await finishScript.run(
      redis,
      [keys.notifications, keys.notificationsPending, keys.notificationsDue],
      [n.id, JSON.stringify(n), nextAttemptAt ?? ''],
    )
    return written === 1
  }

  /** One delivery attempt: renders, sends, records the outcome and the channel's health. */
  private async attempt(n: StoredNotification, channel: Channel, mayRetry: boolean): Promise<StoredNotification> {
    const { config, log, stats } = this.o
    let error: DeliveryError | null = null
    try {
      const message = renderAlertMessage(n.alert, this.o.context(n.alert, channel.language, n.test), n.transitionIndex)
      const delivery = deliveryFor(channel, message, {
        notificationId: n.id,
        alert: n.alert,
        transition: n.transition,
        test: n.test,
        nowMs: Date.now(),
      })
      await this.o.send(channel, delivery, config.timeoutMs)
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError('could not prepare the message', true)
      if (!(err instanceof DeliveryError)) log.error({ err, notification: n.id }, 'alert delivery: could not prepare the message')
    }
    const at = Date.now()
    const attempts = n.attempts + 1
    const where = { notification: n.id, channel: channel.id, type: channel.type, attempt: attempts }
    if (error === null) {
      const done: StoredNotification = {
        ...n,
        state: 'delivered',
        attempts,
        lastAttemptAt: at,
        nextAttemptAt: null,
        deliveredAt: at,
      }
      await this.finish(done, null)
      await this.o.channels.recordSuccess(channel.id, at)
      stats?.count('delivered', channel.type)
      log.info(where, 'notification delivered')
      return done
    }
    const giveUp = !mayRetry || error.permanent || attempts >= config.maxAttempts || at - n.createdAt >= config.giveUpAfterMs
    const nextAttemptAt = giveUp ? null : at + retryDelayMs(attempts, config.retryMinMs, config.retryMaxMs, Math.random())
    const state: NotificationState = giveUp ? 'failed' : 'pending'
    const done: StoredNotification = { ...n, state, attempts, lastAttemptAt: at, nextAttemptAt, lastError: error.message }
    const written = await this.finish(done, nextAttemptAt)
    await this.o.channels.recordFailure(channel.id, at, error.message, giveUp)
    if (giveUp) {
      stats?.count('failed', channel.type)
      log.warn({ ...where, error: error.message }, n.test ? 'test notification failed' : 'notification failed: given up')
    } else {
      stats?.count('retried', channel.type)
      log.warn({ ...where, error: error.message, retryInMs: nextAttemptAt! - at }, 'notification not delivered; will retry')
      if (written) this.wakeUpAt(nextAttemptAt!)
    }
    return done
  }

  /**
   * Queues a notification once; false for a duplicate. `queue`: the workers deliver it; `hold`: the
   * caller delivers it now (the workers take it only if this process dies meanwhile); `skip`: only
   * logged. Marks the one a full queue pushed out.
   */
  private async enqueue(n: StoredNotification, mode: 'queue' | 'hold' | 'skip'): Promise<boolean> {
    const { redis, keys, config, log, stats } = this.o
    const dueAt = mode === 'queue' ? n.createdAt : mode === 'hold' ? n.createdAt + this.leaseMs : ''
    const [queued, dropped] = (await enqueueScript.run(
      redis,
      [
        keys.notificationQueued(n.id),
        keys.notifications,
        keys.notificationsPending,
        keys.notificationsDue,
        keys.notificationsLog,
      ],
      [n.id, JSON.stringify(n), n.createdAt, DEDUPE_TTL_SEC, config.maxPending, dueAt],
    )) as [number, string]
    if (queued !== 1) {
      stats?.count('duplicate', n.channelType)
      log.debug({ notification: n.id }, 'notification already queued once; not again')
      return false
    }
    stats?.count(mode === 'skip' ? 'skipped' : 'queued', n.channelType)
    if (dropped !== '') await this.markDropped(dropped)
    return true
  }

  private async markDropped(id: string): Promise<void> {
    const n = await this.get(id)
    if (n === null) return
    const reason = `queue full (${this.o.config.maxPending} pending): pushed out by a newer notification`
    await this.o.redis.hset(
      this.o.keys.notifications,
      id,
      JSON.stringify({ ...n, state: 'dropped', nextAttemptAt: null, lastError: reason }),
    )
    this.o.stats?.count('dropped', n.channelType)
    this.o.log.warn({ notification: id, channel: n.channelId, reason }, 'notification dropped')
  }

  /** Forgets the oldest finished notifications beyond LOG_KEEP (pending ones stay, whatever their age). */
  private async trimLog(): Promise<void> {
    const { redis, keys } = this.o
    const excess = (await redis.zcard(keys.notificationsLog)) - LOG_KEEP
    if (excess <= 0) return
    const ids = await redis.zrange(keys.notificationsLog, '0', String(Math.min(excess, 1000) - 1))
    if (ids.length === 0) return
    const rows = await redis.hmget(keys.notifications, ...ids)
    const finished = ids.filter((_, i) => {
      const raw = rows[i]
      return raw === null || raw === undefined || (JSON.parse(raw) as StoredNotification).state !== 'pending'
    })
    if (finished.length > 0)
      await redis
        .multi()
        .zrem(keys.notificationsLog, ...finished)
        .hdel(keys.notifications, ...finished)
        .exec()
  }
}
