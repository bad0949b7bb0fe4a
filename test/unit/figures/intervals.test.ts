// Intervals (metrics.md "Windows": fixed 15- or 30-minute buckets aligned to the centre's time
// zone, for trends, history and export): where an instant's interval starts, on ordinary days, on
// the days clocks change and in zones whose offset is not a whole hour; what a call puts in which
// interval; why a range is summed from counters, never averaged from ratios; and how closed
// intervals move to the write-only history table.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, DefinitionBook, type DefinitionSet } from '../../../shared/definitions.js'
import {
  type AggregateState,
  DEFAULT_RETENTION,
  applyEvent,
  bucketKey,
  intervalStart,
  parseBucketKey,
  prune,
} from '../../../shared/figures/aggregate.js'
import { BusinessCalendar, addDays, wallClock } from '../../../shared/figures/calendar.js'
import { type Counters, addCounters, emptyCounters } from '../../../shared/figures/counters.js'
import { computeRatios } from '../../../shared/figures/ratios.js'
import {
  HOUR,
  MINUTE,
  abandoned,
  acw,
  answered,
  available,
  definition,
  definitions,
  ended,
  offline,
  overflowed,
  paused,
  queued,
  reduce,
  shanghai,
  survey,
  today,
  valid,
} from '../fixtures.js'

const DAY = 24 * HOUR
const utc = (iso: string) => Date.parse(iso)

/** The start of the interval of `ms` in a zone, with intervals of `minutes`. */
const startIn = (zone: string, minutes: 15 | 30, ms: number) =>
  intervalStart(ms, definition({ timezone: zone, intervalMinutes: minutes }))

/** The distinct interval starts of one business day (midnight to midnight), in time order. */
function intervalsOfDay(zone: string, minutes: 15 | 30, date: string): number[] {
  const cal = new BusinessCalendar(zone, 0)
  const starts = new Set<number>()
  for (let t = cal.startOf(date); t < cal.startOf(addDays(date, 1)); t += MINUTE) starts.add(startIn(zone, minutes, t))
  return [...starts].sort((a, b) => a - b)
}

/** The live interval bucket of a queue, or undefined. */
const intervalOf = (s: AggregateState, start: number, queue = 'q1') => s.buckets.get(bucketKey.interval(queue, start))

/** The counters of the interval buckets (live) of a queue whose start lies in [from, to), summed. */
function sumIntervals(rows: Map<string, Counters>, queue: string, from: number, to: number): Counters {
  const sum = emptyCounters()
  for (const [key, c] of rows) {
    const k = parseBucketKey(key)
    if (k?.kind !== 'i' || k.scope !== queue) continue
    const start = Number(k.time)
    if (start >= from && start < to) addCounters(sum, c)
  }
  return sum
}

const copy = (c: Counters | undefined): Counters => JSON.parse(JSON.stringify(c ?? emptyCounters())) as Counters

describe('intervalStart in Asia/Shanghai (UTC+8)', () => {
  it('starts 30-minute intervals on the hour and the half hour of the local clock', () => {
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-02T10:17:42.345'))).toBe(shanghai('2026-03-02T10:00:00'))
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-02T10:29:59.999'))).toBe(shanghai('2026-03-02T10:00:00'))
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-02T10:30:00'))).toBe(shanghai('2026-03-02T10:30:00'))
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-02T10:59:59.999'))).toBe(shanghai('2026-03-02T10:30:00'))
  })

  it('starts 15-minute intervals on the quarter hours of the local clock', () => {
    expect(startIn('Asia/Shanghai', 15, shanghai('2026-03-02T10:17:42.345'))).toBe(shanghai('2026-03-02T10:15:00'))
    expect(startIn('Asia/Shanghai', 15, shanghai('2026-03-02T10:44:59.999'))).toBe(shanghai('2026-03-02T10:30:00'))
    expect(startIn('Asia/Shanghai', 15, shanghai('2026-03-02T10:45:00'))).toBe(shanghai('2026-03-02T10:45:00'))
    expect(startIn('Asia/Shanghai', 15, shanghai('2026-03-02T10:00:00.001'))).toBe(shanghai('2026-03-02T10:00:00'))
  })

  it('puts local midnight at the start of the first interval of the day, and the second before it in the last of the day before', () => {
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-03T00:00:00'))).toBe(shanghai('2026-03-03T00:00:00'))
    expect(startIn('Asia/Shanghai', 30, shanghai('2026-03-02T23:59:59'))).toBe(shanghai('2026-03-02T23:30:00'))
    expect(startIn('Asia/Shanghai', 15, shanghai('2026-03-02T23:59:59'))).toBe(shanghai('2026-03-02T23:45:00'))
  })

  it('has 48 half hours and 96 quarter hours in a day', () => {
    expect(intervalsOfDay('Asia/Shanghai', 30, '2026-03-02')).toHaveLength(48)
    expect(intervalsOfDay('Asia/Shanghai', 15, '2026-03-02')).toHaveLength(96)
  })
})

