// Default amber/red thresholds of the board tiles: the one home of "when does a figure need
// attention". Pure; a board may carry its own thresholds (any of them), the defaults fill the rest.
//
// The defaults, and why:
// - service level (today): amber below the queue's target, red more than 10 points below it:
//   under target is a warning, well under is an incident.
// - longest wait (now): amber from `slThresholdSec` (the waiting caller already misses service
//   level), red from 3× it (60 s under 80/20).
// - ASA: amber above half of `slThresholdSec`, red above `slThresholdSec` (the average answer
//   is slower than the service-level promise).
// - abandon rate: amber above 5 %, red above 10 % (common industry targets are 3–5 %).
// - answer rate: amber below 90 %, red below 80 %.
// - calls waiting: amber when more calls wait than agents are free for them (available or
//   already ringing for one); red when no agent is logged in at all, when the longest wait is
//   red, or when the backlog (waiting − free agents) reaches 3 or a quarter of the agents logged
//   in, whichever is more. (A plain "waiting ≥ 2 × available" would turn red at the first
//   waiting call whenever nobody is free, leaving amber unused in a busy centre.)
// A null figure (a ratio with a zero denominator, shown "–") is never coloured. Percentages are
// compared at the one decimal the board shows and durations in whole seconds, so a tile never
// turns amber while showing exactly its target.
import Type from 'typebox'
import type { Definition } from './definitions.js'
import type { AgentLiveState, QueueFigures } from './figures/schema.js'

export type Level = 'normal' | 'amber' | 'red'

const Pair = (description: string, max: number) =>
  Type.Object(
    { amber: Type.Number({ minimum: 0, maximum: max }), red: Type.Number({ minimum: 0, maximum: max }) },
    { additionalProperties: false, description },
  )

/** One declaration: the type, and the validation of a board's own thresholds (shared/admin.ts). */
export const ThresholdsSchema = Type.Object(
  {
    serviceLevelBelowTarget: Pair('points below slTargetPct: amber when SL < target − amber, red when SL < target − red', 100),
    longestWaitFactor: Pair('multiples of slThresholdSec: amber when longest wait ≥ amber × threshold, red when ≥ red × it', 100),
    asaFactor: Pair('multiples of slThresholdSec: amber when ASA > amber × threshold, red when > red × it', 100),
    abandonRateAbovePct: Pair('percent: amber when abandon rate > amber, red when > red', 100),
    answerRateBelowPct: Pair('percent: amber when answer rate < amber, red when < red', 100),
    waitingBacklogRed: Type.Object(
      {
        minimum: Type.Integer({ minimum: 1, maximum: 10_000 }),
        shareOfLoggedIn: Type.Number({ minimum: 0, maximum: 1 }),
      },
      {
        additionalProperties: false,
        description: 'calls waiting: red when waiting − free agents ≥ max(minimum, ceil(share × agents logged in))',
      },
    ),
  },
  { additionalProperties: false },
)
export type Thresholds = Type.Static<typeof ThresholdsSchema>

/** A board's own thresholds: any of them, the defaults for the rest. */
export const ThresholdOverridesSchema = Type.Partial(ThresholdsSchema, {
  additionalProperties: false,
  description: 'tile thresholds of this board; a figure not named keeps the default',
})
export type ThresholdOverrides = Type.Static<typeof ThresholdOverridesSchema>

export const DEFAULT_THRESHOLDS: Thresholds = {
  serviceLevelBelowTarget: { amber: 0, red: 10 },
  longestWaitFactor: { amber: 1, red: 3 },
  asaFactor: { amber: 0.5, red: 1 },
  abandonRateAbovePct: { amber: 5, red: 10 },
  answerRateBelowPct: { amber: 90, red: 80 },
  waitingBacklogRed: { minimum: 3, shareOfLoggedIn: 0.25 },
}

/** The thresholds a board works with: its own over the defaults. */
export function thresholdsWith(overrides: ThresholdOverrides | undefined): Thresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides }
}

/**
 * What a schema cannot say: red must lie beyond amber (further below a target, or further above a
 * limit), or a tile would turn red before amber. One problem per figure, named by its path under
 * `at` (e.g. `body.display.thresholds.abandonRateAbovePct: red (4) must be at least amber (5)`).
 */
export function thresholdProblems(o: ThresholdOverrides, at: string): string[] {
  const out: string[] = []
  const atLeast = (key: keyof ThresholdOverrides, p: { amber: number; red: number } | undefined) => {
    if (p && p.red < p.amber) out.push(`${at}.${key}: red (${p.red}) must be at least amber (${p.amber})`)
  }
  atLeast('serviceLevelBelowTarget', o.serviceLevelBelowTarget)
  atLeast('longestWaitFactor', o.longestWaitFactor)
  atLeast('asaFactor', o.asaFactor)
  atLeast('abandonRateAbovePct', o.abandonRateAbovePct)
  const answer = o.answerRateBelowPct
  if (answer && answer.red > answer.amber)
    out.push(`${at}.answerRateBelowPct: red (${answer.red}) must be at most amber (${answer.amber})`)
  return out
}

type SlDefinition = Pick<Definition, 'slTargetPct' | 'slThresholdSec'>

/** As shown on the board: percent to one decimal place. */
function shownPct(v: number): number {
  return Math.round(v * 10) / 10
}

/** As shown on the board: whole seconds. */
function shownSec(v: number): number {
  return Math.round(v)
}

export function serviceLevelLevel(slPct: number | null, def: SlDefinition, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (slPct === null) return 'normal'
  const sl = shownPct(slPct)
  if (sl < def.slTargetPct - t.serviceLevelBelowTarget.red) return 'red'
  if (sl < def.slTargetPct - t.serviceLevelBelowTarget.amber) return 'amber'
  return 'normal'
}

