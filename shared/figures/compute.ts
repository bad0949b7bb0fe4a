// figures(state, definitions, now): the figures of every queue and agent at one instant.
// Pure: `now` is a parameter, so day boundaries and sliding windows are plain unit tests.
import { definitionLabel } from '../definition-text.js'
import type { Definition } from '../definitions.js'
import { staffing } from '../erlang.js'
import { type AgentRecord, currentPoint, membershipOf, openSegmentStart, ownStateSince } from './agents.js'
import { type AggregateState, type Definitions, bucketKey, calendarOf, dayBucketStart } from './aggregate.js'
import { type CallSummary, outcomeOf, summaryOf } from './calls.js'
import { type Counters, addCounters, emptyCounters } from './counters.js'
import { computeRatios, fcrFigures, publicCounters } from './ratios.js'
import type { AgentCounts, AgentFigures, AgentLiveState, QueueFigures, Staffing, WindowFigures } from './schema.js'

export type WindowName = 'today' | 'rolling'

/** The counters of a stretch of time, split by whether its FCR windows have closed. */
export interface WindowCounters {
  counters: Counters
  from: number
  /** FCR counts of the part whose windows have closed, and of the part still open */
  fcrClosed: Counters
  fcrOpen: Counters
}

export function windowFigures(w: WindowCounters, def: Definition, window: WindowName, to: number): WindowFigures {
  return {
    window,
    from: w.from,
    to,
    ...publicCounters(w.counters),
    ...computeRatios(w.counters, def),
    ...fcrFigures(w.fcrClosed, w.fcrOpen),
  }
}

const fcrWindowMs = (def: Definition) => def.fcrWindowHours * 3600_000

/**
 * Counters of the business day that contains `nowMs`, and when that day started: on the day a
 * definition version took effect, when it did (the earlier part of the day is the older version's).
 */
export function todayCounters(s: AggregateState, queue: string, defs: Definitions, nowMs: number): WindowCounters {
  const def = defs.forQueue(queue, nowMs)
  const from = dayBucketStart(defs, queue, nowMs)
  const until = calendarOf(def).dayEndOf(nowMs)
  const fcrClosed = emptyCounters()
  const fcrOpen = emptyCounters()
  // FCR by interval: an interval's calls are judged once its last call's window has closed.
  for (const [start, c] of s.intervals.get(queue) ?? []) {
    if (start < from || start >= until) continue
    const closes = start + def.intervalMinutes * 60_000 + fcrWindowMs(def)
    const into = closes <= nowMs ? fcrClosed : fcrOpen
    into.fcrEligible += c.fcrEligible
    into.fcrRepeat += c.fcrRepeat
  }
  return { counters: s.buckets.get(bucketKey.queueDay(queue, from)) ?? emptyCounters(), from, fcrClosed, fcrOpen }
}

/**
 * Counters of the last `minutes`, to the second for calls: the whole seconds ending with the
 * current one. Whole minutes come from the minute buckets, the ragged ends second by second (agent
 * time is counted by whole minutes only).
 */
export function rollingCounters(
  s: AggregateState,
  queue: string,
  minutes: number,
  nowMs: number,
  def: Definition,
): WindowCounters {
  const nowSec = Math.floor(nowMs / 1000)
  const firstSec = nowSec - minutes * 60 + 1
  const sum = emptyCounters()
  const fcrClosed = emptyCounters()
  const fcrOpen = emptyCounters()
  const closedBefore = nowMs - fcrWindowMs(def)
  const add = (c: Counters, endMs: number) => {
    addCounters(sum, c)
    const into = endMs <= closedBefore ? fcrClosed : fcrOpen
    into.fcrEligible += c.fcrEligible
    into.fcrRepeat += c.fcrRepeat
  }
  const seconds = s.seconds.get(queue)
  const minuteBuckets = s.minutes.get(queue)
  const addSeconds = (from: number, to: number) => {
    if (!seconds) return
    for (let sec = from; sec <= to; sec++) {
      const c = seconds.get(sec)
      if (c) add(c, (sec + 1) * 1000)
    }
  }
  const firstWholeMinute = Math.ceil(firstSec / 60)
  const endWholeMinute = Math.floor((nowSec + 1) / 60)
  if (firstWholeMinute >= endWholeMinute) addSeconds(firstSec, nowSec)
  else {
    addSeconds(firstSec, firstWholeMinute * 60 - 1)
    for (let m = firstWholeMinute; m < endWholeMinute; m++) {
      const c = minuteBuckets?.get(m)
      if (c) add(c, (m + 1) * 60_000)
    }
    addSeconds(endWholeMinute * 60, nowSec)
  }
  return { counters: sum, from: firstSec * 1000, fcrClosed, fcrOpen }
}

