// applyEvent: late, out-of-order and re-applied events give the figures of the sorted log;
// prune forgets only what no late event can change; reindex rebuilds what is never saved.
import { describe, expect, it } from 'vitest'
import type { WallboardEvent } from '../../../shared/events.js'
import { type AggregateState, applyEvent, bucketKey, emptyState, prune, reindex } from '../../../shared/figures/aggregate.js'
import { computeAgentFigures, computeFigures } from '../../../shared/figures/compute.js'
import { Table } from '../../../shared/figures/table.js'
import {
  BASE_MS,
  HOUR,
  abandoned,
  acw,
  agentsAfter,
  answered,
  answeredCall,
  at,
  available,
  definitions,
  ended,
  overflowed,
  paused,
  queueOf,
  queued,
  reduce,
  ringing,
  run,
  survey,
  today,
  valid,
} from '../fixtures.js'

const NOW = at(600)

/** Figures of queues and agents together, for comparing two ways of applying events. */
function everything(events: readonly unknown[], now = NOW) {
  return { queues: run(events, now), agents: agentsAfter(events, now) }
}

describe('late and out-of-order events', () => {
  it('counts an answer that arrives before its queue entry with unknown wait at first', () => {
    expect(today([answered('c1', at(25))], NOW)).toMatchObject({
      offered: 1,
      answered: 1,
      waitUnknown: 1,
      serviceLevelPct: null,
      asaSec: null,
    })
  })

  it('gives the in-order figures once the late queue entry arrives', () => {
    const inOrder = [queued('c1', at(0)), answered('c1', at(25)), ended('c1', at(85))]
    const late = [answered('c1', at(25)), ended('c1', at(85)), queued('c1', at(0))]
    expect(everything(late)).toEqual(everything(inOrder))
    expect(today(late, NOW)).toMatchObject({
      waitUnknown: 0,
      answeredWaitMs: 25_000,
      asaSec: 25,
      serviceLevelPct: 0,
      maxWaitSec: 25,
    })
  })

  it('gives the in-order figures in any order of a call’s events', () => {
    const events = [
      queued('c1', at(0)),
      ringing('c1', at(8)),
      answered('c1', at(10)),
      ended('c1', at(70)),
      acw('a1', at(70)),
      available('a1', at(90)),
    ]
    const expected = everything(events)
    expect(everything([...events].reverse())).toEqual(expected)
    expect(everything([events[3], events[5], events[0], events[4], events[2], events[1]])).toEqual(expected)
  })

  it('takes back an answer when an earlier abandon of the same visit arrives late', () => {
    const events = [queued('c1', at(0)), answered('c1', at(30)), abandoned('c1', at(12))]
    expect(today(events, NOW)).toMatchObject({ offered: 1, answered: 0, abandoned: 1, abandonedWithin: 1, avgAbandonWaitSec: 12 })
  })

  it('moves a call to the window of its corrected outcome', () => {
    const events = [queued('c1', at(0)), overflowed('c1', at((2 * HOUR) / 1000))]
    expect(queueOf(run(events, at((2 * HOUR) / 1000))).windows.rolling?.offered).toBe(1)
    const corrected = [...events, abandoned('c1', at(10))]
    expect(queueOf(run(corrected, at((2 * HOUR) / 1000))).windows.rolling?.offered).toBe(0)
    expect(today(corrected, at((2 * HOUR) / 1000))).toMatchObject({ offered: 1, abandoned: 1, overflowed: 0 })
  })

  it('moves talk time to the agent who answered first when a late earlier answer arrives', () => {
    const events = [
      queued('c1', at(0)),
      answered('c1', at(20), { agent: 'a2' }),
      ended('c1', at(80), { agent: 'a2' }),
      answered('c1', at(10), { agent: 'a1' }),
    ]
    const agents = agentsAfter(events, NOW)
    expect(agents.find((a) => a.id === 'a1')).toMatchObject({ handledToday: 1, talkMsToday: 70_000 })
    expect(agents.find((a) => a.id === 'a2')).toMatchObject({ handledToday: 0, talkMsToday: 0 })
  })

  it('places a late agent state in its time and recomputes ACW', () => {
    const events = [...answeredCall('c1', 0, 10, 50), acw('a1', at(60)), available('a1', at(200))]
    expect(today(events, NOW).acwMs).toBe(140_000)
    // A pause at 100 s arrives late: ACW ended then.
    expect(today([...events, paused('a1', at(100), 'break')], NOW).acwMs).toBe(40_000)
    expect(agentsAfter([...events, paused('a1', at(100), 'break')], NOW)[0]).toMatchObject({ state: 'available', since: at(200) })
  })

  it('gives the same membership, queues and agents whatever the order of membership changes', () => {
    const events = [available('a1', at(0), { queues: ['q1', 'q2'] }), available('a1', at(10), { queues: ['q3'] })]
    expect(everything([...events].reverse())).toEqual(everything(events))
  })

  it('gives the same agents whatever the order of two rings of one call', () => {
    const events = [queued('c1', at(0)), ringing('c1', at(5), { agent: 'a1' }), ringing('c1', at(9), { agent: 'a2' })]
    expect(everything([...events].reverse())).toEqual(everything(events))
  })

  it('gives the same agents whatever the order of two answers of one call', () => {
    const events = [queued('c1', at(0)), answered('c1', at(5), { agent: 'a1' }), answered('c1', at(9), { agent: 'a2' })]
    expect(everything([...events].reverse())).toEqual(everything(events))
  })

  it('shows the same current call whatever the order when an agent answers two chats at the same instant', () => {
    const events = [
      queued('c1', at(0), { channel: 'chat' }),
      queued('c2', at(0), { channel: 'chat' }),
      answered('c1', at(10)),
      answered('c2', at(10)),
    ]
    expect(everything([...events].reverse())).toEqual(everything(events))
  })

  it('attributes a survey to the earliest answered visit of its call whatever the order', () => {
    const events = [
      queued('c1', at(0)),
      answered('c1', at(10), { agent: 'a1' }),
      queued('c1', at(60), { queue: 'q2' }),
      answered('c1', at(70), { queue: 'q2', agent: 'a2' }),
      survey(at(200), { callId: 'c1', csat: 5 }),
    ]
    const sorted = everything(events)
    expect(today(events, NOW, definitions(), 'q1').csatResponses).toBe(1)
    expect(everything([events[2], events[3], events[4], events[0], events[1]])).toEqual(sorted)
    expect(everything([...events].reverse())).toEqual(sorted)
  })
})

