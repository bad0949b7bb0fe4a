// Properties of the reducer over random but coherent traffic: the figures depend on the set of
// events, not on their arrival order or on repeats, and the counters add up as metrics.md says.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Definition, SlFormula } from '../../../shared/definitions.js'
import type { AgentOwnState, OverflowReason, RawEvent } from '../../../shared/events.js'
import { type AggregateState, SAVED_APART, SAVED_TABLES, emptyState, prune, reindex } from '../../../shared/figures/aggregate.js'
import { agentSegments, compareSegments } from '../../../shared/figures/agents.js'
import { computeAgentFigures, computeFigures } from '../../../shared/figures/compute.js'
import type { Table } from '../../../shared/figures/table.js'
import type { WindowFigures } from '../../../shared/figures/schema.js'
import {
  abandoned,
  agentState,
  answered,
  definitions,
  ended,
  overflowed,
  queued,
  reduce,
  ringing,
  shanghai,
  survey,
  transferred,
} from '../fixtures.js'

// Two hours of traffic around midnight in Shanghai, so calls cross the business-day boundary;
// queue q3 keeps New York's calendar and q2 a stricter definition.
const START = shanghai('2026-03-02T23:00:00')
const SPAN_SEC = 2 * 3600
const QUEUES = ['q1', 'q2', 'q3'] as const
const AGENTS = ['a1', 'a2', 'a3', 'a4'] as const
const PER_QUEUE: Record<string, Partial<Definition>> = {
  q2: { slThresholdSec: 10, shortAbandonSec: 0, rollingMinutes: 5, overflowCounts: false },
  q3: { timezone: 'America/New_York', dayStartHour: 6, slFormula: 'abandons-neutral' },
}
const DEFS = definitions({}, PER_QUEUE)

/** Times on a whole-second grid now and then, so that ties between events are common. */
const instantSec = fc.oneof(
  fc.integer({ min: 0, max: SPAN_SEC }),
  fc.integer({ min: 0, max: SPAN_SEC * 1000 }).map((ms) => ms / 1000),
)
const durationMs = fc.oneof(
  fc.integer({ min: 0, max: 120 }).map((s) => s * 1000),
  fc.integer({ min: 0, max: 400_000 }),
)

const visitArb = fc.record({
  queue: fc.constantFrom(...QUEUES),
  queuedSec: instantSec,
  /** one call in ten loses its queue entry */
  hasQueued: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
  outcome: fc.constantFrom('answered', 'answered', 'abandoned', 'overflowed', 'none'),
  waitMs: durationMs,
  agent: fc.constantFrom(...AGENTS),
  ringFirst: fc.option(fc.constantFrom(...AGENTS), { nil: null }),
  talkMs: fc.option(durationMs, { nil: null }),
  endByTransfer: fc.boolean(),
  reason: fc.constantFrom<OverflowReason>('timeout', 'key', 'empty', 'withdrawn', 'other'),
  survey: fc.option(
    fc.record({
      csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      nps: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      afterMs: fc.integer({ min: -60_000, max: 600_000 }),
      namesQueue: fc.boolean(),
    }),
    { nil: null },
  ),
  /** an overflowed call sometimes goes on to a second queue under the same call id */
  nextQueue: fc.option(fc.constantFrom(...QUEUES), { nil: null }),
})

const stateArb = fc.record({
  agent: fc.constantFrom(...AGENTS),
  atSec: instantSec,
  state: fc.constantFrom<AgentOwnState>('available', 'available', 'acw', 'acw', 'paused', 'offline'),
  reason: fc.option(fc.constantFrom('lunch', 'training', 'meeting'), { nil: undefined }),
  queues: fc.option(fc.subarray([...QUEUES]), { nil: undefined }),
})

type Visit = typeof visitArb extends fc.Arbitrary<infer T> ? T : never
type State = typeof stateArb extends fc.Arbitrary<infer T> ? T : never

const ts = (sec: number) => START + Math.round(sec * 1000)

