// applyEvent(state, event) → state: the functional core of the aggregator. Deterministic and free
// of I/O; each event touches one call, one agent, one caller or one survey and the buckets of its
// time, so it costs O(1). A late or out-of-order event takes back what the old records contributed
// and adds what the new ones do, so the counters equal those of the sorted log whatever the order.
//
// Buckets, by key: `q|date|queue` a queue's business day, `i|startMs|queue` an interval (15 or 30
// minutes, aligned to the local clock), `m|minute|queue` a minute and `s|second|queue` a second
// (the rolling window), `a|date|agent` an agent's business day. Calls count in seconds too, so that
// the rolling window is exact to the second for them; agent time counts by whole minutes.
import type { SourceRow } from '../sources.js'
import type { Definition } from '../definitions.js'
import { MAX_FCR_WINDOW_HOURS, MAX_ROLLING_MINUTES } from '../definitions.js'
import type { CallEvent, EventOf, WallboardEvent } from '../events.js'
import {
  type AgentRecord,
  type AnsweredCall,
  type Segment,
  agentSegments,
  capAgentHistory,
  compareSegments,
  insertCall,
  insertMembership,
  insertPoint,
  membershipOf,
  newAgent,
  pruneAgent,
  removeCall,
  segmentKey,
} from './agents.js'
import { BusinessCalendar, zoneOffsetMs } from './calendar.js'
import {
  type CallRecord,
  type CallSummary,
  type Contribution,
  callContributions,
  callKey,
  isFinished,
  isRinging,
  isTalking,
  isWaiting,
  mergeCallEvent,
  newCall,
  outcomeKindOf,
  outcomeOf,
  summaryOf,
} from './calls.js'
import { type Counters, type Delta, addCounters, applyDelta, completeCounters, emptyCounters, isEmpty } from './counters.js'
import { Table } from './table.js'

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

export type AgentCallRow = [answeredAt: number, queue: string, endedAt: number | null]

/** A caller's queue entry, for first-contact resolution: [queued at, queue, call id]. */
export type ArrivalRow = [queuedAt: number, queue: string, callId: string]

/** A handled call waiting on (or holding) its first-contact-resolution verdict. */
export interface FcrRecord {
  callId: string
  caller: string
  queue: string
  endedAt: number
  /** the verdict currently counted: repeat (true), resolved (false) */
  repeat: boolean
}

/** The newest outcome code of a call id: [event time, resolved (null: not said), event id]. */
export type DispositionRow = [ts: number, resolved: boolean | null, id: string]

/** The tables that make up the saved state; everything else in AggregateState is rebuilt by reindex(). */
export const SAVED_TABLES = [
  'calls',
  'agents',
  'queues',
  'buckets',
  'answered',
  'pendingSurveys',
  'agentCalls',
  'arrivals',
  'fcr',
  'dispositions',
  'history',
  'archivedCalls',
  'sources',
] as const
export type SavedTable = (typeof SAVED_TABLES)[number]

/** Saved tables that are only ever written, to an archive the store keeps apart, and never loaded back. */
export const ARCHIVE_TABLES = ['history', 'archivedCalls'] as const satisfies readonly SavedTable[]
export type ArchiveTable = (typeof ARCHIVE_TABLES)[number]

/** Fields of a table's rows that are saved in another table and must be left out of the row. */
export const SAVED_APART: Partial<Record<SavedTable, readonly string[]>> = { agents: ['calls'] }

/** Which definition applies to a queue (or the centre) at an instant; see DefinitionBook. */
export interface Definitions {
  forQueue(queue: string, atMs?: number): Definition
  forCentre(atMs?: number): Definition
  /** When the version in force for a queue (null: the centre) at `atMs` took effect. */
  since(queue: string | null, atMs: number): number
}

/** The same definition everywhere and always (tests, tools). */
export function fixedDefinitions(def: Definition): Definitions {
  return { forQueue: () => def, forCentre: () => def, since: () => Number.NEGATIVE_INFINITY }
}

