// The alert engine's pure core: given a rule, one subject (a queue, an agent or a survey response),
// what the figures say now and what was tracked so far for that rule and subject, decide the
// alert's next transition — at most one per call, so a flapping figure never makes a storm.
// Time is a parameter (`now`), never read; server/alerts/engine.ts stores, notifies and pushes.
//
// Decisions worth knowing (README "Alerts" says the same):
// - `above` means strictly above (`waiting` 3 is above 2), `below` strictly below.
// - A figure with no value (null: a ratio with no calls, a queue with no figures yet) proves
//   nothing: the duration timer stops, nothing fires, and an open alert neither resolves nor
//   escalates until there is a value again.
// - The `forSec` timer starts when the warning (or critical) level first holds; the alert fires at
//   the level that has held `forSec`. Warning → critical (`escalated`) needs the critical level to
//   hold `forSec` too. An alert never steps back from critical to warning: one transition per change.
// - An alert resolves only when the figure is back at or past `clearAt` (by default the level it
//   first fires at): between the two it stays open (hysteresis).
// - After a resolve the same rule and subject stay quiet for `cooldownSec`: the timer keeps running,
//   but nothing fires before the cooldown ends. Resolved by hand while the condition still held, the
//   subject stays quiet until the condition has cleared once (the person who resolved it dealt with it).
// - Outside `activeHours` nothing fires or escalates and duration timers restart; open alerts still
//   resolve when their figure recovers, so nothing is left firing overnight for no reason.
// - `activeHours: "team"` means the opening hours of each subject's team (`subject.team`: a queue's
//   team, an agent's, a task's). The shell reads them from the team records and hands them in as
//   `teamHours`; a subject with no team, or whose team has no hours, is active around the clock.
// - Event rules: a call-back task is created whatever the hours (the customer is owed it), but it
//   escalates only within them.
import {
  type Alert,
  type AlertRule,
  type AlertScope,
  ESCALATION_LEVELS,
  type EscalationLevel,
  type LiveAlertFigure,
  type Severity,
  type Transition,
  type WindowAlertFigure,
} from './alerts.js'
import { wallClock } from './figures/calendar.js'
import type { AgentFigures, QueueFigures } from './figures/schema.js'
import type { ActiveHours } from './hours.js'

export type FigureRule = Extract<AlertRule, { kind: 'figure' }>
export type AgentRule = Extract<AlertRule, { kind: 'agent' }>
export type EventRule = Extract<AlertRule, { kind: 'event' }>

/** What the engine remembers of one rule and one subject between evaluations (persisted). */
export interface Track {
  /** epoch ms the condition (warning level or worse) began to hold; null: it does not hold now */
  since: number | null
  /** epoch ms the critical level began to hold */
  criticalSince: number | null
  /** the open alert of this rule and subject */
  alertId: string | null
  /** after a resolve: nothing fires before this instant (cooldown) */
  quietUntil: number | null
  /** resolved by hand while the condition held: nothing fires until it has cleared */
  snoozed: boolean
}

export const IDLE: Track = { since: null, criticalSince: null, alertId: null, quietUntil: null, snoozed: false }

/** A track worth keeping: anything but idle (an expired cooldown counts as idle). */
export function isIdle(t: Track, now: number): boolean {
  return t.since === null && t.alertId === null && !t.snoozed && (t.quietUntil === null || t.quietUntil <= now)
}

export interface Change {
  /** the alert after the transition */
  alert: Alert
  transition: Transition
}

export interface Decision {
  track: Track
  change: Change | null
}

// ——— ids ————————————————————————————————————————————————————————————————————————————————————————

/** cyrb53: a fast 53-bit string hash (public domain), enough to tell alerts apart. */
function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * An alert's id, from what makes it unique: short and URL-safe whatever the queue and agent ids.
 * A survey's task is named by the survey event's id, so a replayed event finds its task.
 */
