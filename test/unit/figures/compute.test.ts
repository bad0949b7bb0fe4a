// computeFigures: every figure of metrics.md from events, with hand-computed values, the windows
// (today by outcome time in the queue's zone, rolling to the second) and the live state.
import { Compile } from 'typebox/compile'
import { describe, expect, it } from 'vitest'
import type { SlFormula } from '../../../shared/definitions.js'
import { AgentFiguresSchema, QueueFiguresSchema } from '../../../shared/figures/schema.js'
import {
  abandoned,
  abandonedCall,
  acw,
  agentsAfter,
  answered,
  answeredCall,
  at,
  available,
  definitions,
  ended,
  offline,
  overflowed,
  overflowedCall,
  paused,
  queueOf,
  queued,
  ringing,
  rolling,
  run,
  shanghai,
  survey,
  today,
} from '../fixtures.js'
import { RATIO_FIELDS } from '../../../shared/figures/ratios.js'

const NOW = at(600)

// The reference day of this file, by hand (wait, outcome):
//   c1 answered by a1 after 10 s (within), talks 120 s, then 30 s ACW
//   c2 answered by a2 after 30 s, talks 60 s, then 60 s ACW
//   c3 abandoned after 3 s (short)
//   c4 abandoned after 15 s (within the threshold)
//   c5 abandoned after 45 s
//   c6 overflowed after 60 s (timeout)
//   c7 answered by a3 at 40 s, its queue entry never arrived, talks 60 s
// offered 7, offeredNet 6, SL base (known wait) 5.
const day = [
  ...answeredCall('c1', 0, 10, 120, { agent: 'a1' }),
  ...answeredCall('c2', 0, 30, 60, { agent: 'a2' }),
  ...abandonedCall('c3', 0, 3),
  ...abandonedCall('c4', 0, 15),
  ...abandonedCall('c5', 0, 45),
  ...overflowedCall('c6', 0, 60),
  answered('c7', at(40), { agent: 'a3' }),
  ended('c7', at(100), { agent: 'a3' }),
  acw('a1', at(130)),
  available('a1', at(160)),
  acw('a2', at(90)),
  available('a2', at(150)),
  ...[5, 4, 3, 2, 1].map((csat, i) => survey(at(200 + i), { queue: 'q1', csat })),
  ...[10, 9, 8, 6, 0].map((nps, i) => survey(at(300 + i), { queue: 'q1', nps })),
]

