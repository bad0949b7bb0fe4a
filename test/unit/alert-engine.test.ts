// The alert engine's pure core (shared/alert-engine.ts): every rule kind and edge, as sequences of
// (instant, value) fed to the decision functions the server calls on every update and tick.
import { describe, expect, it } from 'vitest'
import {
  type AgentRule,
  type Decision,
  type EventRule,
  type FigureRule,
  IDLE,
  type SurveyResponse,
  type TeamHours,
  type Track,
  acknowledgeAlert,
  afterManualResolve,
  agentInScope,
  alertIdOf,
  channelsFor,
  escalateTask,
  evaluateAgentRule,
  evaluateFigureRule,
  figureValue,
  isActive,
  isIdle,
  queuesInScope,
  resolveAlert,
  surveyTask,
  triggers,
} from '../../shared/alert-engine.js'
import { alertRuleProblems } from '../../shared/alert-rules.js'
import type { Alert, AlertRuleInput, Transition } from '../../shared/alerts.js'
import type { AgentFigures } from '../../shared/figures/schema.js'
import { hoursProblems } from '../../shared/hours.js'
import {
  MINUTE,
  ZONE,
  abandoned,
  agentsAfter,
  answered,
  at,
  available,
  ended,
  paused,
  queueOf,
  queued,
  ringing,
  run,
  shanghai,
} from './fixtures.js'

const META = { id: 'r1', createdAt: 0, updatedAt: 0, createdBy: 'admin' }
const COMMON = { enabled: true, activeHours: null, cooldownSec: 0, channels: ['c1'], banner: true, sound: false }

function figureRule(over: Partial<FigureRule> = {}): FigureRule {
  return {
    ...META,
    ...COMMON,
    kind: 'figure',
    name: 'Waiting',
    scope: { queue: 'q1' },
    window: 'live',
    figure: 'waiting',
    comparator: 'above',
    warn: 10,
    critical: 20,
    forSec: 30,
    clearAt: null,
    ...over,
  }
}

function agentRule(over: Partial<AgentRule> = {}): AgentRule {
  return {
    ...META,
    ...COMMON,
    kind: 'agent',
    name: 'Lunch',
    scope: { all: true },
    state: 'paused',
    reason: 'lunch',
    overSec: 35 * 60,
    ...over,
  }
}

function eventRule(over: Partial<EventRule> = {}): EventRule {
  return {
    ...META,
    ...COMMON,
    kind: 'event',
    name: 'Call back detractors',
    scope: { all: true },
    trigger: 'detractor',
    dueMin: 240,
    escalation: [
      { level: 'teamlead', channels: ['lead'] },
      { level: 'supervisor', channels: ['sup'] },
      { level: 'manager', channels: ['mgr'] },
    ],
    ...over,
  }
}

/** No team has opening hours: "team" rules are active around the clock. */
const NO_HOURS: TeamHours = () => null

interface Run {
  track: Track
  open: Alert | null
  log: Array<{ sec: number; transition: Transition; alert: Alert }>
}

/** Feeds a figure rule one value per instant (seconds after the base), as updates and ticks would. */
function drive(
  rule: FigureRule,
  steps: Array<[sec: number, value: number | null]>,
  start: Run = { track: IDLE, open: null, log: [] },
  teamHours: TeamHours = NO_HOURS,
  team: string | null = 'A',
): Run {
  let { track, open } = start
  const log = [...start.log]
  for (const [sec, value] of steps) {
    const d: Decision = evaluateFigureRule(rule, 'q1', team, value, track, open, at(sec), ZONE, teamHours)
    track = d.track
    if (d.change) {
      log.push({ sec, transition: d.change.transition, alert: d.change.alert })
      open = d.change.alert.state === 'resolved' ? null : d.change.alert
    }
  }
  return { track, open, log }
}

const transitions = (r: Run) => r.log.map((e) => [e.sec, e.transition, e.alert.severity])

/** Every second from `from` to `to`, the same value. */
const hold = (from: number, to: number, value: number | null): Array<[number, number | null]> =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, value])

