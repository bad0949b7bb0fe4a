// Ratios (metrics.md "Ratios") from window counters: every formula, the four slFormula values,
// and null, never 0 % or 100 %, for a zero denominator.
import { describe, expect, it } from 'vitest'
import type { Definition, SlFormula } from '../../../shared/definitions.js'
import { type Counters, emptyCounters } from '../../../shared/figures/counters.js'
import { computeRatios, publicCounters, serviceLevelPct } from '../../../shared/figures/ratios.js'
import { definition } from '../fixtures.js'

function counters(fields: Partial<Omit<Counters, 'waitHist'>>, waits: Record<number, number> = {}): Counters {
  const c = { ...emptyCounters(), ...fields }
  c.waitHist = Object.fromEntries(Object.entries(waits).map(([k, v]) => [k, v]))
  return c
}

const sl = (c: Counters, overrides: Partial<Definition> = {}) => serviceLevelPct(c, definition(overrides))

// 10 offered: 6 answered (4 within 20 s, 1 with unknown wait), 3 abandoned (1 short, 1 within),
// 1 overflowed. offeredNet 9; the SL base leaves out the call of unknown wait: 8.
const day = counters({
  offered: 10,
  answered: 6,
  answeredWithin: 4,
  abandoned: 3,
  shortAbandoned: 1,
  abandonedWithin: 1,
  overflowed: 1,
  waitUnknown: 1,
  answeredWaitUnknown: 1,
})

describe('serviceLevelPct', () => {
  it('is answeredWithin / offeredNet under standard, calls of unknown wait left out', () => {
    expect(sl(day)).toBe((4 / 8) * 100)
  })

  it('takes abandons within the threshold out of the denominator under abandons-neutral', () => {
    expect(sl(day, { slFormula: 'abandons-neutral' })).toBe((4 / 7) * 100)
  })

  it('counts abandons within the threshold as met under abandons-positive', () => {
    expect(sl(day, { slFormula: 'abandons-positive' })).toBe((5 / 8) * 100)
  })

  it('is answeredWithin / answered under answered-only, calls of unknown wait left out', () => {
    expect(sl(day, { slFormula: 'answered-only' })).toBe((4 / 5) * 100)
  })

  it('takes overflowed calls out of the denominator when overflowCounts is false', () => {
    expect(sl(day, { overflowCounts: false })).toBe((4 / 7) * 100)
    expect(sl(day, { overflowCounts: false, slFormula: 'abandons-neutral' })).toBe((4 / 6) * 100)
    expect(sl(day, { overflowCounts: false, slFormula: 'abandons-positive' })).toBe((5 / 7) * 100)
    expect(sl(day, { overflowCounts: false, slFormula: 'answered-only' })).toBe((4 / 5) * 100)
  })

  it('does not take an overflow of unknown wait out twice when overflowCounts is false', () => {
    const c = counters({ offered: 3, answered: 2, answeredWithin: 1, overflowed: 1, waitUnknown: 1, overflowedWaitUnknown: 1 })
    expect(sl(c, { overflowCounts: false })).toBe(50)
  })

  it.each<SlFormula>(['standard', 'abandons-neutral', 'abandons-positive', 'answered-only'])(
    'is null with nothing offered under %s',
    (slFormula) => {
      expect(sl(emptyCounters(), { slFormula })).toBeNull()
    },
  )

  it('is null, not 0 %, when every call was a short abandon', () => {
    expect(sl(counters({ offered: 2, abandoned: 2, shortAbandoned: 2 }))).toBeNull()
  })

  it('is null when the only call has an unknown wait', () => {
    expect(sl(counters({ offered: 1, answered: 1, waitUnknown: 1, answeredWaitUnknown: 1 }))).toBeNull()
  })

  it('is null under abandons-neutral when every call was abandoned within the threshold', () => {
    expect(sl(counters({ offered: 2, abandoned: 2, abandonedWithin: 2 }), { slFormula: 'abandons-neutral' })).toBeNull()
    expect(sl(counters({ offered: 2, abandoned: 2, abandonedWithin: 2 }))).toBe(0)
  })

  it('is null under answered-only with no answers, and 0 % under standard then', () => {
    const c = counters({ offered: 1, abandoned: 1, abandonWaitCount: 1, abandonWaitMs: 60_000 })
    expect(sl(c, { slFormula: 'answered-only' })).toBeNull()
    expect(sl(c)).toBe(0)
  })

  it('is 100 % when every call was answered within the threshold', () => {
    expect(sl(counters({ offered: 3, answered: 3, answeredWithin: 3 }))).toBe(100)
  })
})