describe('re-applied events', () => {
  const day = [
    available('a1', at(0), { queues: ['q1'] }),
    queued('c1', at(0)),
    ringing('c1', at(5)),
    answered('c1', at(10)),
    ended('c1', at(70)),
    acw('a1', at(70)),
    available('a1', at(100)),
    queued('c2', at(20)),
    abandoned('c2', at(40)),
    queued('c3', at(30)),
    overflowed('c3', at(90)),
    queued('c4', at(300)),
  ]

  it('count once when every event is applied twice', () => {
    expect(everything([...day, ...day])).toEqual(everything(day))
  })

  it('count once when an event is repeated right away', () => {
    expect(everything(day.flatMap((e) => [e, e]))).toEqual(everything(day))
  })

  it('leave the state unchanged, not only the figures', () => {
    const once = reduce(day, NOW)
    const twice = reduce([...day, ...day], NOW)
    expect([...twice.buckets.rows]).toEqual([...once.buckets.rows])
    expect([...twice.calls.rows]).toEqual([...once.calls.rows])
    expect([...twice.agents.rows]).toEqual([...once.agents.rows])
  })

  it('count a survey about a call once when it is applied twice', () => {
    const s = survey(at(100), { callId: 'c1', csat: 5 })
    expect(today([...answeredCall('c1', 0, 10), s, s], NOW).csatResponses).toBe(1)
    expect(today([s, s, ...answeredCall('c1', 0, 10)], NOW).csatResponses).toBe(1)
  })

  it('count a survey that names its call, queue and agent once when it is applied twice', () => {
    const s = survey(at(100), { callId: 'c1', queue: 'q1', agent: 'a1', csat: 5 })
    expect(today([s, s], NOW).csatResponses).toBe(1)
  })

  // A survey without a callId has nothing to recognise it by: the reducer counts what it is given,
  // and keeping every log entry single is the shell's job (id dedupe at ingest, the saved log
  // position), which the crash test proves.
})

