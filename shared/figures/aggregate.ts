// applyEvent(state, event) → state: the functional core of the aggregator. Deterministic and free
// of I/O; each event touches one call, one agent or one survey and the buckets of its time, so it
// costs O(1). A late or out-of-order event takes back what the old record contributed and adds
// what the new one does, so the counters equal those of the sorted log whatever the arrival order.
import type { Definition } from '../definitions.js'
import { MAX_ROLLING_MINUTES } from '../definitions.js'
import type { CallEvent, EventOf, WallboardEvent } from '../events.js'
import {
  type AcwPeriod,
  type AgentRecord,
  type AnsweredCall,
  acwPeriods,
  insertCall,
  insertPoint,
  membershipOf,
  newAgent,
  pruneAgent,
  removeCall,
} from './agents.js'
import { BusinessCalendar } from './calendar.js'
import {
  type CallRecord,
  type Contribution,
  callContributions,
  callKey,
  isFinished,
  isRinging,
  isTalking,
  isWaiting,
  mergeCallEvent,
  newCall,
  outcomeOf,
} from './calls.js'
import { type Counters, type Delta, addCounters, applyDelta, emptyCounters, isEmpty } from './counters.js'
import { Table } from './table.js'

export type AgentCallRow = [answeredAt: number, queue: string, endedAt: number | null]

/** The tables that make up the saved state; everything else in AggregateState is rebuilt by reindex(). */
export const SAVED_TABLES = ['calls', 'agents', 'queues', 'buckets', 'answered', 'pendingSurveys', 'agentCalls'] as const
export type SavedTable = (typeof SAVED_TABLES)[number]

/** Fields of a table's rows that are saved in another table and must be left out of the row. */
export const SAVED_APART: Partial<Record<SavedTable, readonly string[]>> = { agents: ['calls'] }

const agentCallKey = (agent: string, key: string) => `${agent}\u0000${key}`

function saveCall(s: AggregateState, agent: string, c: AnsweredCall): void {
  s.agentCalls.set(agentCallKey(agent, c[2]), [c[0], c[1], c[3]])
}

function forgetCalls(s: AggregateState, agent: string, calls: AnsweredCall[]): void {
  for (const c of calls) s.agentCalls.delete(agentCallKey(agent, c[2]))
}

export interface QueueRecord {
  id: string
  firstTs: number
}

/** The answered visit of a call id: where its surveys belong. */
export interface AnsweredVisit {
  queue: string
  agent: string
  answeredAt: number
}

/**
 * A survey response about a call (kept by call id for `surveyMatchMs`): the parts its event did not
 * name (queue, agent) follow the call's answered visit, also when an earlier visit arrives late; its
 * id makes a re-applied survey count once.
 */
export interface PendingSurvey {
  id: string
  ts: number
  csat: number | null
  nps: number | null
  /** as named by the event */
  queue: string | null
  agent: string | null
  /** which parts follow the visit */
  needsQueue: boolean
  needsAgent: boolean
}

/** Which definition applies where: per queue, and the centre's for agent-level buckets. */
export interface Definitions {
  forQueue(queue: string): Definition
  centre: Definition
}

export interface AggregateState {
  calls: Table<CallRecord>
  agents: Table<AgentRecord>
  queues: Table<QueueRecord>
  /** `q|date|queue` day, `s|epochSec|queue` second (rolling), `a|date|agent` agent day */
  buckets: Table<Counters>
  answered: Table<AnsweredVisit>
  pendingSurveys: Table<PendingSurvey[]>
  /**
   * An agent's answered calls, one row each (`agent\0callKey` → [answered at, queue, ended at]).
   * The agent's row leaves them out (SAVED_APART), so a call event rewrites a few bytes, not the
   * agent's whole recent history.
   */
  agentCalls: Table<AgentCallRow>
  // Derived indexes, rebuilt from the tables by reindex(); never saved.
  waiting: Map<string, Set<string>>
  talking: Map<string, Set<string>>
  ringing: Map<string, Set<string>>
  seconds: Map<string, Map<number, Counters>>
  /** the same seconds summed per minute, so a 30-minute window costs ~150 additions, not 1,800 */
  minutes: Map<string, Map<number, Counters>>
  /** what changed since the shell last pushed figures */
  touchedQueues: Set<string>
  touchedAgents: Set<string>
}