describe('intervalStart in zones whose offset is not a whole hour', () => {
  it('aligns to the local clock in Asia/Kathmandu (+5:45), not to UTC', () => {
    // 04:20 UTC is 10:05 in Kathmandu: the local half hour began at 10:00, i.e. 04:15 UTC (UTC's would be 04:00).
    expect(startIn('Asia/Kathmandu', 30, utc('2026-03-02T04:20:00Z'))).toBe(utc('2026-03-02T04:15:00Z'))
    // 04:50 UTC is 10:35 local: 10:30 local is 04:45 UTC.
    expect(startIn('Asia/Kathmandu', 30, utc('2026-03-02T04:50:00Z'))).toBe(utc('2026-03-02T04:45:00Z'))
    // 04:14:59 UTC is 09:59:59 local: still in the 09:30 interval, 03:45 UTC.
    expect(startIn('Asia/Kathmandu', 30, utc('2026-03-02T04:14:59Z'))).toBe(utc('2026-03-02T03:45:00Z'))
    expect(wallClock(utc('2026-03-02T04:15:00Z'), 'Asia/Kathmandu')).toMatchObject({ hour: 10, minute: 0 })
  })

  it('gives quarter hours in Asia/Kathmandu that are also UTC quarter hours', () => {
    // 04:20 UTC = 10:05 local → 10:00 local = 04:15 UTC; 04:31 UTC = 10:16 local → 10:15 local = 04:30 UTC.
    expect(startIn('Asia/Kathmandu', 15, utc('2026-03-02T04:20:00Z'))).toBe(utc('2026-03-02T04:15:00Z'))
    expect(startIn('Asia/Kathmandu', 15, utc('2026-03-02T04:31:00Z'))).toBe(utc('2026-03-02T04:30:00Z'))
  })

  it('aligns to the local clock in Asia/Kolkata (+5:30)', () => {
    // 05:14 UTC is 10:44 in Kolkata: 10:30 local (05:00 UTC) for half hours, 10:30 local for quarters too.
    expect(startIn('Asia/Kolkata', 30, utc('2026-03-02T05:14:00Z'))).toBe(utc('2026-03-02T05:00:00Z'))
    expect(startIn('Asia/Kolkata', 15, utc('2026-03-02T05:14:00Z'))).toBe(utc('2026-03-02T05:00:00Z'))
    // 05:15 UTC is 10:45 local: a new quarter, the same half hour.
    expect(startIn('Asia/Kolkata', 15, utc('2026-03-02T05:15:00Z'))).toBe(utc('2026-03-02T05:15:00Z'))
    expect(startIn('Asia/Kolkata', 30, utc('2026-03-02T05:15:00Z'))).toBe(utc('2026-03-02T05:00:00Z'))
  })

  it('aligns to the local clock in Pacific/Chatham (+13:45 in March)', () => {
    // 2 March 2026 is summer time there (+13:45): 21:00 UTC is 10:45 local → 10:30 local = 20:45 UTC.
    expect(startIn('Pacific/Chatham', 30, utc('2026-03-02T21:00:00Z'))).toBe(utc('2026-03-02T20:45:00Z'))
  })
})