describe('the figures of a day, by hand', () => {
  const w = today(day, NOW)
  const sl = (slFormula: SlFormula, overflowCounts = true) =>
    today(day, NOW, definitions({ slFormula, overflowCounts })).serviceLevelPct

  it('counts offered as answered + abandoned + overflowed', () => expect(w.offered).toBe(7))
  it('counts answered, including the call whose queue entry never arrived', () => expect(w.answered).toBe(3))
  it('counts answeredWithin only for known waits ≤ 20 s', () => expect(w.answeredWithin).toBe(1))
  it('counts abandoned, short ones included', () => expect(w.abandoned).toBe(3))
  it('counts shortAbandoned for waits under 5 s', () => expect(w.shortAbandoned).toBe(1))
  it('counts abandonedWithin for non-short abandons ≤ 20 s', () => expect(w.abandonedWithin).toBe(1))
  it('counts overflowed', () => expect(w.overflowed).toBe(1))
  it('counts handled calls that ended', () => expect(w.handled).toBe(3))
  it('gives offeredNet = offered − shortAbandoned', () => expect(w.offeredNet).toBe(6))
  it('counts the call of unknown wait', () => expect([w.waitUnknown, w.answeredWaitUnknown]).toEqual([1, 1]))

  it('gives serviceLevelPct 1/5 = 20 % under standard', () => expect(sl('standard')).toBe(20))
  it('gives serviceLevelPct 1/(5−1) = 25 % under abandons-neutral', () => expect(sl('abandons-neutral')).toBe(25))
  it('gives serviceLevelPct (1+1)/5 = 40 % under abandons-positive', () => expect(sl('abandons-positive')).toBe(40))
  it('gives serviceLevelPct 1/2 = 50 % under answered-only', () => expect(sl('answered-only')).toBe(50))
  it('gives serviceLevelPct 1/4 = 25 % under standard when overflows do not count', () => expect(sl('standard', false)).toBe(25))
  it('gives serviceLevelPct 1/3 under abandons-neutral when overflows do not count', () =>
    expect(sl('abandons-neutral', false)).toBeCloseTo(100 / 3, 10))

  it('gives answerRatePct 3/6 = 50 %', () => expect(w.answerRatePct).toBe(50))
  it('gives abandonRatePct (3−1)/6', () => expect(w.abandonRatePct).toBeCloseTo(100 / 3, 10))
  it('gives asaSec (10+30)/2 = 20, leaving out the unknown wait', () => expect(w.asaSec).toBe(20))
  it('gives avgAbandonWaitSec (15+45)/2 = 30, leaving out the short abandon', () => expect(w.avgAbandonWaitSec).toBe(30))
  it('gives maxWaitSec 60, the overflow', () => expect(w.maxWaitSec).toBe(60))
  it('gives avgTalkSec (120+60+60)/3 = 80', () => expect(w.avgTalkSec).toBe(80))
  it('gives avgAcwSec (30+60)/3 = 30', () => expect(w.avgAcwSec).toBe(30))
  it('gives ahtSec (240+90)/3 = 110', () => expect(w.ahtSec).toBe(110))
  it('gives csatPct 2/5 = 40 % (csat ≥ 4)', () => expect(w.csatPct).toBe(40))
  it('gives dsatPct 2/5 = 40 % (csat ≤ 2)', () => expect(w.dsatPct).toBe(40))
  it('gives nps 100 × (2 − 2)/5 = 0', () => expect(w.nps).toBe(0))

  it('gives a negative nps when detractors outnumber promoters', () => {
    const events = [10, 3, 5].map((nps, i) => survey(at(i), { queue: 'q1', nps }))
    expect(today(events, NOW).nps).toBeCloseTo(-100 / 3, 10)
  })

  it('gives the same counters in the rolling window when the whole day is in it', () => {
    const r = rolling(day, NOW)
    expect({ ...r, window: 'today', from: w.from }).toEqual(w)
  })

  it('describes the window it covers', () => {
    expect(w).toMatchObject({ window: 'today', from: shanghai('2026-03-02T00:00:00'), to: NOW })
    expect(rolling(day, NOW)).toMatchObject({ window: 'rolling', from: NOW - 30 * 60_000 + 1000, to: NOW })
  })

  it('gives null, not 0, for every ratio of a queue with no calls', () => {
    const empty = today([available('a1', at(0), { queues: ['q1'] })], NOW)
    for (const k of RATIO_FIELDS) {
      expect(empty[k], k).toBeNull()
    }
    expect(empty.offered).toBe(0)
  })

  it('produces figures that match the published schema', () => {
    const check = Compile(QueueFiguresSchema)
    for (const q of run(day, NOW)) expect(check.Check(q), JSON.stringify([...check.Errors(q)])).toBe(true)
    const agentCheck = Compile(AgentFiguresSchema)
    for (const a of agentsAfter(day, NOW)) expect(agentCheck.Check(a)).toBe(true)
  })

  it('labels the definition it used', () => {
    expect(queueOf(run(day, NOW)).definition).toMatchObject({
      slThresholdSec: 20,
      label: 'SL 80/20 · abandons < 5 s ignored · v1',
    })
  })
})