export function longestWaitLevel(longestWaitSec: number | null, def: SlDefinition, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (longestWaitSec === null) return 'normal'
  const wait = Math.floor(longestWaitSec)
  if (wait <= 0) return 'normal'
  if (wait >= def.slThresholdSec * t.longestWaitFactor.red) return 'red'
  if (wait >= def.slThresholdSec * t.longestWaitFactor.amber) return 'amber'
  return 'normal'
}

export function asaLevel(asaSec: number | null, def: SlDefinition, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (asaSec === null) return 'normal'
  const asa = shownSec(asaSec)
  if (asa > def.slThresholdSec * t.asaFactor.red) return 'red'
  if (asa > def.slThresholdSec * t.asaFactor.amber) return 'amber'
  return 'normal'
}

export function abandonRateLevel(abandonRatePct: number | null, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (abandonRatePct === null) return 'normal'
  const rate = shownPct(abandonRatePct)
  if (rate > t.abandonRateAbovePct.red) return 'red'
  if (rate > t.abandonRateAbovePct.amber) return 'amber'
  return 'normal'
}

export function answerRateLevel(answerRatePct: number | null, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (answerRatePct === null) return 'normal'
  const rate = shownPct(answerRatePct)
  if (rate < t.answerRateBelowPct.red) return 'red'
  if (rate < t.answerRateBelowPct.amber) return 'amber'
  return 'normal'
}

export interface WaitingInput {
  waiting: number
  /** agents free for a waiting call: available, or ringing with one */
  available: number
  ringing: number
  agentsLoggedIn: number
  /** the longest wait's own level, so a long wait also marks the count */
  longestWait: Level
}

export function waitingLevel(w: WaitingInput, t: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (w.waiting <= 0) return 'normal'
  const backlog = w.waiting - (w.available + w.ringing)
  const redBacklog = Math.max(t.waitingBacklogRed.minimum, Math.ceil(t.waitingBacklogRed.shareOfLoggedIn * w.agentsLoggedIn))
  if (w.agentsLoggedIn === 0 || w.longestWait === 'red' || backlog >= redBacklog) return 'red'
  if (backlog > 0) return 'amber'
  return 'normal'
}

/** The level of every coloured tile of one queue. */
export interface QueueLevels {
  serviceLevel: Level
  waiting: Level
  longestWait: Level
  asa: Level
  answerRate: Level
  abandonRate: Level
}

export interface QueueLevelInput {
  definition: SlDefinition
  serviceLevelPct: number | null
  answerRatePct: number | null
  abandonRatePct: number | null
  asaSec: number | null
  waiting: number
  /** ticked by the client between updates */
  longestWaitSec: number
  agents: { available: number; ringing: number }
  agentsLoggedIn: number
}

export function queueLevels(q: QueueLevelInput, t: Thresholds = DEFAULT_THRESHOLDS): QueueLevels {
  const longestWait = longestWaitLevel(q.longestWaitSec, q.definition, t)
  return {
    serviceLevel: serviceLevelLevel(q.serviceLevelPct, q.definition, t),
    waiting: waitingLevel(
      {
        waiting: q.waiting,
        available: q.agents.available,
        ringing: q.agents.ringing,
        agentsLoggedIn: q.agentsLoggedIn,
        longestWait,
      },
      t,
    ),
    longestWait,
    asa: asaLevel(q.asaSec, q.definition, t),
    answerRate: answerRateLevel(q.answerRatePct, t),
    abandonRate: abandonRateLevel(q.abandonRatePct, t),
  }
}

/** The levels of a queue's tiles from its figures, with the longest wait as ticked by the client. */
export function levelsOf(queue: QueueFigures, longestWaitSec: number, t: Thresholds = DEFAULT_THRESHOLDS): QueueLevels {
  const today = queue.windows.today
  return queueLevels(
    {
      definition: queue.definition,
      serviceLevelPct: today?.serviceLevelPct ?? null,
      answerRatePct: today?.answerRatePct ?? null,
      abandonRatePct: today?.abandonRatePct ?? null,
      asaSec: today?.asaSec ?? null,
      waiting: queue.live.waiting,
      longestWaitSec,
      agents: queue.live.agents,
      agentsLoggedIn: queue.live.agentsLoggedIn,
    },
    t,
  )
}

/**
 * How long an agent may stay in a state, and paused for a given reason, before the supervisor's
 * grid highlights it (amber from the limit, red from twice it). The defaults, and why: ringing
 * 15 s (a caller is waiting on an unanswered phone), ACW 2 min, one call 20 min, a pause 15 min
 * unless its reason says otherwise (lunch 35 min, training and meetings 90 min).
 */
export interface AgentTimeLimits {
  /** seconds, by live state; a state without a limit is never highlighted */
  state: Partial<Record<AgentLiveState, number>>
  /** seconds, by pause reason; overrides the `paused` limit */
  pauseReason: Record<string, number>
}

export const DEFAULT_AGENT_LIMITS: AgentTimeLimits = {
  state: { ringing: 15, acw: 120, onCall: 1200, paused: 900 },
  pauseReason: { lunch: 2100, training: 5400, meeting: 5400 },
}

/** The level of an agent's time in its current state. */
export function agentTimeLevel(
  state: AgentLiveState,
  reason: string | null,
  seconds: number | null,
  limits: AgentTimeLimits = DEFAULT_AGENT_LIMITS,
): Level {
  if (seconds === null) return 'normal'
  const limit =
    state === 'paused' && reason !== null && reason in limits.pauseReason ? limits.pauseReason[reason] : limits.state[state]
  if (limit === undefined) return 'normal'
  if (seconds >= 2 * limit) return 'red'
  return seconds >= limit ? 'amber' : 'normal'
}