export function emptyState(): AggregateState {
  return {
    calls: new Table(),
    agents: new Table(),
    queues: new Table(),
    buckets: new Table(),
    answered: new Table(),
    pendingSurveys: new Table(),
    agentCalls: new Table(),
    waiting: new Map(),
    talking: new Map(),
    ringing: new Map(),
    seconds: new Map(),
    minutes: new Map(),
    touchedQueues: new Set(),
    touchedAgents: new Set(),
  }
}

const calendars = new Map<string, BusinessCalendar>()
export function calendarOf(def: Definition): BusinessCalendar {
  const k = `${def.timezone}|${def.dayStartHour}`
  let c = calendars.get(k)
  if (!c) {
    c = new BusinessCalendar(def.timezone, def.dayStartHour)
    calendars.set(k, c)
  }
  return c
}

export const bucketKey = {
  queueDay: (queue: string, date: string) => `q|${date}|${queue}`,
  second: (queue: string, sec: number) => `s|${sec}|${queue}`,
  agentDay: (agent: string, date: string) => `a|${date}|${agent}`,
}

export function parseBucketKey(key: string): { kind: 'q' | 's' | 'a'; time: string; scope: string } | null {
  const a = key.indexOf('|')
  const b = key.indexOf('|', a + 1)
  if (a !== 1 || b < 0) return null
  const kind = key[0]
  if (kind !== 'q' && kind !== 's' && kind !== 'a') return null
  return { kind, time: key.slice(a + 1, b), scope: key.slice(b + 1) }
}

function indexAdd(index: Map<string, Set<string>>, k: string, v: string): void {
  let s = index.get(k)
  if (!s) index.set(k, (s = new Set()))
  s.add(v)
}

function indexRemove(index: Map<string, Set<string>>, k: string, v: string): void {
  const s = index.get(k)
  if (s?.delete(v) && s.size === 0) index.delete(k)
}

function bump(s: AggregateState, key: string, delta: Delta, sign: 1 | -1): Counters | null {
  let b = s.buckets.get(key)
  if (!b) b = emptyCounters()
  applyDelta(b, delta, sign)
  if (isEmpty(b)) {
    s.buckets.delete(key)
    return null
  }
  s.buckets.set(key, b)
  return b
}

function addContribution(s: AggregateState, c: Contribution, sign: 1 | -1, defs: Definitions): void {
  if (c.queue !== null) {
    const def = defs.forQueue(c.queue)
    bump(s, bucketKey.queueDay(c.queue, calendarOf(def).dateOf(c.at)), c.delta, sign)
    const sec = Math.floor(c.at / 1000)
    const b = bump(s, bucketKey.second(c.queue, sec), c.delta, sign)
    let perQueue = s.seconds.get(c.queue)
    if (!perQueue) s.seconds.set(c.queue, (perQueue = new Map()))
    if (b) perQueue.set(sec, b)
    else perQueue.delete(sec)
    addToMinute(s, c.queue, Math.floor(sec / 60), c.delta, sign)
    s.touchedQueues.add(c.queue)
  }
  if (c.agent !== null) {
    bump(s, bucketKey.agentDay(c.agent, calendarOf(defs.centre).dateOf(c.at)), c.delta, sign)
    s.touchedAgents.add(c.agent)
  }
}

function addToMinute(s: AggregateState, queue: string, minute: number, delta: Delta, sign: 1 | -1): void {
  let perQueue = s.minutes.get(queue)
  if (!perQueue) s.minutes.set(queue, (perQueue = new Map()))
  let m = perQueue.get(minute)
  if (!m) perQueue.set(minute, (m = emptyCounters()))
  applyDelta(m, delta, sign)
  if (isEmpty(m)) perQueue.delete(minute)
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  if (a.at !== b.at || a.queue !== b.queue || a.agent !== b.agent) return false
  const ka = Object.keys(a.delta)
  if (ka.length !== Object.keys(b.delta).length) return false
  return ka.every((k) => a.delta[k as keyof Delta] === b.delta[k as keyof Delta])
}