describe('figure rules', () => {
  it('fires once the condition has held forSec, not a moment before', () => {
    const r = drive(figureRule({ forSec: 30 }), [
      [0, 11],
      [29.999, 11],
    ])
    expect(r.log).toEqual([])
    const fired = drive(figureRule({ forSec: 30 }), [[30, 12]], r)
    expect(transitions(fired)).toEqual([[30, 'fired', 'warning']])
    expect(fired.log[0]!.alert).toMatchObject({
      state: 'firing',
      since: at(0),
      firedAt: at(30),
      value: 12,
      threshold: 10,
      figure: 'waiting',
      window: 'live',
      subject: { queue: 'q1', team: 'A', agent: null, callId: null },
      history: [{ at: at(30), transition: 'fired', by: null }],
    })
  })

  it('compares strictly: a value at the level does not hold', () => {
    expect(drive(figureRule({ forSec: 0 }), [[0, 10]]).log).toEqual([])
    expect(transitions(drive(figureRule({ forSec: 0, comparator: 'below', warn: 80, critical: 70 }), [[0, 79.9]]))).toEqual([
      [0, 'fired', 'warning'],
    ])
  })

  it('restarts the timer when the condition breaks before forSec', () => {
    const r = drive(figureRule({ forSec: 30 }), [
      [0, 11],
      [20, 9],
      [25, 11],
      [50, 11],
      [55, 11],
    ])
    expect(transitions(r)).toEqual([[55, 'fired', 'warning']])
    expect(r.log[0]!.alert.since).toBe(at(25))
  })

  it('fires at critical when critical has held forSec', () => {
    expect(
      transitions(
        drive(figureRule({ forSec: 10 }), [
          [0, 25],
          [10, 25],
        ]),
      ),
    ).toEqual([[10, 'fired', 'critical']])
    expect(
      drive(figureRule({ forSec: 10 }), [
        [0, 25],
        [10, 25],
      ]).log[0]!.alert.threshold,
    ).toBe(20)
  })

  it('raises warning → critical once (escalated), and never steps back down', () => {
    const r = drive(figureRule({ forSec: 10 }), [
      [0, 15],
      [10, 15],
      [12, 25],
      [20, 25],
      [22, 25],
      ...hold(23, 40, 25),
      [41, 15],
      [60, 25],
    ])
    expect(transitions(r)).toEqual([
      [10, 'fired', 'warning'],
      [22, 'escalated', 'critical'],
    ])
    expect(r.open).toMatchObject({ severity: 'critical', state: 'firing', threshold: 20 })
  })

  it('does not escalate on a critical blip shorter than forSec (no storm)', () => {
    const r = drive(figureRule({ forSec: 10 }), [[0, 15], [10, 15], [11, 25], [15, 15], [16, 25], [20, 15], ...hold(21, 60, 15)])
    expect(transitions(r)).toEqual([[10, 'fired', 'warning']])
  })

  it('says nothing more while the condition keeps holding', () => {
    const r = drive(figureRule({ forSec: 0 }), hold(0, 300, 15))
    expect(transitions(r)).toEqual([[0, 'fired', 'warning']])
  })

  it('resolves only once the value is back at or past clearAt (hysteresis)', () => {
    const rule = figureRule({ forSec: 0, clearAt: 5 })
    const r = drive(rule, [
      [0, 15],
      [10, 9],
      [20, 6],
      [30, 5],
    ])
    expect(transitions(r)).toEqual([
      [0, 'fired', 'warning'],
      [30, 'resolved', 'warning'],
    ])
    expect(r.log[1]!.alert).toMatchObject({ state: 'resolved', resolvedAt: at(30), resolvedBy: 'figure', value: 5 })
  })

  it('clears at the first firing level by default: the warning level, else the critical one', () => {
    expect(
      transitions(
        drive(figureRule({ forSec: 0 }), [
          [0, 15],
          [1, 10],
        ]),
      ),
    ).toEqual([
      [0, 'fired', 'warning'],
      [1, 'resolved', 'warning'],
    ])
    const criticalOnly = figureRule({ forSec: 0, warn: null, critical: 20 })
    expect(
      transitions(
        drive(criticalOnly, [
          [0, 25],
          [1, 21],
          [2, 20],
        ]),
      ),
    ).toEqual([
      [0, 'fired', 'critical'],
      [2, 'resolved', 'critical'],
    ])
  })

  it('keeps quiet for cooldownSec after a resolve, then fires if the condition has held forSec', () => {
    const rule = figureRule({ forSec: 10, cooldownSec: 60 })
    const r = drive(rule, [
      [0, 15],
      [10, 15],
      [20, 5],
      [21, 15],
      [40, 15],
      [79, 15],
      [80, 15],
    ])
    expect(transitions(r)).toEqual([
      [10, 'fired', 'warning'],
      [20, 'resolved', 'warning'],
      [80, 'fired', 'warning'],
    ])
    expect(r.log[2]!.alert.since).toBe(at(21))
    expect(r.log[2]!.alert.id).not.toBe(r.log[0]!.alert.id)
  })

  it('treats a missing value as no proof either way: no firing, no resolve, the timer restarts', () => {
    const rule = figureRule({ forSec: 10 })
    expect(
      drive(rule, [
        [0, 15],
        [5, null],
        [10, 15],
        [19, 15],
      ]).log,
    ).toEqual([])
    const open = drive(rule, [[0, 15], [10, 15], ...hold(11, 100, null)])
    expect(transitions(open)).toEqual([[10, 'fired', 'warning']])
    expect(open.open?.state).toBe('firing')
  })

  it('evaluates only within active hours, across midnight, and still resolves outside them', () => {
    // Mondays 22:00 → Tuesday 06:00, Shanghai.
    const rule = figureRule({ forSec: 60, activeHours: { days: [1], from: '22:00', to: '06:00' } })
    const sec = (local: string) => (shanghai(local) - at(0)) / 1000
    const evening = drive(rule, [
      [sec('2026-03-02T21:58:00'), 15],
      [sec('2026-03-02T21:59:30'), 15],
      [sec('2026-03-02T22:00:00'), 15],
      [sec('2026-03-02T22:00:59'), 15],
    ])
    expect(evening.log).toEqual([])
    const fired = drive(rule, [[sec('2026-03-02T22:01:00'), 15]], evening)
    expect(fired.log.map((e) => e.alert.since)).toEqual([shanghai('2026-03-02T22:00:00')])
    const night = drive(
      rule,
      [
        [sec('2026-03-03T05:59:00'), 15],
        [sec('2026-03-03T06:30:00'), 2],
      ],
      fired,
    )
    expect(night.log.map((e) => e.transition)).toEqual(['fired', 'resolved'])
    // Tuesday night is not active (the stretch starts on Mondays only).
    const tuesday = drive(rule, hold(sec('2026-03-03T22:00:00'), sec('2026-03-03T22:05:00'), 15))
    expect(tuesday.log).toEqual([])
  })

  it('with activeHours "team", fires only within the opening hours of the queue\'s team, across midnight', () => {
    // Team A opens Mondays 22:00 → Tuesday 06:00; team B has no opening hours.
    const teamHours: TeamHours = (team) => (team === 'A' ? { days: [1], from: '22:00', to: '06:00' } : null)
    const rule = figureRule({ forSec: 60, activeHours: 'team' })
    const sec = (local: string) => (shanghai(local) - at(0)) / 1000
    const full = (from: string, to: string) => hold(sec(from), sec(to), 15)
    // Closed on Monday afternoon: nothing fires, however long the queue stays full.
    expect(drive(rule, full('2026-03-02T15:00:00', '2026-03-02T15:05:00'), undefined, teamHours).log).toEqual([])
    // The duration starts when the team opens, and the alert fires forSec later.
    const evening = drive(rule, full('2026-03-02T21:59:00', '2026-03-02T22:00:59'), undefined, teamHours)
    expect(evening.log).toEqual([])
    const fired = drive(rule, [[sec('2026-03-02T22:01:00'), 15]], evening, teamHours)
    expect(fired.log.map((e) => [e.transition, e.alert.since])).toEqual([['fired', shanghai('2026-03-02T22:00:00')]])
    // Past midnight, Tuesday 05:00, still open; from 06:00 closed again.
    expect(drive(rule, full('2026-03-03T05:00:00', '2026-03-03T05:01:00'), undefined, teamHours).log).toHaveLength(1)
    expect(drive(rule, full('2026-03-03T06:00:00', '2026-03-03T06:05:00'), undefined, teamHours).log).toEqual([])
    // A queue of a team without opening hours, or of no team, is watched around the clock.
    expect(drive(rule, full('2026-03-02T15:00:00', '2026-03-02T15:01:00'), undefined, teamHours, 'B').log).toHaveLength(1)
    expect(drive(rule, full('2026-03-02T15:00:00', '2026-03-02T15:01:00'), undefined, teamHours, null).log).toHaveLength(1)
  })

  it('retires an open alert when its rule is disabled', () => {
    const r = drive(figureRule({ forSec: 0 }), [[0, 15]])
    const off = drive(figureRule({ forSec: 0, enabled: false }), [[1, 15]], r)
    expect(off.log[1]).toMatchObject({ transition: 'resolved', alert: { resolvedBy: 'rule' } })
    expect(drive(figureRule({ forSec: 0, enabled: false }), [[0, 15]]).log).toEqual([])
  })

  it('needs a new acknowledgement after an escalation', () => {
    const r = drive(figureRule({ forSec: 0 }), [[0, 15]])
    const acked = acknowledgeAlert(r.open!, 'lead', at(1))
    if ('error' in acked) throw new Error(acked.error)
    expect(acked.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'lead', acknowledgedAt: at(1) })
    const up = drive(figureRule({ forSec: 0 }), [[2, 25]], { ...r, open: acked.alert })
    expect(up.open).toMatchObject({ state: 'firing', severity: 'critical', acknowledgedBy: null })
    expect(up.open!.history.map((h) => h.transition)).toEqual(['fired', 'acknowledged', 'escalated'])
  })

  it('stays quiet after a resolve by hand until the condition has cleared once', () => {
    const rule = figureRule({ forSec: 0, cooldownSec: 10 })
    const r = drive(rule, [[0, 15]])
    const done = resolveAlert(r.open!, 'lead', at(5))
    if ('error' in done) throw new Error(done.error)
    expect(done.alert).toMatchObject({ state: 'resolved', resolvedBy: 'lead' })
    const after = drive(rule, [...hold(6, 100, 15), [101, 3], [102, 15], [111, 15], [112, 15]], {
      track: afterManualResolve(rule, at(5)),
      open: null,
      log: [],
    })
    // The cooldown (until 15) and the snooze: nothing until the figure cleared at 101, then the next fire.
    expect(transitions(after)).toEqual([[102, 'fired', 'warning']])
  })

  it('refuses to acknowledge or resolve twice', () => {
    const r = drive(figureRule({ forSec: 0 }), [[0, 15]])
    const acked = acknowledgeAlert(r.open!, 'lead', at(1)) as { alert: Alert }
    expect(acknowledgeAlert(acked.alert, 'other', at(2))).toEqual({
      error: `alert ${r.open!.id} is already acknowledged by lead`,
    })
    const done = resolveAlert(acked.alert, 'lead', at(3)) as { alert: Alert }
    expect(resolveAlert(done.alert, 'lead', at(4))).toEqual({ error: `alert ${r.open!.id} is already resolved` })
  })

  it('forgets a track once nothing is pending', () => {
    const r = drive(figureRule({ forSec: 0, cooldownSec: 10 }), [
      [0, 15],
      [1, 3],
    ])
    expect(isIdle(r.track, at(2))).toBe(false)
    expect(isIdle(r.track, at(11))).toBe(true)
  })
})

