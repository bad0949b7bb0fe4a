// First-contact resolution (metrics.md "Ratios", fcrPct): a handled call with a known caller is
// resolved at first contact unless the same caller queues again within fcrWindowHours after it
// ended (in any queue, or the same one) or a disposition marked it unresolved; calls whose window
// has not closed yet are fcrPending, outside fcrPct. Every expected number is worked out by hand.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RawEvent } from '../../../shared/events.js'
import { bucketKey } from '../../../shared/figures/aggregate.js'
import {
  HOUR,
  abandoned,
  answered,
  at,
  definitions,
  ended,
  queueOf,
  queued,
  reduce,
  rolling,
  run,
  shanghai,
  today,
  transferred,
} from '../fixtures.js'

/** One hour: short enough that a call of the morning is judged within the same business day. */
const ONE_HOUR = definitions({ fcrWindowHours: 1 })
/** 12:00. A call that ended between 10:00 and 10:30 is judged from 11:30 under ONE_HOUR. */
const NOON = at(2 * 3600)

interface Visit {
  queue?: string
  agent?: string
}

/** A call from `caller` (none when undefined) queued at `sec`, answered 10 s later, ended at `sec` + 70. */
function handled(callId: string, sec: number, caller: string | undefined, visit: Visit = {}): RawEvent[] {
  const { queue = 'q1', agent = 'a1' } = visit
  return [
    queued(callId, at(sec), caller === undefined ? { queue } : { queue, caller }),
    answered(callId, at(sec + 10), { queue, agent }),
    ended(callId, at(sec + 70), { queue, agent }),
  ]
}

/** A new contact from `caller` at `ts` that the caller gives up on: a queue entry, never handled. */
function comesBack(callId: string, ts: number, caller: string, queue = 'q1'): RawEvent[] {
  return [queued(callId, ts, { queue, caller }), abandoned(callId, ts + 30_000, { queue })]
}

/** The agent's outcome code for a call (`call.disposition`). */
function disposition(
  callId: string,
  ts: number,
  fields: { resolved?: boolean; reason?: string; queue?: string; id?: string } = {},
): RawEvent {
  const { id, ...rest } = fields
  return { id: id ?? `disposition:${callId}:${ts}:${String(rest.resolved)}`, type: 'call.disposition', ts, callId, ...rest }
}

/** The FCR figures of a queue's today window. */
function fcrOf(events: readonly RawEvent[], now: number, defs = ONE_HOUR, queue = 'q1') {
  const { fcrEligible, fcrRepeat, fcrPct, fcrPending } = today(events, now, defs, queue)
  return { fcrEligible, fcrRepeat, fcrPct, fcrPending }
}

