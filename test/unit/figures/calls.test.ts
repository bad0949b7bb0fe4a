// One call's visit to one queue: merged from its events in any order, its outcome, and what it
// contributes to the window counters under a definition.
import { describe, expect, it } from 'vitest'
import type { Definition } from '../../../shared/definitions.js'
import type { CallEvent } from '../../../shared/events.js'
import {
  type CallRecord,
  callContributions,
  isFinished,
  isRinging,
  isTalking,
  isWaiting,
  mergeCallEvent,
  newCall,
  outcomeOf,
} from '../../../shared/figures/calls.js'
import {
  LATER,
  abandoned,
  answered,
  at,
  definition,
  ended,
  overflowed,
  queued,
  ringing,
  transferred,
  valid,
} from '../fixtures.js'

function record(...events: unknown[]): CallRecord {
  const r = newCall('q1', 'c1', at(0))
  for (const e of events) mergeCallEvent(r, valid(e, LATER) as CallEvent)
  return r
}

/** The outcome contribution's delta of a call (the one that counts it as offered). */
function outcomeDelta(r: CallRecord, overrides: Partial<Definition> = {}) {
  const outcome = callContributions(r, () => definition(overrides)).find((c) => c.delta.offered === 1)
  if (!outcome) throw new Error('no contribution')
  return outcome.delta
}

describe('merging call events', () => {
  it('gives the same record whatever the order of its events', () => {
    const events = [
      queued('c1', at(0), { caller: '1380' }),
      ringing('c1', at(8)),
      answered('c1', at(10)),
      ended('c1', at(130), { by: 'caller' }),
    ]
    const inOrder = record(...events)
    const reversed = record(...[...events].reverse())
    expect(reversed).toEqual(inOrder)
    expect(inOrder).toMatchObject({
      queuedAt: at(0),
      caller: '1380',
      channel: 'voice',
      ringAt: at(8),
      answeredAt: at(10),
      agent: 'a1',
      endedAt: at(130),
      endedBy: 'caller',
      lastTs: at(130),
    })
  })

  it('keeps the earliest queue entry, with its caller and channel', () => {
    const r = record(queued('c1', at(5), { caller: 'late', channel: 'chat' }), queued('c1', at(0), { caller: 'early' }))
    expect(r).toMatchObject({ queuedAt: at(0), caller: 'early', channel: 'voice' })
  })

  it('keeps the latest ring', () => {
    const r = record(ringing('c1', at(10), { agent: 'a2' }), ringing('c1', at(5), { agent: 'a1' }))
    expect(r).toMatchObject({ ringAt: at(10), ringAgent: 'a2' })
  })

  it('breaks a tie between two answers at the same time by agent id, whatever the order', () => {
    const a = record(answered('c1', at(10), { agent: 'b' }), answered('c1', at(10), { agent: 'a' }))
    const b = record(answered('c1', at(10), { agent: 'a' }), answered('c1', at(10), { agent: 'b' }))
    expect(a.agent).toBe('a')
    expect(b.agent).toBe('a')
  })

  it('marks a transfer as the end of talk', () => {
    expect(record(answered('c1', at(10)), transferred('c1', at(70), { to: 'q2' }))).toMatchObject({
      endedAt: at(70),
      endedBy: 'transfer',
    })
  })

  it('reports a re-applied event as changing nothing', () => {
    const r = record(queued('c1', at(0)), answered('c1', at(10)))
    expect(mergeCallEvent(r, valid(answered('c1', at(10)), LATER) as CallEvent)).toBe(false)
    expect(mergeCallEvent(r, valid(queued('c1', at(0)), LATER) as CallEvent)).toBe(false)
  })
})

describe('the outcome of a visit', () => {
  it('is none while the call waits', () => {
    const r = record(queued('c1', at(0)))
    expect(outcomeOf(r)).toBeNull()
    expect(isWaiting(r)).toBe(true)
    expect(isFinished(r)).toBe(false)
  })

  it('is the earliest of answer, abandon and overflow', () => {
    expect(outcomeOf(record(queued('c1', at(0)), abandoned('c1', at(9)), answered('c1', at(10))))).toEqual({
      kind: 'abandoned',
      at: at(9),
    })
    expect(outcomeOf(record(queued('c1', at(0)), overflowed('c1', at(8)), abandoned('c1', at(9))))).toEqual({
      kind: 'overflowed',
      at: at(8),
    })
  })

  it('is the answer when an answer and an abandon have the same time', () => {
    expect(outcomeOf(record(abandoned('c1', at(10)), answered('c1', at(10))))).toEqual({ kind: 'answered', at: at(10) })
    expect(outcomeOf(record(overflowed('c1', at(10)), answered('c1', at(10))))).toEqual({ kind: 'answered', at: at(10) })
  })

  it('makes the agent talking from answer to end', () => {
    const r = record(queued('c1', at(0)), answered('c1', at(10)))
    expect(isTalking(r)).toBe(true)
    expect(isFinished(r)).toBe(false)
    mergeCallEvent(r, valid(ended('c1', at(60)), LATER) as CallEvent)
    expect(isTalking(r)).toBe(false)
    expect(isFinished(r)).toBe(true)
  })

  it('makes the offered agent ringing until the call has an outcome', () => {
    const r = record(queued('c1', at(0)), ringing('c1', at(5)))
    expect(isRinging(r)).toBe(true)
    mergeCallEvent(r, valid(answered('c1', at(9)), LATER) as CallEvent)
    expect(isRinging(r)).toBe(false)
  })
})

