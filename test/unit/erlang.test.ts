// Staffing maths (shared/erlang.ts): published reference values, textbook closed forms, an exact
// BigInt and a log-space reference for the recurrence, large agent counts, monotonicity and
// minimality properties, the null and edge cases, and input validation.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_STAFFING_AGENTS,
  averageSpeedOfAnswer,
  erlangB,
  erlangC,
  serviceLevel,
  staffing,
  type StaffingInput,
} from '../../shared/erlang.js'

/** `x` rounded to `digits` significant digits, as a published table prints it. */
function significant(x: number, digits: number): number {
  return Number(x.toPrecision(digits))
}

function expectRelativelyClose(actual: number, expected: number, relativeTolerance: number): void {
  expect(Number.isFinite(actual)).toBe(true)
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relativeTolerance * Math.abs(expected))
}

/** a / b for BigInts as a double, keeping ~64 significant bits of the quotient. */
function bigRatio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0
  const shift = denominator.toString(2).length - numerator.toString(2).length + 64
  return Number((numerator << BigInt(shift)) / denominator) * 2 ** -shift
}

/**
 * Erlang B and C straight from the textbook sums, exactly, for traffic p/q:
 * B = (A^N/N!) / Σ_{k≤N} A^k/k!, C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)).
 * Every term is multiplied by N!·q^N (and C's by N·q − p) so all stay integers.
 */
function exactErlang(p: number, q: number, agents: number): { b: number; c: number } {
  const [bp, bq, n] = [BigInt(p), BigInt(q), BigInt(agents)]
  // scaled[k] = A^k/k! · N!·q^N = p^k · q^(N−k) · N!/k!
  let sumBelowN = 0n
  let fallingFactorial = 1n // N!/k!, built from k = N downwards
  const scaled: bigint[] = []
  for (let k = agents; k >= 0; k--) {
    scaled[k] = bp ** BigInt(k) * bq ** BigInt(agents - k) * fallingFactorial
    fallingFactorial *= BigInt(k)
  }
  for (let k = 0; k < agents; k++) sumBelowN += scaled[k] ?? 0n
  const lastTerm = scaled[agents] ?? 0n // = p^N
  const b = bigRatio(lastTerm, sumBelowN + lastTerm)
  const gap = n * bq - bp // (N − A)·q
  const c = gap > 0n ? bigRatio(lastTerm * n * bq, gap * sumBelowN + lastTerm * n * bq) : 1
  return { b, c }
}

/** Erlang B by summing the Poisson terms in log space (log-sum-exp): no overflow at any N. */
function logSpaceErlangB(trafficErlangs: number, agents: number): number {
  const logTerms: number[] = [0]
  for (let k = 1; k <= agents; k++) logTerms.push((logTerms[k - 1] ?? 0) + Math.log(trafficErlangs / k))
  const largest = Math.max(...logTerms)
  const logSum = largest + Math.log(logTerms.reduce((sum, t) => sum + Math.exp(t - largest), 0))
  return Math.exp((logTerms[agents] ?? 0) - logSum)
}

function logSpaceErlangC(trafficErlangs: number, agents: number): number {
  const b = logSpaceErlangB(trafficErlangs, agents)
  return (agents * b) / (agents - trafficErlangs * (1 - b))
}

function staffingOf(overrides: Partial<StaffingInput>) {
  return staffing({ arrivalsPerSec: 0.2, ahtSec: 240, thresholdSec: 15, targetPct: 80, agentsNow: 55, ...overrides })
}

