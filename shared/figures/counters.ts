// Window counters (metrics.md "Window counters"): additive sums that a call, a stretch of agent
// time or a survey contributes to the bucket of its time. Because they are sums (and the maps are
// multisets), a contribution can be taken back exactly when a late event changes it.

export interface Counters {
  /** calls that entered the queue (at their queue entry): the arrival rate for staffing */
  arrived: number
  offered: number
  answered: number
  answeredWithin: number
  abandoned: number
  shortAbandoned: number
  abandonedWithin: number
  overflowed: number
  handled: number
  /** calls with an outcome whose `call.queued` never arrived: no wait is known */
  waitUnknown: number
  answeredWaitUnknown: number
  overflowedWaitUnknown: number
  answeredWaitMs: number
  /** abandoned, not short, wait known */
  abandonWaitCount: number
  abandonWaitMs: number
  /** talk of handled calls, counted when they end */
  talkMs: number
  /** time agents spent in after-call work for this queue's calls, in the window */
  acwMs: number
  /** time agents spent on this queue's calls, in the window */
  onCallMs: number
  /** time the queue's member agents were available, in the window */
  availableMs: number
  /** time the queue's member agents were logged in (any state but offline), in the window */
  loggedInMs: number
  csatResponses: number
  csatSatisfied: number
  csatDissatisfied: number
  npsResponses: number
  npsPromoters: number
  npsDetractors: number
  /** handled calls with a known caller, counted when they end */
  fcrEligible: number
  /** of those, the caller called again within the FCR window, or the call was marked unresolved */
  fcrRepeat: number
  /** wait in whole seconds → number of calls; a multiset so that the maximum survives retraction */
  waitHist: Record<string, number>
  /** pause reason → time the queue's member agents (or the agent) spent paused for it */
  pausedMs: Record<string, number>
  /** agent → calls handled: who handled calls in the window */
  handledBy: Record<string, number>
}

export type CounterField = Exclude<keyof Counters, 'waitHist' | 'pausedMs' | 'handledBy'>
export type MapField = 'waitHist' | 'pausedMs' | 'handledBy'
export const MAP_FIELDS: readonly MapField[] = ['waitHist', 'pausedMs', 'handledBy']

export const COUNTER_FIELDS: readonly CounterField[] = [
  'arrived',
  'offered',
  'answered',
  'answeredWithin',
  'abandoned',
  'shortAbandoned',
  'abandonedWithin',
  'overflowed',
  'handled',
  'waitUnknown',
  'answeredWaitUnknown',
  'overflowedWaitUnknown',
  'answeredWaitMs',
  'abandonWaitCount',
  'abandonWaitMs',
  'talkMs',
  'acwMs',
  'onCallMs',
  'availableMs',
  'loggedInMs',
  'csatResponses',
  'csatSatisfied',
  'csatDissatisfied',
  'npsResponses',
  'npsPromoters',
  'npsDetractors',
  'fcrEligible',
  'fcrRepeat',
]

/** Fresh counters, in the key order saved rows always had (maps first, then COUNTER_FIELDS): one literal, one shape. */
export function emptyCounters(): Counters {
  return {
    waitHist: {},
    pausedMs: {},
    handledBy: {},
    arrived: 0,
    offered: 0,
    answered: 0,
    answeredWithin: 0,
    abandoned: 0,
    shortAbandoned: 0,
    abandonedWithin: 0,
    overflowed: 0,
    handled: 0,
    waitUnknown: 0,
    answeredWaitUnknown: 0,
    overflowedWaitUnknown: 0,
    answeredWaitMs: 0,
    abandonWaitCount: 0,
    abandonWaitMs: 0,
    talkMs: 0,
    acwMs: 0,
    onCallMs: 0,
    availableMs: 0,
    loggedInMs: 0,
    csatResponses: 0,
    csatSatisfied: 0,
    csatDissatisfied: 0,
    npsResponses: 0,
    npsPromoters: 0,
    npsDetractors: 0,
    fcrEligible: 0,
    fcrRepeat: 0,
  }
}

/** Fills fields a bucket saved by an older release lacks, so figures never read undefined. */
export function completeCounters(c: Partial<Counters>): Counters {
  const out = c as Counters
  for (const f of COUNTER_FIELDS) if (typeof out[f] !== 'number') out[f] = 0
  for (const m of MAP_FIELDS) if (typeof out[m] !== 'object' || out[m] === null) out[m] = {}
  return out
}

/** A sparse change to counters: only the fields it names; `waitSec` and `handledBy` add one entry. */
export type Delta = Partial<Record<CounterField, number>> & {
  waitSec?: number
  handledBy?: string
  pausedMs?: Record<string, number>
}

function addToMap(map: Record<string, number>, key: string, n: number): void {
  const v = (map[key] ?? 0) + n
  if (v === 0) delete map[key]
  else map[key] = v
}

/** Adds (sign 1) or takes back (sign −1) a delta. */
export function applyDelta(target: Counters, delta: Delta, sign: 1 | -1): void {
  for (const key in delta) {
    if (key === 'waitSec' || key === 'handledBy' || key === 'pausedMs') continue
    const f = key as CounterField
    target[f] += sign * (delta[f] ?? 0)
  }
  if (delta.waitSec !== undefined) addToMap(target.waitHist, String(delta.waitSec), sign)
  if (delta.handledBy !== undefined) addToMap(target.handledBy, delta.handledBy, sign)
  if (delta.pausedMs !== undefined) for (const r in delta.pausedMs) addToMap(target.pausedMs, r, sign * (delta.pausedMs[r] ?? 0))
}

/** Adds every field of `source` into `target` (summing buckets into a window). */
export function addCounters(target: Counters, source: Counters): void {
  for (const f of COUNTER_FIELDS) target[f] += source[f]
  for (const m of MAP_FIELDS) {
    const from = source[m]
    for (const k in from) addToMap(target[m], k, from[k] ?? 0)
  }
}

export function isEmpty(c: Counters): boolean {
  for (const f of COUNTER_FIELDS) if (c[f] !== 0) return false
  for (const m of MAP_FIELDS) for (const _ in c[m]) return false
  return true
}

export function maxWaitSec(c: Counters): number | null {
  let max: number | null = null
  for (const k in c.waitHist) {
    if ((c.waitHist[k] ?? 0) > 0) {
      const v = Number(k)
      if (max === null || v > max) max = v
    }
  }
  return max
}

/** Agents who handled at least one call. */
export function agentsWhoHandled(c: Counters): number {
  let n = 0
  for (const k in c.handledBy) if ((c.handledBy[k] ?? 0) > 0) n++
  return n
}