describe('short abandons', () => {
  const events = [...answeredCall('c1', 0, 10), ...abandonedCall('c2', 0, 3)]

  it('drops an abandon under 5 s from every ratio', () => {
    expect(today(events, NOW)).toMatchObject({
      offered: 2,
      offeredNet: 1,
      shortAbandoned: 1,
      serviceLevelPct: 100,
      answerRatePct: 100,
      abandonRatePct: 0,
      avgAbandonWaitSec: null,
    })
  })

  it('counts every abandon when shortAbandonSec is 0', () => {
    expect(today(events, NOW, definitions({ shortAbandonSec: 0 }))).toMatchObject({
      offeredNet: 2,
      shortAbandoned: 0,
      serviceLevelPct: 50,
      abandonRatePct: 50,
      avgAbandonWaitSec: 3,
    })
  })

  it('counts an abandon at exactly 5 s against SL (it is not short)', () => {
    expect(today([...answeredCall('c1', 0, 10), ...abandonedCall('c2', 0, 5)], NOW)).toMatchObject({
      shortAbandoned: 0,
      abandonedWithin: 1,
      serviceLevelPct: 50,
      avgAbandonWaitSec: 5,
    })
  })

  it('uses the queue’s own short-abandon limit', () => {
    const defs = definitions({}, { q2: { shortAbandonSec: 10 } })
    const calls = [...abandonedCall('c1', 0, 7), ...abandonedCall('c1', 0, 7, { queue: 'q2' })]
    expect(today(calls, NOW, defs, 'q1').shortAbandoned).toBe(0)
    expect(today(calls, NOW, defs, 'q2').shortAbandoned).toBe(1)
  })
})

describe('the service-level threshold', () => {
  it('counts an answer at exactly 20 s as within', () => {
    expect(today(answeredCall('c1', 0, 20), NOW)).toMatchObject({ answeredWithin: 1, serviceLevelPct: 100 })
  })

  it('does not count an answer at 20.001 s as within', () => {
    expect(today(answeredCall('c1', 0, 20.001), NOW)).toMatchObject({ answeredWithin: 0, serviceLevelPct: 0 })
  })

  it('counts an abandon at exactly 20 s as abandoned within', () => {
    const w = today(
      [...answeredCall('c1', 0, 10), ...abandonedCall('c2', 0, 20)],
      NOW,
      definitions({ slFormula: 'abandons-neutral' }),
    )
    expect(w).toMatchObject({ abandonedWithin: 1, serviceLevelPct: 100 })
  })

  it('does not count an abandon at 21 s as abandoned within', () => {
    const w = today(
      [...answeredCall('c1', 0, 10), ...abandonedCall('c2', 0, 21)],
      NOW,
      definitions({ slFormula: 'abandons-neutral' }),
    )
    expect(w).toMatchObject({ abandonedWithin: 0, serviceLevelPct: 50 })
  })

  it('uses the 90/10 preset threshold', () => {
    expect(today(answeredCall('c1', 0, 15), NOW, definitions({ slThresholdSec: 10, slTargetPct: 90 })).answeredWithin).toBe(0)
  })
})

describe('overflow', () => {
  const events = [...answeredCall('c1', 0, 10), ...overflowedCall('c2', 0, 90)]

  it('counts an overflowed call in offered and against service level', () => {
    expect(today(events, NOW)).toMatchObject({
      offered: 2,
      overflowed: 1,
      answerRatePct: 50,
      serviceLevelPct: 50,
      maxWaitSec: 90,
    })
  })

  it('takes an overflowed call out of service level when overflowCounts is false', () => {
    expect(today(events, NOW, definitions({ overflowCounts: false }))).toMatchObject({
      offered: 2,
      overflowed: 1,
      serviceLevelPct: 100,
    })
  })

  it('counts an overflow of each reason the same way', () => {
    const reasons = ['timeout', 'key', 'empty', 'withdrawn', 'other'] as const
    const w = today(
      reasons.flatMap((reason, i) => [queued(`c${i}`, at(0)), overflowed(`c${i}`, at(30), { reason })]),
      NOW,
    )
    expect(w).toMatchObject({ offered: 5, overflowed: 5, serviceLevelPct: 0 })
  })

  it('counts a call that overflowed from one queue and was answered in the next once in each', () => {
    const events = [
      queued('c1', at(0)),
      overflowed('c1', at(30)),
      queued('c1', at(30), { queue: 'q2' }),
      answered('c1', at(35), { queue: 'q2' }),
    ]
    expect(today(events, NOW, definitions(), 'q1')).toMatchObject({ offered: 1, overflowed: 1, answered: 0 })
    expect(today(events, NOW, definitions(), 'q2')).toMatchObject({ offered: 1, answered: 1, answeredWithin: 1, asaSec: 5 })
  })
})

