// Staffing maths (metrics.md "Staffing (Erlang C)"): from a queue's traffic, how many agents it
// needs now to meet its service-level target, and the SL and ASA to expect with the agents it has.
// Pure: the caller measures arrivals and AHT over the last 30 minutes and passes them in.
//
// The model is M/M/N (Erlang C), with A = arrivals per second × AHT in seconds (Erlangs) and N
// agents:
//   Erlang B  B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))          (probability of blocking, no queue)
//   Erlang C  C = N·B / (N − A·(1 − B))                          (probability that a contact waits)
//   SL(t)     = 1 − C·e^(−(N − A)·t / AHT)                        (answered within t seconds)
//   ASA       = C·AHT / (N − A)                                   (mean wait, waiting or not)
// For N ≤ A the queue grows without bound and has no steady state: C = 1, SL = 0, ASA = ∞.
//
// Why the recurrence rather than the textbook A^N/N! / Σ A^k/k!: N! overflows a double at
// N = 171 and A^N soon after, while every B(n) lies in [0, 1]; the recurrence is a contraction, so
// rounding errors do not grow with N and 10,000 agents cost 10,000 multiply-divides.
//
// Assumptions, and where they bend:
// - arrivals are Poisson at a steady rate (the last 30 minutes' rate is taken to hold now);
// - handle times are exponential with mean AHT, where AHT includes after-call work (the agent is
//   not free during ACW), like the `ahtSec` figure;
// - every agent counted can take any contact of the queue, first come first served; an agent
//   shared with other queues is counted whole, which flatters the prediction;
// - nobody abandons and nobody is blocked: callers wait forever. Real callers hang up, which
//   shortens the queue for those who stay, so Erlang C overstates waits and the agents needed
//   when callers abandon (Erlang A models patience; the board shows the simpler, cautious figure).
// With no abandons every `slFormula` variant coincides, so SL here is answered-within / offered.

/** Most agents the `agents` arguments accept: each call costs one step per agent. */
export const MAX_AGENTS = 10_000_000

/** Where `staffing` stops searching: beyond it `neededCapped` is true. No real queue comes near. */
export const MAX_STAFFING_AGENTS = 100_000

export interface QueueModel {
  /** offered load: arrivals per second × AHT in seconds */
  trafficErlangs: number
  /** agents serving the queue (a whole number) */
  agents: number
  /** mean handle time (talk + after-call work), seconds, > 0 */
  ahtSec: number
}

export interface ServiceLevelModel extends QueueModel {
  /** the SL threshold (answered within this many seconds), ≥ 0 */
  thresholdSec: number
}

export interface StaffingInput {
  /** offered contacts per second over the recent window; null when unknown */
  arrivalsPerSec: number | null
  /** mean handle time over the recent window, seconds; null (or 0) when unknown */
  ahtSec: number | null
  /** the queue's SL threshold, seconds */
  thresholdSec: number
  /** the queue's SL target, percent 0–100 */
  targetPct: number
  /** agents serving the queue now (logged in) */
  agentsNow: number
}

/** No traffic estimate (arrivals unknown, or AHT unknown or zero while contacts arrive): no figures. */
export interface StaffingUnknown {
  trafficErlangs: null
  needed: null
  neededCapped: false
  predictedSlPct: null
  predictedAsaSec: null
}

export interface StaffingEstimate {
  /** arrivals per second × AHT */
  trafficErlangs: number
  /**
   * The smallest N > traffic whose Erlang C SL meets the target; 0 when there is no traffic (no
   * agent is needed for no contacts). A target of 0 still asks for a stable queue (N > traffic).
   */
  needed: number
  /**
   * True when even `MAX_STAFFING_AGENTS` agents miss the target: `needed` is then
   * `MAX_STAFFING_AGENTS` and the true figure is larger (show "> 100000", not "100000").
   */
  neededCapped: boolean
  /** SL (percent) predicted with `agentsNow`; 0 when agentsNow ≤ traffic; null with no traffic (0/0) */
  predictedSlPct: number | null
  /**
   * ASA (seconds) predicted with `agentsNow`; Infinity when agentsNow ≤ traffic (the queue grows
   * without bound: JSON has no Infinity, so a caller that serialises must map it); null with no traffic.
   */
  predictedAsaSec: number | null
}

/** Narrow on `trafficErlangs === null`: an estimate always carries `needed`. */
export type Staffing = StaffingUnknown | StaffingEstimate

function requireNonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`)
  }
}

function requireAgents(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_AGENTS) {
    throw new RangeError(`${name} must be a whole number from 0 to ${MAX_AGENTS}, got ${String(value)}`)
  }
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${String(value)}`)
  }
}

/** B(N) by the recurrence, from B(from) = bFrom; unvalidated. */
function erlangBFrom(trafficErlangs: number, bFrom: number, from: number, agents: number): number {
  let b = bFrom
  for (let n = from + 1; n <= agents; n++) {
    // Once B underflows to 0 it stays 0: stop early, which keeps N ≫ A cheap.
    if (b === 0) return 0
    const ab = trafficErlangs * b
    b = ab / (n + ab)
  }
  return b
}

/** C from B(N); 1 for an unstable queue. */
function erlangCFromB(trafficErlangs: number, agents: number, b: number): number {
  if (agents <= trafficErlangs) return 1
  // Mathematically ≤ 1 for N > A; the min guards the last rounding bit.
  return Math.min(1, (agents * b) / (agents - trafficErlangs * (1 - b)))
}

function serviceLevelFromB(trafficErlangs: number, agents: number, b: number, ahtSec: number, thresholdSec: number): number {
  // Unstable: the queue grows without bound, so in the long run nobody is answered within t.
  if (agents <= trafficErlangs) return 0
  const c = erlangCFromB(trafficErlangs, agents, b)
  return 1 - c * Math.exp((-(agents - trafficErlangs) * thresholdSec) / ahtSec)
}