describe('intervalStart across DST in Europe/Berlin', () => {
  // 29 March 2026: 02:00 CET (01:00 UTC) becomes 03:00 CEST. 25 October 2026: 03:00 CEST (01:00 UTC) becomes 02:00 CET.
  it('goes from the 01:30 CET interval straight to the 03:00 CEST one when clocks spring forward', () => {
    expect(startIn('Europe/Berlin', 30, utc('2026-03-29T00:59:59Z'))).toBe(utc('2026-03-29T00:30:00Z')) // 01:59:59 CET → 01:30 CET
    expect(startIn('Europe/Berlin', 30, utc('2026-03-29T01:00:00Z'))).toBe(utc('2026-03-29T01:00:00Z')) // 03:00 CEST
    expect(startIn('Europe/Berlin', 30, utc('2026-03-29T01:10:00Z'))).toBe(utc('2026-03-29T01:00:00Z')) // 03:10 CEST → 03:00
    expect(startIn('Europe/Berlin', 15, utc('2026-03-29T00:59:59Z'))).toBe(utc('2026-03-29T00:45:00Z')) // → 01:45 CET
    expect(startIn('Europe/Berlin', 15, utc('2026-03-29T01:14:59Z'))).toBe(utc('2026-03-29T01:00:00Z')) // 03:14:59 → 03:00 CEST
  })

  it('keeps the two passes of the repeated hour apart when clocks fall back', () => {
    // 00:45 UTC is 02:45 CEST → 02:30 CEST = 00:30 UTC; 01:45 UTC is 02:45 CET → 02:30 CET = 01:30 UTC.
    expect(startIn('Europe/Berlin', 30, utc('2026-10-25T00:45:00Z'))).toBe(utc('2026-10-25T00:30:00Z'))
    expect(startIn('Europe/Berlin', 30, utc('2026-10-25T01:45:00Z'))).toBe(utc('2026-10-25T01:30:00Z'))
    // The second pass starts a fresh interval at 02:00 CET = 01:00 UTC.
    expect(startIn('Europe/Berlin', 30, utc('2026-10-25T01:00:00Z'))).toBe(utc('2026-10-25T01:00:00Z'))
    expect(startIn('Europe/Berlin', 30, utc('2026-10-25T00:59:59Z'))).toBe(utc('2026-10-25T00:30:00Z'))
    expect(startIn('Europe/Berlin', 15, utc('2026-10-25T01:44:59Z'))).toBe(utc('2026-10-25T01:30:00Z')) // 02:44:59 CET → 02:30
  })

  it('has 46 half hours on the 23-hour day and 50 on the 25-hour day, each 30 minutes long', () => {
    const spring = intervalsOfDay('Europe/Berlin', 30, '2026-03-29')
    const autumn = intervalsOfDay('Europe/Berlin', 30, '2026-10-25')
    expect(spring).toHaveLength(46) // 23 × 2
    expect(autumn).toHaveLength(50) // 25 × 2
    for (const starts of [spring, autumn]) {
      expect(starts.slice(1).map((t, i) => t - starts[i]!)).toEqual(Array(starts.length - 1).fill(30 * MINUTE))
    }
    expect(intervalsOfDay('Europe/Berlin', 15, '2026-03-29')).toHaveLength(92) // 23 × 4
    expect(intervalsOfDay('Europe/Berlin', 15, '2026-10-25')).toHaveLength(100) // 25 × 4
  })
})

describe('intervalStart across DST in America/New_York', () => {
  it('goes from 01:30 EST to 03:00 EDT when clocks spring forward (8 March 2026, 07:00 UTC)', () => {
    expect(startIn('America/New_York', 30, utc('2026-03-08T06:59:59Z'))).toBe(utc('2026-03-08T06:30:00Z'))
    expect(startIn('America/New_York', 30, utc('2026-03-08T07:00:00Z'))).toBe(utc('2026-03-08T07:00:00Z'))
    expect(startIn('America/New_York', 15, utc('2026-03-08T07:20:00Z'))).toBe(utc('2026-03-08T07:15:00Z')) // 03:20 → 03:15 EDT
  })

  it('keeps 01:40 EDT and 01:40 EST in different intervals when clocks fall back (1 November 2026, 06:00 UTC)', () => {
    // 05:40 UTC = 01:40 EDT → 01:30 EDT = 05:30 UTC; 06:40 UTC = 01:40 EST → 01:30 EST = 06:30 UTC.
    expect(startIn('America/New_York', 30, utc('2026-11-01T05:40:00Z'))).toBe(utc('2026-11-01T05:30:00Z'))
    expect(startIn('America/New_York', 30, utc('2026-11-01T06:40:00Z'))).toBe(utc('2026-11-01T06:30:00Z'))
    expect(intervalsOfDay('America/New_York', 30, '2026-11-01')).toHaveLength(50)
    expect(intervalsOfDay('America/New_York', 30, '2026-03-08')).toHaveLength(46)
  })
})

describe('intervalStart in Australia/Lord_Howe, whose clocks move by 30 minutes', () => {
  // 5 April 2026: 02:00 +11 (15:00 UTC on 4 April) becomes 01:30 +10:30.
  // 4 October 2026: 02:00 +10:30 (15:30 UTC on 3 October) becomes 02:30 +11.
  it('counts the repeated half hour 01:30–02:00 twice when clocks fall back', () => {
    // 14:50 UTC = 01:50 +11 → 01:30 +11 = 14:30 UTC; 15:10 UTC = 01:40 +10:30 → 01:30 +10:30 = 15:00 UTC.
    expect(startIn('Australia/Lord_Howe', 30, utc('2026-04-04T14:50:00Z'))).toBe(utc('2026-04-04T14:30:00Z'))
    expect(startIn('Australia/Lord_Howe', 30, utc('2026-04-04T15:10:00Z'))).toBe(utc('2026-04-04T15:00:00Z'))
    expect(startIn('Australia/Lord_Howe', 15, utc('2026-04-04T14:50:00Z'))).toBe(utc('2026-04-04T14:45:00Z')) // 01:45 +11
    expect(startIn('Australia/Lord_Howe', 15, utc('2026-04-04T15:10:00Z'))).toBe(utc('2026-04-04T15:00:00Z')) // 01:30 +10:30
    // Local day 00:00 +11 (13:00 UTC on 4 April) to 00:00 +10:30 (13:30 UTC on 5 April): 24.5 hours.
    expect(intervalsOfDay('Australia/Lord_Howe', 30, '2026-04-05')).toHaveLength(49)
  })

  it('skips 02:00–02:30 when clocks spring forward', () => {
    // 15:29 UTC = 01:59 +10:30 → 01:30 +10:30 = 15:00 UTC; 15:30 UTC = 02:30 +11, an interval start.
    expect(startIn('Australia/Lord_Howe', 30, utc('2026-10-03T15:29:00Z'))).toBe(utc('2026-10-03T15:00:00Z'))
    expect(startIn('Australia/Lord_Howe', 30, utc('2026-10-03T15:30:00Z'))).toBe(utc('2026-10-03T15:30:00Z'))
    expect(startIn('Australia/Lord_Howe', 15, utc('2026-10-03T15:29:00Z'))).toBe(utc('2026-10-03T15:15:00Z')) // 01:45 +10:30
    // Local day 00:00 +10:30 (13:30 UTC on 3 October) to 00:00 +11 (13:00 UTC on 4 October): 23.5 hours.
    expect(intervalsOfDay('Australia/Lord_Howe', 30, '2026-10-04')).toHaveLength(47)
  })
})