describe('published reference values', () => {
  // Worked example of "The Erlang-C Formula" (Mitan Ltd, widely reprinted): 360 calls per half
  // hour, 4-minute calls, 55 agents, 15 s target: A = 48 E, Pw 0.2387, ASA 8.18 s, SL 84.59 %.
  const example = { trafficErlangs: 48, agents: 55, ahtSec: 240, thresholdSec: 15 }

  it('gives the probability of waiting 0.2387 for 48 Erlangs on 55 agents', () => {
    expect(significant(erlangC(48, 55), 4)).toBe(0.2387)
  })

  it('gives the service level 84.59 % within 15 s', () => {
    expect(significant(serviceLevel(example) * 100, 4)).toBe(84.59)
  })

  it('gives the ASA 8.18 s (0.2387 × 240 / 7 = 8.184 s)', () => {
    expect(significant(averageSpeedOfAnswer(example), 3)).toBe(8.18)
    expect(significant(averageSpeedOfAnswer(example), 4)).toBe(8.184)
  })

  it('staffs the example: 0.2 calls/s × 240 s is 48 E, 55 agents meet 80/15 and 54 do not (79.29 %)', () => {
    const result = staffingOf({})
    expect(result.trafficErlangs).toBeCloseTo(48, 12)
    expect(result.needed).toBe(55)
    expect(result.neededCapped).toBe(false)
    expect(significant(result.predictedSlPct ?? NaN, 4)).toBe(84.59)
    expect(significant(result.predictedAsaSec ?? NaN, 3)).toBe(8.18)
    expect(significant(serviceLevel({ ...example, agents: 54 }) * 100, 4)).toBe(79.29)
  })

  // Erlang C calculator example (personal.telefonica.terra.es/web/vr/erlang): 600 calls an hour of
  // 120 s is 20 E; 26 agents keep the delay probability under 15 % with about 3 s average delay,
  // and 30 agents bring it to 2.5 %.
  it('needs 26 agents for a 15 % delay probability at 20 Erlangs, 25 are not enough', () => {
    expect(erlangC(20, 26)).toBeLessThanOrEqual(0.15)
    expect(erlangC(20, 25)).toBeGreaterThan(0.15)
    expect(significant(averageSpeedOfAnswer({ trafficErlangs: 20, agents: 26, ahtSec: 120 }), 1)).toBe(3)
    expect(significant(erlangC(20, 30), 2)).toBe(0.025)
  })

  // Erlang B tables: 15 lines at 1 % blocking carry 8.108 E (erlang.com calculator manual), and
  // 1,200 calls in the busy hour at 100 s each (33.333 E) need 45 lines for 1 % (erlang.com forum).
  it('matches the Erlang B tables: 15 lines carry 8.108 E at 1 %, 33.333 E need 45 lines', () => {
    expect(significant(erlangB(8.108, 15), 3)).toBe(0.01)
    expect(erlangB(100 / 3, 45)).toBeLessThanOrEqual(0.01)
    expect(erlangB(100 / 3, 44)).toBeGreaterThan(0.01)
  })
})

describe('textbook closed forms', () => {
  it('gives B = 1/2 for 1 Erlang on 1 line and B = 2/5 for 2 Erlangs on 2 lines', () => {
    expect(erlangB(1, 1)).toBe(0.5)
    expect(erlangB(2, 2)).toBeCloseTo(0.4, 15)
  })

  it('gives C = 4/9 for 2 Erlangs on 3 agents (B = 4/19, C = 3B / (3 − 2(1 − B)))', () => {
    expect(erlangB(2, 3)).toBeCloseTo(4 / 19, 15)
    expect(erlangC(2, 3)).toBeCloseTo(4 / 9, 15)
  })

  it('reduces to M/M/1 with one agent: C = ρ, SL = 1 − ρ·e^(−(1−ρ)t/AHT), ASA = ρ·AHT/(1 − ρ)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), (rho) => {
        expect(erlangC(rho, 1)).toBeCloseTo(rho, 14)
        const model = { trafficErlangs: rho, agents: 1, ahtSec: 100, thresholdSec: 50 }
        expect(serviceLevel(model)).toBeCloseTo(1 - rho * Math.exp((-(1 - rho) * 50) / 100), 14)
        expectRelativelyClose(averageSpeedOfAnswer(model) + 1, (rho * 100) / (1 - rho) + 1, 1e-12)
      }),
    )
  })

  it('reduces to C = A²/(2 + A) with two agents', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1.999, noNaN: true }), (traffic) => {
        expect(erlangC(traffic, 2)).toBeCloseTo((traffic * traffic) / (2 + traffic), 14)
      }),
    )
  })

  it('answers at once with probability 1 − C when the threshold is 0', () => {
    expect(serviceLevel({ trafficErlangs: 48, agents: 55, ahtSec: 240, thresholdSec: 0 })).toBeCloseTo(1 - erlangC(48, 55), 15)
  })
})