describe('computeRatios', () => {
  const c = counters(
    {
      offered: 10,
      answered: 6,
      answeredWithin: 4,
      abandoned: 3,
      shortAbandoned: 1,
      abandonedWithin: 1,
      overflowed: 1,
      handled: 4,
      waitUnknown: 1,
      answeredWaitUnknown: 1,
      answeredWaitMs: 50_000, // 5 answered with known wait
      abandonWaitCount: 2,
      abandonWaitMs: 70_000,
      talkMs: 480_000,
      acwMs: 120_000,
      csatResponses: 5,
      csatSatisfied: 3,
      csatDissatisfied: 1,
      npsResponses: 4,
      npsPromoters: 1,
      npsDetractors: 2,
    },
    { 3: 1, 10: 2, 45: 1, 61: 1 },
  )
  const r = computeRatios(c, definition())

  it('gives offeredNet as offered − shortAbandoned', () => expect(r.offeredNet).toBe(9))
  it('gives answerRatePct as answered / offeredNet', () => expect(r.answerRatePct).toBe((6 / 9) * 100))
  it('gives abandonRatePct as (abandoned − shortAbandoned) / offeredNet', () => expect(r.abandonRatePct).toBe((2 / 9) * 100))
  it('gives asaSec as the mean wait of answered calls with known wait', () => expect(r.asaSec).toBe(10))
  it('gives avgAbandonWaitSec as the mean wait of non-short abandons', () => expect(r.avgAbandonWaitSec).toBe(35))
  it('gives maxWaitSec as the longest wait in the histogram', () => expect(r.maxWaitSec).toBe(61))
  it('gives avgTalkSec as talk / handled', () => expect(r.avgTalkSec).toBe(120))
  it('gives avgAcwSec as ACW / handled', () => expect(r.avgAcwSec).toBe(30))
  it('gives ahtSec as (talk + ACW) / handled', () => expect(r.ahtSec).toBe(150))
  it('gives csatPct as satisfied / responses', () => expect(r.csatPct).toBe(60))
  it('gives dsatPct as dissatisfied / responses', () => expect(r.dsatPct).toBe(20))
  it('gives a negative nps when detractors outnumber promoters', () => expect(r.nps).toBe(-25))
  it('gives serviceLevelPct under the definition', () => expect(r.serviceLevelPct).toBe(50))

  it('gives null for every ratio of an empty window, and offeredNet 0', () => {
    expect(computeRatios(emptyCounters(), definition())).toEqual({
      offeredNet: 0,
      serviceLevelPct: null,
      answerRatePct: null,
      abandonRatePct: null,
      asaSec: null,
      avgAbandonWaitSec: null,
      maxWaitSec: null,
      avgTalkSec: null,
      avgAcwSec: null,
      ahtSec: null,
      occupancyPct: null,
      utilizationPct: null,
      callsPerAgent: null,
      csatPct: null,
      dsatPct: null,
      nps: null,
    })
  })

  it('gives null ASA when every answer has an unknown wait', () => {
    expect(
      computeRatios(counters({ offered: 1, answered: 1, waitUnknown: 1, answeredWaitUnknown: 1 }), definition()).asaSec,
    ).toBeNull()
  })

  it('gives null talk, ACW and AHT with nothing handled, even with ACW time', () => {
    const x = computeRatios(counters({ acwMs: 30_000 }), definition())
    expect([x.avgTalkSec, x.avgAcwSec, x.ahtSec]).toEqual([null, null, null])
  })

  it('gives null CSAT with only NPS responses, and null NPS with only CSAT ones', () => {
    expect(computeRatios(counters({ npsResponses: 1, npsPromoters: 1 }), definition())).toMatchObject({
      csatPct: null,
      dsatPct: null,
      nps: 100,
    })
    expect(computeRatios(counters({ csatResponses: 1, csatSatisfied: 1 }), definition())).toMatchObject({
      csatPct: 100,
      dsatPct: 0,
      nps: null,
    })
  })

  it('publishes every counter except the internal histogram', () => {
    const p = publicCounters(c)
    expect(p).not.toHaveProperty('waitHist')
    expect(p).toMatchObject({ offered: 10, npsDetractors: 2 })
  })
})