/**
 * The day bucket an instant counts in, for a queue (null: an agent, on the centre's calendar): the
 * start of its business day, or the start of the definition version in force when that came later
 * the same day. Each version's part of a day has its own bucket, so no bucket mixes two versions.
 */
export function dayBucketStart(defs: Definitions, queue: string | null, atMs: number): number {
  const def = queue === null ? defs.forCentre(atMs) : defs.forQueue(queue, atMs)
  return Math.max(calendarOf(def).dayStartOf(atMs), defs.since(queue, atMs))
}

export interface AggregateState {
  calls: Table<CallRecord>
  agents: Table<AgentRecord>
  queues: Table<QueueRecord>
  buckets: Table<Counters>
  answered: Table<AnsweredVisit>
  pendingSurveys: Table<PendingSurvey[]>
  /**
   * An agent's answered calls, one row each (`agent\0callKey` → [answered at, queue, ended at]).
   * The agent's row leaves them out (SAVED_APART), so a call event rewrites a few bytes, not the
   * agent's whole recent history.
   */
  agentCalls: Table<AgentCallRow>
  /** callers' queue entries, `caller\0callKey` → row, kept for the longest FCR window */
  arrivals: Table<ArrivalRow>
  /** handled calls with a known caller, by call key, kept for their FCR window */
  fcr: Table<FcrRecord>
  dispositions: Table<DispositionRow>
  /**
   * Closed intervals on their way out of memory. Only ever written: the store adds each to what is
   * archived for it (a late event for an archived interval adds to it) and never loads it back.
   */
  history: Table<Counters>
  /**
   * Calls with an outcome on their way out of memory (prune forgot their records), by call key, for
   * the drill-down of the whole business day. Like history, only ever written: the store files each
   * under its queue and the UTC day of its outcome, by call id (a replay overwrites, never adds),
   * and the rows leave memory once saved.
   */
  archivedCalls: Table<CallSummary>
  /** every event source by the `source` its events name (see shared/sources.ts); noted by the shell, which knows when each event was stored */
  sources: Table<SourceRow>
  // Derived indexes, rebuilt from the tables by reindex(); never saved.
  waiting: Map<string, Set<string>>
  talking: Map<string, Set<string>>
  ringing: Map<string, Set<string>>
  seconds: Map<string, Map<number, Counters>>
  minutes: Map<string, Map<number, Counters>>
  intervals: Map<string, Map<number, Counters>>
  callerArrivals: Map<string, Map<string, ArrivalRow>>
  fcrByCaller: Map<string, Set<string>>
  fcrByCallId: Map<string, Set<string>>
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
    arrivals: new Table(),
    fcr: new Table(),
    dispositions: new Table(),
    history: new Table(),
    archivedCalls: new Table(),
    sources: new Table(),
    waiting: new Map(),
    talking: new Map(),
    ringing: new Map(),
    seconds: new Map(),
    minutes: new Map(),
    intervals: new Map(),
    callerArrivals: new Map(),
    fcrByCaller: new Map(),
    fcrByCallId: new Map(),
    touchedQueues: new Set(),
    touchedAgents: new Set(),
  }
}

const calendars = new Map<string, BusinessCalendar>()
/** By definition object too: every bucket an event touches asks, and a book hands out the same objects. */
const calendarsByDefinition = new WeakMap<Definition, BusinessCalendar>()
export function calendarOf(def: Definition): BusinessCalendar {
  let c = calendarsByDefinition.get(def)
  if (c && c.timeZone === def.timezone && c.dayStartHour === def.dayStartHour) return c
  const k = `${def.timezone}|${def.dayStartHour}`
  c = calendars.get(k)
  if (!c) {
    c = new BusinessCalendar(def.timezone, def.dayStartHour)
    calendars.set(k, c)
  }
  calendarsByDefinition.set(def, c)
  return c
}

/** The start of the interval containing an instant: aligned to the local clock (DST-safe). */
export function intervalStart(atMs: number, def: Definition): number {
  const lengthMs = def.intervalMinutes * 60_000
  const local = atMs + zoneOffsetMs(atMs, def.timezone)
  return atMs - (((local % lengthMs) + lengthMs) % lengthMs)
}

