// Event sources' health: what is noted per event, when a source counts as quiet, and which
// sources a board with given queues judges.
import { describe, expect, it } from 'vitest'
import {
  JUDGED_AFTER_EVENTS,
  MAX_SOURCE_QUEUES,
  type SourceHealth,
  isQuiet,
  noteSource,
  sourcesOf,
} from '../../shared/sources.js'

const health = (
  id: string,
  queues: SourceHealth['queues'],
  lastReceivedAt = 0,
  quietAfterSec: number | null = 60,
): SourceHealth => ({
  id,
  lastReceivedAt,
  lastEventAt: lastReceivedAt,
  events: JUDGED_AFTER_EVENTS,
  queues,
  quietAfterSec,
})

describe('noteSource', () => {
  it('keeps the newest arrival and event time whatever the order, counts events, and lists queues once', () => {
    let row = noteSource(undefined, { ts: 1_000, queue: 'east' }, 5_000)
    row = noteSource(row, { ts: 900, queue: 'east' }, 6_000) // late event, arriving later
    row = noteSource(row, { ts: 2_000 }, 5_500) // an agent event, stored earlier than the last
    expect(row).toEqual({ lastReceivedAt: 6_000, lastEventAt: 2_000, events: 3, queues: ['east'] })
  })

  it('stops listing queues past the limit: such a source feeds every board', () => {
    let row = noteSource(undefined, { ts: 0, queue: 'q0' }, 0)
    for (let i = 1; i <= MAX_SOURCE_QUEUES; i++) row = noteSource(row, { ts: 0, queue: `q${i}` }, 0)
    expect(row.queues).toBe('all')
  })
})

describe('isQuiet', () => {
  it('is quiet only past its own limit, and never without one', () => {
    expect(isQuiet(health('pbx', [], 0, 60), 60_000)).toBe(false)
    expect(isQuiet(health('pbx', [], 0, 60), 60_001)).toBe(true)
    expect(isQuiet(health('pbx', [], 0, null), 86_400_000)).toBe(false)
  })

  it('does not judge a source that has sent only a few events (a test by hand)', () => {
    expect(isQuiet({ ...health('curl', [], 0, 60), events: JUDGED_AFTER_EVENTS - 1 }, 86_400_000)).toBe(false)
  })
})

describe('sourcesOf', () => {
  it('gives a board the sources of its queues, those that name no queue, and those that name too many', () => {
    const all = [health('sh', ['east']), health('bj', ['west']), health('ami', []), health('big', 'all')]
    expect(sourcesOf(all, ['east']).map((s) => s.id)).toEqual(['ami', 'big', 'sh'])
    expect(sourcesOf(all, ['north']).map((s) => s.id)).toEqual(['ami', 'big'])
  })
})