describe('agreement with exact and log-space references', () => {
  it('checks the BigInt reference itself on 2 Erlangs and 3 agents (B = 4/19, C = 4/9)', () => {
    const exact = exactErlang(2, 1, 3)
    expect(exact.b).toBe(4 / 19)
    expect(exact.c).toBe(4 / 9)
  })

  it('agrees with the exact textbook sums for rational traffic and up to 60 agents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 60 }),
        (p, q, agents) => {
          const exact = exactErlang(p, q, agents)
          const b = erlangB(p / q, agents)
          const c = erlangC(p / q, agents)
          expect(Math.abs(b - exact.b)).toBeLessThanOrEqual(1e-13 * exact.b)
          expect(Math.abs(c - exact.c)).toBeLessThanOrEqual(1e-13 * exact.c)
        },
      ),
    )
  })

  it('stays finite, in [0, 1] and equal to the log-space sum for 2,000 Erlangs on 2,100 agents', () => {
    const c = erlangC(2000, 2100)
    expect(c).toBeGreaterThan(0)
    expect(c).toBeLessThan(1)
    expectRelativelyClose(c, logSpaceErlangC(2000, 2100), 1e-9)
    expectRelativelyClose(erlangB(2000, 2100), logSpaceErlangB(2000, 2100), 1e-9)
  })

  it('stays exact at 10,000 agents (9,900 Erlangs) and for traffic in the thousands', () => {
    expectRelativelyClose(erlangC(9900, 10_000), logSpaceErlangC(9900, 10_000), 1e-9)
    expectRelativelyClose(erlangB(5000, 5000), logSpaceErlangB(5000, 5000), 1e-9)
    const sl = serviceLevel({ trafficErlangs: 9900, agents: 10_000, ahtSec: 300, thresholdSec: 20 })
    expect(sl).toBeGreaterThan(0)
    expect(sl).toBeLessThan(1)
  })

  it('underflows gracefully to C = 0 and SL = 1 when agents far exceed traffic', () => {
    expect(erlangC(10, 10_000)).toBe(0)
    expect(serviceLevel({ trafficErlangs: 10, agents: 10_000, ahtSec: 180, thresholdSec: 20 })).toBe(1)
  })
})

describe('properties', () => {
  const traffic = fc.double({ min: 0, max: 500, noNaN: true })

  it('keeps B and C in [0, 1], with C ≥ B', () => {
    fc.assert(
      fc.property(traffic, fc.integer({ min: 0, max: 700 }), (a, agents) => {
        const b = erlangB(a, agents)
        const c = erlangC(a, agents)
        expect(b).toBeGreaterThanOrEqual(0)
        expect(c).toBeLessThanOrEqual(1)
        expect(c).toBeGreaterThanOrEqual(b)
      }),
    )
  })

  it('lowers the probability of waiting as agents are added', () => {
    fc.assert(
      fc.property(traffic, fc.integer({ min: 0, max: 700 }), (a, agents) => {
        expect(erlangC(a, agents + 1)).toBeLessThanOrEqual(erlangC(a, agents))
      }),
    )
  })

  it('raises the probability of waiting as traffic grows', () => {
    fc.assert(
      fc.property(traffic, traffic, fc.integer({ min: 1, max: 700 }), (a1, a2, agents) => {
        const [low, high] = a1 <= a2 ? [a1, a2] : [a2, a1]
        expect(erlangC(high, agents)).toBeGreaterThanOrEqual(erlangC(low, agents))
      }),
    )
  })

  it('raises the service level with more agents and with a longer threshold', () => {
    fc.assert(
      fc.property(
        traffic,
        fc.integer({ min: 0, max: 700 }),
        fc.double({ min: 1, max: 3600, noNaN: true }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        (a, agents, ahtSec, t1, t2) => {
          const model = { trafficErlangs: a, agents, ahtSec, thresholdSec: Math.min(t1, t2) }
          const sl = serviceLevel(model)
          expect(sl).toBeGreaterThanOrEqual(0)
          expect(sl).toBeLessThanOrEqual(1)
          expect(serviceLevel({ ...model, agents: agents + 1 })).toBeGreaterThanOrEqual(sl)
          expect(serviceLevel({ ...model, thresholdSec: Math.max(t1, t2) })).toBeGreaterThanOrEqual(sl)
        },
      ),
    )
  })

  it('finds the fewest agents that meet the target, and the prediction meets it exactly when agents ≥ needed', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 5, noNaN: true }),
        fc.double({ min: 5, max: 900, noNaN: true }),
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 1, max: 99.9, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        (arrivalsPerSec, ahtSec, thresholdSec, targetPct, agentsNow) => {
          const result = staffing({ arrivalsPerSec, ahtSec, thresholdSec, targetPct, agentsNow })
          if (result.trafficErlangs === null) throw new Error('expected an estimate')
          const { trafficErlangs, needed } = result
          const sl = (agents: number) => serviceLevel({ trafficErlangs, agents, ahtSec, thresholdSec })
          expect(result.neededCapped).toBe(false)
          expect(needed).toBeGreaterThan(trafficErlangs)
          expect(sl(needed)).toBeGreaterThanOrEqual(targetPct / 100)
          expect(sl(needed - 1)).toBeLessThan(targetPct / 100)
          expect((result.predictedSlPct ?? NaN) >= targetPct).toBe(agentsNow >= needed)
        },
      ),
    )
  })
})