/** Takes back the contributions that are gone and adds the new ones; identical ones cost nothing. */
function replaceContributions(s: AggregateState, before: Contribution[], after: Contribution[], defs: Definitions): void {
  const unchanged = new Set<number>()
  for (const old of before) {
    const j = after.findIndex((c, i) => !unchanged.has(i) && sameContribution(c, old))
    if (j >= 0) unchanged.add(j)
    else addContribution(s, old, -1, defs)
  }
  after.forEach((c, i) => {
    if (!unchanged.has(i)) addContribution(s, c, 1, defs)
  })
}

function ensureQueue(s: AggregateState, id: string, ts: number): void {
  const q = s.queues.get(id)
  if (!q) {
    s.queues.set(id, { id, firstTs: ts })
    s.touchedQueues.add(id)
  } else if (ts < q.firstTs) {
    q.firstTs = ts
    s.queues.touch(id)
  }
}

function ensureAgent(s: AggregateState, id: string): AgentRecord {
  let a = s.agents.get(id)
  if (!a) {
    a = newAgent(id)
    s.agents.set(id, a)
  }
  return a
}

function touchAgentQueues(s: AggregateState, a: AgentRecord): void {
  for (const q of membershipOf(a)) s.touchedQueues.add(q)
  s.touchedAgents.add(a.id)
}

function learnQueue(s: AggregateState, a: AgentRecord, queue: string): void {
  if (!a.learnedQueues.includes(queue)) {
    a.learnedQueues.push(queue)
    a.learnedQueues.sort()
    s.agents.touch(a.id)
  }
}

function acwContribution(agent: string, p: AcwPeriod): Contribution {
  return { at: p[1], queue: p[2], agent, delta: { acwMs: p[3] } }
}

/** Recomputes the agent's finished ACW periods and replaces what they contribute. */
function refreshAcw(s: AggregateState, a: AgentRecord, defs: Definitions): void {
  const next = acwPeriods(a)
  const same = next.length === a.acw.length && next.every((p, i) => p.every((v, j) => v === a.acw[i]![j]))
  if (same) return
  replaceContributions(
    s,
    a.acw.map((p) => acwContribution(a.id, p)),
    next.map((p) => acwContribution(a.id, p)),
    defs,
  )
  a.acw = next
  s.agents.touch(a.id)
}

