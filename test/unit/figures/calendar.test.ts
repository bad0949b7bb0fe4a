// The business day (metrics.md "Windows": today is since the start of the business day in the
// centre's time zone, with a configurable start hour), including the days clocks change.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BusinessCalendar, addDays, isValidTimeZone, wallClock } from '../../../shared/figures/calendar.js'

const HOUR = 3_600_000
const utc = (iso: string) => Date.parse(iso)
const lengthOf = (cal: BusinessCalendar, date: string) => (cal.startOf(addDays(date, 1)) - cal.startOf(date)) / HOUR

describe('BusinessCalendar in Asia/Shanghai', () => {
  const cal = new BusinessCalendar('Asia/Shanghai', 0)

  it('dates an instant just before local midnight to that day', () => {
    expect(cal.dateOf(utc('2026-03-02T15:59:59.999Z'))).toBe('2026-03-02')
  })

  it('dates local midnight to the new day', () => {
    expect(cal.dateOf(utc('2026-03-02T16:00:00Z'))).toBe('2026-03-03')
  })

  it('dates by the local calendar, not the UTC one', () => {
    // 01:00 UTC on 2 March is 09:00 in Shanghai; 20:00 UTC on 1 March is already 04:00 on 2 March.
    expect(cal.dateOf(utc('2026-03-02T01:00:00Z'))).toBe('2026-03-02')
    expect(cal.dateOf(utc('2026-03-01T20:00:00Z'))).toBe('2026-03-02')
  })

  it('starts a day at local midnight, 16:00 UTC the day before', () => {
    expect(cal.startOf('2026-03-03')).toBe(utc('2026-03-02T16:00:00Z'))
  })

  it('has 24-hour days', () => {
    expect(lengthOf(cal, '2026-03-29')).toBe(24)
    expect(lengthOf(cal, '2026-10-25')).toBe(24)
  })

  it('crosses month and year ends', () => {
    expect(cal.dateOf(utc('2026-12-31T16:00:00Z'))).toBe('2027-01-01')
    expect(cal.startOf('2027-01-01')).toBe(utc('2026-12-31T16:00:00Z'))
  })

  it('gives the same answer when asked out of order (its cache does not leak between days)', () => {
    const instants = [
      '2026-03-02T15:59:59Z',
      '2026-03-02T16:00:00Z',
      '2026-03-01T10:00:00Z',
      '2026-03-02T15:00:00Z',
      '2026-03-05T00:00:00Z',
    ]
    const fresh = instants.map((i) => new BusinessCalendar('Asia/Shanghai', 0).dateOf(utc(i)))
    expect(instants.map((i) => cal.dateOf(utc(i)))).toEqual(fresh)
    expect(fresh).toEqual(['2026-03-02', '2026-03-03', '2026-03-01', '2026-03-02', '2026-03-05'])
  })
})

describe('BusinessCalendar in UTC', () => {
  const cal = new BusinessCalendar('UTC', 0)

  it('dates around midnight UTC', () => {
    expect(cal.dateOf(utc('2026-03-02T23:59:59.999Z'))).toBe('2026-03-02')
    expect(cal.dateOf(utc('2026-03-03T00:00:00Z'))).toBe('2026-03-03')
  })

  it('starts a day at 00:00 UTC', () => {
    expect(cal.startOf('2026-03-03')).toBe(utc('2026-03-03T00:00:00Z'))
  })
})

describe('BusinessCalendar with the day starting at 06:00', () => {
  const cal = new BusinessCalendar('Asia/Shanghai', 6)

  it('counts the small hours as the previous business day', () => {
    expect(cal.dateOf(utc('2026-03-02T21:59:59Z'))).toBe('2026-03-02') // 05:59:59 on 3 March
  })

  it('starts the new business day at 06:00 local', () => {
    expect(cal.dateOf(utc('2026-03-02T22:00:00Z'))).toBe('2026-03-03') // 06:00 on 3 March
    expect(cal.startOf('2026-03-03')).toBe(utc('2026-03-02T22:00:00Z'))
  })

  it('keeps local midnight inside the business day that began the evening before', () => {
    expect(cal.dateOf(utc('2026-03-02T16:00:00Z'))).toBe('2026-03-02')
  })
})