export const bucketKey = {
  /** A queue's business day, by the instant it starts (two calendars' days never share a key). */
  queueDay: (queue: string, dayStartMs: number) => `q|${dayStartMs}|${queue}`,
  interval: (queue: string, startMs: number) => `i|${startMs}|${queue}`,
  minute: (queue: string, minute: number) => `m|${minute}|${queue}`,
  second: (queue: string, sec: number) => `s|${sec}|${queue}`,
  agentDay: (agent: string, dayStartMs: number) => `a|${dayStartMs}|${agent}`,
}

export type BucketKind = 'q' | 'i' | 'm' | 's' | 'a'

export function parseBucketKey(key: string): { kind: BucketKind; time: string; scope: string } | null {
  const a = key.indexOf('|')
  const b = key.indexOf('|', a + 1)
  if (a !== 1 || b < 0) return null
  const kind = key[0]
  if (kind !== 'q' && kind !== 'i' && kind !== 'm' && kind !== 's' && kind !== 'a') return null
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

function timeIndex(s: AggregateState, kind: BucketKind): Map<string, Map<number, Counters>> | null {
  return kind === 's' ? s.seconds : kind === 'm' ? s.minutes : kind === 'i' ? s.intervals : null
}

/** Past this many remembered times per kind, the key memo starts again (it only saves work). */
const KEY_MEMO_TIMES = 10_000
const keyMemo: Record<BucketKind, Map<number, Map<string, string>>> = {
  q: new Map(),
  i: new Map(),
  m: new Map(),
  s: new Map(),
  a: new Map(),
}

/**
 * The bucket key `kind|time|scope`, built once per bucket: every event bumps the same few buckets
 * several times, and a key string built anew must be flattened and hashed at each lookup.
 */
export function bucketKeyOf(kind: BucketKind, time: number, scope: string): string {
  const memo = keyMemo[kind]
  let perTime = memo.get(time)
  if (!perTime) {
    if (memo.size >= KEY_MEMO_TIMES) memo.clear()
    memo.set(time, (perTime = new Map()))
  }
  let key = perTime.get(scope)
  if (key === undefined) {
    key = `${kind}|${time}|${scope}`
    perTime.set(scope, key)
  }
  return key
}

function bump(s: AggregateState, kind: BucketKind, time: number, scope: string, delta: Delta, sign: 1 | -1): void {
  const key = bucketKeyOf(kind, time, scope)
  const existing = s.buckets.get(key)
  const b = existing ?? emptyCounters()
  applyDelta(b, delta, sign)
  const index = timeIndex(s, kind)
  if (isEmpty(b)) {
    s.buckets.delete(key)
    index?.get(scope)?.delete(time)
    return
  }
  if (existing) s.buckets.touch(key)
  else s.buckets.set(key, b)
  if (index) {
    let perScope = index.get(scope)
    if (!perScope) index.set(scope, (perScope = new Map()))
    perScope.set(time, b)
  }
}

/**
 * Adds a contribution to the buckets of its time, under the definition in force then. `fine`
 * contributions (calls, surveys) also count per second, so the rolling window is exact for them.
 */
function addContribution(s: AggregateState, c: Contribution, sign: 1 | -1, defs: Definitions, fine = true): void {
  if (c.queue !== null) addToQueue(s, c.queue, c.at, c.delta, sign, defs, fine)
  if (c.agent !== null) {
    bump(s, 'a', dayBucketStart(defs, null, c.at), c.agent, c.delta, sign)
    s.touchedAgents.add(c.agent)
  }
}

function addToQueue(
  s: AggregateState,
  queue: string,
  at: number,
  delta: Delta,
  sign: 1 | -1,
  defs: Definitions,
  fine: boolean,
): void {
  const def = defs.forQueue(queue, at)
  bump(s, 'q', dayBucketStart(defs, queue, at), queue, delta, sign)
  bump(s, 'i', intervalStart(at, def), queue, delta, sign)
  const sec = Math.floor(at / 1000)
  bump(s, 'm', Math.floor(sec / 60), queue, delta, sign)
  if (fine) bump(s, 's', sec, queue, delta, sign)
  s.touchedQueues.add(queue)
}

/** Whether two delta values have the same JSON, without writing it for the usual numbers and strings. */
function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true
  const tx = typeof x
  const ty = typeof y
  // Distinct numbers have distinct JSON unless neither is finite (both are `null`); distinct strings never do.
  if (tx === 'number' && ty === 'number') return !Number.isFinite(x) && !Number.isFinite(y)
  if (tx === 'string' && ty === 'string') return false
  return JSON.stringify(x) === JSON.stringify(y)
}