export function alertIdOf(...parts: Array<string | number>): string {
  const text = parts.join('\u0000')
  return `al-${cyrb53(text, 1).toString(36).padStart(11, '0')}${cyrb53(text, 2).toString(36).padStart(11, '0')}`
}

/** The key of a rule's track for one subject. */
export function trackKey(ruleId: string, subject: { queue: string } | { agent: string }): string {
  return 'queue' in subject ? `${ruleId}|q:${subject.queue}` : `${ruleId}|a:${subject.agent}`
}

/** The track key an alert of a figure or agent rule belongs to; null for event tasks (they have none). */
export function trackKeyOf(alert: Alert): string | null {
  if (alert.kind === 'figure' && alert.subject.queue !== null) return trackKey(alert.ruleId, { queue: alert.subject.queue })
  if (alert.kind === 'agent' && alert.subject.agent !== null) return trackKey(alert.ruleId, { agent: alert.subject.agent })
  return null
}

// ——— time ———————————————————————————————————————————————————————————————————————————————————————

function minutesOf(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number)
  return h * 60 + m
}

/**
 * Whether `now` falls in the active hours, on the centre's wall clock. `days` names the days a
 * stretch starts on; a `to` before `from` runs past midnight into the next day (Fri 22:00–06:00
 * includes Saturday 05:00). `from` equal to `to` is the whole day.
 */
export function isActive(hours: ActiveHours | null, now: number, timeZone: string): boolean {
  if (hours === null) return true
  const w = wallClock(now, timeZone)
  const day = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()
  const minute = w.hour * 60 + w.minute
  const from = minutesOf(hours.from)
  const to = minutesOf(hours.to)
  if (from === to) return hours.days.includes(day)
  if (from < to) return hours.days.includes(day) && minute >= from && minute < to
  if (minute >= from) return hours.days.includes(day)
  return minute < to && hours.days.includes((day + 6) % 7)
}

/** A team's opening hours; null: around the clock (no record, or a record without hours). */
export type TeamHours = (team: string) => ActiveHours | null

/** The hours a rule is active for a subject of `team`: the rule's own, or with "team" that team's opening hours. */
export function hoursFor(rule: AlertRule, team: string | null, teamHours: TeamHours): ActiveHours | null {
  if (rule.activeHours !== 'team') return rule.activeHours
  return team === null ? null : teamHours(team)
}

/** How long the active hours last, in minutes (at most a day). */
export function activeMinutes(hours: ActiveHours): number {
  const span = minutesOf(hours.to) - minutesOf(hours.from)
  return span > 0 ? span : span + 1440
}

function cooldownEnd(rule: AlertRule, now: number): number | null {
  return rule.cooldownSec > 0 ? now + rule.cooldownSec * 1000 : null
}

function stillQuiet(t: Track, now: number): number | null {
  return t.quietUntil !== null && t.quietUntil > now ? t.quietUntil : null
}

// ——— scope ——————————————————————————————————————————————————————————————————————————————————————

/** The queues a rule watches, among those known: each is its own subject. */
export function queuesInScope(scope: AlertScope, queues: Iterable<string>, teamOf: (queue: string) => string | null): string[] {
  if ('queue' in scope) return [scope.queue]
  const all = [...queues]
  return 'team' in scope ? all.filter((q) => teamOf(q) === scope.team) : all
}

/** Whether an agent is watched by a rule: a member of its queue, of its team, or any. */
export function agentInScope(scope: AlertScope, agent: Pick<AgentFigures, 'team' | 'queues'>): boolean {
  if ('queue' in scope) return agent.queues.includes(scope.queue)
  if ('team' in scope) return agent.team === scope.team
  return true
}

// ——— transitions ————————————————————————————————————————————————————————————————————————————————

function step(alert: Alert, transition: Transition, now: number, by: string | null, patch: Partial<Alert> = {}): Change {
  return { alert: { ...alert, ...patch, history: [...alert.history, { at: now, transition, by }] }, transition }
}