function asaFromB(trafficErlangs: number, agents: number, b: number, ahtSec: number): number {
  if (agents <= trafficErlangs) return Infinity
  return (erlangCFromB(trafficErlangs, agents, b) * ahtSec) / (agents - trafficErlangs)
}

/** Erlang B: the probability that a contact finds all `agents` busy when nobody can queue. */
export function erlangB(trafficErlangs: number, agents: number): number {
  requireNonNegative('trafficErlangs', trafficErlangs)
  requireAgents('agents', agents)
  return erlangBFrom(trafficErlangs, 1, 0, agents)
}

/** Erlang C: the probability that a contact waits (1 when agents ≤ traffic: the queue is unstable). */
export function erlangC(trafficErlangs: number, agents: number): number {
  requireNonNegative('trafficErlangs', trafficErlangs)
  requireAgents('agents', agents)
  if (agents <= trafficErlangs) return 1
  return erlangCFromB(trafficErlangs, agents, erlangBFrom(trafficErlangs, 1, 0, agents))
}

/** Fraction (0–1) of contacts answered within `thresholdSec`; 0 when agents ≤ traffic. */
export function serviceLevel({ trafficErlangs, agents, ahtSec, thresholdSec }: ServiceLevelModel): number {
  requireNonNegative('trafficErlangs', trafficErlangs)
  requireAgents('agents', agents)
  requirePositive('ahtSec', ahtSec)
  requireNonNegative('thresholdSec', thresholdSec)
  if (agents <= trafficErlangs) return 0
  return serviceLevelFromB(trafficErlangs, agents, erlangBFrom(trafficErlangs, 1, 0, agents), ahtSec, thresholdSec)
}

/** Mean wait in seconds over all contacts (those answered at once count 0); Infinity when agents ≤ traffic. */
export function averageSpeedOfAnswer({ trafficErlangs, agents, ahtSec }: QueueModel): number {
  requireNonNegative('trafficErlangs', trafficErlangs)
  requireAgents('agents', agents)
  requirePositive('ahtSec', ahtSec)
  if (agents <= trafficErlangs) return Infinity
  return asaFromB(trafficErlangs, agents, erlangBFrom(trafficErlangs, 1, 0, agents), ahtSec)
}

/**
 * The smallest N > A with SL(N) ≥ target, walking up from the smallest stable N and carrying B
 * along, so the whole search costs O(needed) steps.
 */
function neededAgents(
  trafficErlangs: number,
  ahtSec: number,
  thresholdSec: number,
  targetFraction: number,
): { needed: number; neededCapped: boolean } {
  const first = Math.floor(trafficErlangs) + 1
  if (!(first <= MAX_STAFFING_AGENTS)) return { needed: MAX_STAFFING_AGENTS, neededCapped: true }
  let b = erlangBFrom(trafficErlangs, 1, 0, first)
  for (let n = first; ; n++) {
    if (serviceLevelFromB(trafficErlangs, n, b, ahtSec, thresholdSec) >= targetFraction) return { needed: n, neededCapped: false }
    if (n >= MAX_STAFFING_AGENTS) return { needed: MAX_STAFFING_AGENTS, neededCapped: true }
    b = erlangBFrom(trafficErlangs, b, n, n + 1)
  }
}

/**
 * Agents needed now and the SL and ASA predicted with the agents serving the queue now, from the
 * recent arrival rate and AHT. See the module header for the model and its assumptions.
 */
export function staffing({ arrivalsPerSec, ahtSec, thresholdSec, targetPct, agentsNow }: StaffingInput): Staffing {
  if (arrivalsPerSec !== null) requireNonNegative('arrivalsPerSec', arrivalsPerSec)
  if (ahtSec !== null) requireNonNegative('ahtSec', ahtSec)
  requireNonNegative('thresholdSec', thresholdSec)
  if (typeof targetPct !== 'number' || !(targetPct >= 0 && targetPct <= 100)) {
    throw new RangeError(`targetPct must be a number from 0 to 100, got ${String(targetPct)}`)
  }
  requireAgents('agentsNow', agentsNow)

  if (arrivalsPerSec === null) return unknownStaffing()
  // No contacts arriving is a measured zero load whatever the AHT: nobody is needed, and SL and
  // ASA have nothing to be a ratio of (metrics.md: a zero denominator is null, never 0 % or 100 %).
  if (arrivalsPerSec === 0) {
    return { trafficErlangs: 0, needed: 0, neededCapped: false, predictedSlPct: null, predictedAsaSec: null }
  }
  // Contacts arrive but nothing was handled (or handled in no time): the load is unknown.
  if (ahtSec === null || ahtSec === 0) return unknownStaffing()

  // Finite inputs can still overflow to Infinity; the internal helpers treat that as "more than
  // any N" rather than throwing, and the search reports it as capped.
  const trafficErlangs = arrivalsPerSec * ahtSec
  const { needed, neededCapped } = neededAgents(trafficErlangs, ahtSec, thresholdSec, targetPct / 100)
  const b = agentsNow > trafficErlangs ? erlangBFrom(trafficErlangs, 1, 0, agentsNow) : 1
  return {
    trafficErlangs,
    needed,
    neededCapped,
    predictedSlPct: serviceLevelFromB(trafficErlangs, agentsNow, b, ahtSec, thresholdSec) * 100,
    predictedAsaSec: asaFromB(trafficErlangs, agentsNow, b, ahtSec),
  }
}

function unknownStaffing(): StaffingUnknown {
  return { trafficErlangs: null, needed: null, neededCapped: false, predictedSlPct: null, predictedAsaSec: null }
}
