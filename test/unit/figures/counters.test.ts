// Window counters (metrics.md "Window counters"): additive sums whose contributions can be taken
// back exactly, with a wait histogram so the longest wait survives a retraction.
import { describe, expect, it } from 'vitest'
import { COUNTER_FIELDS, addCounters, applyDelta, emptyCounters, isEmpty, maxWaitSec } from '../../../shared/figures/counters.js'

describe('counters', () => {
  it('start empty: every field 0 and no waits', () => {
    const c = emptyCounters()
    expect(isEmpty(c)).toBe(true)
    for (const f of COUNTER_FIELDS) expect(c[f]).toBe(0)
    expect(c.waitHist).toEqual({})
    expect(maxWaitSec(c)).toBeNull()
  })

  it('add a delta: only the fields it names, and its wait to the histogram', () => {
    const c = emptyCounters()
    applyDelta(c, { offered: 1, answered: 1, answeredWaitMs: 12_500, waitSec: 12 }, 1)
    expect(c).toMatchObject({ offered: 1, answered: 1, answeredWaitMs: 12_500, abandoned: 0 })
    expect(c.waitHist).toEqual({ '12': 1 })
  })

  it('take a delta back exactly, leaving them empty again', () => {
    const c = emptyCounters()
    const d = { offered: 1, abandoned: 1, abandonWaitCount: 1, abandonWaitMs: 30_000, waitSec: 30 }
    applyDelta(c, d, 1)
    applyDelta(c, d, -1)
    expect(isEmpty(c)).toBe(true)
    expect(c.waitHist).toEqual({})
  })

  it('keep the longest wait when one of two equal longest waits is taken back', () => {
    const c = emptyCounters()
    applyDelta(c, { offered: 1, waitSec: 40 }, 1)
    applyDelta(c, { offered: 1, waitSec: 40 }, 1)
    applyDelta(c, { offered: 1, waitSec: 10 }, 1)
    applyDelta(c, { offered: 1, waitSec: 40 }, -1)
    expect(maxWaitSec(c)).toBe(40)
    applyDelta(c, { offered: 1, waitSec: 40 }, -1)
    expect(maxWaitSec(c)).toBe(10)
  })

  it('find the longest wait numerically, not by text order', () => {
    const c = emptyCounters()
    for (const w of [9, 100, 25]) applyDelta(c, { waitSec: w }, 1)
    expect(maxWaitSec(c)).toBe(100)
  })

  it('count a wait of 0 s as a wait', () => {
    const c = emptyCounters()
    applyDelta(c, { offered: 1, waitSec: 0 }, 1)
    expect(maxWaitSec(c)).toBe(0)
    expect(isEmpty(c)).toBe(false)
  })

  it('sum into a window field by field, histograms merged', () => {
    const a = emptyCounters()
    const b = emptyCounters()
    applyDelta(a, { offered: 2, talkMs: 1000, waitSec: 5 }, 1)
    applyDelta(b, { offered: 1, talkMs: 500, waitSec: 5 }, 1)
    applyDelta(b, { waitSec: 7 }, 1)
    const sum = emptyCounters()
    addCounters(sum, a)
    addCounters(sum, b)
    expect(sum).toMatchObject({ offered: 3, talkMs: 1500 })
    expect(sum.waitHist).toEqual({ '5': 2, '7': 1 })
    expect(a.waitHist).toEqual({ '5': 1 }) // the sources are not changed
  })

  it('are not empty while only a wait is left in the histogram', () => {
    const c = emptyCounters()
    applyDelta(c, { waitSec: 3 }, 1)
    expect(isEmpty(c)).toBe(false)
  })
})