function resolved(alert: Alert, now: number, by: string, value?: number | null): Change {
  return step(alert, 'resolved', now, by, {
    state: 'resolved',
    resolvedAt: now,
    resolvedBy: by,
    ...(value !== undefined ? { value } : {}),
  })
}

type AlertFields = Pick<Alert, 'subject' | 'severity' | 'figure' | 'value' | 'threshold' | 'since' | 'dueAt' | 'level'> &
  Partial<Pick<Alert, 'window'>>

function fire(rule: AlertRule, id: string, fields: AlertFields, now: number): Change {
  const alert: Alert = {
    id,
    ruleId: rule.id,
    ruleName: rule.name,
    kind: rule.kind,
    state: 'firing',
    firedAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    banner: rule.banner,
    sound: rule.sound,
    ...fields,
    history: [{ at: now, transition: 'fired', by: null }],
  }
  return { alert, transition: 'fired' }
}

/** Acknowledges an open alert: someone is on it (an event task stops escalating). */
export function acknowledgeAlert(alert: Alert, by: string, now: number): Change | { error: string } {
  if (alert.state === 'resolved') return { error: `alert ${alert.id} is already resolved` }
  if (alert.state === 'acknowledged') return { error: `alert ${alert.id} is already acknowledged by ${alert.acknowledgedBy}` }
  return step(alert, 'acknowledged', now, by, { state: 'acknowledged', acknowledgedAt: now, acknowledgedBy: by })
}

/** Resolves an open alert by hand (see `afterManualResolve` for its track). */
export function resolveAlert(alert: Alert, by: string, now: number): Change | { error: string } {
  if (alert.state === 'resolved') return { error: `alert ${alert.id} is already resolved` }
  return resolved(alert, now, by)
}

/** The track once its alert was resolved by hand: cooldown, and quiet until the condition clears. */
export function afterManualResolve(rule: AlertRule | undefined, now: number): Track {
  return { ...IDLE, quietUntil: rule ? cooldownEnd(rule, now) : null, snoozed: true }
}

/** Closes an alert whose rule no longer watches its subject (disabled, deleted, scope changed). */
export function retireAlert(alert: Alert, now: number): Change {
  return resolved(alert, now, 'rule')
}

/** The channels told of an alert's transitions: the rule's, and for event tasks those of the current level too. */
export function channelsFor(rule: AlertRule | undefined, alert: Alert): string[] {
  if (!rule) return []
  if (rule.kind !== 'event') return [...rule.channels]
  const level = rule.escalation.find((e) => e.level === alert.level)
  return [...new Set([...rule.channels, ...(level?.channels ?? [])])]
}

// ——— figure rules ———————————————————————————————————————————————————————————————————————————————

/** A figure's value now; null when there is none (see the module header). */
export function figureValue(rule: FigureRule, q: QueueFigures | undefined, now: number): number | null {
  if (!q) return null
  if (rule.window === 'live') {
    switch (rule.figure as LiveAlertFigure) {
      case 'waiting':
        return q.live.waiting
      case 'longestWaitSec':
        // Ticks between updates, as the boards' does: from the oldest waiting call's entry to now.
        return q.live.oldestQueuedAt === null ? 0 : Math.max(0, Math.floor((now - q.live.oldestQueuedAt) / 1000))
      case 'agentsLoggedIn':
        return q.live.agentsLoggedIn
      case 'agentsAvailable':
        return q.live.agents.available
      case 'staffingGap':
        return q.staffing.needed === null ? null : q.staffing.needed - q.staffing.have
      default:
        return null
    }
  }
  const w = q.windows[rule.window]
  const v = w?.[rule.figure as WindowAlertFigure]
  return typeof v === 'number' ? v : null
}

function beyond(comparator: FigureRule['comparator'], value: number, level: number): boolean {
  return comparator === 'above' ? value > level : value < level
}

/** The level a value reaches under a rule: critical, warning, or none. */
export function levelOf(rule: FigureRule, value: number): Severity | null {
  if (rule.critical !== null && beyond(rule.comparator, value, rule.critical)) return 'critical'
  if (rule.warn !== null && beyond(rule.comparator, value, rule.warn)) return 'warning'
  return null
}