describe('surveys waiting for their call', () => {
  it('count for the agent who answered once the call arrives', () => {
    const s = reduce([survey(at(100), { callId: 'c1', nps: 9 }), ...answeredCall('c1', 0, 10, 30, { agent: 'a7' })], NOW)
    const agentDay = [...s.buckets.rows].find(([k]) => k.startsWith('a|') && k.endsWith('|a7'))?.[1]
    expect(agentDay).toMatchObject({ npsResponses: 1, npsPromoters: 1 })
  })

  it('stay pending while their call has not been answered', () => {
    const s = reduce([survey(at(100), { callId: 'c1', csat: 4 }), queued('c1', at(0))], NOW)
    expect(s.pendingSurveys.get('c1')).toHaveLength(1)
    expect(computeFigures(s, definitions(), NOW).find((q) => q.id === 'q1')?.windows.today?.csatResponses).toBe(0)
  })

  it('count in the named queue at once and for the agent once the call is answered', () => {
    const s = reduce(
      [survey(at(100), { callId: 'c1', queue: 'q1', csat: 4 }), ...answeredCall('c1', 0, 10, 30, { agent: 'a7' })],
      NOW,
    )
    expect(queueOf(computeFigures(s, definitions(), NOW)).windows.today?.csatResponses).toBe(1)
    const agentDay = [...s.buckets.rows].find(([k]) => k.startsWith('a|') && k.endsWith('|a7'))?.[1]
    expect(agentDay?.csatResponses).toBe(1)
  })
})

/** A copy of the state through JSON, as the server saves and loads its tables. */
function roundTrip(s: AggregateState): AggregateState {
  const copy = emptyState()
  for (const name of ['calls', 'agents', 'queues', 'buckets', 'answered', 'pendingSurveys'] as const) {
    const from = s[name] as Table<unknown>
    const to = copy[name] as Table<unknown>
    for (const [k, v] of from.rows) to.restore(k, JSON.parse(JSON.stringify(v)))
  }
  reindex(copy)
  return copy
}