describe('BusinessCalendar across DST in Europe/Berlin', () => {
  const cal = new BusinessCalendar('Europe/Berlin', 0)

  it('has a 23-hour day when clocks spring forward (29 March 2026)', () => {
    expect(cal.startOf('2026-03-29')).toBe(utc('2026-03-28T23:00:00Z'))
    expect(cal.startOf('2026-03-30')).toBe(utc('2026-03-29T22:00:00Z'))
    expect(lengthOf(cal, '2026-03-29')).toBe(23)
  })

  it('has a 25-hour day when clocks fall back (25 October 2026)', () => {
    expect(cal.startOf('2026-10-25')).toBe(utc('2026-10-24T22:00:00Z'))
    expect(cal.startOf('2026-10-26')).toBe(utc('2026-10-25T23:00:00Z'))
    expect(lengthOf(cal, '2026-10-25')).toBe(25)
  })

  it('dates both passes of the repeated hour to the fall-back day', () => {
    expect(cal.dateOf(utc('2026-10-25T00:30:00Z'))).toBe('2026-10-25') // 02:30 CEST
    expect(cal.dateOf(utc('2026-10-25T01:30:00Z'))).toBe('2026-10-25') // 02:30 CET
    expect(cal.dateOf(utc('2026-10-25T22:59:59Z'))).toBe('2026-10-25')
    expect(cal.dateOf(utc('2026-10-25T23:00:00Z'))).toBe('2026-10-26')
  })

  it('starts a day whose start hour is skipped when the clock jumps (02:00 on spring-forward day)', () => {
    const two = new BusinessCalendar('Europe/Berlin', 2)
    expect(two.startOf('2026-03-29')).toBe(utc('2026-03-29T01:00:00Z')) // 03:00 CEST
    expect(two.dateOf(utc('2026-03-29T00:59:59Z'))).toBe('2026-03-28') // 01:59:59 CET
  })

  it('starts a day whose start hour happens twice at the first of them (02:00 on fall-back day)', () => {
    const two = new BusinessCalendar('Europe/Berlin', 2)
    expect(two.startOf('2026-10-25')).toBe(utc('2026-10-25T00:00:00Z')) // 02:00 CEST, not 02:00 CET
    expect(two.dateOf(utc('2026-10-24T23:59:59Z'))).toBe('2026-10-24')
    expect(two.dateOf(utc('2026-10-25T00:00:00Z'))).toBe('2026-10-25')
  })
})

describe('BusinessCalendar across DST in America/New_York', () => {
  const cal = new BusinessCalendar('America/New_York', 0)

  it('has a 23-hour day when clocks spring forward (8 March 2026)', () => {
    expect(cal.startOf('2026-03-08')).toBe(utc('2026-03-08T05:00:00Z'))
    expect(cal.startOf('2026-03-09')).toBe(utc('2026-03-09T04:00:00Z'))
    expect(lengthOf(cal, '2026-03-08')).toBe(23)
  })

  it('has a 25-hour day when clocks fall back (1 November 2026)', () => {
    expect(cal.startOf('2026-11-01')).toBe(utc('2026-11-01T04:00:00Z'))
    expect(cal.startOf('2026-11-02')).toBe(utc('2026-11-02T05:00:00Z'))
    expect(lengthOf(cal, '2026-11-01')).toBe(25)
  })

  it('dates the instants around the spring-forward jump to the same day', () => {
    expect(cal.dateOf(utc('2026-03-08T06:59:59Z'))).toBe('2026-03-08') // 01:59:59 EST
    expect(cal.dateOf(utc('2026-03-08T07:00:00Z'))).toBe('2026-03-08') // 03:00 EDT
  })

  it('starts at 03:00 EDT when the day starts at 02:00 on spring-forward day', () => {
    expect(new BusinessCalendar('America/New_York', 2).startOf('2026-03-08')).toBe(utc('2026-03-08T07:00:00Z'))
  })

  it('starts at the first 01:00 when the day starts at 01:00 on fall-back day', () => {
    expect(new BusinessCalendar('America/New_York', 1).startOf('2026-11-01')).toBe(utc('2026-11-01T05:00:00Z')) // 01:00 EDT
  })
})