describe('figure values', () => {
  const events = [
    queued('c1', at(0)),
    queued('c2', at(10)),
    queued('c3', at(20)),
    answered('c3', at(25), { agent: 'a2' }),
    queued('c4', at(30)),
    abandoned('c4', at(40)),
    available('a2', at(0), { queues: ['q1'] }),
    paused('a3', at(0), 'lunch', { queues: ['q1'] }),
    available('a4', at(0), { queues: ['q1'] }),
  ]
  const q = queueOf(run(events, at(60)))

  it('reads the live figures, the longest wait ticking to now', () => {
    const v = (figure: FigureRule['figure'], now = at(60)) => figureValue(figureRule({ figure }), q, now)
    expect(v('waiting')).toBe(2)
    expect(v('longestWaitSec')).toBe(60)
    expect(v('longestWaitSec', at(95))).toBe(95)
    expect(v('agentsLoggedIn')).toBe(3)
    expect(v('agentsAvailable')).toBe(1)
    expect(v('staffingGap')).toBe(q.staffing.needed === null ? null : q.staffing.needed - q.staffing.have)
  })

  it('reads today and rolling window figures, null for a ratio with no calls', () => {
    const w = (window: 'today' | 'rolling', figure: FigureRule['figure']) =>
      figureValue(figureRule({ window, figure }), q, at(60))
    expect(w('today', 'offered')).toBe(2)
    expect(w('today', 'abandonRatePct')).toBe(50)
    expect(w('rolling', 'answered')).toBe(1)
    expect(w('today', 'csatPct')).toBeNull()
    expect(figureValue(figureRule(), undefined, at(60))).toBeNull()
  })

  it('reads no wait as 0, so a longest-wait alert resolves when the queue empties', () => {
    const empty = queueOf(run([queued('c1', at(0)), answered('c1', at(5))], at(60)))
    expect(figureValue(figureRule({ figure: 'longestWaitSec' }), empty, at(60))).toBe(0)
  })
})