function applyCallEvent(s: AggregateState, e: CallEvent, defs: Definitions): void {
  const key = callKey(e.queue, e.callId)
  ensureQueue(s, e.queue, e.ts)
  const existing = s.calls.get(key)
  const r = existing ?? newCall(e.queue, e.callId, e.ts)
  const def = defs.forQueue(e.queue)
  const before = existing ? callContributions(r, def) : []
  const was = {
    talking: isTalking(r) ? r.agent : null,
    ringing: isRinging(r) ? r.ringAgent : null,
    answeredBy: r.agent,
    answeredAt: r.answeredAt,
    endedAt: r.endedAt,
  }
  // The agent an event names learns the queue even when another ring or answer wins the record, so
  // which agents exist does not depend on arrival order.
  if (e.type === 'call.ringing' || e.type === 'call.answered') {
    const a = ensureAgent(s, e.agent)
    if (!a.learnedQueues.includes(e.queue)) {
      learnQueue(s, a, e.queue)
      touchAgentQueues(s, a)
    }
  }
  if (!mergeCallEvent(r, e) && existing) return
  s.calls.set(key, r)
  replaceContributions(s, before, callContributions(r, def), defs)

  if (isWaiting(r)) indexAdd(s.waiting, r.queue, key)
  else indexRemove(s.waiting, r.queue, key)
  s.touchedQueues.add(r.queue)

  const talking = isTalking(r) ? r.agent : null
  if (was.talking !== talking) {
    if (was.talking !== null) indexRemove(s.talking, was.talking, key)
    if (talking !== null) indexAdd(s.talking, talking, key)
  }
  const ringing = isRinging(r) ? r.ringAgent : null
  if (was.ringing !== ringing) {
    if (was.ringing !== null) indexRemove(s.ringing, was.ringing, key)
    if (ringing !== null) indexAdd(s.ringing, ringing, key)
  }
  for (const id of new Set([was.talking, talking, was.ringing, ringing, r.ringAgent, r.agent])) {
    if (id === null) continue
    const a = ensureAgent(s, id)
    learnQueue(s, a, r.queue)
    touchAgentQueues(s, a)
  }

  if (
    r.agent !== null &&
    r.answeredAt !== null &&
    (r.agent !== was.answeredBy || r.answeredAt !== was.answeredAt || r.endedAt !== was.endedAt)
  ) {
    if (was.answeredBy !== null && was.answeredBy !== r.agent) {
      const old = s.agents.get(was.answeredBy)
      if (old && removeCall(old, key)) {
        s.agentCalls.delete(agentCallKey(old.id, key))
        refreshAcw(s, old, defs)
      }
    }
    const a = ensureAgent(s, r.agent)
    const call: AnsweredCall = [r.answeredAt, r.queue, key, r.endedAt]
    forgetCalls(s, a.id, insertCall(a, call, was.answeredBy === a.id ? was.answeredAt : null))
    saveCall(s, a.id, call)
    refreshAcw(s, a, defs)
    recordAnsweredVisit(s, r, defs)
  }
}

/** Visits compare by answer time, then queue and agent: the earliest is the call's, whatever the order. */
function earlierVisit(a: AnsweredVisit, b: AnsweredVisit): boolean {
  if (a.answeredAt !== b.answeredAt) return a.answeredAt < b.answeredAt
  return a.queue !== b.queue ? a.queue < b.queue : a.agent < b.agent
}

function recordAnsweredVisit(s: AggregateState, r: CallRecord, defs: Definitions): void {
  if (r.agent === null || r.answeredAt === null) return
  const old = s.answered.get(r.callId)
  const visit: AnsweredVisit = { queue: r.queue, agent: r.agent, answeredAt: r.answeredAt }
  if (old && !earlierVisit(visit, old)) return
  s.answered.set(r.callId, visit)
  // Surveys that followed the old visit move to the new one.
  for (const p of s.pendingSurveys.get(r.callId) ?? []) {
    if (old) applySurveyParts(s, p, p.needsQueue ? old.queue : null, p.needsAgent ? old.agent : null, defs, -1)
    applySurveyParts(s, p, p.needsQueue ? visit.queue : null, p.needsAgent ? visit.agent : null, defs, 1)
  }
}

function surveyDelta(csat: number | null, nps: number | null, def: Definition): Delta {
  const d: Delta = {}
  if (csat !== null) {
    d.csatResponses = 1
    if (csat >= def.csatTopBox) d.csatSatisfied = 1
    if (csat <= def.csatLowBox) d.csatDissatisfied = 1
  }
  if (nps !== null) {
    d.npsResponses = 1
    if (nps >= 9) d.npsPromoters = 1
    if (nps <= 6) d.npsDetractors = 1
  }
  return d
}

function applySurveyParts(
  s: AggregateState,
  p: PendingSurvey,
  queue: string | null,
  agent: string | null,
  defs: Definitions,
  sign: 1 | -1,
): void {
  if (queue !== null) {
    ensureQueue(s, queue, p.ts)
    addContribution(s, { at: p.ts, queue, agent: null, delta: surveyDelta(p.csat, p.nps, defs.forQueue(queue)) }, sign, defs)
  }
  if (agent !== null) {
    ensureAgent(s, agent)
    addContribution(s, { at: p.ts, queue: null, agent, delta: surveyDelta(p.csat, p.nps, defs.centre) }, sign, defs)
  }
}