/** Whether a value is back at or past the rule's clear level (hysteresis). */
export function hasCleared(rule: FigureRule, value: number): boolean {
  const clear = rule.clearAt ?? rule.warn ?? rule.critical
  return clear === null || !beyond(rule.comparator, value, clear)
}

/** Decides one rule for one queue. */
export function evaluateFigureRule(
  rule: FigureRule,
  queue: string,
  team: string | null,
  value: number | null,
  track: Track,
  open: Alert | null,
  now: number,
  timeZone: string,
  teamHours: TeamHours,
): Decision {
  const cleared = value !== null && hasCleared(rule, value)
  if (open && !rule.enabled) return { track: { ...IDLE, quietUntil: stillQuiet(track, now) }, change: retireAlert(open, now) }
  if (open && cleared)
    return { track: { ...IDLE, quietUntil: cooldownEnd(rule, now) }, change: resolved(open, now, 'figure', value) }
  const active = rule.enabled && isActive(hoursFor(rule, team, teamHours), now, timeZone)
  const snoozed = track.snoozed && !cleared
  const level = value === null || !active || snoozed ? null : levelOf(rule, value)
  const since = level !== null ? (track.since ?? now) : null
  const criticalSince = level === 'critical' ? (track.criticalSince ?? now) : null
  const forMs = rule.forSec * 1000
  const held = (from: number | null) => from !== null && now - from >= forMs
  const quietUntil = stillQuiet(track, now)
  if (open) {
    const kept: Track = { since, criticalSince, alertId: open.id, quietUntil, snoozed: false }
    if (open.severity === 'warning' && held(criticalSince)) {
      // A new level needs a new acknowledgement.
      return {
        track: kept,
        change: step(open, 'escalated', now, null, {
          severity: 'critical',
          state: 'firing',
          value,
          threshold: rule.critical,
          acknowledgedAt: null,
          acknowledgedBy: null,
        }),
      }
    }
    return { track: kept, change: null }
  }
  if (held(since) && quietUntil === null) {
    const critical = held(criticalSince)
    const change = fire(
      rule,
      alertIdOf(rule.id, 'q', queue, now),
      {
        subject: { queue, agent: null, team, callId: null },
        severity: critical ? 'critical' : 'warning',
        figure: rule.figure,
        window: rule.window,
        value,
        threshold: critical ? rule.critical : rule.warn,
        since: since!,
        dueAt: null,
        level: null,
      },
      now,
    )
    return { track: { since, criticalSince, alertId: change.alert.id, quietUntil: null, snoozed: false }, change }
  }
  return { track: { since, criticalSince, alertId: null, quietUntil, snoozed }, change: null }
}

// ——— agent rules ————————————————————————————————————————————————————————————————————————————————

/** What an agent alert's `figure` says: the state, with the pause reason when the rule names one. */
export function agentFigureName(rule: AgentRule): string {
  return rule.reason === null ? rule.state : `${rule.state}:${rule.reason}`
}

