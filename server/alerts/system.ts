// System alerts: the wallboard itself failing, not a figure. Two problems: a data reset (the store
// came back empty) and a store that refuses writes (its disk is full). No rule defines them; each is
// critical, shown on every board and view (through `health`), and told to every enabled channel.
//
// They cannot go through the outbox, which lives in Redis: after a reset the store holds no channel
// and no queue, and a store that refuses writes cannot queue anything. So a process keeps the
// channels it last read in memory and delivers system alerts straight from there, retrying in
// memory. Exactly one process delivers each transition: the one that recorded the reset (the first
// to notice), the active aggregator for refused writes, the one an admin acknowledged on.
import type { FastifyBaseLogger } from 'fastify'
import type { Alert, Transition } from '../../shared/alerts.js'
import type { Channel, ChannelLanguage } from '../../shared/channels.js'
import { type MessageContext, renderAlertMessage } from './message.js'
import { retryDelayMs } from './outbox.js'
import { deliveryFor } from './payloads.js'
import { DeliveryError, type Sender } from './senders.js'

export const SYSTEM_PROBLEMS = ['data-reset', 'writes-refused'] as const
export type SystemProblem = (typeof SYSTEM_PROBLEMS)[number]

/** What each problem's alert says, as its rule name (the one line every channel shows). */
const TITLES: Record<SystemProblem, Record<ChannelLanguage, string>> = {
  'data-reset': {
    en: 'Data reset: the store came back empty (Redis restarted without its data)',
    'zh-CN': '数据重置：存储重启后为空（Redis 丢失了数据）',
  },
  'writes-refused': {
    en: 'The store refuses writes (is its disk full?): new events are refused',
    'zh-CN': '存储拒绝写入（磁盘已满？）：新事件被拒收',
  },
}

export interface SystemAlertsOptions {
  send: Sender
  /** the message context of a channel's language (time zone, address) */
  context: (language: ChannelLanguage) => MessageContext
  logger: FastifyBaseLogger
  timeoutMs?: number
  /** attempts per channel and transition, with doubling delays from `firstRetryMs` */
  attempts?: number
  firstRetryMs?: number
  now?: () => number
}

export class SystemAlerts {
  private channels: Channel[] = []
  private readonly open = new Map<SystemProblem, Alert>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly now: () => number

  constructor(private readonly opts: SystemAlertsOptions) {
    this.now = opts.now ?? Date.now
  }

  /** The channels to tell, as last read from the store while it was intact. */
  remember(channels: Channel[]): void {
    this.channels = channels
  }

  get remembered(): readonly Channel[] {
    return this.channels
  }

  /** The system alerts open in this process. */
  list(): Alert[] {
    return [...this.open.values()]
  }

  isOpen(problem: SystemProblem): boolean {
    return this.open.has(problem)
  }

  /** Opens the problem's alert (once while open); delivers it when `deliver`. */
  fire(problem: SystemProblem, since: number, deliver: boolean): Alert | null {
    if (this.open.has(problem)) return null
    const at = this.now()
    const alert: Alert = {
      id: `system-${problem}-${since}`,
      ruleId: `system:${problem}`,
      ruleName: TITLES[problem].en,
      kind: 'system',
      subject: { queue: null, agent: null, team: null, callId: null },
      severity: 'critical',
      state: 'firing',
      figure: null,
      banner: true,
      sound: true,
      value: null,
      threshold: null,
      since,
      firedAt: at,
      dueAt: null,
      level: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      history: [{ at, transition: 'fired', by: null }],
    }
    this.open.set(problem, alert)
    if (deliver) this.deliver(problem, alert)
    return alert
  }

  /** Resolves the problem's open alert (by a user, or null when the problem cleared); delivers when `deliver`. */
  resolve(problem: SystemProblem, by: string | null, deliver: boolean): Alert | null {
    const open = this.open.get(problem)
    if (!open) return null
    this.open.delete(problem)
    const at = this.now()
    const alert: Alert = {
      ...open,
      state: 'resolved',
      resolvedAt: at,
      resolvedBy: by,
      history: [...open.history, { at, transition: 'resolved', by }],
    }
    if (deliver) this.deliver(problem, alert)
    return alert
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private deliver(problem: SystemProblem, alert: Alert): void {
    const index = alert.history.length - 1
    const transition: Transition = alert.history[index]!.transition
    for (const channel of this.channels) {
      if (!channel.enabled) continue
      const shown: Alert = { ...alert, ruleName: TITLES[problem][channel.language] }
      const message = renderAlertMessage(shown, this.opts.context(channel.language), index)
      const notificationId = `${alert.id}:${index}:${channel.id}`
      void this.attempt(channel, () =>
        deliveryFor(channel, message, { notificationId, alert: shown, transition, test: false, nowMs: this.now() }),
      )
    }
  }

  private async attempt(channel: Channel, delivery: () => ReturnType<typeof deliveryFor>, attempt = 1): Promise<void> {
    const attempts = this.opts.attempts ?? 8
    try {
      await this.opts.send(channel, delivery(), this.opts.timeoutMs ?? 10_000)
      this.opts.logger.info({ channel: channel.id, attempt }, 'system alert delivered')
    } catch (err) {
      const permanent = err instanceof DeliveryError && err.permanent
      const message = err instanceof Error ? err.message : String(err)
      if (permanent || attempt >= attempts) {
        this.opts.logger.error({ channel: channel.id, attempt, err: message }, 'system alert not delivered; giving up')
        return
      }
      this.opts.logger.warn({ channel: channel.id, attempt, err: message }, 'system alert not delivered; retrying')
      const timer = setTimeout(
        () => {
          this.timers.delete(timer)
          void this.attempt(channel, delivery, attempt + 1)
        },
        // The outbox's doubling without its jitter: one delivery per channel, none to spread out.
        retryDelayMs(attempt, this.opts.firstRetryMs ?? 1_000, Infinity, 1),
      )
      timer.unref()
      this.timers.add(timer)
    }
  }
}