export interface AgentLive {
  state: AgentLiveState
  reason: string | null
  since: number | null
  callQueue: string | null
  callId: string | null
}

/** An agent's state now: on a call, else ringing, else the last state it set (offline if none). */
export function agentLive(s: AggregateState, a: AgentRecord): AgentLive {
  // The newest call; at equal times the smaller key, so the choice never depends on arrival order.
  const latest = (keys: Set<string> | undefined, at: (k: string) => number | null) => {
    let best: { key: string; at: number } | null = null
    for (const key of keys ?? []) {
      const t = at(key)
      if (t !== null && (best === null || t > best.at || (t === best.at && key < best.key))) best = { key, at: t }
    }
    return best
  }
  const talking = latest(s.talking.get(a.id), (k) => s.calls.get(k)?.answeredAt ?? null)
  if (talking) {
    const r = s.calls.get(talking.key)!
    return { state: 'onCall', reason: null, since: talking.at, callQueue: r.queue, callId: r.callId }
  }
  const ringing = latest(s.ringing.get(a.id), (k) => s.calls.get(k)?.ringAt ?? null)
  if (ringing) {
    const r = s.calls.get(ringing.key)!
    return { state: 'ringing', reason: null, since: ringing.at, callQueue: r.queue, callId: r.callId }
  }
  const p = currentPoint(a)
  if (!p) return { state: 'offline', reason: null, since: null, callQueue: null, callId: null }
  return { state: p[1], reason: p[2], since: ownStateSince(a), callQueue: null, callId: null }
}

function emptyAgentCounts(): AgentCounts {
  return { available: 0, ringing: 0, onCall: 0, acw: 0, paused: 0, offline: 0, pausedByReason: {} }
}

export const UNSPECIFIED_REASON = 'unspecified'

/** Agents by state for every queue they are members of; each agent's state is worked out once. */
export function agentCountsByQueue(s: AggregateState): Map<string, AgentCounts> {
  const out = new Map<string, AgentCounts>()
  for (const a of s.agents.rows.values()) {
    const live = agentLive(s, a)
    for (const q of membershipOf(a)) {
      let c = out.get(q)
      if (!c) out.set(q, (c = emptyAgentCounts()))
      c[live.state]++
      if (live.state === 'paused') {
        const reason = live.reason ?? UNSPECIFIED_REASON
        c.pausedByReason[reason] = (c.pausedByReason[reason] ?? 0) + 1
      }
    }
  }
  return out
}

/** Staffing looks at the last half hour, whatever the rolling window's length. */
export const STAFFING_MINUTES = 30

/** Erlang C from the last half hour's arrivals and handle time (today's when none ended in it). */
export function queueStaffing(
  s: AggregateState,
  queue: string,
  defs: Definitions,
  nowMs: number,
  have: number,
  /** the last STAFFING_MINUTES' counters, when the caller has them already */
  lastHalfHour?: Counters,
): Staffing {
  const def = defs.forQueue(queue, nowMs)
  const recent = lastHalfHour ?? rollingCounters(s, queue, STAFFING_MINUTES, nowMs, def).counters
  let handled = recent.handled
  let workMs = recent.talkMs + recent.acwMs
  if (handled === 0) {
    const today = todayCounters(s, queue, defs, nowMs).counters
    handled = today.handled
    workMs = today.talkMs + today.acwMs
  }
  const ahtSec = handled > 0 ? workMs / handled / 1000 : null
  const arrivalsPerSec = recent.arrived / (STAFFING_MINUTES * 60)
  const estimate = staffing({
    arrivalsPerSec,
    ahtSec,
    thresholdSec: def.slThresholdSec,
    targetPct: def.slTargetPct,
    agentsNow: have,
  })
  return {
    arrivalsPerHour: arrivalsPerSec * 3600,
    ahtSec,
    trafficErlangs: estimate.trafficErlangs,
    needed: estimate.needed,
    neededCapped: estimate.neededCapped,
    have,
    predictedSlPct: estimate.predictedSlPct,
    predictedAsaSec:
      estimate.predictedAsaSec !== null && Number.isFinite(estimate.predictedAsaSec) ? estimate.predictedAsaSec : null,
  }
}