/** Decides one agent rule for one agent (undefined: the agent is gone, so not in the state). */
export function evaluateAgentRule(
  rule: AgentRule,
  agent: AgentFigures | undefined,
  track: Track,
  open: Alert | null,
  now: number,
  timeZone: string,
  teamHours: TeamHours,
): Decision {
  const inState =
    agent !== undefined &&
    agent.since !== null &&
    agent.state === rule.state &&
    (rule.reason === null || agent.reason === rule.reason)
  const quietUntil = stillQuiet(track, now)
  if (open) {
    const seconds = Math.max(0, Math.floor((now - open.since) / 1000))
    if (!rule.enabled) return { track: { ...IDLE, quietUntil }, change: retireAlert(open, now) }
    if (!inState)
      return { track: { ...IDLE, quietUntil: cooldownEnd(rule, now) }, change: resolved(open, now, 'figure', seconds) }
    return { track: { ...IDLE, alertId: open.id, quietUntil }, change: null }
  }
  const snoozed = track.snoozed && inState
  const active = rule.enabled && isActive(hoursFor(rule, agent?.team ?? null, teamHours), now, timeZone)
  if (inState && active && !snoozed && quietUntil === null && now - agent.since! >= rule.overSec * 1000) {
    const change = fire(
      rule,
      alertIdOf(rule.id, 'a', agent.id, now),
      {
        subject: { queue: agent.callQueue, agent: agent.id, team: agent.team, callId: agent.callId },
        severity: 'warning',
        figure: agentFigureName(rule),
        value: Math.floor((now - agent.since!) / 1000),
        threshold: rule.overSec,
        since: agent.since!,
        dueAt: null,
        level: null,
      },
      now,
    )
    return { track: { ...IDLE, alertId: change.alert.id }, change }
  }
  return { track: { ...IDLE, quietUntil, snoozed }, change: null }
}

// ——— event rules ————————————————————————————————————————————————————————————————————————————————

/** A survey response as the engine sees it: queue and agent filled in from the answered call when the event left them out. */
export interface SurveyResponse {
  /** the event's id: its task's id is made from it, so a replayed event never makes a second task */
  id: string
  ts: number
  callId: string | null
  queue: string | null
  agent: string | null
  csat: number | null
  nps: number | null
}

/** Whether a response triggers a rule: a detractor (NPS 0–6) or a dissatisfied customer (CSAT ≤ 2). */
export function triggers(trigger: EventRule['trigger'], s: Pick<SurveyResponse, 'csat' | 'nps'>): boolean {
  return trigger === 'detractor' ? s.nps !== null && s.nps <= 6 : s.csat !== null && s.csat <= 2
}

/**
 * The call-back task a survey response creates under an event rule, or null. `team` is the agent's
 * team (from the agent figures), else the queue's. Owned by the first escalation level, due
 * `dueMin` after the response.
 */
export function surveyTask(rule: EventRule, survey: SurveyResponse, team: string | null, now: number): Change | null {
  if (!rule.enabled || !triggers(rule.trigger, survey)) return null
  const scope = rule.scope
  if ('queue' in scope ? survey.queue !== scope.queue : 'team' in scope ? team !== scope.team : false) return null
  const detractor = rule.trigger === 'detractor'
  return fire(
    rule,
    alertIdOf(rule.id, 'survey', survey.id),
    {
      subject: { queue: survey.queue, agent: survey.agent, team, callId: survey.callId },
      severity: 'warning',
      figure: detractor ? 'nps' : 'csat',
      value: detractor ? survey.nps : survey.csat,
      threshold: detractor ? 6 : 2,
      since: survey.ts,
      dueAt: survey.ts + rule.dueMin * 60_000,
      level: rule.escalation[0]!.level,
    },
    now,
  )
}

/** The level after `level` in a rule's escalation, if any. */
export function nextLevel(rule: EventRule, level: EscalationLevel | null): EscalationLevel | null {
  const rank = level === null ? -1 : ESCALATION_LEVELS.indexOf(level)
  return rule.escalation.find((e) => ESCALATION_LEVELS.indexOf(e.level) > rank)?.level ?? null
}

/**
 * A task not acknowledged by its due time escalates to the next level, due `dueMin` later again
 * (within active hours only). The last level stays overdue: there is no one above to tell.
 */
export function escalateTask(
  rule: EventRule | undefined,
  alert: Alert,
  now: number,
  timeZone: string,
  teamHours: TeamHours,
): Change | null {
  if (!rule?.enabled || alert.state !== 'firing' || alert.dueAt === null || now < alert.dueAt) return null
  if (!isActive(hoursFor(rule, alert.subject.team, teamHours), now, timeZone)) return null
  const level = nextLevel(rule, alert.level)
  if (level === null) return null
  return step(alert, 'escalated', now, null, { level, dueAt: now + rule.dueMin * 60_000, severity: 'critical' })
}