describe('BusinessCalendar in Pacific/Chatham, whose clocks jump at 02:45', () => {
  it('starts the spring-forward day at the jump when its 03:00 start falls inside the 45-minute-past gap', () => {
    const cal = new BusinessCalendar('Pacific/Chatham', 3)
    // 27 September 2026: 02:45 (+12:45) becomes 03:45 (+13:45); 03:00 does not exist that day.
    expect(cal.startOf('2026-09-27')).toBe(Date.parse('2026-09-26T14:00:00Z'))
    expect(cal.dateOf(Date.parse('2026-09-26T14:00:00Z'))).toBe('2026-09-27')
    expect(cal.dateOf(Date.parse('2026-09-26T13:59:59.999Z'))).toBe('2026-09-26')
  })
})

describe('BusinessCalendar in any zone', () => {
  const zones = [
    'Asia/Shanghai',
    'UTC',
    'Europe/Berlin',
    'Europe/London',
    'America/New_York',
    'America/Havana',
    'America/Santiago',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Pacific/Chatham',
  ]

  // Instants anywhere, and instants within a day of a 2026 clock change of one of the zones above.
  const changes = [
    '2026-03-08T07:00Z',
    '2026-11-01T05:00Z',
    '2026-03-29T01:00Z',
    '2026-10-25T01:00Z',
    '2026-04-05T03:00Z',
    '2026-09-06T04:00Z',
    '2026-04-04T15:00Z',
    '2026-10-03T15:30Z',
  ]
  const instant = fc.oneof(
    fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }),
    fc.tuple(fc.constantFrom(...changes.map(utc)), fc.integer({ min: -26 * HOUR, max: 26 * HOUR })).map(([t, d]) => t + d),
  )

  it('places every instant inside the business day it dates it to, and days tile time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: 0, max: 23 }), instant, (zone, hour, ms) => {
        const cal = new BusinessCalendar(zone, hour)
        const date = cal.dateOf(ms)
        const start = cal.startOf(date)
        const next = cal.startOf(addDays(date, 1))
        expect(start).toBeLessThanOrEqual(ms)
        expect(ms).toBeLessThan(next)
        expect(cal.dateOf(start)).toBe(date)
        expect(cal.dateOf(start - 1)).toBe(addDays(date, -1))
        expect((next - start) / HOUR).toBeGreaterThanOrEqual(22)
        expect((next - start) / HOUR).toBeLessThanOrEqual(26)
      }),
      { numRuns: 2000 },
    )
  })

  it('starts each day on its start hour, or at the jump when that hour is skipped', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 4 * 366 }),
        (zone, hour, n) => {
          const date = addDays('2024-01-01', n)
          const start = new BusinessCalendar(zone, hour).startOf(date)
          const w = wallClock(start, zone)
          const [y, m, d] = date.split('-').map(Number)
          expect([w.year, w.month, w.day]).toEqual([y, m, d])
          expect(w.hour * 60 + w.minute).toBeGreaterThanOrEqual(hour * 60)
          // The instant before the start is on an earlier wall clock than the start hour of that date.
          const b = wallClock(start - 1000, zone)
          expect(Date.UTC(b.year, b.month - 1, b.day, b.hour, b.minute)).toBeLessThan(Date.UTC(y!, m! - 1, d!, hour))
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('calendar helpers', () => {
  it('throws for an unknown time zone', () => {
    expect(() => new BusinessCalendar('Mars/Olympus_Mons', 0)).toThrow(RangeError)
    expect(() => new BusinessCalendar('Mars/Olympus_Mons', 0)).toThrow(/unknown time zone Mars\/Olympus_Mons/)
  })

  it('tells valid time zones from invalid ones', () => {
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true)
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('Asia/Beijing')).toBe(false)
    expect(isValidTimeZone('')).toBe(false)
  })

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-03-02', 1)).toBe('2026-03-03')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-02', 0)).toBe('2026-03-02')
  })

  it('reads the wall clock of an instant in a zone', () => {
    expect(wallClock(utc('2026-03-02T16:00:00Z'), 'Asia/Shanghai')).toEqual({
      year: 2026,
      month: 3,
      day: 3,
      hour: 0,
      minute: 0,
      second: 0,
    })
    expect(wallClock(utc('2026-03-02T16:00:00Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 3,
      day: 2,
      hour: 11,
      minute: 0,
      second: 0,
    })
  })
})