describe('a call whose queue entry never arrived', () => {
  const events = [...answeredCall('c1', 0, 10), answered('c2', at(200), { agent: 'a2' })]

  it('counts in offered and answered', () => {
    expect(today(events, NOW)).toMatchObject({ offered: 2, answered: 2, answerRatePct: 100 })
  })

  it('is left out of the SL numerator and denominator', () => {
    expect(today(events, NOW).serviceLevelPct).toBe(100)
    expect(today(events, NOW, definitions({ slFormula: 'answered-only' })).serviceLevelPct).toBe(100)
  })

  it('is left out of ASA and the longest wait', () => {
    expect(today(events, NOW)).toMatchObject({ asaSec: 10, maxWaitSec: 10 })
  })

  it('gives null service level and ASA when it is the only call', () => {
    expect(today([answered('c2', at(200))], NOW)).toMatchObject({
      offered: 1,
      answered: 1,
      serviceLevelPct: null,
      asaSec: null,
      maxWaitSec: null,
    })
  })
})

describe('the business day', () => {
  const call = [queued('c1', shanghai('2026-03-02T23:59:50')), answered('c1', shanghai('2026-03-03T00:00:10'))]

  it('counts a call queued 23:59:50 and answered 00:00:10 in the new day, by its outcome time', () => {
    expect(today(call, shanghai('2026-03-03T00:05:00'))).toMatchObject({ offered: 1, answered: 1, answeredWithin: 1, asaSec: 20 })
  })

  it('does not count it in the old day, where it was still waiting', () => {
    const now = shanghai('2026-03-02T23:59:59')
    const q = queueOf(run([call[0]], now))
    expect(q.windows.today).toMatchObject({ offered: 0 })
    expect(q.live).toMatchObject({ waiting: 1, longestWaitSec: 9 })
  })

  it('starts today at local midnight in the queue’s zone', () => {
    expect(today(call, shanghai('2026-03-03T00:05:00')).from).toBe(shanghai('2026-03-03T00:00:00'))
  })

  it('does not touch today with a late event for yesterday', () => {
    const now = shanghai('2026-03-03T10:00:00')
    const todays = answeredCall('c9', 0, 10).map((e) => ({
      ...e,
      ts: shanghai('2026-03-03T09:00:00') + (e.ts as number) - at(0),
    }))
    const late = [queued('old', shanghai('2026-03-02T22:00:00')), abandoned('old', shanghai('2026-03-02T22:01:00'))]
    expect(today([...todays, ...late], now)).toEqual(today(todays, now))
  })

  it('starts the day at dayStartHour', () => {
    const defs = definitions({ dayStartHour: 6 })
    const early = [queued('c1', shanghai('2026-03-03T05:00:00')), answered('c1', shanghai('2026-03-03T05:00:10'))]
    expect(today(early, shanghai('2026-03-03T05:30:00'), defs)).toMatchObject({
      offered: 1,
      from: shanghai('2026-03-02T06:00:00'),
    })
    expect(today(early, shanghai('2026-03-03T06:00:00'), defs)).toMatchObject({
      offered: 0,
      from: shanghai('2026-03-03T06:00:00'),
    })
  })

  it('uses each queue’s own time zone', () => {
    const defs = definitions({}, { ny: { timezone: 'America/New_York' } })
    // 2026-03-02 12:30 UTC is 20:30 in Shanghai and 07:30 in New York, both on 2 March.
    const events = [
      queued('c1', Date.UTC(2026, 2, 2, 12, 30), { queue: 'ny' }),
      answered('c1', Date.UTC(2026, 2, 2, 12, 30, 5), { queue: 'ny' }),
    ]
    // At 16:30 UTC it is already 3 March in Shanghai but still 2 March in New York.
    const now = Date.UTC(2026, 2, 2, 16, 30)
    expect(today(events, now, defs, 'ny')).toMatchObject({ offered: 1, from: Date.UTC(2026, 2, 2, 5, 0) })
  })
})