describe('intervalStart in any zone', () => {
  const zones = [
    'Asia/Shanghai',
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kathmandu',
    'Asia/Kolkata',
    'Australia/Eucla',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
  ]
  const changes = [
    '2026-03-29T01:00Z',
    '2026-10-25T01:00Z',
    '2026-03-08T07:00Z',
    '2026-11-01T06:00Z',
    '2026-04-04T15:00Z',
    '2026-10-03T15:30Z',
    '2026-04-04T14:00Z',
    '2026-09-26T14:00Z',
  ].map(utc)
  const instant = fc.oneof(
    fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }),
    fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })).map(([t, d]) => t + d),
  )

  it('starts on a local mark at or before the instant, and intervals tile time in steps of their length', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom(15 as const, 30 as const), instant, (zone, minutes, ms) => {
        const length = minutes * MINUTE
        const start = startIn(zone, minutes, ms)
        expect(start).toBeLessThanOrEqual(ms)
        expect(ms).toBeLessThan(start + length)
        const w = wallClock(start, zone)
        expect(w.minute % minutes).toBe(0)
        expect(w.second).toBe(0)
        expect(startIn(zone, minutes, start)).toBe(start)
        expect(startIn(zone, minutes, start - 1)).toBe(start - length)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('interval buckets', () => {
  const NOW = shanghai('2026-03-02T12:00:00')
  // queued 10:29:50, answered 10:30:05 (wait 15 s), ended 10:45:10 (talk 15:05 = 905 s)
  const call = [
    queued('c1', shanghai('2026-03-02T10:29:50')),
    answered('c1', shanghai('2026-03-02T10:30:05')),
    ended('c1', shanghai('2026-03-02T10:45:10')),
  ]

  it('are keyed i|start ms|queue', () => {
    const start = shanghai('2026-03-02T10:00:00') // 02:00 UTC
    expect(bucketKey.interval('q1', start)).toBe(`i|${Date.UTC(2026, 2, 2, 2, 0, 0)}|q1`)
    expect(parseBucketKey(bucketKey.interval('q1', start))).toEqual({ kind: 'i', time: String(start), scope: 'q1' })
    // A queue id may itself contain the separator.
    expect(parseBucketKey(bucketKey.interval('sales|vip', start))).toEqual({ kind: 'i', time: String(start), scope: 'sales|vip' })
    expect(parseBucketKey('x|1|q1')).toBeNull()
    expect(parseBucketKey('i1|q1')).toBeNull()
  })

  it('count a call at its queue entry, its outcome and its end, each in the 30-minute interval of its own time', () => {
    const s = reduce(call, NOW)
    expect(intervalOf(s, shanghai('2026-03-02T10:00:00'))).toMatchObject({ arrived: 1, offered: 0, handled: 0 })
    expect(intervalOf(s, shanghai('2026-03-02T10:30:00'))).toMatchObject({
      arrived: 0,
      offered: 1,
      answered: 1,
      answeredWithin: 1,
      answeredWaitMs: 15_000,
      handled: 1,
      talkMs: 905_000,
      waitHist: { '15': 1 },
      handledBy: { a1: 1 },
    })
    expect(s.intervals.get('q1')?.size).toBe(2)
  })

  it('count the same call in three 15-minute intervals', () => {
    const s = reduce(call, NOW, definitions({ intervalMinutes: 15 }))
    expect(intervalOf(s, shanghai('2026-03-02T10:15:00'))).toMatchObject({ arrived: 1, offered: 0, handled: 0 })
    expect(intervalOf(s, shanghai('2026-03-02T10:30:00'))).toMatchObject({ arrived: 0, offered: 1, answered: 1, handled: 0 })
    expect(intervalOf(s, shanghai('2026-03-02T10:45:00'))).toMatchObject({ offered: 0, handled: 1, talkMs: 905_000 })
    expect(intervalOf(s, shanghai('2026-03-02T10:00:00'))).toBeUndefined()
  })

  it('are aligned to the local clock of the centre in Asia/Kathmandu', () => {
    // queued 04:20 UTC (10:05 local), abandoned 04:50 UTC (10:35 local) after 30 minutes.
    const defs = definitions({ timezone: 'Asia/Kathmandu' })
    const s = reduce(
      [queued('c1', utc('2026-03-02T04:20:00Z')), abandoned('c1', utc('2026-03-02T04:50:00Z'))],
      utc('2026-03-02T12:00:00Z'),
      defs,
    )
    expect(intervalOf(s, utc('2026-03-02T04:15:00Z'))).toMatchObject({ arrived: 1, offered: 0 })
    expect(intervalOf(s, utc('2026-03-02T04:45:00Z'))).toMatchObject({ offered: 1, abandoned: 1, abandonWaitMs: 30 * 60_000 })
    expect(intervalOf(s, utc('2026-03-02T04:00:00Z'))).toBeUndefined()
    expect(intervalOf(s, utc('2026-03-02T04:30:00Z'))).toBeUndefined()
  })

  it('split agent time at local interval marks in Asia/Kathmandu', () => {
    // available 10:20–10:40 local (04:35–04:55 UTC): 10 minutes in the 10:00 interval, 10 in the 10:30 one.
    const defs = definitions({ timezone: 'Asia/Kathmandu' })
    const s = reduce(
      [available('a1', utc('2026-03-02T04:35:00Z'), { queues: ['q1'] }), offline('a1', utc('2026-03-02T04:55:00Z'))],
      utc('2026-03-02T12:00:00Z'),
      defs,
    )
    expect(intervalOf(s, utc('2026-03-02T04:15:00Z'))).toMatchObject({ availableMs: 10 * MINUTE, loggedInMs: 10 * MINUTE })
    expect(intervalOf(s, utc('2026-03-02T04:45:00Z'))).toMatchObject({ availableMs: 10 * MINUTE, loggedInMs: 10 * MINUTE })
  })

  it('count calls answered in both passes of Berlin’s repeated hour in two intervals, and both in the day', () => {
    const defs = definitions({ timezone: 'Europe/Berlin' })
    const now = utc('2026-10-25T12:00:00Z')
    const events = [
      // 02:40 CEST (00:40 UTC) and 02:40 CET (01:40 UTC), each waiting 10 s
      queued('c1', utc('2026-10-25T00:39:50Z')),
      answered('c1', utc('2026-10-25T00:40:00Z')),
      queued('c2', utc('2026-10-25T01:39:50Z')),
      answered('c2', utc('2026-10-25T01:40:00Z')),
    ]
    const s = reduce(events, now, defs)
    expect(intervalOf(s, utc('2026-10-25T00:30:00Z'))).toMatchObject({ offered: 1, answered: 1 })
    expect(intervalOf(s, utc('2026-10-25T01:30:00Z'))).toMatchObject({ offered: 1, answered: 1 })
    expect(today(events, now, defs)).toMatchObject({ offered: 2, answered: 2, answeredWithin: 2 })
  })

  it('put calls either side of Berlin’s spring-forward jump in adjacent intervals', () => {
    const defs = definitions({ timezone: 'Europe/Berlin' })
    const s = reduce(
      // 01:50 CET (00:50 UTC) and 03:10 CEST (01:10 UTC)
      [abandoned('c1', utc('2026-03-29T00:50:00Z')), abandoned('c2', utc('2026-03-29T01:10:00Z'))],
      utc('2026-03-29T12:00:00Z'),
      defs,
    )
    expect(intervalOf(s, utc('2026-03-29T00:30:00Z'))).toMatchObject({ offered: 1 }) // 01:30 CET
    expect(intervalOf(s, utc('2026-03-29T01:00:00Z'))).toMatchObject({ offered: 1 }) // 03:00 CEST
  })

  it('follow the interval length of the definition in force: 30 minutes before a change, 15 from its day', () => {
    const base = { ...DEFAULT_OPTIONS, timezone: 'Asia/Shanghai' }
    const history: DefinitionSet[] = [
      { version: 1, createdAt: 0, createdBy: 'test', defaults: base, queues: {} },
      // made at 14:00 on 3 March: 3 March is counted in quarter hours from its midnight on
      {
        version: 2,
        createdAt: shanghai('2026-03-03T14:00:00'),
        createdBy: 'test',
        defaults: { ...base, intervalMinutes: 15 },
        queues: {},
      },
    ]
    const book = new DefinitionBook(history)
    const s = reduce(
      [abandoned('c1', shanghai('2026-03-02T10:20:00')), abandoned('c2', shanghai('2026-03-03T09:20:00'))],
      shanghai('2026-03-03T15:00:00'),
      book,
    )
    expect(intervalOf(s, shanghai('2026-03-02T10:00:00'))).toMatchObject({ offered: 1 })
    expect(intervalOf(s, shanghai('2026-03-03T09:15:00'))).toMatchObject({ offered: 1 })
    expect(intervalOf(s, shanghai('2026-03-03T09:00:00'))).toBeUndefined()
  })
})

describe('a day and a range from intervals', () => {
  const events = [
    available('a1', shanghai('2026-03-02T09:50:00'), { queues: ['q1'] }),
    // answered after 15 s, 3 minutes' talk, ACW until 10:05
    queued('c1', shanghai('2026-03-02T09:59:50')),
    answered('c1', shanghai('2026-03-02T10:00:05')),
    ended('c1', shanghai('2026-03-02T10:03:05')),
    acw('a1', shanghai('2026-03-02T10:03:05')),
    available('a1', shanghai('2026-03-02T10:05:00')),
    // a short abandon (3 s), an abandon after 6 minutes, an overflow after a minute
    queued('c2', shanghai('2026-03-02T10:20:00')),
    abandoned('c2', shanghai('2026-03-02T10:20:03')),
    queued('c3', shanghai('2026-03-02T10:25:00')),
    abandoned('c3', shanghai('2026-03-02T10:31:00')),
    queued('c4', shanghai('2026-03-02T10:40:00')),
    overflowed('c4', shanghai('2026-03-02T10:41:00')),
    survey(shanghai('2026-03-02T10:50:00'), { queue: 'q1', csat: 5 }),
    paused('a1', shanghai('2026-03-02T11:00:00'), 'lunch'),
    offline('a1', shanghai('2026-03-02T11:20:00')),
    // queued before midnight, answered after: it arrives on 2 March and is offered on 3 March
    queued('c5', shanghai('2026-03-02T23:59:50')),
    answered('c5', shanghai('2026-03-03T00:00:10'), { agent: 'a2' }),
  ]
  const NOW = shanghai('2026-03-03T01:00:00')
  const day2 = [shanghai('2026-03-02T00:00:00'), shanghai('2026-03-03T00:00:00')] as const

  it('sums the intervals of a business day to exactly the counters of that day', () => {
    const s = reduce(events, NOW)
    const fromIntervals = sumIntervals(s.buckets.rows, 'q1', ...day2)
    expect(fromIntervals).toEqual(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))))
    expect(fromIntervals).toMatchObject({
      arrived: 5, // c1–c5
      offered: 4, // c1–c4; c5's outcome is on 3 March
      answered: 1,
      shortAbandoned: 1,
      abandoned: 2,
      overflowed: 1,
      handled: 1,
      answeredWithin: 1,
      answeredWaitMs: 15_000,
      abandonWaitMs: 360_000, // c3's 6 minutes; c2 was short
      talkMs: 180_000,
      csatResponses: 1,
      csatSatisfied: 1,
      // a1: available 09:50:00–10:00:05 (605 s) and 10:05–11:00 (3,300 s), on c1 180 s, ACW 10:03:05–10:05 (115 s),
      // lunch 11:00–11:20 (1,200 s): logged in 605 + 180 + 115 + 3,300 + 1,200 = 5,400 s
      availableMs: 3_905_000,
      onCallMs: 180_000,
      acwMs: 115_000,
      loggedInMs: 5_400_000,
      pausedMs: { lunch: 1_200_000 },
    })
  })

  it('sums the intervals of the next day to that day too', () => {
    const s = reduce(events, NOW)
    const day3 = sumIntervals(s.buckets.rows, 'q1', shanghai('2026-03-03T00:00:00'), shanghai('2026-03-04T00:00:00'))
    expect(day3).toEqual(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-03T00:00:00'))))
    expect(day3).toMatchObject({ arrived: 0, offered: 1, answered: 1, answeredWithin: 1, answeredWaitMs: 20_000 })
  })

  it('sums the intervals of a day in 15-minute intervals to the same day', () => {
    const defs = definitions({ intervalMinutes: 15 })
    const s = reduce(events, NOW, defs)
    expect(sumIntervals(s.buckets.rows, 'q1', ...day2)).toEqual(
      s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))),
    )
    expect(sumIntervals(s.buckets.rows, 'q1', ...day2)).toEqual(sumIntervals(reduce(events, NOW).buckets.rows, 'q1', ...day2))
  })
})

