// Window counters (metrics.md "Window counters"): additive sums that a call, an ACW period or a
// survey contributes to the bucket of its time. Because they are sums (and the wait histogram is a
// multiset), a contribution can be taken back exactly when a late event changes it.

export interface Counters {
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
  talkMs: number
  acwMs: number
  csatResponses: number
  csatSatisfied: number
  csatDissatisfied: number
  npsResponses: number
  npsPromoters: number
  npsDetractors: number
  /** wait in whole seconds → number of calls; a multiset so that the maximum survives retraction */
  waitHist: Record<string, number>
}

export type CounterField = Exclude<keyof Counters, 'waitHist'>

export const COUNTER_FIELDS: readonly CounterField[] = [
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
  'csatResponses',
  'csatSatisfied',
  'csatDissatisfied',
  'npsResponses',
  'npsPromoters',
  'npsDetractors',
]

export function emptyCounters(): Counters {
  const c = { waitHist: {} } as Counters
  for (const f of COUNTER_FIELDS) c[f] = 0
  return c
}

/** A sparse change to counters: only the fields it names. */
export type Delta = Partial<Record<CounterField, number>> & { waitSec?: number }

/** Adds (sign 1) or takes back (sign −1) a delta. */
export function applyDelta(target: Counters, delta: Delta, sign: 1 | -1): void {
  for (const key in delta) {
    if (key === 'waitSec') continue
    const f = key as CounterField
    target[f] += sign * (delta[f] ?? 0)
  }
  if (delta.waitSec !== undefined) {
    const k = String(delta.waitSec)
    const n = (target.waitHist[k] ?? 0) + sign
    if (n === 0) delete target.waitHist[k]
    else target.waitHist[k] = n
  }
}

/** Adds every field of `source` into `target` (summing buckets into a window). */
export function addCounters(target: Counters, source: Counters): void {
  for (const f of COUNTER_FIELDS) target[f] += source[f]
  for (const k in source.waitHist) target.waitHist[k] = (target.waitHist[k] ?? 0) + (source.waitHist[k] ?? 0)
}

export function isEmpty(c: Counters): boolean {
  for (const f of COUNTER_FIELDS) if (c[f] !== 0) return false
  for (const _ in c.waitHist) return false
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
