// One agent: its own state history (a timeline ordered by event time, so a late event lands in
// its place), its queue membership over time, the calls it answered, and the stretches of time it
// spent in each state: on calls, available, in after-call work, paused (by reason).
import type { AgentOwnState } from '../events.js'

/** A state the agent set: [event time, state, pause reason, event id (orders equal times)]. */
export type StatePoint = [ts: number, state: AgentOwnState, reason: string | null, id: string]
/** A call the agent answered: [answered at, queue, call key, ended at (null while talking)]. */
export type AnsweredCall = [answeredAt: number, queue: string, key: string, endedAt: number | null]
/** An explicit membership from an `agent.state` with `queues`: [event time, queues, event id]. */
export type MembershipPoint = [ts: number, queues: string[], id: string]

export type SegmentKind = 'onCall' | 'available' | 'acw' | 'paused'
/**
 * A stretch of the agent's time that is over: [start, end, kind, pause reason, queue, members].
 * `queue` is the call's queue (onCall) or the queue of the call answered just before (acw); the
 * stretch's time also counts for `members`, the queues the agent belonged to when it began.
 */
export type Segment = [
  start: number,
  end: number,
  kind: SegmentKind,
  reason: string | null,
  queue: string | null,
  members: string[],
]

export interface AgentRecord {
  id: string
  name: string | null
  team: string | null
  /** event times of the newest events that set the name and the team */
  nameTs: number
  teamTs: number
  points: StatePoint[]
  /** explicit memberships over time, oldest first */
  memberships: MembershipPoint[]
  /** queues the agent took or was offered calls in; used while no explicit membership is known */
  learnedQueues: string[]
  /** saved one row per call (the `agentCalls` table), not inside the agent's row: see aggregate.ts */
  calls: AnsweredCall[]
  /** the segments currently counted in the buckets, so a late event can take them back exactly */
  segments: Segment[]
}

export function newAgent(id: string): AgentRecord {
  return {
    id,
    name: null,
    team: null,
    nameTs: 0,
    teamTs: 0,
    points: [],
    memberships: [],
    learnedQueues: [],
    calls: [],
    segments: [],
  }
}

const byTimeThenId = <T extends [number, unknown, ...unknown[]]>(a: T, b: T, idOf: (x: T) => string) =>
  a[0] - b[0] || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0)

/** Inserts a state point in time order; false if the same event is already there. */
export function insertPoint(a: AgentRecord, p: StatePoint): boolean {
  const pts = a.points
  let i = pts.length
  while (i > 0 && byTimeThenId(pts[i - 1]!, p, (x) => x[3]) > 0) i--
  if (i > 0 && pts[i - 1]![3] === p[3]) return false
  pts.splice(i, 0, p)
  return true
}

/** Inserts an explicit membership in time order; false if the same event is already there. */
export function insertMembership(a: AgentRecord, m: MembershipPoint): boolean {
  const ms = a.memberships
  let i = ms.length
  while (i > 0 && byTimeThenId(ms[i - 1]!, m, (x) => x[2]) > 0) i--
  if (i > 0 && ms[i - 1]![2] === m[2]) return false
  ms.splice(i, 0, m)
  return true
}

/**
 * More answered calls than any agent takes within the retained history (2 h); a bound so that a
 * flood of synthetic traffic cannot make one agent's record grow without limit (see capAgentHistory).
 */
export const MAX_AGENT_CALLS = 200

/**
 * Inserts (or moves) an answered call in time order. `previous` is the answer time the call already
 * has in this list (null: it is not in it), when the caller knows it: then the search looks only at
 * the newest calls, which is where calls change.
 */
export function insertCall(a: AgentRecord, c: AnsweredCall, previous?: number | null): void {
  const longest = longestCallMs(a.calls)
  let existing = -1
  if (previous === undefined) existing = a.calls.findIndex((x) => x[2] === c[2])
  else if (previous !== null) {
    for (let j = a.calls.length - 1; j >= 0 && a.calls[j]![0] >= previous; j--) {
      if (a.calls[j]![2] === c[2]) {
        existing = j
        break
      }
    }
  }
  if (existing >= 0) a.calls.splice(existing, 1)
  let i = a.calls.length
  while (i > 0 && (a.calls[i - 1]![0] > c[0] || (a.calls[i - 1]![0] === c[0] && a.calls[i - 1]![2] > c[2]))) i--
  a.calls.splice(i, 0, c)
  noteLongestCall(a.calls, c[3] === null ? longest : Math.max(longest, c[3] - c[0]))
}