describe('staffing: no estimate, no traffic, no agents', () => {
  const unknown = { trafficErlangs: null, needed: null, neededCapped: false, predictedSlPct: null, predictedAsaSec: null }

  it('gives null figures, not 0 or 100, when arrivals are unknown', () => {
    expect(staffingOf({ arrivalsPerSec: null })).toEqual(unknown)
  })

  it('gives null figures when contacts arrive but the AHT is unknown or zero', () => {
    expect(staffingOf({ ahtSec: null })).toEqual(unknown)
    expect(staffingOf({ ahtSec: 0 })).toEqual(unknown)
  })

  it('needs no agent when no contacts arrive, and predicts no SL or ASA (nothing to be a ratio of)', () => {
    const none = { trafficErlangs: 0, needed: 0, neededCapped: false, predictedSlPct: null, predictedAsaSec: null }
    expect(staffingOf({ arrivalsPerSec: 0 })).toEqual(none)
    expect(staffingOf({ arrivalsPerSec: 0, ahtSec: null, agentsNow: 0 })).toEqual(none)
  })

  it('predicts 0 % and an unbounded ASA with traffic and nobody logged in', () => {
    const result = staffingOf({ agentsNow: 0 })
    expect(result.needed).toBe(55)
    expect(result.predictedSlPct).toBe(0)
    expect(result.predictedAsaSec).toBe(Infinity)
  })

  it('treats agents equal to the traffic as unstable: C = 1, SL 0, ASA ∞', () => {
    expect(erlangC(2, 2)).toBe(1)
    expect(serviceLevel({ trafficErlangs: 2, agents: 2, ahtSec: 60, thresholdSec: 20 })).toBe(0)
    expect(averageSpeedOfAnswer({ trafficErlangs: 2, agents: 2, ahtSec: 60 })).toBe(Infinity)
    expect(staffingOf({ arrivalsPerSec: 1 / 30, ahtSec: 60, agentsNow: 2 }).predictedSlPct).toBe(0)
  })

  it('answers everyone at once when there is no traffic and an agent', () => {
    expect(erlangB(0, 0)).toBe(1)
    expect(erlangB(0, 3)).toBe(0)
    expect(erlangC(0, 3)).toBe(0)
    expect(serviceLevel({ trafficErlangs: 0, agents: 1, ahtSec: 60, thresholdSec: 0 })).toBe(1)
    expect(averageSpeedOfAnswer({ trafficErlangs: 0, agents: 1, ahtSec: 60 })).toBe(0)
  })

  it('still asks for a stable queue (more agents than Erlangs) under a target of 0 %', () => {
    expect(staffingOf({ targetPct: 0 }).needed).toBe(49)
    expect(staffingOf({ arrivalsPerSec: 0.01, ahtSec: 50, targetPct: 0 }).needed).toBe(1)
  })

  it('terminates under a target of 100 % (SL reaches 1 within double precision)', () => {
    const result = staffingOf({ targetPct: 100 })
    expect(result.neededCapped).toBe(false)
    expect(serviceLevel({ trafficErlangs: 48, agents: result.needed ?? 0, ahtSec: 240, thresholdSec: 15 })).toBe(1)
  })

  it('narrows by trafficErlangs: an estimate always carries a number of agents needed', () => {
    const result = staffingOf({})
    if (result.trafficErlangs === null) throw new Error('expected an estimate')
    const needed: number = result.needed // compiles only because the union narrows
    expect(needed).toBe(55)
  })
})