describe('saving, loading and pruning', () => {
  const day = [
    available('a1', at(0), { queues: ['q1'] }),
    ...answeredCall('c1', 0, 10, 60),
    acw('a1', at(70)),
    available('a1', at(100)),
    queued('c2', at(200)),
    queued('c3', at(210)),
    ringing('c3', at(215), { agent: 'a2' }),
    queued('c4', at(220)),
    answered('c4', at(230), { agent: 'a3' }),
  ]

  it('gives the same figures after the tables are saved and loaded', () => {
    const s = reduce(day, NOW)
    const loaded = roundTrip(s)
    const defs = definitions()
    expect(computeFigures(loaded, defs, NOW)).toEqual(computeFigures(s, defs, NOW))
    expect(computeAgentFigures(loaded, defs, NOW)).toEqual(computeAgentFigures(s, defs, NOW))
  })

  it('goes on applying events after a load as if nothing had happened', () => {
    const rest = [abandoned('c2', at(300)), answered('c3', at(310), { agent: 'a2' }), ended('c4', at(400), { agent: 'a3' })]
    const defs = definitions()
    const loaded = roundTrip(reduce(day, NOW))
    for (const e of rest) applyEvent(loaded, valid(e, NOW), defs)
    expect(computeFigures(loaded, defs, NOW)).toEqual(run([...day, ...rest], NOW))
  })

  it('does not change the figures of now', () => {
    const s = reduce(day, NOW)
    const defs = definitions()
    const before = computeFigures(s, defs, NOW)
    prune(s, NOW)
    expect(computeFigures(s, defs, NOW)).toEqual(before)
  })

  it('keeps today’s counters after the calls behind them are forgotten', () => {
    const s = reduce(answeredCall('c1', 0, 10, 60), NOW)
    const later = at(0) + 7 * HOUR
    prune(s, later)
    expect(s.calls.size).toBe(0)
    expect(queueOf(computeFigures(s, definitions(), later)).windows.today).toMatchObject({ offered: 1, answered: 1, handled: 1 })
  })

  it('keeps a finished call for late events for 6 hours', () => {
    const s = reduce(answeredCall('c1', 0, 10, 60), NOW)
    prune(s, at(70) + 6 * HOUR)
    expect(s.calls.size).toBe(1)
  })

  it('drops a call that never finished after 12 hours from live state', () => {
    const s = reduce([queued('c1', at(0))], NOW)
    prune(s, at(0) + 12 * HOUR + 1)
    expect(s.calls.size).toBe(0)
    expect(queueOf(computeFigures(s, definitions(), at(0) + 12 * HOUR + 1)).live.waiting).toBe(0)
  })

  it('remembers surveys about calls and answered visits for two days, keeping what they counted', () => {
    const s = reduce([...answeredCall('c1', 0, 10, 60), survey(at(100), { callId: 'c1', csat: 5 })], NOW)
    prune(s, at(10) + 48 * HOUR) // two days after the answer
    expect([s.answered.size, s.pendingSurveys.size]).toEqual([1, 1])
    const later = at(100) + 48 * HOUR + 1
    prune(s, later)
    expect([s.answered.size, s.pendingSurveys.size]).toEqual([0, 0])
    const day = s.buckets.rows.get(bucketKey.queueDay('q1', BASE_MS - 10 * HOUR))
    expect(day).toMatchObject({ csatResponses: 1, answered: 1 })
  })

  it('forgets per-second counters older than the longest rolling window', () => {
    const s = reduce(answeredCall('c1', 0, 10), NOW)
    prune(s, at(10) + 62 * 60_000)
    expect([...s.buckets.rows.keys()].filter((k) => k.startsWith('s|'))).toEqual([])
    expect(s.seconds.size).toBe(0)
  })

  it('keeps a late event that changes a retained call exact after pruning', () => {
    const events = [available('a1', at(0), { queues: ['q1'] }), ...answeredCall('c1', 0, 10, 60), acw('a1', at(70))]
    const s = reduce(events, NOW)
    prune(s, at(3 * 3600))
    const defs = definitions()
    applyEvent(s, valid(available('a1', at(100)), at(3 * 3600)), defs)
    expect(queueOf(computeFigures(s, defs, at(3 * 3600))).windows.today?.acwMs).toBe(30_000)
  })
})

describe('bookkeeping', () => {
  it('records the queues and agents an event touched', () => {
    const s = reduce([queued('c1', at(0)), answered('c1', at(10), { agent: 'a1' })], NOW)
    expect([...s.touchedQueues]).toEqual(['q1'])
    expect([...s.touchedAgents]).toEqual(['a1'])
  })

  it('knows a queue from a disposition or a membership list, with no calls yet', () => {
    const s = reduce(
      [
        { id: 'd1', type: 'call.disposition', ts: at(0), callId: 'c1', queue: 'q9', resolved: true },
        available('a1', at(0), { queues: ['q8'] }),
      ],
      NOW,
    )
    expect(computeFigures(s, definitions(), NOW).map((q) => q.id)).toEqual(['q8', 'q9'])
  })

  it('returns the state it was given', () => {
    const s = emptyState()
    expect(applyEvent(s, valid(queued('c1', at(0)), NOW), definitions())).toBe(s)
  })

  it('computes only the queues asked for, sorted', () => {
    const s = reduce(
      [queued('c1', at(0), { queue: 'b' }), queued('c1', at(0), { queue: 'a' }), queued('c1', at(0), { queue: 'c' })],
      NOW,
    )
    expect(computeFigures(s, definitions(), NOW, { queues: ['c', 'a', 'unknown'] }).map((q) => q.id)).toEqual(['a', 'c'])
  })

  it('leaves out windows not asked for', () => {
    const s = reduce([queued('c1', at(0))], NOW)
    const [q] = computeFigures(s, definitions(), NOW, { windows: ['rolling'] })
    expect(q?.windows).not.toHaveProperty('today')
    expect(q?.windows.rolling).toBeDefined()
  })

  it('accepts events already validated (ts in ms)', () => {
    const e: WallboardEvent = { id: 'x', type: 'call.abandoned', ts: at(10), callId: 'c1', queue: 'q1' }
    expect(computeFigures(applyEvent(emptyState(), e, definitions()), definitions(), NOW)[0]?.windows.today?.abandoned).toBe(1)
  })
})