describe('scope', () => {
  it('gives each queue of a team, or every queue, as its own subject', () => {
    const teamOf = (q: string) => ({ q1: 'A', q2: 'A', q3: 'B' })[q] ?? null
    expect(queuesInScope({ team: 'A' }, ['q1', 'q2', 'q3', 'q4'], teamOf)).toEqual(['q1', 'q2'])
    expect(queuesInScope({ all: true }, ['q1', 'q3'], teamOf)).toEqual(['q1', 'q3'])
    expect(queuesInScope({ queue: 'q9' }, ['q1'], teamOf)).toEqual(['q9'])
  })

  it('matches agents by their queues or team', () => {
    const agent = { team: 'A', queues: ['q1', 'q2'] }
    expect(agentInScope({ queue: 'q2' }, agent)).toBe(true)
    expect(agentInScope({ queue: 'q3' }, agent)).toBe(false)
    expect(agentInScope({ team: 'A' }, agent)).toBe(true)
    expect(agentInScope({ team: 'B' }, agent)).toBe(false)
    expect(agentInScope({ all: true }, agent)).toBe(true)
  })
})

describe('active hours', () => {
  const weekdays = { days: [1, 2, 3, 4, 5], from: '08:00', to: '20:00' }
  it('holds from `from` up to, not including, `to`, on the listed days, on the centre wall clock', () => {
    expect(isActive(weekdays, shanghai('2026-03-02T08:00:00'), ZONE)).toBe(true) // Monday
    expect(isActive(weekdays, shanghai('2026-03-02T07:59:59'), ZONE)).toBe(false)
    expect(isActive(weekdays, shanghai('2026-03-02T19:59:59'), ZONE)).toBe(true)
    expect(isActive(weekdays, shanghai('2026-03-02T20:00:00'), ZONE)).toBe(false)
    expect(isActive(weekdays, shanghai('2026-03-07T12:00:00'), ZONE)).toBe(false) // Saturday
    // 12:00 UTC is 20:00 in Shanghai but 12:00 in London.
    expect(isActive(weekdays, Date.UTC(2026, 2, 2, 12), ZONE)).toBe(false)
    expect(isActive(weekdays, Date.UTC(2026, 2, 2, 12), 'Europe/London')).toBe(true)
    expect(isActive(null, 0, ZONE)).toBe(true)
  })

  it('runs past midnight into the next day when `to` is before `from`', () => {
    const fridayNights = { days: [5], from: '22:00', to: '06:00' }
    expect(isActive(fridayNights, shanghai('2026-03-06T23:00:00'), ZONE)).toBe(true) // Friday
    expect(isActive(fridayNights, shanghai('2026-03-07T05:59:00'), ZONE)).toBe(true) // Saturday morning
    expect(isActive(fridayNights, shanghai('2026-03-07T06:00:00'), ZONE)).toBe(false)
    expect(isActive(fridayNights, shanghai('2026-03-07T23:00:00'), ZONE)).toBe(false) // Saturday night
    expect(isActive(fridayNights, shanghai('2026-03-06T05:00:00'), ZONE)).toBe(false) // Friday morning: Thursday's night
  })

  it('takes 24:00 as the end of the day', () => {
    expect(isActive({ days: [1], from: '18:00', to: '24:00' }, shanghai('2026-03-02T23:59:00'), ZONE)).toBe(true)
  })
})