function visitEvents(v: Visit, callId: string, queue: string, queuedMs: number): { events: RawEvent[]; leftAt: number | null } {
  const events: RawEvent[] = []
  if (v.hasQueued) events.push(queued(callId, queuedMs, { queue }))
  const outcomeAt = queuedMs + v.waitMs
  switch (v.outcome) {
    case 'answered': {
      if (v.ringFirst !== null) events.push(ringing(callId, queuedMs + Math.floor(v.waitMs / 3), { queue, agent: v.ringFirst }))
      events.push(ringing(callId, queuedMs + Math.floor(v.waitMs / 2), { queue, agent: v.agent }))
      events.push(answered(callId, outcomeAt, { queue, agent: v.agent }))
      if (v.talkMs !== null) {
        const end = outcomeAt + v.talkMs
        events.push(
          v.endByTransfer
            ? transferred(callId, end, { queue, agent: v.agent })
            : ended(callId, end, { queue, agent: v.agent, by: 'caller' }),
        )
      }
      if (v.survey && (v.survey.csat !== undefined || v.survey.nps !== undefined)) {
        const { csat, nps, afterMs, namesQueue } = v.survey
        events.push(
          survey(outcomeAt + v.waitMs + afterMs, {
            id: `survey-${callId}-${queue}`,
            callId,
            ...(namesQueue ? { queue } : {}),
            ...(csat === undefined ? {} : { csat }),
            ...(nps === undefined ? {} : { nps }),
          }),
        )
      }
      return { events, leftAt: null }
    }
    case 'abandoned':
      events.push(abandoned(callId, outcomeAt, { queue }))
      return { events, leftAt: null }
    case 'overflowed':
      events.push(overflowed(callId, outcomeAt, { queue, reason: v.reason }))
      return { events, leftAt: outcomeAt }
    case 'none':
      return { events, leftAt: null }
  }
}

/** The events of a scenario, ids unique; a call that overflowed may be queued again elsewhere. */
function scenarioEvents(visits: Visit[], states: State[]): RawEvent[] {
  const events: RawEvent[] = []
  visits.forEach((v, i) => {
    const callId = `c${i}`
    const first = visitEvents(v, callId, v.queue, ts(v.queuedSec))
    events.push(...first.events)
    if (first.leftAt !== null && v.nextQueue !== null && v.nextQueue !== v.queue) {
      const again = visits[(i + 1) % visits.length]!
      events.push(...visitEvents({ ...again, hasQueued: true }, callId, v.nextQueue, first.leftAt).events)
    }
  })
  states.forEach((s, i) =>
    events.push(
      agentState(s.agent, s.state, ts(s.atSec), {
        id: `state-${i}`,
        ...(s.state === 'paused' && s.reason ? { reason: s.reason } : {}),
        ...(s.queues ? { queues: s.queues } : {}),
      }),
    ),
  )
  return events
}

const byTime = (events: RawEvent[]) =>
  events
    .map((e, i) => [e, i] as const)
    .sort(([a, i], [b, j]) => (a.ts as number) - (b.ts as number) || i - j)
    .map(([e]) => e)

/** A scenario, the instant its figures are taken, and a scrambled delivery with repeats. */
const scenarioArb = fc
  .tuple(
    fc.array(visitArb, { minLength: 1, maxLength: 14 }),
    fc.array(stateArb, { maxLength: 16 }),
    fc.integer({ min: 0, max: 40 * 60_000 }),
  )
  .chain(([visits, states, afterMs]) => {
    const events = scenarioEvents(visits, states)
    const n = events.length
    return fc.record({
      events: fc.constant(events),
      now: fc.constant(Math.max(START, ...events.map((e) => e.ts as number)) + afterMs),
      order: fc.shuffledSubarray([...events.keys()], { minLength: n, maxLength: n }),
      repeats:
        n === 0
          ? fc.constant<Array<[number, number]>>([])
          : fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n })), { maxLength: Math.min(n, 12) }),
    })
  })

function scrambled(events: RawEvent[], order: number[], repeats: Array<[number, number]>): RawEvent[] {
  const out = order.map((i) => events[i]!)
  for (const [which, where] of repeats) out.splice(Math.min(where, out.length), 0, events[which]!)
  return out
}

function figuresOf(s: AggregateState, now: number, defs = DEFS) {
  return { queues: computeFigures(s, defs, now), agents: computeAgentFigures(s, defs, now) }
}

/** Saves and loads the state as the store does: each saved table's rows through JSON, fields saved apart left out. */
function roundTrip(s: AggregateState): AggregateState {
  const copy = emptyState()
  for (const name of SAVED_TABLES) {
    const to = copy[name] as Table<unknown>
    const apart = SAVED_APART[name] ?? []
    for (const [k, v] of (s[name] as Table<unknown>).rows) {
      const row =
        typeof v === 'object' && v !== null && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).filter(([f]) => !apart.includes(f)))
          : v
      to.restore(k, JSON.parse(JSON.stringify(row)))
    }
  }
  reindex(copy)
  return copy
}

