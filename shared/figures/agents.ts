// One agent: its own state history (a timeline ordered by event time, so a late event lands in
// its place), its queue membership, the calls it answered, and the ACW periods that follow.
import type { AgentOwnState } from '../events.js'

/** A state the agent set: [event time, state, pause reason, event id (orders equal times)]. */
export type StatePoint = [ts: number, state: AgentOwnState, reason: string | null, id: string]
/** A call the agent answered: [answered at, queue, call key, ended at (null while talking)]. */
export type AnsweredCall = [answeredAt: number, queue: string, key: string, endedAt: number | null]
/** An ACW period whose time is counted: [start, end, queue of the call before it, ms]. */
export type AcwPeriod = [start: number, end: number, queue: string | null, ms: number]

export interface AgentRecord {
  id: string
  name: string | null
  team: string | null
  /** event times of the newest events that set the name and the team */
  nameTs: number
  teamTs: number
  points: StatePoint[]
  /** explicit membership from the newest `agent.state` that carried `queues` */
  membership: string[] | null
  membershipTs: number
  /** queues the agent took or was offered calls in; used while no explicit membership is known */
  learnedQueues: string[]
  /** saved one row per call (the `agentCalls` table), not inside the agent's row: see aggregate.ts */
  calls: AnsweredCall[]
  /** ACW periods currently counted in the buckets, so a late event can take them back exactly */
  acw: AcwPeriod[]
}

export function newAgent(id: string): AgentRecord {
  return {
    id,
    name: null,
    team: null,
    nameTs: 0,
    teamTs: 0,
    points: [],
    membership: null,
    membershipTs: 0,
    learnedQueues: [],
    calls: [],
    acw: [],
  }
}

function comparePoints(a: StatePoint, b: StatePoint): number {
  return a[0] - b[0] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0)
}

/** Inserts a state point in time order; false if the same event is already there. */
export function insertPoint(a: AgentRecord, p: StatePoint): boolean {
  const pts = a.points
  let i = pts.length
  while (i > 0 && comparePoints(pts[i - 1]!, p) > 0) i--
  if (i > 0 && pts[i - 1]![3] === p[3]) return false
  pts.splice(i, 0, p)
  return true
}

/**
 * More answered calls than any agent takes within the retained history (2 h); a bound so that a
 * flood of synthetic traffic cannot make one agent's record grow without limit.
 */
export const MAX_AGENT_CALLS = 200

/**
 * Inserts (or moves) an answered call in time order; returns the oldest calls dropped by the bound.
 * `previous` is the answer time the call already has in this list (null: it is not in it), when the
 * caller knows it: then the search looks only at the newest calls, which is where calls change.
 */
export function insertCall(a: AgentRecord, c: AnsweredCall, previous?: number | null): AnsweredCall[] {
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
  return a.calls.length > MAX_AGENT_CALLS ? a.calls.splice(0, a.calls.length - MAX_AGENT_CALLS) : []
}

export function removeCall(a: AgentRecord, key: string): boolean {
  const i = a.calls.findIndex((x) => x[2] === key)
  if (i < 0) return false
  a.calls.splice(i, 1)
  return true
}

/** The agent's own state now: the newest point by event time. */
export function currentPoint(a: AgentRecord): StatePoint | null {
  return a.points[a.points.length - 1] ?? null
}

/**
 * ACW time that is over: the agent's own state is `acw` from an `acw` point to the next point,
 * except while it is on a call (then it is onCall). Each stretch belongs to the queue of the call
 * answered just before it, and counts once it ends: at the next point, or when a call begins.
 */
export function acwPeriods(a: AgentRecord): AcwPeriod[] {
  const out: AcwPeriod[] = []
  const { points, calls } = a
  const queueBefore = (t: number) => {
    let q: string | null = null
    for (const c of calls) {
      if (c[0] > t) break
      q = c[1]
    }
    return q
  }
  const push = (from: number, to: number) => {
    if (to > from) out.push([from, to, queueBefore(from), to - from])
  }
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!
    if (p[1] !== 'acw') continue
    const end = i + 1 < points.length ? points[i + 1]![0] : Number.POSITIVE_INFINITY
    let cur = p[0]
    for (const c of calls) {
      if (c[0] >= end) break
      const callEnd = c[3] ?? Number.POSITIVE_INFINITY
      if (callEnd <= cur) continue
      push(cur, c[0])
      cur = Math.max(cur, callEnd)
      if (cur >= end) break
    }
    if (end !== Number.POSITIVE_INFINITY) push(cur, end)
  }
  return out
}

/** When the agent's own state last took effect: its newest point, or the end of a call after it. */
export function ownStateSince(a: AgentRecord): number | null {
  const p = currentPoint(a)
  if (!p) return null
  let since = p[0]
  for (const c of a.calls) if (c[3] !== null && c[3] > since) since = c[3]
  return since
}

export function membershipOf(a: AgentRecord): string[] {
  return a.membership ?? a.learnedQueues
}

/**
 * Drops history older than `horizonMs` but keeps the newest point and call before it, so that the
 * state at the horizon and the queue of the first retained ACW period stay known. ACW periods
 * that start before the first retained point are frozen: their contribution stays counted.
 */
export function pruneAgent(a: AgentRecord, horizonMs: number): boolean {
  let changed = false
  let firstKept = 0
  while (firstKept + 1 < a.points.length && a.points[firstKept + 1]![0] <= horizonMs) firstKept++
  if (firstKept > 0) {
    a.points.splice(0, firstKept)
    changed = true
  }
  // Calls are kept back to the one answered before the first retained point: that call names the
  // queue of an ACW period starting there.
  const keepFrom = a.points[0]?.[0] ?? horizonMs
  let firstCall = 0
  while (firstCall + 1 < a.calls.length && a.calls[firstCall + 1]![0] <= Math.min(keepFrom, horizonMs)) firstCall++
  if (firstCall > 0) {
    a.calls.splice(0, firstCall)
    changed = true
  }
  const before = a.acw.length
  a.acw = a.acw.filter((p) => p[0] >= keepFrom)
  return changed || a.acw.length !== before
}