describe('ratios of a range of intervals', () => {
  // 10:00 interval: one call answered after 10 s (SL 100 %).
  // 10:30 interval: three calls answered after 5 s, 40 s and 40 s (SL 1/3 = 33.3 %).
  const events = [
    queued('c1', shanghai('2026-03-02T10:00:00')),
    answered('c1', shanghai('2026-03-02T10:00:10')),
    queued('c2', shanghai('2026-03-02T10:30:00')),
    answered('c2', shanghai('2026-03-02T10:30:05')),
    queued('c3', shanghai('2026-03-02T10:31:00')),
    answered('c3', shanghai('2026-03-02T10:31:40')),
    queued('c4', shanghai('2026-03-02T10:32:00')),
    answered('c4', shanghai('2026-03-02T10:32:40')),
  ]
  const NOW = shanghai('2026-03-02T11:00:00')
  const def = definition()

  it('come from the summed counters, not from the mean of the intervals’ ratios', () => {
    const s = reduce(events, NOW)
    const first = copy(intervalOf(s, shanghai('2026-03-02T10:00:00')))
    const second = copy(intervalOf(s, shanghai('2026-03-02T10:30:00')))
    expect(computeRatios(first, def).serviceLevelPct).toBe(100)
    expect(computeRatios(second, def).serviceLevelPct).toBeCloseTo(100 / 3, 10)
    const range = emptyCounters()
    addCounters(range, first)
    addCounters(range, second)
    // (1 + 1) within / 4 offered = 50 %; the mean of the two ratios would be (100 + 33.3) / 2 = 66.7 %.
    expect(computeRatios(range, def).serviceLevelPct).toBe(50)
    expect(computeRatios(range, def).serviceLevelPct).not.toBeCloseTo(200 / 3, 1)
    // ASA: (10 + 5 + 40 + 40) / 4 = 23.75 s; the mean of the ASAs would be (10 + 85/3) / 2 ≈ 19.17 s.
    expect(computeRatios(range, def).asaSec).toBe(23.75)
  })

  it('agree with the figures of the day', () => {
    expect(today(events, NOW)).toMatchObject({ offered: 4, answeredWithin: 2, serviceLevelPct: 50, asaSec: 23.75 })
  })
})