describe('agent rules', () => {
  const figures = (events: unknown[], now: number, id = 'a1'): AgentFigures => agentsAfter(events, now).find((a) => a.id === id)!
  const lunch = [paused('a1', at(0), 'lunch', { team: 'A', queues: ['q1'] })]

  function step(
    rule: AgentRule,
    agent: AgentFigures | undefined,
    now: number,
    from: Run = { track: IDLE, open: null, log: [] },
    teamHours: TeamHours = NO_HOURS,
  ): Run {
    const d = evaluateAgentRule(rule, agent, from.track, from.open, now, ZONE, teamHours)
    const log = d.change
      ? [...from.log, { sec: (now - at(0)) / 1000, transition: d.change.transition, alert: d.change.alert }]
      : from.log
    return { track: d.track, open: d.change ? (d.change.alert.state === 'resolved' ? null : d.change.alert) : from.open, log }
  }

  it('fires once an agent has been in the state (and reason) for overSec', () => {
    const rule = agentRule()
    expect(step(rule, figures(lunch, at(35 * 60 - 1)), at(35 * 60 - 1)).log).toEqual([])
    const r = step(rule, figures(lunch, at(35 * 60)), at(35 * 60))
    expect(r.log.map((e) => e.transition)).toEqual(['fired'])
    expect(r.open).toMatchObject({
      kind: 'agent',
      figure: 'paused:lunch',
      value: 35 * 60,
      threshold: 35 * 60,
      since: at(0),
      subject: { agent: 'a1', team: 'A' },
    })
    // Nothing more while the lunch goes on.
    expect(step(rule, figures(lunch, at(50 * 60)), at(50 * 60), r).log).toHaveLength(1)
  })

  it('ignores another pause reason, and any reason when the rule names none', () => {
    const training = [paused('a1', at(0), 'training')]
    expect(step(agentRule(), figures(training, at(3600)), at(3600)).log).toEqual([])
    expect(step(agentRule({ reason: null }), figures(training, at(3600)), at(3600)).log).toHaveLength(1)
  })

  it('resolves when the agent leaves the state, then keeps quiet for the cooldown', () => {
    const rule = agentRule({ state: 'ringing', reason: null, overSec: 15, cooldownSec: 60 })
    const events = [available('a1', at(0)), queued('c1', at(0)), ringing('c1', at(10))]
    const r = step(rule, figures(events, at(25)), at(25))
    expect(r.log.map((e) => e.transition)).toEqual(['fired'])
    const back = [...events, answered('c1', at(30)), ended('c1', at(35))]
    const done = step(rule, figures(back, at(30)), at(30), r)
    expect(done.log[1]).toMatchObject({ transition: 'resolved', alert: { resolvedBy: 'figure', value: 20 } })
    const again = [...back, queued('c2', at(40)), ringing('c2', at(40), { agent: 'a1' })]
    expect(step(rule, figures(again, at(80)), at(80), done).log).toHaveLength(2)
    expect(step(rule, figures(again, at(91)), at(91), done).log).toHaveLength(3)
  })

  it('does not fire again for the same stretch after a resolve by hand', () => {
    const rule = agentRule()
    const r = step(rule, figures(lunch, at(40 * 60)), at(40 * 60))
    const snoozed: Run = { track: afterManualResolve(rule, at(41 * 60)), open: null, log: [] }
    expect(step(rule, figures(lunch, at(90 * 60)), at(90 * 60), snoozed).log).toEqual([])
    expect(r.log).toHaveLength(1)
  })

  it('with activeHours "team", fires only within the opening hours of the agent\'s team', () => {
    // The lunch starts on Monday at 10:00 (Shanghai); team A opens at 11:00 on weekdays.
    const rule = agentRule({ activeHours: 'team' })
    const opensAt11: TeamHours = (team) => (team === 'A' ? { days: [1, 2, 3, 4, 5], from: '11:00', to: '18:00' } : null)
    expect(step(rule, figures(lunch, at(59 * 60)), at(59 * 60), undefined, opensAt11).log).toEqual([])
    const r = step(rule, figures(lunch, at(60 * 60)), at(60 * 60), undefined, opensAt11)
    expect(r.log.map((e) => [e.transition, e.alert.since])).toEqual([['fired', at(0)]])
    // Only the agent's own team counts: another team's hours leave it watched around the clock.
    const otherTeam: TeamHours = (team) => (team === 'B' ? { days: [1, 2, 3, 4, 5], from: '11:00', to: '18:00' } : null)
    expect(step(rule, figures(lunch, at(40 * 60)), at(40 * 60), undefined, otherTeam).log).toHaveLength(1)
  })

  it('resolves when the agent is gone', () => {
    const r = step(agentRule(), figures(lunch, at(40 * 60)), at(40 * 60))
    expect(step(agentRule(), undefined, at(41 * 60), r).log.map((e) => e.transition)).toEqual(['fired', 'resolved'])
  })
})