export function removeCall(a: AgentRecord, key: string): boolean {
  const i = a.calls.findIndex((x) => x[2] === key)
  if (i < 0) return false
  const longest = longestCallMs(a.calls)
  a.calls.splice(i, 1)
  noteLongestCall(a.calls, longest)
  return true
}

/**
 * An upper bound of the length of the ended calls in a list, and the list's length it holds for
 * (a list changed by other means than the functions here is measured again): it lets
 * agentSegments skip the calls that ended long before the instant it starts from.
 */
const longestCalls = new WeakMap<AnsweredCall[], { ms: number; length: number }>()

function longestCallMs(calls: AnsweredCall[]): number {
  const known = longestCalls.get(calls)
  if (known && known.length === calls.length) return known.ms
  let ms = Number.NEGATIVE_INFINITY
  for (const c of calls) if (c[3] !== null && c[3] - c[0] > ms) ms = c[3] - c[0]
  noteLongestCall(calls, ms)
  return ms
}

function noteLongestCall(calls: AnsweredCall[], ms: number): void {
  const known = longestCalls.get(calls)
  if (known) {
    known.ms = ms
    known.length = calls.length
  } else longestCalls.set(calls, { ms, length: calls.length })
}

/** The first call (in answer order) that may have ended at or after an instant: none before it did. */
function firstCallEndingFrom(calls: AnsweredCall[], endingFrom: number): number {
  if (endingFrom === Number.NEGATIVE_INFINITY) return 0
  const longest = longestCallMs(calls)
  if (longest === Number.NEGATIVE_INFINITY) return calls.length
  // A millisecond of margin against rounding: a call answered before it ended before endingFrom.
  const answeredFrom = endingFrom - longest - 1
  let lo = 0
  let hi = calls.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (calls[mid]![0] < answeredFrom) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The agent's own state now: the newest point by event time. */
export function currentPoint(a: AgentRecord): StatePoint | null {
  return a.points[a.points.length - 1] ?? null
}

/**
 * The queues the agent belongs to at an instant: the newest explicit membership then, else learned.
 * A copy: segments keep it, and the learned list grows in place.
 */
export function membershipAt(a: AgentRecord, atMs: number): string[] {
  let found: string[] | null = null
  for (const m of a.memberships) {
    if (m[0] > atMs) break
    found = m[1]
  }
  return [...(found ?? a.memberships[0]?.[1] ?? a.learnedQueues)]
}

/** The queues the agent belongs to now. */
export function membershipOf(a: AgentRecord): string[] {
  return a.memberships[a.memberships.length - 1]?.[1] ?? a.learnedQueues
}

/** The queue of the call the agent answered last at or before an instant (calls are in answer order). */
function queueBefore(calls: AnsweredCall[], t: number): string | null {
  let lo = 0
  let hi = calls.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (calls[mid]![0] <= t) lo = mid + 1
    else hi = mid
  }
  return lo > 0 ? calls[lo - 1]![1] : null
}

/** Segments in one canonical order (start, kind, end, queue, reason), whatever order they were made in. */
export function compareSegments(x: Segment, y: Segment): number {
  return x[0] - y[0] || text(x[2], y[2]) || x[1] - y[1] || text(x[4], y[4]) || text(x[3], y[3])
}

function text(a: string | null, b: string | null): number {
  return a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1
}

const callEnd = (c: AnsweredCall) => c[3] ?? Number.POSITIVE_INFINITY

/**
 * The stretches of time that are over. Calls (answered to ended) are onCall whatever the agent's
 * own state; between calls the agent is in the state it set last, from each point to the next.
 * Time before the first known point is not counted (the state then is unknown), nor is offline time.
 * With `endingFrom`, only the stretches that end at or after it (a change at an instant can only
 * alter those): linear in the agent's history, so a long day replayed stays fast.
 */