/** Same fields, each with the same JSON (as a field-by-field JSON comparison would find). */
export function sameDelta(a: Delta, b: Delta): boolean {
  let fields = 0
  for (const _ in b) fields++
  for (const k in a) {
    if (--fields < 0) return false
    if (!sameJson(a[k as keyof Delta], b[k as keyof Delta])) return false
  }
  return fields === 0
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  return a.at === b.at && a.queue === b.queue && a.agent === b.agent && sameDelta(a.delta, b.delta)
}

/** Takes back the contributions that are gone and adds the new ones; identical ones cost nothing. */
function replaceContributions(s: AggregateState, before: Contribution[], after: Contribution[], defs: Definitions): void {
  // A call has at most three contributions: a bit per new one marks those an old one matched.
  if (after.length > 30) {
    replaceManyContributions(s, before, after, defs)
    return
  }
  let unchanged = 0
  for (const old of before) {
    let j = 0
    while (j < after.length && ((unchanged >>> j) & 1 || !sameContribution(after[j]!, old))) j++
    if (j < after.length) unchanged |= 1 << j
    else addContribution(s, old, -1, defs)
  }
  for (let i = 0; i < after.length; i++) if (!((unchanged >>> i) & 1)) addContribution(s, after[i]!, 1, defs)
}