describe('the rolling window', () => {
  const events = answeredCall('c1', 0, 10.5)

  it('holds a call for 30 minutes after its outcome second', () => {
    expect(rolling(events, at(10) + 30 * 60_000 - 1).offered).toBe(1)
  })

  it('drops a call exactly 30 minutes after its outcome second', () => {
    expect(rolling(events, at(10) + 30 * 60_000).offered).toBe(0)
  })

  it('keeps it in today after it left the rolling window', () => {
    expect(today(events, at(10) + 30 * 60_000).offered).toBe(1)
  })

  it('includes a call whose outcome is in the current second', () => {
    expect(rolling(events, at(10.5)).offered).toBe(1)
    expect(rolling(events, at(10)).offered).toBe(1)
    expect(rolling(events, at(9.999)).offered).toBe(0)
  })

  it('uses the definition’s length', () => {
    const defs = definitions({ rollingMinutes: 5 })
    expect(rolling(events, at(10) + 5 * 60_000 - 1, defs).offered).toBe(1)
    expect(rolling(events, at(10) + 5 * 60_000, defs).offered).toBe(0)
  })

  it('spans midnight, unlike today', () => {
    const call = [queued('c1', shanghai('2026-03-02T23:59:50')), abandoned('c1', shanghai('2026-03-02T23:59:58'))]
    const now = shanghai('2026-03-03T00:05:00')
    expect(rolling(call, now).offered).toBe(1)
    expect(today(call, now).offered).toBe(0)
  })
})

describe('live state', () => {
  const events = [queued('c1', at(0)), queued('c2', at(30)), ...answeredCall('c3', 50, 10)]

  it('counts the calls waiting now and the wait of the oldest, in whole seconds', () => {
    expect(queueOf(run(events, at(100.9))).live).toMatchObject({ waiting: 2, longestWaitSec: 100, oldestQueuedAt: at(0) })
  })

  it('moves on to the next oldest when the oldest leaves the queue', () => {
    expect(queueOf(run([...events, abandoned('c1', at(101))], at(101))).live).toMatchObject({
      waiting: 1,
      longestWaitSec: 71,
      oldestQueuedAt: at(30),
    })
  })

  it('shows no wait when nobody waits', () => {
    expect(queueOf(run(answeredCall('c1', 0, 10), at(100))).live).toMatchObject({
      waiting: 0,
      longestWaitSec: 0,
      oldestQueuedAt: null,
    })
  })

  it('does not count calls of other queues', () => {
    expect(queueOf(run([...events, queued('x', at(0), { queue: 'q2' })], at(100)), 'q2').live.waiting).toBe(1)
  })
})