export interface FigureOptions {
  windows?: readonly WindowName[]
  /** the queue's display name (configuration); its id when not given */
  nameOf?: (queue: string) => string
  /** agent counts from agentCountsByQueue, when the caller computes several queues at once */
  agentCounts?: Map<string, AgentCounts>
}

export function computeQueueFigures(
  s: AggregateState,
  queue: string,
  defs: Definitions,
  nowMs: number,
  opts: FigureOptions = {},
): QueueFigures {
  const def = defs.forQueue(queue, nowMs)
  let oldest: number | null = null
  const waiting = s.waiting.get(queue)
  for (const key of waiting ?? []) {
    const at = s.calls.get(key)?.queuedAt
    if (at != null && (oldest === null || at < oldest)) oldest = at
  }
  const agents = (opts.agentCounts ?? agentCountsByQueue(s)).get(queue) ?? emptyAgentCounts()
  const agentsLoggedIn = agents.available + agents.ringing + agents.onCall + agents.acw + agents.paused
  const windows: QueueFigures['windows'] = {}
  let lastHalfHour: Counters | undefined
  for (const w of opts.windows ?? (['today', 'rolling'] as const)) {
    const counters =
      w === 'today' ? todayCounters(s, queue, defs, nowMs) : rollingCounters(s, queue, def.rollingMinutes, nowMs, def)
    // The default rolling window is staffing's half hour: summed once.
    if (w === 'rolling' && def.rollingMinutes === STAFFING_MINUTES) lastHalfHour = counters.counters
    windows[w] = windowFigures(counters, def, w, nowMs)
  }
  return {
    id: queue,
    name: opts.nameOf?.(queue) ?? queue,
    definition: { ...def, label: definitionLabel(def) },
    staffing: queueStaffing(s, queue, defs, nowMs, agentsLoggedIn, lastHalfHour),
    live: {
      waiting: waiting?.size ?? 0,
      longestWaitSec: oldest === null ? 0 : Math.max(0, Math.floor((nowMs - oldest) / 1000)),
      oldestQueuedAt: oldest,
      agents,
      agentsLoggedIn,
    },
    windows,
  }
}

/** Figures of the given queues (all known queues by default), sorted by name. */
export function computeFigures(
  s: AggregateState,
  defs: Definitions,
  nowMs: number,
  opts: FigureOptions & { queues?: Iterable<string> } = {},
): QueueFigures[] {
  const agentCounts = opts.agentCounts ?? agentCountsByQueue(s)
  const ids = [...(opts.queues ?? s.queues.rows.keys())].filter((q) => s.queues.has(q))
  const byName = (a: QueueFigures, b: QueueFigures) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  return ids.map((q) => computeQueueFigures(s, q, defs, nowMs, { ...opts, agentCounts })).sort(byName)
}

/** The open stretch's time, up to now, that falls in the business day starting at `dayStart`. */
function openTime(
  a: AgentRecord,
  live: AgentLive,
  dayStart: number,
  nowMs: number,
): { kind: string; reason: string | null; ms: number } | null {
  if (live.state === 'onCall') return null
  // While a call rings, the agent's own state goes on (segments count it so once the ringing ends).
  const own = currentPoint(a)
  const since = openSegmentStart(a)
  if (own === null || since === null) return null
  return { kind: own[1], reason: own[2], ms: Math.max(0, nowMs - Math.max(since, dayStart)) }
}