function replaceManyContributions(s: AggregateState, before: Contribution[], after: Contribution[], defs: Definitions): void {
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

function learnQueue(s: AggregateState, a: AgentRecord, queue: string, defs: Definitions): void {
  if (!a.learnedQueues.includes(queue)) {
    a.learnedQueues.push(queue)
    a.learnedQueues.sort()
    s.agents.touch(a.id)
    // Without an explicit membership, the learned queues are the membership the agent's time counts for.
    if (a.memberships.length === 0) refreshSegments(s, a, defs)
  }
}

// ——— agent time ————————————————————————————————————————————————————————————————————————

/** The counter a stretch of time adds to, for the agent and for the queues it concerns. */
function segmentDeltas(seg: Segment, ms: number): { agent: Delta; own: Delta | null; members: Delta } {
  const [, , kind, reason, ,] = seg
  switch (kind) {
    case 'onCall':
      return { agent: { onCallMs: ms, loggedInMs: ms }, own: { onCallMs: ms }, members: { loggedInMs: ms } }
    case 'acw':
      return { agent: { acwMs: ms, loggedInMs: ms }, own: { acwMs: ms }, members: { loggedInMs: ms } }
    case 'available':
      return { agent: { availableMs: ms, loggedInMs: ms }, own: null, members: { availableMs: ms, loggedInMs: ms } }
    case 'paused': {
      const paused = { [reason ?? 'unspecified']: ms }
      return { agent: { pausedMs: paused, loggedInMs: ms }, own: null, members: { pausedMs: paused, loggedInMs: ms } }
    }
  }
}

/** Adds (or takes back) a stretch of agent time, minute by minute, so that every bucket gets its share. */
function applySegment(s: AggregateState, agent: string, seg: Segment, sign: 1 | -1, defs: Definitions): void {
  const [start, end, , , queue, members] = seg
  let from = start
  while (from < end) {
    const to = Math.min(end, (Math.floor(from / 60_000) + 1) * 60_000)
    const d = segmentDeltas(seg, to - from)
    bump(s, 'a', dayBucketStart(defs, null, from), agent, d.agent, sign)
    if (queue !== null && d.own) {
      // Serving a queue's call is time logged in for it, member or not.
      addToQueue(s, queue, from, members.includes(queue) ? d.own : { ...d.own, loggedInMs: to - from }, sign, defs, false)
    }
    for (const q of members) addToQueue(s, q, from, d.members, sign, defs, false)
    from = to
  }
  s.touchedAgents.add(agent)
}

/**
 * Recomputes the agent's finished stretches of time and replaces what they contribute. `changedAt`
 * is the earliest instant the change can touch: only the stretches ending at or after it are
 * recomputed and compared (the others cannot change), so an event costs the agent's recent history.
 */
function refreshSegments(s: AggregateState, a: AgentRecord, defs: Definitions, changedAt = Number.NEGATIVE_INFINITY): void {
  const next = agentSegments(a, changedAt)
  const kept: Segment[] = []
  const before = new Map<string, number>()
  for (const seg of a.segments) {
    if (seg[1] < changedAt) {
      kept.push(seg)
      continue
    }
    const k = segmentKey(seg)
    before.set(k, (before.get(k) ?? 0) + 1)
  }
  const added: Segment[] = []
  for (const seg of next) {
    const k = segmentKey(seg)
    const n = before.get(k) ?? 0
    if (n > 0) before.set(k, n - 1)
    else added.push(seg)
  }
  if (added.length === 0 && !hasPositive(before)) return
  const removed = a.segments.filter((seg) => {
    if (seg[1] < changedAt) return false
    const k = segmentKey(seg)
    const n = before.get(k) ?? 0
    if (n > 0) {
      before.set(k, n - 1)
      return true
    }
    return false
  })
  for (const seg of removed) applySegment(s, a.id, seg, -1, defs)
  for (const seg of added) applySegment(s, a.id, seg, 1, defs)
  a.segments = kept.length === 0 ? next : [...kept, ...next].sort(compareSegments)
  s.agents.touch(a.id)
}

function hasPositive(counts: Map<string, number>): boolean {
  for (const n of counts.values()) if (n !== 0) return true
  return false
}

const agentCallKey = (agent: string, key: string) => `${agent}\u0000${key}`

function forgetCalls(s: AggregateState, agent: string, calls: AnsweredCall[]): void {
  for (const c of calls) s.agentCalls.delete(agentCallKey(agent, c[2]))
}

// ——— first-contact resolution ———————————————————————————————————————————————————————————

function fcrContribution(r: FcrRecord): Contribution {
  return { at: r.endedAt, queue: r.queue, agent: null, delta: { fcrEligible: 1, fcrRepeat: r.repeat ? 1 : 0 } }
}

/** Not resolved at first contact: marked unresolved, or the caller came back within the window. */
function isRepeat(s: AggregateState, r: FcrRecord, defs: Definitions): boolean {
  if (s.dispositions.get(r.callId)?.[1] === false) return true
  const def = defs.forQueue(r.queue, r.endedAt)
  const until = r.endedAt + def.fcrWindowHours * 3600_000
  for (const [queuedAt, queue, callId] of s.callerArrivals.get(r.caller)?.values() ?? []) {
    if (callId === r.callId || queuedAt <= r.endedAt || queuedAt > until) continue
    if (def.fcrScope === 'same-queue' && queue !== r.queue) continue
    return true
  }
  return false
}

function refreshFcr(s: AggregateState, key: string, defs: Definitions): void {
  const r = s.fcr.get(key)
  if (!r) return
  const repeat = isRepeat(s, r, defs)
  if (repeat === r.repeat) return
  addContribution(s, fcrContribution(r), -1, defs)
  r.repeat = repeat
  addContribution(s, fcrContribution(r), 1, defs)
  s.fcr.touch(key)
}

/** Keeps a handled call's FCR record (and what it counts) in step with the call record. */
function syncFcr(s: AggregateState, key: string, call: CallRecord, defs: Definitions): void {
  const old = s.fcr.get(key)
  const eligible = call.caller !== null && call.endedAt !== null && outcomeKindOf(call) === 'answered'
  if (old && (!eligible || old.endedAt !== call.endedAt || old.caller !== call.caller)) {
    addContribution(s, fcrContribution(old), -1, defs)
    s.fcr.delete(key)
    indexRemove(s.fcrByCaller, old.caller, key)
    indexRemove(s.fcrByCallId, old.callId, key)
  } else if (old) return
  if (!eligible) return
  const r: FcrRecord = { callId: call.callId, caller: call.caller!, queue: call.queue, endedAt: call.endedAt!, repeat: false }
  r.repeat = isRepeat(s, r, defs)
  s.fcr.set(key, r)
  indexAdd(s.fcrByCaller, r.caller, key)
  indexAdd(s.fcrByCallId, r.callId, key)
  addContribution(s, fcrContribution(r), 1, defs)
}

/** Keeps a caller's arrivals in step with the call record, and re-judges the caller's earlier calls. */
function syncArrival(s: AggregateState, key: string, call: CallRecord, wasCaller: string | null, defs: Definitions): void {
  // An earlier queue entry of the visit named another caller (or none): the old caller's entry goes.
  if (wasCaller !== null && wasCaller !== call.caller) forgetArrival(s, wasCaller, key, defs)
  if (call.caller === null || call.queuedAt === null) return
  const rowKey = `${call.caller}\u0000${key}`
  const old = s.arrivals.get(rowKey)
  if (old && old[0] === call.queuedAt) return
  const row: ArrivalRow = [call.queuedAt, call.queue, call.callId]
  s.arrivals.set(rowKey, row)
  let perCaller = s.callerArrivals.get(call.caller)
  if (!perCaller) s.callerArrivals.set(call.caller, (perCaller = new Map()))
  perCaller.set(rowKey, row)
  for (const k of s.fcrByCaller.get(call.caller) ?? []) refreshFcr(s, k, defs)
}

function forgetArrival(s: AggregateState, caller: string, key: string, defs: Definitions): void {
  const rowKey = `${caller}\u0000${key}`
  if (!s.arrivals.has(rowKey)) return
  s.arrivals.delete(rowKey)
  const perCaller = s.callerArrivals.get(caller)
  perCaller?.delete(rowKey)
  if (perCaller?.size === 0) s.callerArrivals.delete(caller)
  for (const k of s.fcrByCaller.get(caller) ?? []) refreshFcr(s, k, defs)
}

function applyDisposition(s: AggregateState, e: EventOf<'call.disposition'>, defs: Definitions): void {
  if (e.queue !== undefined) ensureQueue(s, e.queue, e.ts)
  // A code that does not say whether the call was resolved (only a reason) leaves the verdict alone.
  if (e.resolved === undefined) return
  const old = s.dispositions.get(e.callId)
  // The newest outcome code wins; at equal times, the larger event id, so order never matters.
  if (old && old[1] !== null && (old[0] > e.ts || (old[0] === e.ts && old[2] >= e.id))) return
  s.dispositions.set(e.callId, [e.ts, e.resolved, e.id])
  for (const k of s.fcrByCallId.get(e.callId) ?? []) refreshFcr(s, k, defs)
}

// ——— calls ——————————————————————————————————————————————————————————————————————————————

function applyCallEvent(s: AggregateState, e: CallEvent, defs: Definitions): void {
  const key = callKey(e.queue, e.callId)
  ensureQueue(s, e.queue, e.ts)
  const existing = s.calls.get(key)
  const r = existing ?? newCall(e.queue, e.callId, e.ts)
  const defAt = (at: number) => defs.forQueue(r.queue, at)
  const before = existing ? callContributions(r, defAt) : []
  const was = {
    caller: r.caller,
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
      learnQueue(s, a, e.queue, defs)
      touchAgentQueues(s, a)
    }
  }
  if (!mergeCallEvent(r, e) && existing) return
  s.calls.set(key, r)
  replaceContributions(s, before, callContributions(r, defAt), defs)
  syncArrival(s, key, r, was.caller, defs)
  syncFcr(s, key, r, defs)

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
  const ids = [was.talking, talking, was.ringing, ringing, r.ringAgent, r.agent]
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!
    // Each agent once, in the order first named.
    if (id === null || ids.indexOf(id) !== i) continue
    const a = ensureAgent(s, id)
    learnQueue(s, a, r.queue, defs)
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
        refreshSegments(s, old, defs, was.answeredAt ?? Number.NEGATIVE_INFINITY)
      }
    }
    const a = ensureAgent(s, r.agent)
    const call: AnsweredCall = [r.answeredAt, r.queue, key, r.endedAt]
    const previous = was.answeredBy === a.id ? was.answeredAt : null
    insertCall(a, call, previous)
    s.agentCalls.set(agentCallKey(a.id, key), [call[0], call[1], call[3]])
    // The call's time moves from where it was answered (before or now).
    refreshSegments(s, a, defs, Math.min(r.answeredAt, previous ?? r.answeredAt))
    const dropped = capAgentHistory(a)
    if (dropped.length > 0) {
      forgetCalls(s, a.id, dropped)
      s.agents.touch(a.id)
    }
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

