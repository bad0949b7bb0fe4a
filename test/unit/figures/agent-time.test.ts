// Agent time (metrics.md "Ratios": occupancyPct, utilizationPct, callsPerAgent; "Live state": per
// agent): how long each agent spent on calls, in ACW, available and paused (by reason), per agent
// for its business day (the stretch in progress counted up to now) and per queue it serves, split
// minute by minute and at the day boundary. Every expected number is worked out by hand.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Definition } from '../../../shared/definitions.js'
import type { RawEvent } from '../../../shared/events.js'
import { bucketKey } from '../../../shared/figures/aggregate.js'
import type { AgentFigures } from '../../../shared/figures/schema.js'
import {
  acw,
  agentsAfter,
  answered,
  answeredCall,
  at,
  available,
  definitions,
  ended,
  offline,
  paused,
  queued,
  reduce,
  ringing,
  rolling,
  run,
  shanghai,
  today,
} from '../fixtures.js'

const S = 1000

/** One agent's figures for its business day at `now`. */
function dayOf(events: readonly RawEvent[], now: number, agent = 'a1', defs = definitions()): AgentFigures['today'] {
  const a = agentsAfter(events, now, defs).find((x) => x.id === agent)
  if (!a) throw new Error(`no figures for agent ${agent}`)
  return a.today
}

// a1's morning in q1, seconds after 10:00, each stretch by hand:
//      0–60    available            60 s
//     60–180   on call c1          120 s   (queued at 50)
//    180–240   ACW                  60 s
//    240–300   available            60 s
//    300–1500  paused lunch       1200 s
//   1500–1560  available            60 s
//   1560–1620  on call c2           60 s   (queued at 1550)
//   1620–1650  ACW                  30 s
//   1650–2250  paused training     600 s
//   2250–2550  paused meeting      300 s
//   2550–2610  paused break         60 s
//   2610–2670  paused, no reason    60 s
//   2670–      available, still at NOW (3000): 330 s so far
// Over: on call 180, ACW 90, available 180, paused 2220 (lunch 1200, training 600, meeting 300,
// break 60, unspecified 60); logged in 2670. With the open stretch: available 510, logged in 3000.
const NOW = at(3000)
const morning: RawEvent[] = [
  available('a1', at(0), { queues: ['q1'] }),
  ...answeredCall('c1', 50, 10, 120),
  acw('a1', at(180)),
  available('a1', at(240)),
  paused('a1', at(300), 'lunch'),
  available('a1', at(1500)),
  ...answeredCall('c2', 1550, 10, 60),
  acw('a1', at(1620)),
  paused('a1', at(1650), 'training'),
  paused('a1', at(2250), 'meeting'),
  paused('a1', at(2550), 'break'),
  paused('a1', at(2610)),
  available('a1', at(2670)),
]
const PAUSED = { lunch: 1200 * S, training: 600 * S, meeting: 300 * S, break: 60 * S, unspecified: 60 * S }