/** Every agent's figures, or only those of the agents named (`only`). */
export function computeAgentFigures(
  s: AggregateState,
  defs: Definitions,
  nowMs: number,
  only?: Iterable<string>,
): AgentFigures[] {
  const dayStart = dayBucketStart(defs, null, nowMs)
  const out: AgentFigures[] = []
  const records = only === undefined ? s.agents.rows.values() : [...only].flatMap((id) => s.agents.get(id) ?? [])
  for (const a of records) {
    const live = agentLive(s, a)
    const day = s.buckets.get(bucketKey.agentDay(a.id, dayStart)) ?? emptyCounters()
    const today = {
      handled: day.handled,
      avgTalkSec: day.handled > 0 ? day.talkMs / day.handled / 1000 : null,
      acwMs: day.acwMs,
      onCallMs: day.onCallMs,
      availableMs: day.availableMs,
      loggedInMs: day.loggedInMs,
      pausedMs: { ...day.pausedMs },
      csatPct: day.csatResponses > 0 ? (day.csatSatisfied / day.csatResponses) * 100 : null,
      csatResponses: day.csatResponses,
    }
    // The stretch in progress counts up to now (it is counted for good once it ends).
    const open = openTime(a, live, dayStart, nowMs)
    if (open) {
      today.loggedInMs += open.ms
      if (open.kind === 'available') today.availableMs += open.ms
      else if (open.kind === 'acw') today.acwMs += open.ms
      else if (open.kind === 'paused') {
        const r = open.reason ?? UNSPECIFIED_REASON
        today.pausedMs[r] = (today.pausedMs[r] ?? 0) + open.ms
      }
    }
    const talking = live.state === 'onCall' && live.since !== null ? Math.max(0, nowMs - Math.max(live.since, dayStart)) : 0
    today.onCallMs += talking
    today.loggedInMs += talking
    out.push({
      id: a.id,
      name: a.name ?? a.id,
      team: a.team,
      ...live,
      queues: membershipOf(a),
      handledToday: day.handled,
      talkMsToday: day.talkMs,
      today,
    })
  }
  return out.sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id))
}

/**
 * How many calls waited in a queue at each step of [fromMs, toMs] (the step's instant): a call
 * waits from its queue entry until its outcome (answer, abandon, overflow), like `live.waiting`.
 * Built from the call records kept in memory (finished calls stay 6 h), so the last hour is whole.
 */
export function waitingSeries(
  s: AggregateState,
  queue: string,
  fromMs: number,
  toMs: number,
  stepMs: number,
): Array<[at: number, waiting: number]> {
  const steps = Math.max(0, Math.floor((toMs - fromMs) / stepMs)) + 1
  // +1 where a call starts waiting, −1 where it stops, by step; then a running sum.
  const delta = new Array<number>(steps + 1).fill(0)
  const stepAtOrAfter = (t: number) => Math.max(0, Math.ceil((t - fromMs) / stepMs))
  for (const r of s.calls.rows.values()) {
    if (r.queue !== queue || r.queuedAt === null || r.queuedAt > toMs) continue
    const left = outcomeOf(r)?.at ?? Number.POSITIVE_INFINITY
    if (left <= fromMs || left <= r.queuedAt) continue
    const first = stepAtOrAfter(r.queuedAt)
    // Waiting at step i when queuedAt ≤ t_i < left.
    const end = Math.min(steps, stepAtOrAfter(left))
    if (first >= end) continue
    delta[first]! += 1
    delta[end]! -= 1
  }
  const out: Array<[number, number]> = []
  let n = 0
  for (let i = 0; i < steps; i++) {
    n += delta[i]!
    out.push([fromMs + i * stepMs, n])
  }
  return out
}

/** One call behind a figure, for a supervisor's drill-down. */
export interface CallBehind {
  callId: string
  caller: string | null
  queuedAt: number | null
  /** the outcome's instant (answer, abandon, overflow); null while it waits */
  outcomeAt: number | null
  outcome: 'answered' | 'abandoned' | 'overflowed' | null
  /** seconds waited so far (waiting) or until the outcome; null when the queue entry is unknown */
  waitSec: number | null
  /** 1 for the call that has waited longest (waiting calls only) */
  position: number | null
  agent: string | null
}

export type DrillDown = 'waiting' | 'abandoned' | 'missed-sl'