describe('a repeat call within the FCR window', () => {
  // c1 ends at 10:01:10; under ONE_HOUR its window runs to 11:01:10.
  const c1 = handled('c1', 0, 'A')

  it('counts a handled call as resolved when its caller does not call again', () => {
    expect(fcrOf(c1, NOON)).toEqual({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100, fcrPending: 0 })
  })

  it('counts it as not resolved when the same caller queues again within the window', () => {
    // 30 minutes after c1 ended; the new contact is abandoned, so only c1 is judged: 0/1.
    const events = [...c1, ...comesBack('c2', at(70 + 1800), 'A')]
    expect(fcrOf(events, NOON)).toEqual({ fcrEligible: 1, fcrRepeat: 1, fcrPct: 0, fcrPending: 0 })
  })

  it('counts a repeat that is itself handled, and judges that one too', () => {
    // c2 ends at 10:31:10 (interval 10:30, judged from 12:00 under ONE_HOUR); nobody calls after it.
    const events = [...c1, ...handled('c2', 1800, 'A')]
    expect(fcrOf(events, NOON)).toEqual({ fcrEligible: 2, fcrRepeat: 1, fcrPct: 50, fcrPending: 0 })
  })

  it('does not count a call from another caller as a repeat', () => {
    expect(fcrOf([...c1, ...comesBack('c2', at(1800), 'B')], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('counts a queue entry at the very end of the window as a repeat', () => {
    expect(fcrOf([...c1, ...comesBack('c2', at(70) + HOUR, 'A')], NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('does not count a queue entry 1 ms after the window as a repeat', () => {
    expect(fcrOf([...c1, ...comesBack('c2', at(70) + HOUR + 1, 'A')], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('does not count a queue entry before the call ended, nor at the instant it ended', () => {
    // "within the window after call.ended": a second line rung while c1 talks is not after it.
    expect(fcrOf([...c1, ...comesBack('c2', at(40), 'A')], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
    expect(fcrOf([...c1, ...comesBack('c2', at(70), 'A')], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('does not count a contact without a queue entry as a repeat: only a new call.queued does', () => {
    const events = [...c1, answered('c2', at(1800)), ended('c2', at(1900))]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100 })
  })

  it('uses the definition’s window length: a return after 13 h repeats under 24 h, not under 12 h', () => {
    // c1 ends 10:01:10, the caller comes back 13 h later at 23:01:10, and it is 23:30 on the same day.
    const events = [...c1, ...comesBack('c2', at(70) + 13 * HOUR, 'A')]
    const now = at(13.5 * 3600)
    // 24 h (the default): a repeat, and c1's window is still open, so it is only pending.
    expect(fcrOf(events, now, definitions())).toEqual({ fcrEligible: 1, fcrRepeat: 1, fcrPct: null, fcrPending: 1 })
    // 12 h: no repeat; the 10:00 interval was judged at 10:30 + 12 h = 22:30.
    expect(fcrOf(events, now, definitions({ fcrWindowHours: 12 }))).toEqual({
      fcrEligible: 1,
      fcrRepeat: 0,
      fcrPct: 100,
      fcrPending: 0,
    })
  })

  it('counts every repeated call of one caller, and each call once however often the caller returns', () => {
    // A: c1 (ends 70) and c2 (ends 670) are both followed by c3 at 1200; c3 ends 1270, nobody after it.
    // B: c4 ends 370, followed twice (c5, c6): still one repeat. 4 judged, 3 repeats: 1/4 = 25 %.
    const events = [
      ...c1,
      ...handled('c2', 600, 'A'),
      ...handled('c3', 1200, 'A'),
      ...handled('c4', 300, 'B'),
      ...comesBack('c5', at(900), 'B'),
      ...comesBack('c6', at(1000), 'B'),
    ]
    expect(fcrOf(events, NOON)).toEqual({ fcrEligible: 4, fcrRepeat: 3, fcrPct: 25, fcrPending: 0 })
  })
})

describe('fcrScope', () => {
  const c1 = handled('c1', 0, 'A')
  const elsewhere = [...c1, ...comesBack('c2', at(1800), 'A', 'q2')]
  const sameQueue = definitions({ fcrWindowHours: 1, fcrScope: 'same-queue' })

  it('counts a repeat in another queue under any-queue (the default)', () => {
    expect(fcrOf(elsewhere, NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('ignores a repeat in another queue under same-queue', () => {
    expect(fcrOf(elsewhere, NOON, sameQueue)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('counts a repeat in the same queue under same-queue', () => {
    expect(fcrOf([...c1, ...comesBack('c2', at(1800), 'A')], NOON, sameQueue)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('judges each call under the scope of its own queue', () => {
    // q1 same-queue, q2 any-queue. A: c1 in q1 (ends 70, window to 3670), c2 in q2 (ends 1870,
    // window to 5470), then a queue entry in q1 at 4000: after c1's window, inside c2's.
    // c1 sees only c2's q2 entry in its window: not a repeat in same-queue q1. c2 sees the q1 entry.
    const defs = definitions({ fcrWindowHours: 1 }, { q1: { fcrScope: 'same-queue' } })
    const events = [...c1, ...handled('c2', 1800, 'A', { queue: 'q2' }), ...comesBack('c3', at(4000), 'A')]
    // 13:00: c2's interval (10:30) was judged at 12:00.
    const now = at(3 * 3600)
    expect(fcrOf(events, now, defs, 'q1')).toMatchObject({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100 })
    expect(fcrOf(events, now, defs, 'q2')).toMatchObject({ fcrEligible: 1, fcrRepeat: 1, fcrPct: 0 })
  })
})

describe('dispositions', () => {
  const c1 = handled('c1', 0, 'A')

  it('counts a call marked unresolved as not resolved, with no repeat call', () => {
    expect(fcrOf([...c1, disposition('c1', at(80), { resolved: false })], NOON)).toEqual({
      fcrEligible: 1,
      fcrRepeat: 1,
      fcrPct: 0,
      fcrPending: 0,
    })
  })

  it('counts a call marked resolved as resolved when the caller does not come back', () => {
    expect(fcrOf([...c1, disposition('c1', at(80), { resolved: true })], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('does not let a resolved code outweigh a repeat call', () => {
    const events = [...c1, disposition('c1', at(80), { resolved: true }), ...comesBack('c2', at(1800), 'A')]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('counts the code once when the caller also came back', () => {
    const events = [...c1, disposition('c1', at(80), { resolved: false }), ...comesBack('c2', at(1800), 'A')]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrEligible: 1, fcrRepeat: 1 })
  })

  it('applies a code that arrives before the call’s own events', () => {
    expect(fcrOf([disposition('c1', at(80), { resolved: false }), ...c1], NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('changes nothing with a code that does not say whether the call was resolved', () => {
    expect(fcrOf([...c1, disposition('c1', at(80), { reason: 'billing' })], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('keeps a call unresolved when a later code only names the contact reason, in either order', () => {
    const codes = [disposition('c1', at(80), { resolved: false }), disposition('c1', at(90), { reason: 'billing' })]
    expect(fcrOf([...c1, ...codes], NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
    expect(fcrOf([...c1, ...[...codes].reverse()], NOON)).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })

  it('follows the newest code that says, whatever the arrival order (a corrected code)', () => {
    const codes = [disposition('c1', at(80), { resolved: false }), disposition('c1', at(300), { resolved: true })]
    expect(fcrOf([...c1, ...codes], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
    expect(fcrOf([...c1, ...[...codes].reverse()], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('only marks the call it names', () => {
    const events = [...c1, ...handled('c2', 300, 'B'), disposition('c2', at(400), { resolved: false })]
    expect(fcrOf(events, NOON)).toEqual({ fcrEligible: 2, fcrRepeat: 1, fcrPct: 50, fcrPending: 0 })
  })
})

describe('calls whose FCR window has not closed', () => {
  const c1 = handled('c1', 0, 'A')

  it('are fcrPending, not in fcrPct', () => {
    // 11:00: c1's window (to 11:01:10) is still open.
    expect(fcrOf(c1, at(3600))).toEqual({ fcrEligible: 1, fcrRepeat: 0, fcrPct: null, fcrPending: 1 })
  })

  it('are pending even when the caller already came back (the verdict is provisional)', () => {
    expect(fcrOf([...c1, ...comesBack('c2', at(1800), 'A')], at(3600))).toEqual({
      fcrEligible: 1,
      fcrRepeat: 1,
      fcrPct: null,
      fcrPending: 1,
    })
  })

  it('are judged once the window of the whole interval they ended in has closed', () => {
    // c1 ended in the 10:00–10:30 interval: judged at 10:30 + 1 h = 11:30, not a millisecond earlier.
    expect(fcrOf(c1, at(5400) - 1)).toMatchObject({ fcrPct: null, fcrPending: 1 })
    expect(fcrOf(c1, at(5400))).toMatchObject({ fcrPct: 100, fcrPending: 0 })
  })

  it('are kept apart from the judged calls of the same day', () => {
    // Judged at 12:10 (10:00 interval): c1 (A) resolved; c3 (B, ends 10:05:10) followed by B at
    // 10:40: repeat → 1/2 = 50 %. Pending: c5 (C) ended 11:41:10, interval 11:30, judged at 13:00.
    const events = [
      ...c1,
      ...handled('c3', 240, 'B'),
      ...comesBack('c4', at(2400), 'B'),
      ...handled('c5', 6000, 'C'),
      // C came back: counted now, but only as part of a pending verdict.
      ...comesBack('c6', at(6300), 'C'),
    ]
    expect(fcrOf(events, at(7800))).toEqual({ fcrEligible: 3, fcrRepeat: 2, fcrPct: 50, fcrPending: 1 })
  })

  it('keep every call of today pending under the default 24 h window', () => {
    // 23:30, the last half hour of the day: no call of today can have had its 24 h yet.
    const events = [...c1, ...handled('c2', 300, 'B'), disposition('c2', at(400), { resolved: false })]
    expect(fcrOf(events, at(13.5 * 3600), definitions())).toEqual({
      fcrEligible: 2,
      fcrRepeat: 1,
      fcrPct: null,
      fcrPending: 2,
    })
  })

  it('keep every call of the rolling window pending: it is never longer than the shortest FCR window', () => {
    const events = [...c1, ...handled('c2', 300, 'B')]
    const w = rolling(events, at(600), definitions({ fcrWindowHours: 1, rollingMinutes: 60 }))
    expect(w).toMatchObject({ fcrEligible: 2, fcrRepeat: 0, fcrPct: null, fcrPending: 2 })
  })
})

describe('transfers', () => {
  // c1 from A: answered in q1 by a1, transferred at 10:01:10; the same call id enters q2 at
  // 10:01:11 (a new visit there), a2 answers at 10:01:20 and ends at 10:03:20.
  const transfer = [
    queued('c1', at(0), { caller: 'A' }),
    answered('c1', at(10)),
    transferred('c1', at(70), { to: 'q2' }),
    queued('c1', at(71), { queue: 'q2', caller: 'A' }),
    answered('c1', at(80), { queue: 'q2', agent: 'a2' }),
    ended('c1', at(200), { queue: 'q2', agent: 'a2' }),
  ]

  it('does not count the visit the call is transferred to as a repeat of the first', () => {
    expect(fcrOf(transfer, NOON, ONE_HOUR, 'q1')).toEqual({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100, fcrPending: 0 })
    expect(fcrOf(transfer, NOON, ONE_HOUR, 'q2')).toEqual({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100, fcrPending: 0 })
  })

  it('counts a new call id from the same caller after the transfer as a repeat of both visits', () => {
    const events = [...transfer, ...comesBack('c2', at(1800), 'A')]
    expect(fcrOf(events, NOON, ONE_HOUR, 'q1')).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
    expect(fcrOf(events, NOON, ONE_HOUR, 'q2')).toMatchObject({ fcrRepeat: 1, fcrPct: 0 })
  })
})

describe('calls without a caller number', () => {
  it('are left out of FCR: neither judged nor pending', () => {
    const events = handled('c1', 0, undefined)
    expect(today(events, NOON, ONE_HOUR)).toMatchObject({ handled: 1, fcrEligible: 0, fcrPct: null, fcrPending: 0 })
    expect(today(events, at(600), ONE_HOUR)).toMatchObject({ handled: 1, fcrEligible: 0, fcrPending: 0 })
  })

  it('are left out even when marked unresolved', () => {
    const events = [...handled('c1', 0, undefined), disposition('c1', at(80), { resolved: false })]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrEligible: 0, fcrRepeat: 0, fcrPct: null })
  })

  it('do not count as a repeat of anybody', () => {
    const events = [...handled('c1', 0, 'A'), queued('c2', at(1800)), abandoned('c2', at(1830))]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100 })
  })

  it('treat an empty caller id as no caller id, not as one caller who keeps calling back', () => {
    // Withheld numbers often arrive as an empty caller id.
    const events = [...handled('c1', 0, ''), ...handled('c2', 600, '')]
    expect(fcrOf(events, NOON)).toEqual({ fcrEligible: 0, fcrRepeat: 0, fcrPct: null, fcrPending: 0 })
  })

  it('become eligible once the late queue entry brings the caller', () => {
    const events = [answered('c1', at(10)), ended('c1', at(70)), queued('c1', at(0), { caller: 'A' })]
    expect(fcrOf(events, NOON)).toMatchObject({ fcrEligible: 1, fcrRepeat: 0, fcrPct: 100 })
  })
})

describe('a repeat across the business-day boundary', () => {
  // c1 from A ends at 23:50 on 2 March; A calls again at 00:20 on 3 March (30 minutes later).
  const c1 = [
    queued('c1', shanghai('2026-03-02T23:48:00'), { caller: 'A' }),
    answered('c1', shanghai('2026-03-02T23:48:30')),
    ended('c1', shanghai('2026-03-02T23:50:00')),
  ]
  const c2 = [
    queued('c2', shanghai('2026-03-03T00:20:00'), { caller: 'A' }),
    answered('c2', shanghai('2026-03-03T00:20:10')),
    ended('c2', shanghai('2026-03-03T00:25:00')),
  ]
  const now = shanghai('2026-03-03T00:30:00')
  const dayOf = (events: readonly RawEvent[], date: string, defs = definitions()) =>
    reduce(events, now, defs).buckets.get(bucketKey.queueDay('q1', shanghai(`${date}T00:00:00`)))

  it('marks yesterday’s call as a repeat, in yesterday’s counters', () => {
    expect(dayOf([...c1, ...c2], '2026-03-02')).toMatchObject({ handled: 1, fcrEligible: 1, fcrRepeat: 1 })
  })

  it('leaves today with only today’s call, still pending', () => {
    expect(fcrOf([...c1, ...c2], now, definitions())).toEqual({ fcrEligible: 1, fcrRepeat: 0, fcrPct: null, fcrPending: 1 })
  })

  it('sees both calls in a rolling window that spans midnight', () => {
    // 60 minutes to 00:30 reach back to 23:30:01: c1 (a repeat) and c2.
    const w = rolling([...c1, ...c2], now, definitions({ rollingMinutes: 60 }))
    expect(w).toMatchObject({ fcrEligible: 2, fcrRepeat: 1, fcrPending: 2, fcrPct: null })
  })

  it('measures the window across midnight, not by business day', () => {
    // 1 h: 30 minutes is a repeat; 61 minutes (00:51) is not.
    expect(dayOf([...c1, ...c2], '2026-03-02', ONE_HOUR)).toMatchObject({ fcrRepeat: 1 })
    const late = comesBack('c3', shanghai('2026-03-03T00:51:00'), 'A')
    const later = shanghai('2026-03-03T01:00:00')
    expect(
      reduce([...c1, ...late], later, ONE_HOUR).buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))),
    ).toMatchObject({
      fcrEligible: 1,
      fcrRepeat: 0,
    })
  })
})

describe('arrival order', () => {
  // A morning, by hand, under ONE_HOUR and any-queue, figures at 12:00:
  //   c1  A  q1  ends 70      repeat: A queues in q2 at 1000 (c2, abandoned)
  //   c3  B  q1  ends 270     repeat: marked unresolved
  //   c4  C  q2  transferred at 370, then the q1 visit of c4 ends 500: neither is a repeat
  //   c5  —  q1  ends 670     no caller: not judged
  //   c6  D  q1  ends 770     D returns at 5000, after the window (770 + 3600 = 4370): resolved
  //   c7  D  q1  ends 5070    (11:24:30, interval 11:00, judged at 12:30): pending
  //   c8  E  q1  ends 870     two codes at the same instant: the larger event id (resolved) wins
  //   c9  F  q2  ends 970     repeat: F queues in q2 at 2000 (c10, abandoned); its queue entry
  //                           arrives last in the written order, after its answer
  // q1: judged c1 c3 c4 c6 c8: 5, repeats c1 c3: 2 → 60 %; pending c7. q2: judged c4 c9, repeat c9 → 50 %.
  const morning: RawEvent[] = [
    ...handled('c1', 0, 'A'),
    ...comesBack('c2', at(1000), 'A', 'q2'),
    ...handled('c3', 200, 'B'),
    disposition('c3', at(280), { resolved: false }),
    queued('c4', at(300), { queue: 'q2', caller: 'C' }),
    answered('c4', at(310), { queue: 'q2', agent: 'a2' }),
    transferred('c4', at(370), { queue: 'q2', agent: 'a2', to: 'q1' }),
    queued('c4', at(371), { caller: 'C' }),
    answered('c4', at(380)),
    ended('c4', at(500)),
    ...handled('c5', 600, undefined),
    ...handled('c6', 700, 'D'),
    ...handled('c7', 5000, 'D'),
    ...handled('c8', 800, 'E'),
    disposition('c8', at(880), { resolved: false, id: 'd8-a' }),
    disposition('c8', at(880), { resolved: true, id: 'd8-b' }),
    answered('c9', at(910), { queue: 'q2', agent: 'a2' }),
    ended('c9', at(970), { queue: 'q2', agent: 'a2' }),
    ...comesBack('c10', at(2000), 'F', 'q2'),
    queued('c9', at(900), { queue: 'q2', caller: 'F' }),
  ]

  it('gives the hand-computed figures of the morning', () => {
    expect(fcrOf(morning, NOON, ONE_HOUR, 'q1')).toEqual({ fcrEligible: 6, fcrRepeat: 2, fcrPct: 60, fcrPending: 1 })
    expect(fcrOf(morning, NOON, ONE_HOUR, 'q2')).toEqual({ fcrEligible: 2, fcrRepeat: 1, fcrPct: 50, fcrPending: 0 })
  })

  it('gives the same-queue figures by hand too: c1’s return was in q2', () => {
    // q1: judged 5, repeat c3 only → 80 %. q2: c9's return was in q2 → still 50 %.
    const defs = definitions({ fcrWindowHours: 1, fcrScope: 'same-queue' })
    expect(fcrOf(morning, NOON, defs, 'q1')).toEqual({ fcrEligible: 6, fcrRepeat: 1, fcrPct: 80, fcrPending: 1 })
    expect(fcrOf(morning, NOON, defs, 'q2')).toEqual({ fcrEligible: 2, fcrRepeat: 1, fcrPct: 50, fcrPending: 0 })
  })

  it('gives the same figures in reverse order', () => {
    expect(run([...morning].reverse(), NOON, ONE_HOUR)).toEqual(run(morning, NOON, ONE_HOUR))
  })

  it('gives the same figures in any order, under either scope', () => {
    const expected = run(morning, NOON, ONE_HOUR)
    const sameQueue = definitions({ fcrWindowHours: 1, fcrScope: 'same-queue' })
    const expectedSameQueue = run(morning, NOON, sameQueue)
    fc.assert(
      fc.property(fc.shuffledSubarray(morning, { minLength: morning.length }), (order) => {
        expect(run(order, NOON, ONE_HOUR)).toEqual(expected)
        expect(run(order, NOON, sameQueue)).toEqual(expectedSameQueue)
      }),
      { numRuns: 150, seed: 20260302 },
    )
  })

  it('judges by the caller of a visit’s earliest queue entry only, whatever the order', () => {
    // c2 has two queue entries: the earlier (10:15) names no caller, so X did not come back after c1.
    const c1 = handled('c1', 0, 'X')
    const entries = [queued('c2', at(1000), { caller: 'X' }), queued('c2', at(900))]
    expect(fcrOf([...c1, ...entries], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
    expect(fcrOf([...c1, ...[...entries].reverse()], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
    // The same when the earlier entry names another caller, who did not call before.
    const other = [queued('c2', at(1000), { caller: 'X' }), queued('c2', at(900), { caller: 'Y' })]
    expect(fcrOf([...c1, ...other], NOON)).toMatchObject({ fcrRepeat: 0, fcrPct: 100 })
  })

  it('counts every event once when the whole log is applied twice', () => {
    expect(queueOf(run([...morning, ...morning], NOON, ONE_HOUR)).windows).toEqual(queueOf(run(morning, NOON, ONE_HOUR)).windows)
  })
})
