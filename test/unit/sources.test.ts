// Event sources' health: what is noted per event, when a source counts as quiet, and which
// sources a board with given queues judges.
import { describe, expect, it } from 'vitest'
import {
  JUDGED_AFTER_EVENTS,
  MAX_SOURCE_QUEUES,
  LINK_SILENT_AFTER_MS,
  type SourceHealth,
  type SourceLink,
  isFailing,
  isLinkDown,
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
  link: null,
  clockOffsetMs: null,
  clockSkewed: false,
})

describe('noteSource', () => {
  it('keeps the newest arrival and event time whatever the order, counts events, and lists queues once', () => {
    let row = noteSource(undefined, { ts: 1_000, queue: 'east' }, 5_000)
    row = noteSource(row, { ts: 900, queue: 'east' }, 6_000) // late event, arriving later
    row = noteSource(row, { ts: 2_000 }, 5_500) // an agent event, stored earlier than the last
    // one 5 s slot of stored time, keeping its freshest event's ts − stored time (see clock-offset.ts)
    expect(row).toEqual({ lastReceivedAt: 6_000, lastEventAt: 2_000, events: 3, queues: ['east'], clock: [[1, -3_500]] })
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

describe('isLinkDown / isFailing', () => {
  const link = (connected: boolean, reportedAt: number): SourceLink => ({
    kind: 'queue_log',
    connected,
    target: '/var/log/asterisk/queue_log',
    since: 0,
    lastEventAt: null,
    linesPerMin: 0,
    eventsPerMin: 0,
    lines: 0,
    events: 0,
    pending: 0,
    skipped: {},
    problems: {},
    recentProblems: [],
    error: null,
    reportedAt,
  })

  it('is down when the connector says so, or stopped reporting for longer than LINK_SILENT_AFTER_MS', () => {
    expect(isLinkDown(null, 1e12)).toBe(false)
    expect(isLinkDown(link(true, 1_000), 1_000 + LINK_SILENT_AFTER_MS)).toBe(false)
    expect(isLinkDown(link(true, 1_000), 1_001 + LINK_SILENT_AFTER_MS)).toBe(true)
    expect(isLinkDown(link(false, 1_000), 1_000)).toBe(true)
  })

  it('fails a source that is quiet or whose link is down; a link that is up keeps a fresh source live', () => {
    const fresh = { ...health('pbx', ['east'], 1_000), link: link(true, 1_000) }
    expect(isFailing(fresh, 2_000)).toBe(false)
    expect(isFailing({ ...fresh, link: link(false, 1_000) }, 2_000)).toBe(true)
    expect(isFailing(fresh, 62_000)).toBe(true) // quiet: 60 s limit
    // a link that sent no event yet is never quiet
    expect(isFailing({ ...fresh, events: 0, lastReceivedAt: null, lastEventAt: null }, 1e12)).toBe(true) // silent link
    expect(isFailing({ ...fresh, events: 0, lastReceivedAt: null, lastEventAt: null, link: link(true, 1e12) }, 1e12)).toBe(false)
  })
})