describe('an agent’s figures for the day', () => {
  const day = dayOf(morning, NOW)

  it('counts the calls it handled and their mean talk: (120 + 60) / 2 = 90 s', () => {
    expect(day).toMatchObject({ handled: 2, avgTalkSec: 90 })
  })

  it('counts the time on calls and in ACW', () => {
    expect(day).toMatchObject({ onCallMs: 180 * S, acwMs: 90 * S })
  })

  it('counts the time available, the stretch still open up to now included: 60 + 60 + 60 + 330 s', () => {
    expect(day.availableMs).toBe(510 * S)
  })

  it('counts the time paused by reason, a pause without one as unspecified', () => {
    expect(day.pausedMs).toEqual(PAUSED)
  })

  it('counts every second since it first logged in as logged in: 3000 s', () => {
    expect(day.loggedInMs).toBe(3000 * S)
  })

  it('gives no mean talk before the first handled call', () => {
    expect(dayOf(morning.slice(0, 3), at(100))).toMatchObject({ handled: 0, avgTalkSec: null })
  })

  it('counts an open ACW stretch up to now', () => {
    // available 0–60, on call 60–180, ACW since 180: 120 s at 10:05.
    const events = [available('a1', at(0)), ...answeredCall('c1', 50, 10, 120), acw('a1', at(180))]
    expect(dayOf(events, at(300))).toMatchObject({ availableMs: 60 * S, onCallMs: 120 * S, acwMs: 120 * S, loggedInMs: 300 * S })
  })

  it('counts an open pause up to now under its reason, added to the earlier ones of the same reason', () => {
    // lunch 0–600, available 600–700, lunch again since 700: 600 + 300 s at 10:16:40.
    const events = [paused('a1', at(0), 'lunch'), available('a1', at(600)), paused('a1', at(700), 'lunch')]
    expect(dayOf(events, at(1000))).toMatchObject({
      pausedMs: { lunch: 900 * S },
      availableMs: 100 * S,
      loggedInMs: 1000 * S,
    })
    expect(dayOf([paused('a1', at(0))], at(120)).pausedMs).toEqual({ unspecified: 120 * S })
  })

  it('counts the call in progress up to now', () => {
    // available 0–60, on c1 since 60: 240 s at 10:05; not handled yet.
    const events = [available('a1', at(0)), queued('c1', at(50)), answered('c1', at(60))]
    expect(dayOf(events, at(300))).toMatchObject({
      handled: 0,
      onCallMs: 240 * S,
      availableMs: 60 * S,
      loggedInMs: 300 * S,
    })
  })

  it('keeps counting its own state while a call rings it', () => {
    // available since 0, c1 rings it from 110: still available (and logged in) for all 115 s.
    const events = [available('a1', at(0)), queued('c1', at(100)), ringing('c1', at(110))]
    expect(dayOf(events, at(115))).toMatchObject({ availableMs: 115 * S, loggedInMs: 115 * S })
    expect(dayOf([paused('a1', at(0), 'break'), ...events.slice(1)], at(115)).pausedMs).toEqual({ break: 115 * S })
  })

  it('keeps each agent’s time apart', () => {
    const events = [...morning, available('a2', at(2000), { queues: ['q1'] })]
    expect(dayOf(events, NOW, 'a2')).toMatchObject({ handled: 0, availableMs: 1000 * S, loggedInMs: 1000 * S, pausedMs: {} })
    expect(dayOf(events, NOW, 'a1').loggedInMs).toBe(3000 * S)
  })

  it('gives the same figures whatever the arrival order', () => {
    const expected = { agents: agentsAfter(morning, NOW), queues: run(morning, NOW) }
    fc.assert(
      fc.property(fc.shuffledSubarray(morning, { minLength: morning.length }), (order) => {
        expect({ agents: agentsAfter(order, NOW), queues: run(order, NOW) }).toEqual(expected)
      }),
      { numRuns: 100, seed: 20260302 },
    )
  })
})

describe('an agent past the bound on answered calls', () => {
  it('keeps every call’s talk time counted when its oldest calls leave the record', () => {
    // 260 calls of 20 s, one a minute, all answered by a1 (more than MAX_AGENT_CALLS).
    const events = Array.from({ length: 260 }, (_, i) => answeredCall(`c${i}`, i * 60, 5, 20)).flat()
    const now = at(260 * 60)
    const w = today(events, now)
    expect(w).toMatchObject({ handled: 260, onCallMs: 260 * 20 * S })
    expect(dayOf(events, now)).toMatchObject({ handled: 260, onCallMs: 260 * 20 * S })
  })
})

