// The calls behind a figure: waiting calls in queue order, abandoned calls, calls that missed SL;
// of the whole business day, once prune has forgotten the morning's records, or of one interval.
import { describe, expect, it } from 'vitest'
import { type Definitions, prune } from '../../../shared/figures/aggregate.js'
import { type CallSummary, callKey } from '../../../shared/figures/calls.js'
import {
  type DrillDown,
  type DrillWindow,
  callsBehind,
  finishedCallsBehind,
  summariesInMemory,
} from '../../../shared/figures/compute.js'
import {
  HOUR,
  abandoned,
  abandonedCall,
  answered,
  answeredCall,
  at,
  definition,
  definitions,
  queued,
  reduce,
} from '../fixtures.js'

// SL 80/20, short abandons < 5 s. c1 answered in 10 s (met), c2 answered in 30 s (missed), c3
// abandoned after 40 s (missed), c4 abandoned after 2 s (short), c5 and c6 still waiting.
const events = [
  queued('c1', at(0), { caller: 'A' }),
  answered('c1', at(10)),
  queued('c2', at(20), { caller: 'B' }),
  answered('c2', at(50)),
  queued('c3', at(30), { caller: 'C' }),
  abandoned('c3', at(70)),
  queued('c4', at(80)),
  abandoned('c4', at(82)),
  queued('c6', at(95)),
  queued('c5', at(90), { caller: 'E' }),
]
const NOW = at(100)
const s = reduce(events, NOW)
const defs = definitions()
const day = (nowMs: number): DrillWindow => ({ fromMs: at(-3600), toMs: at(12 * 3600), nowMs })
const ids = (kind: DrillDown) => callsBehind(s, 'q1', kind, defs, day(NOW)).map((c) => c.callId)

describe('callsBehind', () => {
  it('lists the waiting calls longest first, with position and wait so far', () => {
    const waiting = callsBehind(s, 'q1', 'waiting', defs, day(NOW))
    expect(waiting.map((c) => [c.callId, c.position, c.waitSec, c.caller])).toEqual([
      ['c5', 1, 10, 'E'],
      ['c6', 2, 5, null],
    ])
  })

  it('lists abandoned calls newest first, short ones included', () => {
    expect(ids('abandoned')).toEqual(['c4', 'c3'])
  })

  it('lists the calls that missed service level: answered or abandoned (not short) after the threshold', () => {
    expect(ids('missed-sl')).toEqual(['c3', 'c2'])
    expect(callsBehind(s, 'q1', 'missed-sl', defs, day(NOW)).map((c) => c.waitSec)).toEqual([40, 30])
  })

  it('keeps to the window asked for: outcomes from its start, up to but not at its end', () => {
    expect(callsBehind(s, 'q1', 'abandoned', defs, { fromMs: at(75), toMs: NOW, nowMs: NOW }).map((c) => c.callId)).toEqual([
      'c4',
    ])
    // c2 answered at 50, c3 abandoned at 70: an interval [50, 70) holds c2 only.
    expect(callsBehind(s, 'q1', 'missed-sl', defs, { fromMs: at(50), toMs: at(70), nowMs: NOW }).map((c) => c.callId)).toEqual([
      'c2',
    ])
  })
})