describe('what a visit contributes', () => {
  it('is only its arrival before its outcome', () => {
    expect(callContributions(record(queued('c1', at(0))), () => definition())).toEqual([
      { at: at(0), queue: 'q1', agent: null, delta: { arrived: 1 } },
    ])
  })

  it('counts an answer at its answer time, with its wait', () => {
    const [, c] = callContributions(record(queued('c1', at(0)), answered('c1', at(12.5))), () => definition())
    expect(c).toEqual({
      at: at(12.5),
      queue: 'q1',
      agent: null,
      delta: { offered: 1, answered: 1, answeredWithin: 1, answeredWaitMs: 12_500, waitSec: 12 },
    })
  })

  it('counts an answer exactly at the 20 s threshold as within', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), answered('c1', at(20))))).toMatchObject({ answeredWithin: 1 })
  })

  it('does not count an answer at 20.001 s as within', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), answered('c1', at(20.001))))).not.toHaveProperty('answeredWithin')
  })

  it('counts an abandon after 4.999 s as short', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), abandoned('c1', at(4.999))))).toEqual({
      offered: 1,
      abandoned: 1,
      shortAbandoned: 1,
      waitSec: 4,
    })
  })

  it('does not count an abandon at exactly 5 s as short', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), abandoned('c1', at(5))))).toEqual({
      offered: 1,
      abandoned: 1,
      abandonWaitCount: 1,
      abandonWaitMs: 5000,
      abandonedWithin: 1,
      waitSec: 5,
    })
  })

  it('counts an abandon exactly at the 20 s threshold as abandoned within', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), abandoned('c1', at(20))))).toMatchObject({ abandonedWithin: 1 })
    expect(outcomeDelta(record(queued('c1', at(0)), abandoned('c1', at(20.001))))).not.toHaveProperty('abandonedWithin')
  })

  it('counts no abandon as short when shortAbandonSec is 0', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), abandoned('c1', at(0))), { shortAbandonSec: 0 })).not.toHaveProperty(
      'shortAbandoned',
    )
  })

  it('uses the definition threshold', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), answered('c1', at(15))), { slThresholdSec: 10 })).not.toHaveProperty(
      'answeredWithin',
    )
  })

  it('counts an overflow with its wait', () => {
    expect(outcomeDelta(record(queued('c1', at(0)), overflowed('c1', at(90))))).toEqual({
      offered: 1,
      overflowed: 1,
      waitSec: 90,
    })
  })

  it('counts an answer without a queue entry as answered with unknown wait', () => {
    expect(outcomeDelta(record(answered('c1', at(10))))).toEqual({
      offered: 1,
      answered: 1,
      waitUnknown: 1,
      answeredWaitUnknown: 1,
    })
  })

  it('counts an abandon without a queue entry as abandoned with unknown wait, never short', () => {
    expect(outcomeDelta(record(abandoned('c1', at(2))))).toEqual({ offered: 1, abandoned: 1, waitUnknown: 1 })
  })

  it('counts an overflow without a queue entry with unknown wait', () => {
    expect(outcomeDelta(record(overflowed('c1', at(2))))).toEqual({
      offered: 1,
      overflowed: 1,
      waitUnknown: 1,
      overflowedWaitUnknown: 1,
    })
  })

  it('counts a handled call at its end time, for its agent, with its talk time', () => {
    const contributions = callContributions(record(queued('c1', at(0)), answered('c1', at(10)), ended('c1', at(130))), () =>
      definition(),
    )
    expect(contributions[2]).toEqual({
      at: at(130),
      queue: 'q1',
      agent: 'a1',
      delta: { handled: 1, talkMs: 120_000, handledBy: 'a1' },
    })
  })

  it('does not count an end as handled when the call was abandoned before the answer', () => {
    expect(
      callContributions(record(queued('c1', at(0)), abandoned('c1', at(5)), answered('c1', at(6)), ended('c1', at(60))), () =>
        definition(),
      ).filter((c) => c.delta.handled),
    ).toHaveLength(0)
  })

  it('counts a call queued after its outcome (clock skew) with a wait of 0', () => {
    expect(outcomeDelta(record(answered('c1', at(10)), queued('c1', at(11))))).toMatchObject({
      answeredWaitMs: 0,
      answeredWithin: 1,
      waitSec: 0,
    })
  })
})