describe('logging off', () => {
  const shift = [available('a1', at(0), { queues: ['q1'] }), offline('a1', at(600))]

  it('stops the agent’s time', () => {
    expect(dayOf(shift, at(1200))).toMatchObject({ availableMs: 600 * S, loggedInMs: 600 * S, pausedMs: {} })
    expect(agentsAfter(shift, at(1200))[0]).toMatchObject({ state: 'offline' })
  })

  it('stops the queue’s agent time', () => {
    expect(today(shift, at(1200))).toMatchObject({ availableMs: 600 * S, loggedInMs: 600 * S, occupancyPct: 0 })
  })

  it('lets time run again from the next login', () => {
    // 600 s, then 10:15 to 10:20 again: 300 s more, still open.
    const events = [...shift, available('a1', at(900))]
    expect(dayOf(events, at(1200))).toMatchObject({ availableMs: 900 * S, loggedInMs: 900 * S })
  })

  it('counts nothing for an agent that never logged in', () => {
    expect(dayOf([offline('a1', at(0))], at(1200))).toMatchObject({ availableMs: 0, loggedInMs: 0, onCallMs: 0, acwMs: 0 })
  })
})

describe('a queue’s agent time and occupancy', () => {
  const w = today(morning, NOW)

  it('counts the stretches that are over, not the one still open', () => {
    expect(w).toMatchObject({
      onCallMs: 180 * S,
      acwMs: 90 * S,
      availableMs: 180 * S,
      loggedInMs: 2670 * S,
      pausedMs: PAUSED,
    })
  })

  it('gives occupancyPct as (on call + ACW) / (on call + ACW + available): 270 / 450 = 60 %', () => {
    expect(w.occupancyPct).toBe(60)
  })

  it('gives talk, ACW and handle time per handled call: 90, 45 and 135 s', () => {
    expect(w).toMatchObject({ handled: 2, avgTalkSec: 90, avgAcwSec: 45, ahtSec: 135 })
  })

  it('gives occupancy 100 % for an agent that was never available between calls', () => {
    // c1 answered at once 0–120, ACW 120–180, offline.
    const events = [
      acw('a1', at(0), { queues: ['q1'] }),
      ...answeredCall('c1', 0, 0, 120),
      acw('a1', at(120)),
      offline('a1', at(180)),
    ]
    expect(today(events, at(600))).toMatchObject({ onCallMs: 120 * S, acwMs: 60 * S, availableMs: 0, occupancyPct: 100 })
  })

  it('gives null occupancy and utilization, not 0 %, without agent time', () => {
    expect(today(answeredCall('c1', 0, 10), at(600))).toMatchObject({ occupancyPct: null, utilizationPct: null })
  })
})

describe('utilizationPct under the bases centres use', () => {
  // (on call + ACW) = 270 s over logged-in time 2670 s, less the pauses the definition excludes.
  const utilization = (excluded: string[]) =>
    today(morning, NOW, definitions({ utilizationExcludedReasons: excluded })).utilizationPct

  it('uses logged-in time only when no reason is excluded (the default): 270 / 2670', () => {
    expect(today(morning, NOW).utilizationPct).toBeCloseTo((270 / 2670) * 100, 10)
    expect(utilization([])).toBeCloseTo((270 / 2670) * 100, 10)
  })

  it('excludes meal breaks: 270 / (2670 − 1200)', () => {
    expect(utilization(['lunch'])).toBeCloseTo((270 / 1470) * 100, 10)
  })

  it('counts training and meetings in while breaks are excluded: 270 / (2670 − 1200 − 60)', () => {
    expect(utilization(['lunch', 'break'])).toBeCloseTo((270 / 1410) * 100, 10)
  })

  it('can exclude training and meetings instead: 270 / (2670 − 600 − 300)', () => {
    expect(utilization(['training', 'meeting'])).toBeCloseTo((270 / 1770) * 100, 10)
  })

  it('ignores an excluded reason nobody paused for', () => {
    expect(utilization(['lunch', 'coaching'])).toBeCloseTo((270 / 1470) * 100, 10)
  })

  it('does not change occupancy, whose base is on call + ACW + available', () => {
    expect(today(morning, NOW, definitions({ utilizationExcludedReasons: ['lunch', 'break'] })).occupancyPct).toBe(60)
  })

  it('is null, not 0 %, when the whole logged-in time was an excluded pause', () => {
    const events = [paused('a1', at(0), 'lunch', { queues: ['q1'] }), offline('a1', at(600))]
    expect(today(events, at(900), definitions({ utilizationExcludedReasons: ['lunch'] })).utilizationPct).toBeNull()
    expect(today(events, at(900)).utilizationPct).toBe(0)
  })
})