describe('staffing: large and absurd loads', () => {
  it('staffs 9,000 Erlangs (37.5 calls/s × 240 s) with a minimal count of agents', () => {
    const result = staffingOf({ arrivalsPerSec: 37.5, agentsNow: 9000 })
    if (result.trafficErlangs === null) throw new Error('expected an estimate')
    const sl = (agents: number) => serviceLevel({ trafficErlangs: 9000, agents, ahtSec: 240, thresholdSec: 15 })
    expect(result.needed).toBeGreaterThan(9000)
    expect(sl(result.needed)).toBeGreaterThanOrEqual(0.8)
    expect(sl(result.needed - 1)).toBeLessThan(0.8)
    expect(result.predictedSlPct).toBe(0)
  })

  it('stops at MAX_STAFFING_AGENTS and says so when the traffic alone exceeds it', () => {
    const result = staffingOf({ arrivalsPerSec: 1000, ahtSec: 3600 })
    expect(result).toMatchObject({
      trafficErlangs: 3_600_000,
      needed: MAX_STAFFING_AGENTS,
      neededCapped: true,
      predictedSlPct: 0,
    })
    expect(result.predictedAsaSec).toBe(Infinity)
  })

  it('stops at MAX_STAFFING_AGENTS and says so when the target is still missed there', () => {
    // 99,990 E: at 100,000 agents the margin is 10 agents, far too few for 99.9 % at once.
    const result = staffingOf({ arrivalsPerSec: 99_990 / 240, thresholdSec: 0, targetPct: 99.9, agentsNow: 0 })
    expect(result.needed).toBe(MAX_STAFFING_AGENTS)
    expect(result.neededCapped).toBe(true)
  })

  it('does not throw when finite inputs multiply to an infinite load', () => {
    const result = staffingOf({ arrivalsPerSec: 1e200, ahtSec: 1e200 })
    expect(result).toMatchObject({ trafficErlangs: Infinity, needed: MAX_STAFFING_AGENTS, neededCapped: true, predictedSlPct: 0 })
  })
})

describe('input validation', () => {
  const bad = [-1, NaN, Infinity, -Infinity]

  it('rejects negative or non-finite traffic, naming trafficErlangs', () => {
    for (const value of bad) {
      expect(() => erlangB(value, 3)).toThrow(RangeError)
      expect(() => erlangC(value, 3)).toThrow(/trafficErlangs/)
      expect(() => serviceLevel({ trafficErlangs: value, agents: 3, ahtSec: 60, thresholdSec: 20 })).toThrow(/trafficErlangs/)
    }
  })

  it('rejects agents that are negative, fractional, non-finite or huge, naming agents', () => {
    for (const value of [...bad, 2.5, 1e12]) {
      expect(() => erlangB(2, value)).toThrow(RangeError)
      expect(() => erlangC(2, value)).toThrow(/agents/)
      expect(() => averageSpeedOfAnswer({ trafficErlangs: 2, agents: value, ahtSec: 60 })).toThrow(/agents/)
    }
  })

  it('rejects a zero, negative or non-finite AHT and a bad threshold, by name', () => {
    for (const value of [0, ...bad]) {
      expect(() => serviceLevel({ trafficErlangs: 2, agents: 3, ahtSec: value, thresholdSec: 20 })).toThrow(/ahtSec/)
      expect(() => averageSpeedOfAnswer({ trafficErlangs: 2, agents: 3, ahtSec: value })).toThrow(RangeError)
    }
    for (const value of bad) {
      expect(() => serviceLevel({ trafficErlangs: 2, agents: 3, ahtSec: 60, thresholdSec: value })).toThrow(/thresholdSec/)
    }
  })

  it('rejects bad staffing inputs, naming each', () => {
    for (const value of bad) {
      expect(() => staffingOf({ arrivalsPerSec: value })).toThrow(/arrivalsPerSec/)
      expect(() => staffingOf({ ahtSec: value })).toThrow(/ahtSec/)
      expect(() => staffingOf({ thresholdSec: value })).toThrow(/thresholdSec/)
      expect(() => staffingOf({ targetPct: value })).toThrow(/targetPct/)
      expect(() => staffingOf({ agentsNow: value })).toThrow(/agentsNow/)
    }
    expect(() => staffingOf({ targetPct: 100.5 })).toThrow(RangeError)
    expect(() => staffingOf({ agentsNow: 1.5 })).toThrow(/agentsNow/)
  })

  it('validates even when the figures would be null', () => {
    expect(() => staffingOf({ arrivalsPerSec: null, agentsNow: -1 })).toThrow(/agentsNow/)
  })
})