// ——— surveys ———————————————————————————————————————————————————————————————————————————

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
    const delta = surveyDelta(p.csat, p.nps, defs.forQueue(queue, p.ts))
    addContribution(s, { at: p.ts, queue, agent: null, delta }, sign, defs)
  }
  if (agent !== null) {
    ensureAgent(s, agent)
    const delta = surveyDelta(p.csat, p.nps, defs.forCentre(p.ts))
    addContribution(s, { at: p.ts, queue: null, agent, delta }, sign, defs)
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

// ——— agent state ———————————————————————————————————————————————————————————————————————

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
  // A change at e.ts alters the stretches from e.ts on, unless it is the first membership: that one
  // also stands for the time before it.
  let changedAt = e.ts
  if (e.queues !== undefined) {
    const next = [...new Set(e.queues)].sort()
    // Every queue named is known, not only those of the newest list, so arrival order never matters.
    for (const q of next) ensureQueue(s, q, e.ts)
    if (insertMembership(a, [e.ts, next, e.id])) {
      changed = true
      if (a.memberships[0]![2] === e.id) changedAt = Number.NEGATIVE_INFINITY
    }
  }
  if (insertPoint(a, [e.ts, e.state, e.state === 'paused' ? (e.reason ?? null) : null, e.id])) changed = true
  if (!changed) return
  refreshSegments(s, a, defs, changedAt)
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
      applyDisposition(s, e, defs)
      break
    default:
      applyCallEvent(s, e, defs)
  }
  return s
}