describe('callsPerAgent', () => {
  // a1 handles c1 (ends 10:01:10), c2 and c3 in q1; a2 handles c4 in q1; a3 is still on c5 in q1
  // and handled c6 in q2. Handled in q1: 4, by a1 and a2.
  const events = [
    ...answeredCall('c1', 0, 10, 60, { agent: 'a1' }),
    ...answeredCall('c2', 2400, 10, 120, { agent: 'a1' }),
    ...answeredCall('c3', 2600, 10, 30, { agent: 'a1' }),
    ...answeredCall('c4', 0, 5, 90, { agent: 'a2' }),
    ...answeredCall('c5', 2500, 5, undefined, { agent: 'a3' }),
    ...answeredCall('c6', 100, 5, 40, { agent: 'a3', queue: 'q2' }),
  ]
  const now = at(2700)

  it('is handled / agents who handled at least one call: 4 / 2 = 2', () => {
    expect(today(events, now)).toMatchObject({ handled: 4, callsPerAgent: 2 })
    expect(today(events, now, definitions(), 'q2')).toMatchObject({ handled: 1, callsPerAgent: 1 })
  })

  it('counts only the agents who handled a call in the window', () => {
    // The rolling half hour to 10:45 starts at 10:15:01: only a1's c2 and c3 → 2 / 1.
    expect(rolling(events, now)).toMatchObject({ handled: 2, callsPerAgent: 2 })
  })

  it('is null when nobody has handled a call yet', () => {
    expect(today(answeredCall('c5', 2500, 5, undefined, { agent: 'a3' }), now).callsPerAgent).toBeNull()
  })

  it('matches each agent’s handled calls and mean talk', () => {
    // a1: (60 + 120 + 30) / 3 = 70 s; a2: 90 s; a3: c6 only, 40 s.
    expect(dayOf(events, now, 'a1')).toMatchObject({ handled: 3, avgTalkSec: 70 })
    expect(dayOf(events, now, 'a2')).toMatchObject({ handled: 1, avgTalkSec: 90 })
    expect(dayOf(events, now, 'a3')).toMatchObject({ handled: 1, avgTalkSec: 40 })
  })
})

describe('minute boundaries', () => {
  // a1 available 10:00:30–10:02:30: 30 s in minute 10:00, 60 s in 10:01, 30 s in 10:02.
  const events = [available('a1', at(30), { queues: ['q1'] }), offline('a1', at(150))]
  const fiveMinutes = definitions({ rollingMinutes: 5 })

  it('counts the whole stretch in the day', () => {
    expect(today(events, at(600)).availableMs).toBe(120 * S)
    expect(dayOf(events, at(600)).availableMs).toBe(120 * S)
  })

  it('gives each minute of a rolling window its own share', () => {
    // To 10:05:59 the window holds minutes 10:01–10:05: 60 + 30 s.
    expect(rolling(events, at(359), fiveMinutes)).toMatchObject({ availableMs: 90 * S, loggedInMs: 90 * S })
    // To 10:06:59: minutes 10:02–10:06: 30 s.
    expect(rolling(events, at(419), fiveMinutes)).toMatchObject({ availableMs: 30 * S, loggedInMs: 30 * S })
    // To 10:07:59: none of it.
    expect(rolling(events, at(479), fiveMinutes)).toMatchObject({ availableMs: 0, loggedInMs: 0 })
  })

  it('splits a call and its ACW across minutes too', () => {
    // On c1 10:00:50–10:01:20 (10 s + 20 s), ACW 10:01:20–10:02:10 (40 s + 10 s). To 10:06:59
    // (minutes 10:02–10:06): 0 s on call, 10 s ACW; to 10:05:59: 20 s on call, 50 s ACW.
    const call = [
      available('a1', at(0), { queues: ['q1'] }),
      ...answeredCall('c1', 45, 5, 30),
      acw('a1', at(80)),
      offline('a1', at(130)),
    ]
    expect(rolling(call, at(419), fiveMinutes)).toMatchObject({ onCallMs: 0, acwMs: 10 * S })
    expect(rolling(call, at(359), fiveMinutes)).toMatchObject({ onCallMs: 20 * S, acwMs: 50 * S })
  })
})