describe('the call archive of the drill-down', () => {
  const morning = [
    ...abandonedCall('m1', 0, 40),
    ...answeredCall('m2', 60, 45, 120, { agent: 'wang' }),
    ...answeredCall('m3', 120, 5, 60),
    ...abandonedCall('m4', 200, 3),
  ]
  const SEVEN_HOURS_LATER = at(7 * 3600)

  it('moves the summary of every call prune forgets with an outcome to the archive table', () => {
    const st = reduce([...morning, queued('w1', at(300))], NOW)
    prune(st, SEVEN_HOURS_LATER)
    expect(st.calls.size).toBe(1) // w1 still waits: nothing to archive yet
    expect([...st.archivedCalls.rows.keys()].sort()).toEqual(['m1', 'm2', 'm3', 'm4'].map((id) => callKey('q1', id)))
    expect(st.archivedCalls.get(callKey('q1', 'm2'))).toEqual<CallSummary>({
      callId: 'm2',
      queue: 'q1',
      caller: null,
      queuedAt: at(60),
      outcomeAt: at(105),
      outcome: 'answered',
      agent: 'wang',
    })
    // Marked for the store, like any changed row.
    expect(st.archivedCalls.takeChanges()).toHaveLength(4)
  })

  it('archives nothing for a call that never had an outcome', () => {
    const st = reduce([queued('w1', at(0))], NOW)
    prune(st, at(0) + 12 * HOUR + 1)
    expect([st.calls.size, st.archivedCalls.size]).toEqual([0, 0])
  })

  it('lists the same calls after prune forgot them, from the archive table and then from the store', () => {
    const st = reduce(morning, NOW)
    const before = (['abandoned', 'missed-sl'] as const).map((k) => callsBehind(st, 'q1', k, defs, day(SEVEN_HOURS_LATER)))
    expect(before.map((list) => list.map((c) => c.callId))).toEqual([
      ['m4', 'm1'],
      ['m2', 'm1'],
    ])
    prune(st, SEVEN_HOURS_LATER)
    const unsaved = (['abandoned', 'missed-sl'] as const).map((k) => callsBehind(st, 'q1', k, defs, day(SEVEN_HOURS_LATER)))
    expect(unsaved).toEqual(before)
    // Saved: the rows leave memory and come back from the store's archive.
    const stored = [...st.archivedCalls.rows.values()]
    st.archivedCalls.rows.clear()
    expect(callsBehind(st, 'q1', 'abandoned', defs, day(SEVEN_HOURS_LATER))).toEqual([])
    const saved = (['abandoned', 'missed-sl'] as const).map((k) => callsBehind(st, 'q1', k, defs, day(SEVEN_HOURS_LATER), stored))
    expect(saved).toEqual(before)
  })

  it('lists a call id once when memory holds it too, as memory says', () => {
    const st = reduce(morning, NOW)
    prune(st, SEVEN_HOURS_LATER)
    const stored = [...st.archivedCalls.rows.values()]
    st.archivedCalls.rows.clear()
    // A late queue entry for m1 (another event id) brings a record back, with an earlier entry.
    reduce([queued('m1', at(-20), { id: 'late-m1', caller: 'LATE' })], SEVEN_HOURS_LATER, defs, st)
    reduce(abandonedCall('m5', 7 * 3600 - 100, 30), SEVEN_HOURS_LATER, defs, st)
    // The store may also hold a call twice over two days' reads: listed once.
    const abandonedList = callsBehind(st, 'q1', 'abandoned', defs, day(SEVEN_HOURS_LATER), [...stored, ...stored])
    expect(abandonedList.map((c) => c.callId)).toEqual(['m5', 'm4', 'm1'])
    // m1's record in memory has no outcome of its own: the archived summary stands.
    expect(abandonedList.find((c) => c.callId === 'm1')).toMatchObject({ caller: null, waitSec: 40 })
    // A record in memory with an outcome wins over the archived summary of the same call.
    const memory = summariesInMemory(st, 'q1')
    const older = { ...stored.find((c) => c.callId === 'm4')!, callId: 'm5', queuedAt: at(0) }
    const merged = finishedCallsBehind([older, ...memory], 'abandoned', defs, day(SEVEN_HOURS_LATER))
    expect(merged.filter((c) => c.callId === 'm5')).toEqual([expect.objectContaining({ waitSec: 30 })])
  })

  it('ignores archived calls of another queue', () => {
    const other: CallSummary = {
      callId: 'x1',
      queue: 'q2',
      caller: null,
      queuedAt: at(0),
      outcomeAt: at(60),
      outcome: 'abandoned',
      agent: null,
    }
    expect(callsBehind(s, 'q1', 'abandoned', defs, day(NOW), [other]).map((c) => c.callId)).toEqual(['c4', 'c3'])
  })

  it('judges an archived call under the definition version in force at its outcome', () => {
    // The threshold went from 20 s to 60 s at 12:00; calls waiting 45 s, answered before and after.
    const CHANGE = at(2 * 3600)
    const strict = definition({ slThresholdSec: 20 })
    const lenient = definition({ slThresholdSec: 60, version: 2 })
    const versioned: Definitions = {
      forQueue: (_q, atMs = CHANGE) => (atMs < CHANGE ? strict : lenient),
      forCentre: (atMs = CHANGE) => (atMs < CHANGE ? strict : lenient),
      since: (_q, atMs) => (atMs < CHANGE ? Number.NEGATIVE_INFINITY : CHANGE),
    }
    const summary = (callId: string, outcomeAt: number): CallSummary => ({
      callId,
      queue: 'q1',
      caller: null,
      queuedAt: outcomeAt - 45_000,
      outcomeAt,
      outcome: 'answered',
      agent: 'a1',
    })
    const archived = [summary('before', CHANGE - 60_000), summary('after', CHANGE + 60_000)]
    const window = { fromMs: at(-3600), toMs: at(10 * 3600), nowMs: at(9 * 3600) }
    expect(finishedCallsBehind(archived, 'missed-sl', versioned, window).map((c) => c.callId)).toEqual(['before'])
  })
})