describe('agents by state per queue', () => {
  const members = [
    available('a1', at(0), { queues: ['q1', 'q2'] }),
    paused('a2', at(0), 'lunch', { queues: ['q1'] }),
    paused('a3', at(0), undefined, { queues: ['q1'] }),
    acw('a4', at(0), { queues: ['q2'] }),
    offline('a5', at(0), { queues: ['q1'] }),
  ]

  it('counts the members of each queue by their state, paused by reason', () => {
    const q1 = queueOf(run(members, NOW), 'q1').live
    expect(q1.agents).toEqual({
      available: 1,
      ringing: 0,
      onCall: 0,
      acw: 0,
      paused: 2,
      offline: 1,
      pausedByReason: { lunch: 1, unspecified: 1 },
    })
    expect(q1.agentsLoggedIn).toBe(3)
    const q2 = queueOf(run(members, NOW), 'q2').live
    expect(q2.agents).toMatchObject({ available: 1, acw: 1, paused: 0 })
    expect(q2.agentsLoggedIn).toBe(2)
  })

  it('replaces membership with the newest list', () => {
    const q = run([...members, available('a1', at(10), { queues: ['q2'] })], NOW)
    expect(queueOf(q, 'q1').live.agents.available).toBe(0)
    expect(queueOf(q, 'q2').live.agents.available).toBe(1)
  })

  it('keeps membership when a state event carries no list', () => {
    expect(queueOf(run([...members, paused('a1', at(10), 'break')], NOW), 'q1').live.agents.pausedByReason).toEqual({
      lunch: 1,
      unspecified: 1,
      break: 1,
    })
  })

  it('learns membership from calls when no list was ever sent', () => {
    const q3 = queueOf(
      run(
        [available('a6', at(0)), queued('c1', at(0), { queue: 'q3' }), answered('c1', at(5), { queue: 'q3', agent: 'a6' })],
        NOW,
      ),
      'q3',
    )
    expect(q3.live.agents).toMatchObject({ onCall: 1 })
  })

  it('shows a member ringing while a call is offered to it, whatever state it set', () => {
    const q1 = queueOf(run([...members, queued('c1', at(0)), ringing('c1', at(5), { agent: 'a2' })], NOW), 'q1').live
    expect(q1.agents).toMatchObject({ ringing: 1, paused: 1, pausedByReason: { unspecified: 1 } })
  })

  it('shows a member on call from answer to end, overriding the state it set', () => {
    const talk = [...members, queued('c1', at(0)), ringing('c1', at(5), { agent: 'a5' }), answered('c1', at(8), { agent: 'a5' })]
    expect(queueOf(run(talk, NOW), 'q1').live.agents).toMatchObject({ onCall: 1, ringing: 0, offline: 0 })
    expect(queueOf(run(talk, NOW), 'q1').live.agentsLoggedIn).toBe(4)
    expect(queueOf(run([...talk, ended('c1', at(90), { agent: 'a5' })], NOW), 'q1').live.agents).toMatchObject({
      onCall: 0,
      offline: 1,
    })
  })

  it('counts an agent with no state event as offline in the queues it took calls in', () => {
    expect(queueOf(run(answeredCall('c1', 0, 10, 60, { agent: 'ghost' }), NOW)).live.agents).toMatchObject({ offline: 1 })
  })
})

describe('ACW', () => {
  const inTwoQueues = available('a1', at(0), { queues: ['q1', 'q2'] })

  it('belongs to the queue of the call the agent answered just before it', () => {
    const events = [inTwoQueues, ...answeredCall('c1', 0, 10, 50, { queue: 'q2' }), acw('a1', at(60)), available('a1', at(120))]
    expect(today(events, NOW, definitions(), 'q2')).toMatchObject({ acwMs: 60_000, avgAcwSec: 60, ahtSec: 110 })
    expect(today(events, NOW, definitions(), 'q1').acwMs).toBe(0)
  })

  it('is counted when it ends, not while it lasts', () => {
    const events = [inTwoQueues, ...answeredCall('c1', 0, 10, 50), acw('a1', at(60))]
    expect(today(events, at(100)).acwMs).toBe(0)
    expect(today([...events, available('a1', at(100))], at(100)).acwMs).toBe(40_000)
  })

  it('ends when the agent answers the next call', () => {
    const events = [
      inTwoQueues,
      ...answeredCall('c1', 0, 10, 50),
      acw('a1', at(60)),
      ...answeredCall('c2', 70, 10, undefined, { queue: 'q2' }),
    ]
    expect(today(events, at(100), definitions(), 'q1').acwMs).toBe(20_000)
  })

  it('counts in the rolling window by the whole minutes it was spent in', () => {
    const events = [inTwoQueues, ...answeredCall('c1', 0, 10, 50), acw('a1', at(60)), available('a1', at(120))]
    expect(rolling(events, at(150)).acwMs).toBe(60_000)
    // Thirty minutes later its minute has left the window.
    expect(rolling(events, at(60 + 30 * 60 + 60)).acwMs).toBe(0)
  })
})