// ——— retention ——————————————————————————————————————————————————————————————————————————

export interface RetentionOptions {
  /** finished visits are kept this long after their last event, so late events still merge */
  finishedCallMs: number
  /** a visit with no outcome or no end and no event for this long is dropped from live state */
  openCallMs: number
  /** agent state history kept for late events (agent time is recomputed within it) */
  agentHistoryMs: number
  /** answered visits and pending surveys kept for survey attribution */
  surveyMatchMs: number
  /** intervals stay in memory (and revisable) this long, then move to the history table */
  liveIntervalMs: number
  /** day buckets stay in memory this long (intervals hold the same counts for history) */
  liveDayMs: number
}

export const DEFAULT_RETENTION: RetentionOptions = {
  finishedCallMs: 6 * 3600_000,
  openCallMs: 12 * 3600_000,
  agentHistoryMs: 2 * 3600_000,
  surveyMatchMs: 48 * 3600_000,
  liveIntervalMs: 2 * 24 * 3600_000,
  liveDayMs: 3 * 24 * 3600_000,
}

/** Callers' history is kept for the longest FCR window any definition may ask for, plus a margin. */
const FCR_KEEP_MS = (MAX_FCR_WINDOW_HOURS + 2) * 3600_000

/**
 * Forgets what no late event can change any more, and moves closed intervals to history and the
 * summaries of forgotten calls with an outcome to archivedCalls. What was counted stays counted;
 * only the records that would let a later event take it back are released.
 */
