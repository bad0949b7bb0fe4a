// Ratios (metrics.md "Ratios") from window counters under a definition. The one home of every
// formula: live, rolling and history figures all come through here. A zero denominator is null.
import type { Definition } from '../definitions.js'
import { type Counters, COUNTER_FIELDS, agentsWhoHandled, maxWaitSec } from './counters.js'

export interface Ratios {
  offeredNet: number
  serviceLevelPct: number | null
  answerRatePct: number | null
  abandonRatePct: number | null
  asaSec: number | null
  avgAbandonWaitSec: number | null
  maxWaitSec: number | null
  avgTalkSec: number | null
  avgAcwSec: number | null
  ahtSec: number | null
  occupancyPct: number | null
  utilizationPct: number | null
  callsPerAgent: number | null
  csatPct: number | null
  dsatPct: number | null
  nps: number | null
}

/** Every ratio, by name: each is null when its denominator is 0. */
export const RATIO_FIELDS = [
  'serviceLevelPct',
  'answerRatePct',
  'abandonRatePct',
  'asaSec',
  'avgAbandonWaitSec',
  'maxWaitSec',
  'avgTalkSec',
  'avgAcwSec',
  'ahtSec',
  'occupancyPct',
  'utilizationPct',
  'callsPerAgent',
  'csatPct',
  'dsatPct',
  'nps',
] as const satisfies ReadonlyArray<keyof Ratios>

function ratio(numerator: number, denominator: number, scale = 1): number | null {
  return denominator > 0 ? (numerator / denominator) * scale : null
}

/** `serviceLevelPct` under each of the four `slFormula` values. */
export function serviceLevelPct(c: Counters, def: Definition): number | null {
  const offeredNet = c.offered - c.shortAbandoned
  // Calls without a known wait cannot be judged against the threshold: out of both sides.
  let base = offeredNet - c.waitUnknown
  if (!def.overflowCounts) base -= c.overflowed - c.overflowedWaitUnknown
  switch (def.slFormula) {
    case 'standard':
      return ratio(c.answeredWithin, base, 100)
    case 'abandons-neutral':
      return ratio(c.answeredWithin, base - c.abandonedWithin, 100)
    case 'abandons-positive':
      return ratio(c.answeredWithin + c.abandonedWithin, base, 100)
    case 'answered-only':
      return ratio(c.answeredWithin, c.answered - c.answeredWaitUnknown, 100)
  }
}

/** Logged-in time minus time paused for the reasons the definition leaves out. */
export function utilizationBaseMs(c: Counters, def: Definition): number {
  let excluded = 0
  for (const reason of def.utilizationExcludedReasons) excluded += c.pausedMs[reason] ?? 0
  return c.loggedInMs - excluded
}

export function computeRatios(c: Counters, def: Definition): Ratios {
  const offeredNet = c.offered - c.shortAbandoned
  const answeredKnown = c.answered - c.answeredWaitUnknown
  const busyMs = c.onCallMs + c.acwMs
  return {
    offeredNet,
    serviceLevelPct: serviceLevelPct(c, def),
    answerRatePct: ratio(c.answered, offeredNet, 100),
    abandonRatePct: ratio(c.abandoned - c.shortAbandoned, offeredNet, 100),
    asaSec: ratio(c.answeredWaitMs, answeredKnown, 1 / 1000),
    avgAbandonWaitSec: ratio(c.abandonWaitMs, c.abandonWaitCount, 1 / 1000),
    maxWaitSec: maxWaitSec(c),
    avgTalkSec: ratio(c.talkMs, c.handled, 1 / 1000),
    avgAcwSec: ratio(c.acwMs, c.handled, 1 / 1000),
    ahtSec: ratio(c.talkMs + c.acwMs, c.handled, 1 / 1000),
    occupancyPct: ratio(busyMs, busyMs + c.availableMs, 100),
    utilizationPct: ratio(busyMs, utilizationBaseMs(c, def), 100),
    callsPerAgent: ratio(c.handled, agentsWhoHandled(c)),
    csatPct: ratio(c.csatSatisfied, c.csatResponses, 100),
    dsatPct: ratio(c.csatDissatisfied, c.csatResponses, 100),
    nps: ratio(c.npsPromoters - c.npsDetractors, c.npsResponses, 100),
  }
}

/**
 * First-contact resolution over the calls whose FCR window has closed (`closed`); the calls still
 * inside it are `fcrPending`, a provisional count.
 */
export function fcrFigures(closed: Counters, open: Counters): { fcrPct: number | null; fcrPending: number } {
  return { fcrPct: ratio(closed.fcrEligible - closed.fcrRepeat, closed.fcrEligible, 100), fcrPending: open.fcrEligible }
}

/** The public counters of a window: every counter (the maps of time paused, by reason, included). */
export type PublicCounters = Omit<Counters, 'waitHist' | 'handledBy'>

export function publicCounters(c: Counters): PublicCounters {
  const out = { pausedMs: { ...c.pausedMs } } as PublicCounters
  for (const f of COUNTER_FIELDS) out[f] = c[f]
  return out
}