function applySurvey(s: AggregateState, e: EventOf<'survey.response'>, defs: Definitions): void {
  const csat = e.csat ?? null
  const nps = e.nps ?? null
  if (csat === null && nps === null) {
    if (e.queue) ensureQueue(s, e.queue, e.ts)
    return
  }
  const p: PendingSurvey = {
    id: e.id,
    ts: e.ts,
    csat,
    nps,
    queue: e.queue ?? null,
    agent: e.agent ?? null,
    needsQueue: e.queue === undefined && e.callId !== undefined,
    needsAgent: e.agent === undefined && e.callId !== undefined,
  }
  if (e.callId === undefined) {
    applySurveyParts(s, p, p.queue, p.agent, defs, 1)
    return
  }
  const list = s.pendingSurveys.get(e.callId) ?? []
  if (list.some((x) => x.id === p.id)) return
  const visit = s.answered.get(e.callId)
  applySurveyParts(s, p, p.queue ?? visit?.queue ?? null, p.agent ?? visit?.agent ?? null, defs, 1)
  list.push(p)
  s.pendingSurveys.set(e.callId, list)
}

function applyAgentState(s: AggregateState, e: EventOf<'agent.state'>, defs: Definitions): void {
  const a = ensureAgent(s, e.agent)
  const oldQueues = membershipOf(a)
  let changed = false
  // Newest event time wins; at equal times the larger value, so arrival order never matters.
  if (e.name !== undefined && (e.ts > a.nameTs || (e.ts === a.nameTs && e.name > (a.name ?? '')))) {
    a.name = e.name
    a.nameTs = e.ts
    changed = true
  }
  if (e.team !== undefined && (e.ts > a.teamTs || (e.ts === a.teamTs && e.team > (a.team ?? '')))) {
    a.team = e.team
    a.teamTs = e.ts
    changed = true
  }
  if (e.queues !== undefined) {
    const next = [...new Set(e.queues)].sort()
    // Every queue named is known, not only those of the newest list, so arrival order never matters.
    for (const q of next) ensureQueue(s, q, e.ts)
    const newer = e.ts > a.membershipTs || (e.ts === a.membershipTs && next.join('\u0000') > (a.membership ?? []).join('\u0000'))
    if (newer) {
      a.membership = next
      a.membershipTs = e.ts
      changed = true
    }
  }
  if (insertPoint(a, [e.ts, e.state, e.state === 'paused' ? (e.reason ?? null) : null, e.id])) {
    changed = true
    refreshAcw(s, a, defs)
  }
  if (!changed) return
  s.agents.touch(a.id)
  for (const q of oldQueues) s.touchedQueues.add(q)
  touchAgentQueues(s, a)
}

/** Applies one validated event. Mutates and returns the state (see the module header). */
export function applyEvent(s: AggregateState, e: WallboardEvent, defs: Definitions): AggregateState {
  switch (e.type) {
    case 'agent.state':
      applyAgentState(s, e, defs)
      break
    case 'survey.response':
      applySurvey(s, e, defs)
      break
    case 'call.disposition':
      // Kept in the log for first-contact resolution; no figure of this release reads it.
      if (e.queue !== undefined) ensureQueue(s, e.queue, e.ts)
      break
    default:
      applyCallEvent(s, e, defs)
  }
  return s
}

export interface RetentionOptions {
  /** finished visits are kept this long after their last event, so late events still merge */
  finishedCallMs: number
  /** a visit with no outcome or no end and no event for this long is dropped from live state */
  openCallMs: number
  /** agent state history kept for late events (ACW is recomputed within it) */
  agentHistoryMs: number
  /** answered visits and pending surveys kept for survey attribution */
  surveyMatchMs: number
}

export const DEFAULT_RETENTION: RetentionOptions = {
  finishedCallMs: 6 * 3600_000,
  openCallMs: 12 * 3600_000,
  agentHistoryMs: 2 * 3600_000,
  surveyMatchMs: 48 * 3600_000,
}