export function prune(s: AggregateState, nowMs: number, opts: RetentionOptions = DEFAULT_RETENTION): void {
  for (const [key, r] of s.calls.rows) {
    const age = nowMs - r.lastTs
    if ((isFinished(r) && age > opts.finishedCallMs) || age > opts.openCallMs) {
      s.calls.delete(key)
      // The drill-down still lists it: an abandoned or late call of today outlives its record.
      const summary = summaryOf(r)
      if (summary) s.archivedCalls.set(key, summary)
      indexRemove(s.waiting, r.queue, key)
      if (r.agent !== null) indexRemove(s.talking, r.agent, key)
      if (r.ringAgent !== null) indexRemove(s.ringing, r.ringAgent, key)
      if (!isFinished(r)) s.touchedQueues.add(r.queue)
    }
  }
  const oldestSecond = Math.floor(nowMs / 1000) - MAX_ROLLING_MINUTES * 60 - 60
  for (const [key, b] of s.buckets.rows) {
    const k = parseBucketKey(key)
    if (!k) continue
    const t = Number(k.time)
    if ((k.kind === 's' && t < oldestSecond) || (k.kind === 'm' && t * 60 < oldestSecond - 60)) {
      s.buckets.delete(key)
      timeIndex(s, k.kind)?.get(k.scope)?.delete(t)
    } else if (k.kind === 'i' && t < nowMs - opts.liveIntervalMs) {
      // An archived row not yet saved (and forgotten) is still here: add to it, as the store does.
      const archived = s.history.get(key)
      if (archived) {
        addCounters(archived, b)
        s.history.touch(key)
      } else s.history.set(key, b)
      s.buckets.delete(key)
      s.intervals.get(k.scope)?.delete(t)
    } else if ((k.kind === 'q' || k.kind === 'a') && t < nowMs - opts.liveDayMs) {
      s.buckets.delete(key)
    }
  }
  for (const index of [s.seconds, s.minutes, s.intervals]) {
    for (const [scope, perScope] of index) if (perScope.size === 0) index.delete(scope)
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
  for (const [key, r] of s.fcr.rows) {
    if (nowMs - r.endedAt > FCR_KEEP_MS) {
      s.fcr.delete(key)
      indexRemove(s.fcrByCaller, r.caller, key)
      indexRemove(s.fcrByCallId, r.callId, key)
    }
  }
  for (const [key, row] of s.arrivals.rows) {
    if (nowMs - row[0] > FCR_KEEP_MS) {
      s.arrivals.delete(key)
      const caller = key.slice(0, key.indexOf('\u0000'))
      const perCaller = s.callerArrivals.get(caller)
      perCaller?.delete(key)
      if (perCaller?.size === 0) s.callerArrivals.delete(caller)
    }
  }
  for (const [callId, row] of s.dispositions.rows) if (nowMs - row[0] > FCR_KEEP_MS) s.dispositions.delete(callId)
}

/** Rebuilds the derived indexes from the tables (after loading saved state). */
export function reindex(s: AggregateState): void {
  for (const index of [
    s.waiting,
    s.talking,
    s.ringing,
    s.seconds,
    s.minutes,
    s.intervals,
    s.callerArrivals,
    s.fcrByCaller,
    s.fcrByCallId,
  ]) {
    index.clear()
  }
  for (const a of s.agents.rows.values()) {
    a.calls = []
    // Rows saved by an older release lack these.
    a.memberships ??= []
    a.segments ??= []
  }
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
    completeCounters(counters)
    const k = parseBucketKey(key)
    const index = k ? timeIndex(s, k.kind) : null
    if (!k || !index) continue
    let perScope = index.get(k.scope)
    if (!perScope) index.set(k.scope, (perScope = new Map()))
    perScope.set(Number(k.time), counters)
  }
  for (const [rowKey, row] of s.arrivals.rows) {
    const caller = rowKey.slice(0, rowKey.indexOf('\u0000'))
    let perCaller = s.callerArrivals.get(caller)
    if (!perCaller) s.callerArrivals.set(caller, (perCaller = new Map()))
    perCaller.set(rowKey, row)
  }
  for (const [key, r] of s.fcr.rows) {
    indexAdd(s.fcrByCaller, r.caller, key)
    indexAdd(s.fcrByCallId, r.callId, key)
  }
}

export { outcomeOf }