describe('event rules', () => {
  const response = (over: Partial<SurveyResponse> = {}): SurveyResponse => ({
    id: 'ev-1',
    ts: at(0),
    callId: 'c1',
    queue: 'q1',
    agent: 'a1',
    csat: null,
    nps: 4,
    ...over,
  })

  it('knows a detractor (NPS 0–6) and a dissatisfied customer (CSAT ≤ 2)', () => {
    expect([0, 6, 7, 10].map((nps) => triggers('detractor', { nps, csat: null }))).toEqual([true, true, false, false])
    expect([1, 2, 3].map((csat) => triggers('dissatisfied', { nps: null, csat }))).toEqual([true, true, false])
    expect(triggers('detractor', { nps: null, csat: 1 })).toBe(false)
  })

  it("creates a call-back task owned by the first level, due dueMin after the response, named by the survey's id", () => {
    const task = surveyTask(eventRule(), response(), 'A', at(5))!
    expect(task.transition).toBe('fired')
    expect(task.alert).toMatchObject({
      id: alertIdOf('r1', 'survey', 'ev-1'),
      kind: 'event',
      state: 'firing',
      level: 'teamlead',
      since: at(0),
      firedAt: at(5),
      dueAt: at(0) + 240 * MINUTE,
      figure: 'nps',
      value: 4,
      threshold: 6,
      subject: { queue: 'q1', agent: 'a1', team: 'A', callId: 'c1' },
    })
    // The same response again (a replay) gives the same id: the store keeps one.
    expect(surveyTask(eventRule(), response(), 'A', at(99))!.alert.id).toBe(task.alert.id)
  })

  it('takes only responses in scope', () => {
    expect(surveyTask(eventRule({ scope: { team: 'A' } }), response(), 'A', at(0))).not.toBeNull()
    expect(surveyTask(eventRule({ scope: { team: 'B' } }), response(), 'A', at(0))).toBeNull()
    expect(surveyTask(eventRule({ scope: { queue: 'q1' } }), response(), null, at(0))).not.toBeNull()
    expect(surveyTask(eventRule({ scope: { queue: 'q2' } }), response(), null, at(0))).toBeNull()
    expect(surveyTask(eventRule(), response({ nps: 9 }), 'A', at(0))).toBeNull()
    expect(surveyTask(eventRule({ enabled: false }), response(), 'A', at(0))).toBeNull()
  })

  it('escalates level by level when not acknowledged in time, saying to whom, and stays with the last', () => {
    const rule = eventRule({ dueMin: 60 })
    let alert = surveyTask(rule, response(), 'A', at(0))!.alert
    expect(escalateTask(rule, alert, at(0) + 60 * MINUTE - 1, ZONE, NO_HOURS)).toBeNull()
    const first = escalateTask(rule, alert, at(0) + 60 * MINUTE, ZONE, NO_HOURS)!
    expect(first.transition).toBe('escalated')
    expect(first.alert).toMatchObject({ level: 'supervisor', severity: 'critical', dueAt: at(0) + 120 * MINUTE, state: 'firing' })
    alert = first.alert
    expect(channelsFor(rule, alert)).toEqual(['c1', 'sup'])
    // No storm: nothing until the new due time.
    expect(escalateTask(rule, alert, at(0) + 119 * MINUTE, ZONE, NO_HOURS)).toBeNull()
    alert = escalateTask(rule, alert, at(0) + 130 * MINUTE, ZONE, NO_HOURS)!.alert
    expect(alert).toMatchObject({ level: 'manager', dueAt: at(0) + 190 * MINUTE })
    expect(escalateTask(rule, alert, at(0) + 999 * MINUTE, ZONE, NO_HOURS)).toBeNull()
    expect(alert.history.map((h) => h.transition)).toEqual(['fired', 'escalated', 'escalated'])
  })

  it('stops escalating once acknowledged, and closes when resolved', () => {
    const rule = eventRule({ dueMin: 60 })
    const task = surveyTask(rule, response(), 'A', at(0))!.alert
    const acked = acknowledgeAlert(task, 'lead', at(10)) as { alert: Alert }
    expect(escalateTask(rule, acked.alert, at(0) + 999 * MINUTE, ZONE, NO_HOURS)).toBeNull()
    const done = resolveAlert(acked.alert, 'lead', at(20)) as { alert: Alert }
    expect(done.alert).toMatchObject({ state: 'resolved', resolvedBy: 'lead', resolvedAt: at(20) })
    expect(escalateTask(rule, done.alert, at(0) + 999 * MINUTE, ZONE, NO_HOURS)).toBeNull()
  })

  it('escalates only within active hours, and not once its rule is gone', () => {
    const rule = eventRule({ dueMin: 60, activeHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } })
    const task = surveyTask(rule, response({ ts: shanghai('2026-03-02T17:30:00') }), 'A', shanghai('2026-03-02T17:30:00'))!.alert
    expect(escalateTask(rule, task, shanghai('2026-03-02T18:30:00'), ZONE, NO_HOURS)).toBeNull()
    expect(escalateTask(rule, task, shanghai('2026-03-03T09:00:00'), ZONE, NO_HOURS)?.alert.level).toBe('supervisor')
    expect(escalateTask(undefined, task, shanghai('2026-03-03T09:00:00'), ZONE, NO_HOURS)).toBeNull()
  })

  it('with activeHours "team", escalates only within the opening hours of the task\'s team', () => {
    const rule = eventRule({ dueMin: 60, activeHours: 'team' })
    const task = surveyTask(rule, response({ ts: shanghai('2026-03-02T17:30:00') }), 'A', shanghai('2026-03-02T17:30:00'))!.alert
    const officeHours: TeamHours = (team) => (team === 'A' ? { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } : null)
    expect(escalateTask(rule, task, shanghai('2026-03-02T18:30:00'), ZONE, officeHours)).toBeNull()
    expect(escalateTask(rule, task, shanghai('2026-03-03T09:00:00'), ZONE, officeHours)?.alert.level).toBe('supervisor')
    expect(escalateTask(rule, task, shanghai('2026-03-02T18:30:00'), ZONE, NO_HOURS)?.alert.level).toBe('supervisor')
  })

  it('tells the rule channels and the first level at once', () => {
    const task = surveyTask(eventRule(), response(), 'A', at(0))!.alert
    expect(channelsFor(eventRule(), task)).toEqual(['c1', 'lead'])
    expect(channelsFor(figureRule(), task)).toEqual(['c1'])
    expect(channelsFor(undefined, task)).toEqual([])
  })
})