describe('surveys', () => {
  const call = answeredCall('c1', 0, 10, 60, { agent: 'a1' })

  it('count in the queue of the call’s answered visit', () => {
    expect(today([...call, survey(at(100), { callId: 'c1', csat: 5, nps: 10 })], NOW)).toMatchObject({
      csatResponses: 1,
      csatPct: 100,
      nps: 100,
    })
  })

  it('count in the visit’s queue even when the survey arrives before the call', () => {
    const events = [survey(at(100), { callId: 'c1', csat: 1, nps: 3 }), ...call]
    expect(today(events, NOW)).toMatchObject({ csatResponses: 1, csatPct: 0, dsatPct: 100, npsResponses: 1, nps: -100 })
  })

  it('count in the queue they name', () => {
    expect(
      today([...call, survey(at(100), { callId: 'c1', queue: 'q2', csat: 5 })], NOW, definitions(), 'q2').csatResponses,
    ).toBe(1)
    expect(today([...call, survey(at(100), { callId: 'c1', queue: 'q2', csat: 5 })], NOW).csatResponses).toBe(0)
  })

  it('use the queue’s csat boxes', () => {
    const events = [4, 5, 3].map((csat, i) => survey(at(i), { queue: 'q1', csat }))
    expect(today(events, NOW, definitions({ csatTopBox: 5, csatLowBox: 3 }))).toMatchObject({
      csatPct: (1 / 3) * 100,
      dsatPct: (1 / 3) * 100,
    })
  })

  it('count nps 7 and 8 as passives, neither promoter nor detractor', () => {
    expect(
      today(
        [7, 8].map((nps, i) => survey(at(i), { queue: 'q1', nps })),
        NOW,
      ),
    ).toMatchObject({ npsPromoters: 0, npsDetractors: 0, nps: 0 })
  })

  it('without csat or nps count nothing', () => {
    expect(today([...call, survey(at(100), { callId: 'c1' })], NOW)).toMatchObject({ csatResponses: 0, npsResponses: 0 })
  })
})

describe('agent figures', () => {
  const events = [
    available('a1', at(0), { queues: ['q1'], name: 'Li Lei', team: 't1' }),
    available('a2', at(0), { queues: ['q1'], name: 'Han Meimei' }),
    ...answeredCall('c1', 0, 10, 60, { agent: 'a1' }),
    ...answeredCall('c2', 100, 10, 30, { agent: 'a1' }),
    queued('c3', at(200)),
    answered('c3', at(210), { agent: 'a2' }),
  ]
  const agents = agentsAfter(events, at(300))

  it('sorts agents by name', () => expect(agents.map((a) => a.name)).toEqual(['Han Meimei', 'Li Lei']))

  it('counts handled calls and talk time today per agent', () => {
    expect(agents.find((a) => a.id === 'a1')).toMatchObject({
      handledToday: 2,
      talkMsToday: 90_000,
      state: 'available',
      team: 't1',
      queues: ['q1'],
    })
  })

  it('shows the current call, its queue and since when', () => {
    expect(agents.find((a) => a.id === 'a2')).toMatchObject({
      state: 'onCall',
      since: at(210),
      callId: 'c3',
      callQueue: 'q1',
      handledToday: 0,
    })
  })

  it('shows the pause reason and the time the state began', () => {
    const [a] = agentsAfter([paused('a1', at(5), 'training')], at(300))
    expect(a).toMatchObject({ state: 'paused', reason: 'training', since: at(5), name: 'a1', team: null })
  })

  it('keeps the newest name whatever the order', () => {
    const renamed = [available('a1', at(0), { name: 'Old' }), available('a1', at(10), { name: 'New' })]
    expect(agentsAfter(renamed, at(300))[0]?.name).toBe('New')
    expect(agentsAfter([...renamed].reverse(), at(300))[0]?.name).toBe('New')
  })
})
