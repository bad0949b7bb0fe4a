// The supervisor table's order: by any column, both ways, a missing figure ("–") last whichever
// the direction, ties by name; service level compared against each queue's own target.
import { describe, expect, it } from 'vitest'
import { COLUMNS, nextSort, sortQueues, staffingGap } from '../../web/lib/queue-table.js'
import { abandoned, answered, at, definitions, queued, run } from './fixtures.js'

// q1: 1 of 1 within 20 s (100 %); q2: 1 of 2 (50 %); q3: nothing answered yet, one call waiting (SL "–").
const events = [
  queued('c1', at(0), { queue: 'q1' }),
  answered('c1', at(5), { queue: 'q1' }),
  queued('c2', at(0), { queue: 'q2' }),
  answered('c2', at(5), { queue: 'q2' }),
  queued('c3', at(10), { queue: 'q2' }),
  abandoned('c3', at(70), { queue: 'q2' }),
  queued('c4', at(100), { queue: 'q3' }),
]
const NOW = at(200)
const ids = (qs: Array<{ id: string }>) => qs.map((q) => q.id)
const noWait = () => 0

describe('sortQueues', () => {
  const queues = run(events, NOW)

  it('puts the worst service level first, and a queue without one last', () => {
    expect(ids(sortQueues(queues, { column: 'slToday', dir: 'asc' }, noWait))).toEqual(['q2', 'q1', 'q3'])
    expect(ids(sortQueues(queues, { column: 'slToday', dir: 'desc' }, noWait))).toEqual(['q1', 'q2', 'q3'])
  })

  it('compares service level with each queue’s own target', () => {
    // q2 at 50 % against a 40 % target beats q1 at 100 % against 100 %: +10 against 0.
    const own = run(events, NOW, definitions({}, { q1: { slTargetPct: 100 }, q2: { slTargetPct: 40 } }))
    expect(ids(sortQueues(own, { column: 'slToday', dir: 'desc' }, noWait))).toEqual(['q2', 'q1', 'q3'])
  })

  it('sorts by name, and breaks ties by name', () => {
    expect(ids(sortQueues(queues, { column: 'name', dir: 'desc' }, noWait))).toEqual(['q3', 'q2', 'q1'])
    // Only q3 has a call waiting: it comes first, then q1 and q2 (none waiting) by name.
    expect(ids(sortQueues(queues, { column: 'waiting', dir: 'desc' }, noWait))).toEqual(['q3', 'q1', 'q2'])
  })

  it('sorts by the ticking longest wait it is given', () => {
    const wait = (q: { id: string }) => ({ q1: 5, q2: 50, q3: 20 })[q.id] ?? 0
    expect(ids(sortQueues(queues, { column: 'longestWait', dir: 'desc' }, wait))).toEqual(['q2', 'q3', 'q1'])
  })
})

describe('nextSort', () => {
  it('starts a column in its own first direction, then turns it', () => {
    const waiting = COLUMNS.find((c) => c.id === 'waiting')!
    const name = COLUMNS.find((c) => c.id === 'name')!
    expect(nextSort({ column: 'slToday', dir: 'asc' }, waiting)).toEqual({ column: 'waiting', dir: 'desc' })
    expect(nextSort({ column: 'waiting', dir: 'desc' }, waiting)).toEqual({ column: 'waiting', dir: 'asc' })
    expect(nextSort({ column: 'waiting', dir: 'desc' }, name)).toEqual({ column: 'name', dir: 'asc' })
  })
})

describe('staffingGap', () => {
  it('is needed − have, or null without an estimate', () => {
    const [q] = run(events, NOW)
    expect(staffingGap({ ...q!, staffing: { ...q!.staffing, needed: 5, have: 3 } })).toBe(2)
    expect(staffingGap({ ...q!, staffing: { ...q!.staffing, needed: null, have: 3 } })).toBeNull()
  })
})