export function agentSegments(a: AgentRecord, endingFrom = Number.NEGATIVE_INFINITY): Segment[] {
  const out: Segment[] = []
  const { points, calls } = a
  for (let k = firstCallEndingFrom(calls, endingFrom); k < calls.length; k++) {
    const c = calls[k]!
    if (c[3] !== null && c[3] > c[0] && c[3] >= endingFrom) out.push([c[0], c[3], 'onCall', null, c[1], membershipAt(a, c[0])])
  }
  // The first point whose stretch may end at or after endingFrom: the last one that starts before it.
  let i = Math.max(0, points.length - 1)
  while (i > 0 && points[i]![0] >= endingFrom) i--
  // Calls before `first` ended before the current point began: they carve nothing from it or later ones.
  let first = 0
  for (; i < points.length; i++) {
    const [start, state, reason] = points[i]!
    const end = i + 1 < points.length ? points[i + 1]![0] : Number.POSITIVE_INFINITY
    while (first < calls.length && callEnd(calls[first]!) <= start) first++
    if (state === 'offline') continue
    const own: OwnStretch = [state, state === 'paused' ? reason : null]
    let cur = start
    for (let k = first; k < calls.length; k++) {
      const c = calls[k]!
      if (c[0] >= end) break
      if (callEnd(c) <= cur) continue
      pushOwn(out, a, own, cur, c[0], endingFrom)
      cur = Math.max(cur, callEnd(c))
      if (cur >= end) break
    }
    if (end !== Number.POSITIVE_INFINITY) pushOwn(out, a, own, cur, end, endingFrom)
  }
  return out.sort(compareSegments)
}

type OwnStretch = [kind: Exclude<AgentOwnState, 'offline'>, reason: string | null]

/** A stretch in the agent's own state (between calls), when it is not empty and ends late enough. */
function pushOwn(out: Segment[], a: AgentRecord, own: OwnStretch, from: number, to: number, endingFrom: number): void {
  if (to <= from || to < endingFrom) return
  const queue = own[0] === 'acw' ? queueBefore(a.calls, from) : null
  out.push([from, to, own[0], own[1], queue, membershipAt(a, from)])
}

/** The open stretch now (not yet counted): the own state since its last change, unless on a call. */
export function openSegmentStart(a: AgentRecord): number | null {
  const p = currentPoint(a)
  if (!p || p[1] === 'offline') return null
  return ownStateSince(a)
}

/** When the agent's own state last took effect: its newest point, or the end of a call after it. */
export function ownStateSince(a: AgentRecord): number | null {
  const p = currentPoint(a)
  if (!p) return null
  let since = p[0]
  for (const c of a.calls) if (c[3] !== null && c[3] > since) since = c[3]
  return since
}

/**
 * Drops history older than `horizonMs` but keeps the newest point, call and membership before it,
 * so that the state at the horizon, the queue of the first retained ACW and the membership then
 * stay known. Segments that start before the first retained point are frozen: their contribution
 * stays counted and no late event can take it back.
 */
export function pruneAgent(a: AgentRecord, horizonMs: number): boolean {
  let changed = false
  let firstKept = 0
  while (firstKept + 1 < a.points.length && a.points[firstKept + 1]![0] <= horizonMs) firstKept++
  if (firstKept > 0) {
    a.points.splice(0, firstKept)
    changed = true
  }
  const keepFrom = a.points[0]?.[0] ?? horizonMs
  const limit = Math.min(keepFrom, horizonMs)
  let firstCall = 0
  while (firstCall + 1 < a.calls.length && a.calls[firstCall + 1]![0] <= limit) firstCall++
  // A call that may still end, or that ends after the first kept point, carves time the segments need.
  while (firstCall > 0 && (a.calls[firstCall - 1]![3] === null || a.calls[firstCall - 1]![3]! > limit)) firstCall--
  if (firstCall > 0) {
    const longest = longestCallMs(a.calls)
    a.calls.splice(0, firstCall)
    noteLongestCall(a.calls, longest)
    changed = true
  }
  let firstMembership = 0
  while (firstMembership + 1 < a.memberships.length && a.memberships[firstMembership + 1]![0] <= limit) firstMembership++
  if (firstMembership > 0) {
    a.memberships.splice(0, firstMembership)
    changed = true
  }
  // What stays counted-and-revisable is exactly what the pruned history still yields; the rest is frozen.
  const still = new Set(agentSegments(a).map(segmentKey))
  const before = a.segments.length
  a.segments = a.segments.filter((s) => still.has(segmentKey(s)))
  return changed || a.segments.length !== before
}

/**
 * Past MAX_AGENT_CALLS, the agent's history is pruned back to its newest half of the bound, as
 * pruneAgent does with age: what the older calls counted stays counted (frozen), nothing is taken
 * back. Halving makes the cost of pruning a small share per call. Returns the calls dropped.
 */
export function capAgentHistory(a: AgentRecord): AnsweredCall[] {
  if (a.calls.length <= MAX_AGENT_CALLS) return []
  const before = a.calls.slice()
  pruneAgent(a, a.calls[a.calls.length - MAX_AGENT_CALLS / 2]![0])
  return before.slice(0, before.length - a.calls.length)
}

export function segmentKey(s: Segment): string {
  return JSON.stringify(s)
}