/**
 * Forgets what no late event can change any more. What was counted stays counted; only the
 * records that would let a later event take it back are released.
 */
export function prune(s: AggregateState, nowMs: number, opts: RetentionOptions = DEFAULT_RETENTION): void {
  for (const [key, r] of s.calls.rows) {
    const age = nowMs - r.lastTs
    if ((isFinished(r) && age > opts.finishedCallMs) || age > opts.openCallMs) {
      s.calls.delete(key)
      indexRemove(s.waiting, r.queue, key)
      if (r.agent !== null) indexRemove(s.talking, r.agent, key)
      if (r.ringAgent !== null) indexRemove(s.ringing, r.ringAgent, key)
      if (!isFinished(r)) s.touchedQueues.add(r.queue)
    }
  }
  const oldestSecond = Math.floor(nowMs / 1000) - MAX_ROLLING_MINUTES * 60 - 60
  for (const [queue, perQueue] of s.seconds) {
    for (const sec of perQueue.keys()) {
      if (sec < oldestSecond) {
        perQueue.delete(sec)
        s.buckets.delete(bucketKey.second(queue, sec))
      }
    }
    if (perQueue.size === 0) s.seconds.delete(queue)
  }
  for (const [queue, perQueue] of s.minutes) {
    for (const minute of perQueue.keys()) if (minute * 60 < oldestSecond - 60) perQueue.delete(minute)
    if (perQueue.size === 0) s.minutes.delete(queue)
  }
  for (const [id, a] of s.agents.rows) {
    const before = a.calls.slice()
    if (pruneAgent(a, nowMs - opts.agentHistoryMs)) s.agents.touch(id)
    // Pruning drops the oldest calls only.
    forgetCalls(s, id, before.slice(0, before.length - a.calls.length))
  }
  for (const [callId, v] of s.answered.rows) {
    if (nowMs - v.answeredAt > opts.surveyMatchMs) s.answered.delete(callId)
  }
  for (const [callId, list] of s.pendingSurveys.rows) {
    const kept = list.filter((p) => nowMs - p.ts <= opts.surveyMatchMs)
    if (kept.length === 0) s.pendingSurveys.delete(callId)
    else if (kept.length !== list.length) s.pendingSurveys.set(callId, kept)
  }
}

/** Rebuilds the derived indexes from the tables (after loading saved state). */
export function reindex(s: AggregateState): void {
  s.waiting.clear()
  s.talking.clear()
  s.ringing.clear()
  s.seconds.clear()
  s.minutes.clear()
  for (const a of s.agents.rows.values()) a.calls = []
  for (const [rowKey, [answeredAt, queue, endedAt]] of s.agentCalls.rows) {
    const cut = rowKey.indexOf('\u0000')
    const a = s.agents.get(rowKey.slice(0, cut))
    if (a) insertCall(a, [answeredAt, queue, rowKey.slice(cut + 1), endedAt], null)
  }
  for (const [key, r] of s.calls.rows) {
    if (isWaiting(r)) indexAdd(s.waiting, r.queue, key)
    if (isTalking(r) && r.agent !== null) indexAdd(s.talking, r.agent, key)
    if (isRinging(r) && r.ringAgent !== null) indexAdd(s.ringing, r.ringAgent, key)
  }
  for (const [key, counters] of s.buckets.rows) {
    const k = parseBucketKey(key)
    if (k?.kind !== 's') continue
    let perQueue = s.seconds.get(k.scope)
    if (!perQueue) s.seconds.set(k.scope, (perQueue = new Map()))
    perQueue.set(Number(k.time), counters)
    let minutes = s.minutes.get(k.scope)
    if (!minutes) s.minutes.set(k.scope, (minutes = new Map()))
    const minute = Math.floor(Number(k.time) / 60)
    let m = minutes.get(minute)
    if (!m) minutes.set(minute, (m = emptyCounters()))
    addCounters(m, counters)
  }
}

export { outcomeOf }