function windowsOf(s: AggregateState, now: number, defs = DEFS): WindowFigures[] {
  return computeFigures(s, defs, now).flatMap((q) =>
    [q.windows.today, q.windows.rolling].filter((w): w is WindowFigures => w !== undefined),
  )
}

const RUNS = { numRuns: 250 }

describe('applyEvent over random traffic', () => {
  it('gives the figures of the sorted log for any arrival order, with repeated events', () => {
    fc.assert(
      fc.property(scenarioArb, ({ events, now, order, repeats }) => {
        const sorted = figuresOf(reduce(byTime(events), now, DEFS), now)
        const shuffled = figuresOf(reduce(scrambled(events, order, repeats), now, DEFS), now)
        expect(shuffled).toEqual(sorted)
      }),
      RUNS,
    )
  })

  it('keeps each agent’s counted stretches equal to a full recomputation after every event', () => {
    // Only the stretches a change can reach are recomputed; this checks that bound event by event.
    fc.assert(
      fc.property(scenarioArb, ({ events, now, order, repeats }) => {
        const s = emptyState()
        for (const e of scrambled(events, order, repeats)) {
          reduce([e], now, DEFS, s)
          for (const a of s.agents.rows.values()) expect([...a.segments].sort(compareSegments)).toEqual(agentSegments(a))
        }
      }),
      RUNS,
    )
  })

  it('gives the same figures after saving and loading the state, and after pruning at now', () => {
    fc.assert(
      fc.property(scenarioArb, ({ events, now }) => {
        const s = reduce(byTime(events), now, DEFS)
        const expected = figuresOf(s, now)
        expect(figuresOf(roundTrip(s), now)).toEqual(expected)
        prune(s, now)
        expect(figuresOf(s, now)).toEqual(expected)
      }),
      RUNS,
    )
  })

  it('makes offered = answered + abandoned + overflowed in every window', () => {
    fc.assert(
      fc.property(scenarioArb, ({ events, now }) => {
        for (const w of windowsOf(reduce(events, now, DEFS), now)) {
          expect(w.answered + w.abandoned + w.overflowed).toBe(w.offered)
          expect(w.offeredNet).toBe(w.offered - w.shortAbandoned)
          expect(w.answeredWithin).toBeLessThanOrEqual(w.answered - w.answeredWaitUnknown)
          expect(w.abandonedWithin + w.shortAbandoned).toBeLessThanOrEqual(w.abandoned)
          expect(w.waitUnknown).toBeGreaterThanOrEqual(w.answeredWaitUnknown + w.overflowedWaitUnknown)
          for (const pct of [w.serviceLevelPct, w.answerRatePct, w.abandonRatePct, w.csatPct, w.dsatPct]) {
            if (pct !== null) {
              expect(pct).toBeGreaterThanOrEqual(0)
              expect(pct).toBeLessThanOrEqual(100)
            }
          }
          if (w.nps !== null) expect(Math.abs(w.nps)).toBeLessThanOrEqual(100)
        }
      }),
      RUNS,
    )
  })

  it('never gives a lower service level under answered-only than under standard when abandons exist', () => {
    const under = (slFormula: SlFormula) => definitions({ slFormula, overflowCounts: true })
    fc.assert(
      fc.property(scenarioArb, ({ events, now }) => {
        const standard = windowsOf(reduce(events, now, under('standard')), now, under('standard'))
        const answeredOnly = windowsOf(reduce(events, now, under('answered-only')), now, under('answered-only'))
        const neutral = windowsOf(reduce(events, now, under('abandons-neutral')), now, under('abandons-neutral'))
        const positive = windowsOf(reduce(events, now, under('abandons-positive')), now, under('abandons-positive'))
        standard.forEach((w, i) => {
          const sl = w.serviceLevelPct
          const only = answeredOnly[i]!.serviceLevelPct
          if (w.abandoned > 0 && sl !== null && only !== null) expect(only).toBeGreaterThanOrEqual(sl)
          // With no known-wait answer, answered-only has nothing to judge, and standard is 0 % or null.
          if (only === null) expect(sl === null || sl === 0).toBe(true)
          const n = neutral[i]!.serviceLevelPct
          if (sl !== null && n !== null) expect(n).toBeGreaterThanOrEqual(sl)
          const p = positive[i]!.serviceLevelPct
          if (sl !== null) expect(p).toBeGreaterThanOrEqual(sl)
        })
      }),
      RUNS,
    )
  })
})
