// Calls waiting over time, from the call records: each call counts from its queue entry until its
// outcome, the same rule as live.waiting.
import { describe, expect, it } from 'vitest'
import { waitingSeries } from '../../../shared/figures/compute.js'
import { abandoned, answered, at, queueOf, queued, reduce, run } from '../fixtures.js'

const MIN = 60_000

describe('waitingSeries', () => {
  // c1 waits 0–120 s, c2 30–90 s (abandons), c3 from 60 s on (still waiting), c4 in another queue.
  const events = [
    queued('c1', at(0)),
    answered('c1', at(120)),
    queued('c2', at(30)),
    abandoned('c2', at(90)),
    queued('c3', at(60)),
    queued('c4', at(0), { queue: 'q2' }),
  ]
  const NOW = at(180)
  const s = reduce(events, NOW)

  it('counts each call from its queue entry until its outcome, at each step', () => {
    expect(waitingSeries(s, 'q1', at(0), at(180), 30_000)).toEqual([
      [at(0), 1],
      [at(30), 2],
      [at(60), 3],
      [at(90), 2],
      [at(120), 1],
      [at(150), 1],
      [at(180), 1],
    ])
  })

  it('ends with what live.waiting says now, and leaves other queues out', () => {
    expect(waitingSeries(s, 'q1', at(0), NOW, MIN).at(-1)?.[1]).toBe(queueOf(run(events, NOW)).live.waiting)
    expect(waitingSeries(s, 'q2', at(0), NOW, MIN).map(([, n]) => n)).toEqual([1, 1, 1, 1])
  })

  it('is empty of calls before any queued and after all left', () => {
    expect(waitingSeries(s, 'q1', at(-120), at(-60), 30_000)).toEqual([
      [at(-120), 0],
      [at(-90), 0],
      [at(-60), 0],
    ])
  })
})
