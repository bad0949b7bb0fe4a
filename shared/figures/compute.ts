// figures(state, definitions, now): the figures of every queue and agent at one instant.
// Pure: `now` is a parameter, so day boundaries and sliding windows are plain unit tests.
import { definitionLabel } from '../definition-text.js'
import type { Definition } from '../definitions.js'
import { currentPoint, membershipOf, ownStateSince, type AgentRecord } from './agents.js'
import { type AggregateState, type Definitions, bucketKey, calendarOf } from './aggregate.js'
import { type Counters, addCounters, emptyCounters } from './counters.js'
import { computeRatios, publicCounters } from './ratios.js'
import type { AgentCounts, AgentFigures, AgentLiveState, QueueFigures, WindowFigures } from './schema.js'

export type WindowName = 'today' | 'rolling'

export function windowFigures(c: Counters, def: Definition, window: WindowName, from: number, to: number): WindowFigures {
  return { window, from, to, ...publicCounters(c), ...computeRatios(c, def) }
}

/** Counters of the business day that contains `nowMs`, and when that day started. */
export function todayCounters(
  s: AggregateState,
  queue: string,
  def: Definition,
  nowMs: number,
): { counters: Counters; from: number } {
  const cal = calendarOf(def)
  const date = cal.dateOf(nowMs)
  return { counters: s.buckets.get(bucketKey.queueDay(queue, date)) ?? emptyCounters(), from: cal.startOf(date) }
}

/** Counters of the last `rollingMinutes`, to the second: the whole seconds ending with the current one. */
export function rollingCounters(
  s: AggregateState,
  queue: string,
  def: Definition,
  nowMs: number,
): { counters: Counters; from: number } {
  const nowSec = Math.floor(nowMs / 1000)
  const firstSec = nowSec - def.rollingMinutes * 60 + 1
  const sum = emptyCounters()
  const seconds = s.seconds.get(queue)
  const minutes = s.minutes.get(queue)
  if (seconds && minutes) {
    const addSeconds = (from: number, to: number) => {
      for (let sec = from; sec <= to; sec++) {
        const c = seconds.get(sec)
        if (c) addCounters(sum, c)
      }
    }
    // Whole minutes inside the window come from the minute sums; the ragged ends second by second.
    const firstWholeMinute = Math.ceil(firstSec / 60)
    const endWholeMinute = Math.floor((nowSec + 1) / 60)
    if (firstWholeMinute >= endWholeMinute) addSeconds(firstSec, nowSec)
    else {
      addSeconds(firstSec, firstWholeMinute * 60 - 1)
      for (let m = firstWholeMinute; m < endWholeMinute; m++) {
        const c = minutes.get(m)
        if (c) addCounters(sum, c)
      }
      addSeconds(endWholeMinute * 60, nowSec)
    }
  }
  return { counters: sum, from: firstSec * 1000 }
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
  // The newest call wins; at equal times the smaller key, so arrival order never shows.
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
  const def = defs.forQueue(queue)
  let oldest: number | null = null
  const waiting = s.waiting.get(queue)
  for (const key of waiting ?? []) {
    const at = s.calls.get(key)?.queuedAt
    if (at != null && (oldest === null || at < oldest)) oldest = at
  }
  const agents = (opts.agentCounts ?? agentCountsByQueue(s)).get(queue) ?? emptyAgentCounts()
  const windows: QueueFigures['windows'] = {}
  for (const w of opts.windows ?? (['today', 'rolling'] as const)) {
    const { counters, from } = w === 'today' ? todayCounters(s, queue, def, nowMs) : rollingCounters(s, queue, def, nowMs)
    windows[w] = windowFigures(counters, def, w, from, nowMs)
  }
  return {
    id: queue,
    name: opts.nameOf?.(queue) ?? queue,
    definition: { ...def, label: definitionLabel(def) },
    live: {
      waiting: waiting?.size ?? 0,
      longestWaitSec: oldest === null ? 0 : Math.max(0, Math.floor((nowMs - oldest) / 1000)),
      oldestQueuedAt: oldest,
      agents,
      agentsLoggedIn: agents.available + agents.ringing + agents.onCall + agents.acw + agents.paused,
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

export function computeAgentFigures(s: AggregateState, defs: Definitions, nowMs: number): AgentFigures[] {
  const date = calendarOf(defs.centre).dateOf(nowMs)
  const out: AgentFigures[] = []
  for (const a of s.agents.rows.values()) {
    const live = agentLive(s, a)
    const day = s.buckets.get(bucketKey.agentDay(a.id, date))
    out.push({
      id: a.id,
      name: a.name ?? a.id,
      team: a.team,
      ...live,
      queues: membershipOf(a),
      handledToday: day?.handled ?? 0,
      talkMsToday: day?.talkMs ?? 0,
    })
  }
  return out.sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id))
}