/** Which finished calls a drill-down lists, and the instant waits of waiting calls run to. */
export interface DrillWindow {
  /** finished calls whose outcome falls in [fromMs, toMs) */
  fromMs: number
  toMs: number
  nowMs: number
}

/**
 * Whether a finished call belongs in a drill-down: abandoned (short abandons included: the figure
 * leaves those out and says so), or missed service level (answered after the threshold, or abandoned
 * after it and not short) under the definition in force at its outcome.
 */
export function isListed(c: CallSummary, kind: Exclude<DrillDown, 'waiting'>, defs: Definitions): boolean {
  if (kind === 'abandoned') return c.outcome === 'abandoned'
  if (c.queuedAt === null || c.outcome === 'overflowed') return false
  const def = defs.forQueue(c.queue, c.outcomeAt)
  const waitMs = c.outcomeAt - c.queuedAt
  if (waitMs <= def.slThresholdSec * 1000) return false
  return !(c.outcome === 'abandoned' && waitMs < def.shortAbandonSec * 1000)
}

type CallFacts = Pick<CallSummary, 'callId' | 'caller' | 'queuedAt' | 'agent'>

function rowOf(c: CallFacts, waitEnd: number, outcome: CallSummary | null): CallBehind {
  return {
    callId: c.callId,
    caller: c.caller,
    queuedAt: c.queuedAt,
    outcomeAt: outcome?.outcomeAt ?? null,
    outcome: outcome?.outcome ?? null,
    waitSec: c.queuedAt === null ? null : Math.max(0, Math.floor((waitEnd - c.queuedAt) / 1000)),
    position: null,
    agent: c.agent,
  }
}

/**
 * The summaries of a queue's calls with an outcome that memory holds: those prune has just archived
 * and not yet handed to the store (`s.archivedCalls`), then the live records (fresher, so later).
 */
export function summariesInMemory(s: AggregateState, queue: string): CallSummary[] {
  const out: CallSummary[] = []
  for (const c of s.archivedCalls.rows.values()) if (c.queue === queue) out.push(c)
  for (const r of s.calls.rows.values()) {
    const c = r.queue === queue ? summaryOf(r) : null
    if (c) out.push(c)
  }
  return out
}

/**
 * The finished calls behind `abandoned` or `missed-sl` (see isListed) whose outcome falls in the
 * window, newest first. `summaries` come oldest source first (the store's archive, then memory): a
 * call id is listed once, as its last summary says, wherever the older one fell.
 */
export function finishedCallsBehind(
  summaries: Iterable<CallSummary>,
  kind: Exclude<DrillDown, 'waiting'>,
  defs: Definitions,
  window: DrillWindow,
): CallBehind[] {
  const byId = new Map<string, CallSummary>()
  for (const c of summaries) byId.set(c.callId, c)
  const out: CallBehind[] = []
  for (const c of byId.values()) {
    if (c.outcomeAt >= window.fromMs && c.outcomeAt < window.toMs && isListed(c, kind, defs)) out.push(rowOf(c, c.outcomeAt, c))
  }
  return out.sort((a, b) => b.outcomeAt! - a.outcomeAt! || (a.callId < b.callId ? -1 : 1))
}

/**
 * The calls behind a figure of one queue. `waiting`: every call waiting now, longest first, with
 * its position. `abandoned` and `missed-sl`: see finishedCallsBehind, from the store's archived
 * calls of the window's days (`archived`) and what memory holds, memory winning.
 */
export function callsBehind(
  s: AggregateState,
  queue: string,
  kind: DrillDown,
  defs: Definitions,
  window: DrillWindow,
  archived: Iterable<CallSummary> = [],
): CallBehind[] {
  if (kind !== 'waiting') {
    const stored = [...archived].filter((c) => c.queue === queue)
    return finishedCallsBehind([...stored, ...summariesInMemory(s, queue)], kind, defs, window)
  }
  const out: CallBehind[] = []
  for (const r of s.calls.rows.values()) {
    if (r.queue === queue && r.queuedAt !== null && outcomeOf(r) === null) out.push(rowOf(r, window.nowMs, null))
  }
  out.sort((a, b) => a.queuedAt! - b.queuedAt! || (a.callId < b.callId ? -1 : 1))
  out.forEach((c, i) => (c.position = i + 1))
  return out
}
