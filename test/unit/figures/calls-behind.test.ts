// The calls behind a figure: waiting calls in queue order, abandoned calls, calls that missed SL.
import { describe, expect, it } from 'vitest'
import { callsBehind } from '../../../shared/figures/compute.js'
import { abandoned, answered, at, definitions, queued, reduce } from '../fixtures.js'

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
const ids = (kind: Parameters<typeof callsBehind>[2]) => callsBehind(s, 'q1', kind, defs, at(-3600), NOW).map((c) => c.callId)

describe('callsBehind', () => {
  it('lists the waiting calls longest first, with position and wait so far', () => {
    const waiting = callsBehind(s, 'q1', 'waiting', defs, at(-3600), NOW)
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
    expect(callsBehind(s, 'q1', 'missed-sl', defs, at(-3600), NOW).map((c) => c.waitSec)).toEqual([40, 30])
  })

  it('keeps to the window asked for', () => {
    expect(callsBehind(s, 'q1', 'abandoned', defs, at(75), NOW).map((c) => c.callId)).toEqual(['c4'])
  })
})