describe('rule cross-checks', () => {
  const figure = (over: Partial<AlertRuleInput & { kind: 'figure' }>): AlertRuleInput => {
    const { id: _id, createdAt: _c, updatedAt: _u, createdBy: _b, ...input } = figureRule()
    return { ...input, ...over } as AlertRuleInput
  }

  it('accepts a sound rule', () => {
    expect(alertRuleProblems(figure({}))).toEqual([])
    expect(
      alertRuleProblems(
        figure({ comparator: 'below', figure: 'serviceLevelPct', window: 'today', warn: 80, critical: 70, clearAt: 85 }),
      ),
    ).toEqual([])
  })

  it('names the field of each problem', () => {
    expect(alertRuleProblems(figure({ warn: 20, critical: 10 }))).toEqual([
      'body.critical: must lie above warn (20) for comparator above',
    ])
    expect(alertRuleProblems(figure({ warn: null, critical: null }))).toEqual(['body.warn: set warn, critical or both'])
    expect(alertRuleProblems(figure({ clearAt: 12 }))[0]).toMatch(/^body.clearAt: must not lie above warn \(10\)/)
    expect(alertRuleProblems(figure({ window: 'today' }))[0]).toMatch(/^body.figure: waiting is a live figure/)
    expect(alertRuleProblems(figure({ window: 'live', figure: 'serviceLevelPct' }))[0]).toMatch(
      /^body.figure: serviceLevelPct is not a live figure/,
    )
    expect(alertRuleProblems(figure({ window: 'today', figure: 'abandonRatePct', warn: 120, critical: null }))).toEqual([
      'body.warn: abandonRatePct lies from 0 to 100',
    ])
    expect(alertRuleProblems(figure({ activeHours: { days: [1], from: '09:00', to: '09:00' } }))[0]).toMatch(
      /^body.activeHours.to/,
    )
    expect(alertRuleProblems(figure({ forSec: 600, activeHours: { days: [1], from: '23:55', to: '00:05' } }))[0]).toMatch(
      /^body.forSec: must be shorter than the active hours \(600 s\)/,
    )
  })

  it('skips the checks against the length of the active hours for "team", which it cannot know', () => {
    expect(alertRuleProblems(figure({ forSec: 86_400, activeHours: 'team' }))).toEqual([])
  })

  it('refuses hours whose from and to are the same, for rules and teams alike', () => {
    const allDay = { days: [1], from: '09:00', to: '09:00' }
    expect(hoursProblems(allDay, 'body.hours')).toEqual([
      'body.hours.to: must differ from from (for every hour of the day, set hours to null)',
    ])
    expect(hoursProblems({ ...allDay, to: '17:00' }, 'body.hours')).toEqual([])
    expect(hoursProblems(null, 'body.hours')).toEqual([])
  })

  it('checks agent reasons and escalation order', () => {
    const { id: _i, createdAt: _c, updatedAt: _u, createdBy: _b, ...agent } = agentRule({ state: 'acw' })
    expect(alertRuleProblems(agent)).toEqual(['body.reason: only paused agents have a reason'])
    const {
      id: _j,
      createdAt: _d,
      updatedAt: _v,
      createdBy: _e,
      ...event
    } = eventRule({
      escalation: [
        { level: 'supervisor', channels: [] },
        { level: 'teamlead', channels: [] },
      ],
    })
    expect(alertRuleProblems(event)).toEqual(['body.escalation[1].level: levels go teamlead → supervisor → manager, each once'])
  })
})