describe('pruning intervals into history', () => {
  const K1 = shanghai('2026-03-02T10:00:00')
  const K2 = shanghai('2026-03-02T10:30:00')
  const key1 = bucketKey.interval('q1', K1)
  const key2 = bucketKey.interval('q1', K2)
  const NOW = shanghai('2026-03-02T12:00:00')
  // 10:00:00 → abandoned after 30 s (not within 20 s); 10:30:00 → abandoned after 12 s (within).
  const events = [
    queued('c1', shanghai('2026-03-02T10:00:00')),
    abandoned('c1', shanghai('2026-03-02T10:00:30')),
    queued('c2', shanghai('2026-03-02T10:30:00')),
    abandoned('c2', shanghai('2026-03-02T10:30:12')),
  ]
  // a late call for the 10:00 interval: queued 10:10:00, abandoned after 8 s (not short, within 20 s)
  const late = [queued('c9', shanghai('2026-03-02T10:10:00')), abandoned('c9', shanghai('2026-03-02T10:10:08'))]

  function applyLate(s: AggregateState, raw: readonly unknown[], nowMs: number): void {
    for (const e of raw) applyEvent(s, valid(e, nowMs), definitions())
  }

  it('keeps an interval live for two days after its start, then moves it to history', () => {
    const s = reduce(events, NOW)
    const before = copy(s.buckets.get(key1))
    prune(s, K1 + 2 * DAY) // not older than two days yet
    expect(s.buckets.has(key1)).toBe(true)
    expect(s.history.size).toBe(0)
    prune(s, K1 + 2 * DAY + 1)
    expect(s.buckets.has(key1)).toBe(false)
    expect(s.intervals.get('q1')?.has(K1)).toBe(false)
    expect(s.history.get(key1)).toEqual(before)
    expect(before).toMatchObject({ arrived: 1, offered: 1, abandoned: 1, abandonWaitMs: 30_000, abandonedWithin: 0 })
    // The 10:30 interval is half an hour younger; the day bucket is kept for three days.
    expect(s.buckets.has(key2)).toBe(true)
    expect(s.buckets.has(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00')))).toBe(true)
  })

  it('marks a moved interval to be written to history and deleted from the live buckets', () => {
    const s = reduce(events, NOW)
    s.buckets.takeChanges()
    s.history.takeChanges()
    prune(s, K1 + 2 * DAY + 1)
    expect(s.history.takeChanges()).toEqual([[key1, s.history.get(key1)]])
    expect(s.buckets.takeChanges()).toContainEqual([key1, undefined])
  })

  it('drops a queue from the interval index once all its intervals are archived', () => {
    const s = reduce(events, NOW)
    prune(s, K2 + 2 * DAY + 1)
    expect(s.intervals.has('q1')).toBe(false)
    expect([...s.history.rows.keys()].sort()).toEqual([key1, key2].sort())
  })

  it('archives a day whose intervals, summed, equal the day’s counters', () => {
    const s = reduce(events, NOW)
    const dayBefore = copy(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))))
    // 5 March 00:00 Shanghai: every interval of 2 March is more than two days old; the day itself is kept (three days).
    prune(s, shanghai('2026-03-05T00:00:00'))
    expect(sumIntervals(s.buckets.rows, 'q1', shanghai('2026-03-02T00:00:00'), shanghai('2026-03-03T00:00:00'))).toEqual(
      emptyCounters(),
    )
    const fromHistory = sumIntervals(s.history.rows, 'q1', shanghai('2026-03-02T00:00:00'), shanghai('2026-03-03T00:00:00'))
    expect(fromHistory).toEqual(dayBefore)
    expect(fromHistory).toEqual(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))))
    expect(fromHistory).toMatchObject({ arrived: 2, offered: 2, abandoned: 2, abandonedWithin: 1, abandonWaitMs: 42_000 })
  })

  it('adds a late event for an archived interval to what the archive holds, never replacing it', () => {
    const s = reduce(events, NOW)
    const afterTwoDays = K1 + 2 * DAY + 1
    prune(s, afterTwoDays)
    applyLate(s, late, afterTwoDays)
    // The late call waits in a live bucket of the archived interval …
    expect(s.buckets.get(key1)).toMatchObject({ arrived: 1, offered: 1, abandonWaitMs: 8_000 })
    s.history.takeChanges()
    prune(s, afterTwoDays + MINUTE)
    // The row changed in place is marked to be written again.
    expect(s.history.takeChanges().map(([key]) => key)).toEqual([key1])
    // … and is added to the archive when pruned in turn: 30 s + 8 s of abandon wait, one within 20 s.
    expect(s.buckets.has(key1)).toBe(false)
    expect(s.history.get(key1)).toMatchObject({
      arrived: 2,
      offered: 2,
      abandoned: 2,
      abandonWaitCount: 2,
      abandonWaitMs: 38_000,
      abandonedWithin: 1,
      waitHist: { '30': 1, '8': 1 },
    })
    expect(s.history.get(key1)).toEqual(reduce([...events, ...late], NOW).buckets.get(key1))
  })

  it('writes only what came after once the archive was saved: saved and new rows add up to the interval', () => {
    const s = reduce(events, NOW)
    const afterTwoDays = K1 + 2 * DAY + 1
    prune(s, afterTwoDays)
    // The shell saves history rows by adding them to the store, then forgets them (write-only).
    const saved = s.history.takeChanges()
    for (const [key] of saved) s.history.rows.delete(key)
    applyLate(s, late, afterTwoDays)
    prune(s, afterTwoDays + MINUTE)
    expect(s.history.get(key1)).toMatchObject({ arrived: 1, offered: 1, abandonWaitMs: 8_000, abandonedWithin: 1 })
    const total = emptyCounters()
    for (const [key, c] of saved) if (key === key1 && c) addCounters(total, c)
    addCounters(total, copy(s.history.get(key1)))
    expect(total).toEqual(reduce([...events, ...late], NOW).buckets.get(key1))
  })

  it('takes back what an archived interval counted when a late event corrects a call still in memory', () => {
    // Intervals live for an hour only; the unfinished call stays in memory for 12 hours.
    const opts = { ...DEFAULT_RETENTION, liveIntervalMs: HOUR }
    const answeredLate = [queued('c1', shanghai('2026-03-02T10:00:00')), answered('c1', shanghai('2026-03-02T10:00:30'))]
    const s = reduce(answeredLate, NOW)
    prune(s, shanghai('2026-03-02T11:30:00'), opts)
    expect(s.history.get(key1)).toMatchObject({ offered: 1, answered: 1, answeredWaitMs: 30_000 })
    expect(s.calls.size).toBe(1)
    // The caller had hung up at 10:00:10: the visit was abandoned after 10 s, before the answer.
    const correction = abandoned('c1', shanghai('2026-03-02T10:00:10'))
    applyLate(s, [correction], NOW)
    prune(s, shanghai('2026-03-02T11:31:00'), opts)
    expect(s.buckets.has(key1)).toBe(false)
    expect(s.history.get(key1)).toMatchObject({
      arrived: 1,
      offered: 1,
      answered: 0,
      answeredWaitMs: 0,
      abandoned: 1,
      abandonedWithin: 1,
      abandonWaitMs: 10_000,
      waitHist: { '10': 1 },
    })
    expect(s.history.get(key1)).toEqual(reduce([...answeredLate, correction], NOW).buckets.get(key1))
  })
})