describe('the business-day boundary', () => {
  // a1 available 23:58:30; on c1 23:59:30–00:00:45; ACW to 00:01:15; available to 00:02:00; offline.
  // 2 March: available 60 s, on call 30 s. 3 March: on call 45 s, ACW 30 s, available 45 s.
  const events = [
    available('a1', shanghai('2026-03-02T23:58:30'), { queues: ['q1'] }),
    queued('c1', shanghai('2026-03-02T23:59:20')),
    answered('c1', shanghai('2026-03-02T23:59:30')),
    ended('c1', shanghai('2026-03-03T00:00:45')),
    acw('a1', shanghai('2026-03-03T00:00:45')),
    available('a1', shanghai('2026-03-03T00:01:15')),
    offline('a1', shanghai('2026-03-03T00:02:00')),
  ]
  const now = shanghai('2026-03-03T00:10:00')

  it('gives the agent’s new day only its part of each stretch; the call counts where it ended', () => {
    expect(dayOf(events, now)).toMatchObject({
      onCallMs: 45 * S,
      acwMs: 30 * S,
      availableMs: 45 * S,
      loggedInMs: 120 * S,
      handled: 1,
      avgTalkSec: 75,
    })
  })

  it('keeps the rest in the agent’s and the queue’s old day', () => {
    const s = reduce(events, now)
    const old = { availableMs: 60 * S, onCallMs: 30 * S, acwMs: 0, loggedInMs: 90 * S, handled: 0 }
    expect(s.buckets.get(bucketKey.agentDay('a1', shanghai('2026-03-02T00:00:00')))).toMatchObject(old)
    expect(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00')))).toMatchObject(old)
  })

  it('gives the queue’s new day occupancy and utilization from its part: 75 / 120 = 62.5 %', () => {
    expect(today(events, now)).toMatchObject({
      onCallMs: 45 * S,
      acwMs: 30 * S,
      availableMs: 45 * S,
      loggedInMs: 120 * S,
      occupancyPct: 62.5,
      utilizationPct: 62.5,
      handled: 1,
      callsPerAgent: 1,
    })
  })

  it('keeps the whole of it in a rolling window across midnight', () => {
    // To 00:10:00 the window's whole minutes run from 23:41: all 210 s.
    expect(rolling(events, now)).toMatchObject({
      onCallMs: 75 * S,
      acwMs: 30 * S,
      availableMs: 105 * S,
      loggedInMs: 210 * S,
    })
  })

  it('counts a stretch still open at midnight from the start of the new day', () => {
    // a1 available since 23:50; a2 available since 23:40 and on c2 since 23:55.
    const open = [
      available('a1', shanghai('2026-03-02T23:50:00'), { queues: ['q1'] }),
      available('a2', shanghai('2026-03-02T23:40:00'), { queues: ['q1'] }),
      queued('c2', shanghai('2026-03-02T23:54:50')),
      answered('c2', shanghai('2026-03-02T23:55:00'), { agent: 'a2' }),
    ]
    expect(dayOf(open, now, 'a1')).toMatchObject({ availableMs: 600 * S, loggedInMs: 600 * S })
    expect(dayOf(open, now, 'a2')).toMatchObject({ onCallMs: 600 * S, availableMs: 0, loggedInMs: 600 * S })
  })

  it('starts the agent’s day at the centre’s dayStartHour', () => {
    const defs = definitions({ dayStartHour: 6 })
    const events = [available('a1', shanghai('2026-03-03T05:50:00'))]
    expect(dayOf(events, shanghai('2026-03-03T05:59:00'), 'a1', defs).availableMs).toBe(540 * S)
    expect(dayOf(events, shanghai('2026-03-03T06:10:00'), 'a1', defs).availableMs).toBe(600 * S)
  })
})

describe('queue membership', () => {
  const windowOf = (events: readonly RawEvent[], queue: string, defs: Partial<Definition> = {}) =>
    today(events, at(900), definitions(defs), queue)

  it('counts an agent’s time only in the queues it is a member of', () => {
    const events = [
      available('a1', at(0), { queues: ['q1'] }),
      available('a2', at(0), { queues: ['q2'] }),
      offline('a1', at(600)),
      offline('a2', at(300)),
    ]
    expect(windowOf(events, 'q1')).toMatchObject({ availableMs: 600 * S, loggedInMs: 600 * S })
    expect(windowOf(events, 'q2')).toMatchObject({ availableMs: 300 * S, loggedInMs: 300 * S })
  })

  it('counts a member of two queues in both, and its call and ACW only in the call’s queue', () => {
    // available 0–60, on a q1 call 60–180, ACW 180–240, available 240–300.
    // q1: busy 120 + 60 of 300 logged in, 120 available → 60 %, 60 %. q2: busy 0 → 0 %, 0 %.
    const events = [
      available('a1', at(0), { queues: ['q1', 'q2'] }),
      ...answeredCall('c1', 50, 10, 120),
      acw('a1', at(180)),
      available('a1', at(240)),
      offline('a1', at(300)),
    ]
    expect(windowOf(events, 'q1')).toMatchObject({
      onCallMs: 120 * S,
      acwMs: 60 * S,
      availableMs: 120 * S,
      loggedInMs: 300 * S,
      occupancyPct: 60,
      utilizationPct: 60,
    })
    expect(windowOf(events, 'q2')).toMatchObject({
      onCallMs: 0,
      acwMs: 0,
      availableMs: 120 * S,
      loggedInMs: 300 * S,
      occupancyPct: 0,
      utilizationPct: 0,
    })
  })

  it('counts a call taken in a queue the agent is not a member of as that queue’s busy time only', () => {
    // a1 (member of q1) takes c9 in q3 60–180, ACW 180–240. q3: 180 s busy, logged in 180 s, never
    // available → 100 %, 100 %. q1: all 300 s logged in, 120 s available, none of it busy.
    const events = [
      available('a1', at(0), { queues: ['q1'] }),
      ...answeredCall('c9', 50, 10, 120, { queue: 'q3' }),
      acw('a1', at(180)),
      available('a1', at(240)),
      offline('a1', at(300)),
    ]
    expect(windowOf(events, 'q3')).toMatchObject({
      onCallMs: 120 * S,
      acwMs: 60 * S,
      availableMs: 0,
      loggedInMs: 180 * S,
      occupancyPct: 100,
      utilizationPct: 100,
    })
    expect(windowOf(events, 'q1')).toMatchObject({ onCallMs: 0, acwMs: 0, availableMs: 120 * S, loggedInMs: 300 * S })
  })

  it('follows a change of membership', () => {
    const events = [
      available('a1', at(0), { queues: ['q1'] }),
      available('a1', at(300), { queues: ['q2'] }),
      offline('a1', at(600)),
    ]
    expect(windowOf(events, 'q1')).toMatchObject({ availableMs: 300 * S, loggedInMs: 300 * S })
    expect(windowOf(events, 'q2')).toMatchObject({ availableMs: 300 * S, loggedInMs: 300 * S })
  })

  it('counts the members’ pauses by reason for the queue', () => {
    const events = [
      paused('a1', at(0), 'lunch', { queues: ['q1', 'q2'] }),
      paused('a2', at(0), 'training', { queues: ['q2'] }),
      offline('a1', at(600)),
      offline('a2', at(300)),
    ]
    expect(windowOf(events, 'q1').pausedMs).toEqual({ lunch: 600 * S })
    expect(windowOf(events, 'q2').pausedMs).toEqual({ lunch: 600 * S, training: 300 * S })
    // q2 excluding lunch: 300 s left, none of it busy.
    expect(windowOf(events, 'q2', { utilizationExcludedReasons: ['lunch'] }).utilizationPct).toBe(0)
  })
})
