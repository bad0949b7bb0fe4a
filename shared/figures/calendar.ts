// The business day in the centre's time zone: which day an instant belongs to and when a day
// starts. Deterministic (time is always a parameter); DST-safe because it works on wall clocks.

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return f
}

export interface WallClock {
  year: number
  month: number // 1–12
  day: number
  hour: number
  minute: number
  second: number
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const out: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value)
  }
  return {
    year: out['year'] ?? 0,
    month: out['month'] ?? 1,
    day: out['day'] ?? 1,
    hour: out['hour'] ?? 0,
    minute: out['minute'] ?? 0,
    second: out['second'] ?? 0,
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

/** Offset of the zone from UTC at an instant, in ms (east positive). */
function offsetMs(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000))
}

const QUARTER_MS = 15 * 60_000
/** Offsets by zone and UTC quarter hour: a zone's offset is the same over most quarters (bounded). */
const quarterOffsets = new Map<string, Map<number, number>>()

/**
 * The zone's offset at an instant, remembered per quarter hour when it is the same at both ends of
 * the quarter (a clock change inside it is looked up exactly, every time).
 */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  let perZone = quarterOffsets.get(timeZone)
  if (!perZone) quarterOffsets.set(timeZone, (perZone = new Map()))
  const quarter = Math.floor(ms / QUARTER_MS)
  const known = perZone.get(quarter)
  if (known !== undefined) return known
  const first = offsetMs(quarter * QUARTER_MS, timeZone)
  if (offsetMs((quarter + 1) * QUARTER_MS - 1000, timeZone) !== first) return offsetMs(ms, timeZone)
  if (perZone.size >= 20_000) perZone.clear()
  perZone.set(quarter, first)
  return first
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`
}

/** Days are named by their local calendar date, `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const t = Date.UTC(y, m - 1, d + days)
  const x = new Date(t)
  return isoDate(x.getUTCFullYear(), x.getUTCMonth() + 1, x.getUTCDate())
}

/**
 * The business calendar of one centre: days start at `dayStartHour`:00 local time.
 * It remembers the last day it resolved, since nearly every instant it is asked about falls in it.
 */
export class BusinessCalendar {
  private cached: { date: string; startMs: number; endMs: number } | null = null

  constructor(
    readonly timeZone: string,
    readonly dayStartHour: number,
  ) {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`)
  }

  /** The business date an instant belongs to. */
  dateOf(ms: number): string {
    const c = this.cached
    if (c && ms >= c.startMs && ms < c.endMs) return c.date
    const w = wallClock(ms, this.timeZone)
    let date = isoDate(w.year, w.month, w.day)
    if (w.hour < this.dayStartHour) date = addDays(date, -1)
    const startMs = this.startOf(date)
    const endMs = this.startOf(addDays(date, 1))
    // Only remember a day that really contains ms (guards against zones with odd transitions).
    if (ms >= startMs && ms < endMs) this.cached = { date, startMs, endMs }
    return date
  }

  /** The instant the business day containing `ms` starts. */
  dayStartOf(ms: number): number {
    const c = this.cached
    if (c && ms >= c.startMs && ms < c.endMs) return c.startMs
    return this.startOf(this.dateOf(ms))
  }

  /** The instant the business day containing `ms` ends (the next one starts). */
  dayEndOf(ms: number): number {
    const c = this.cached
    if (c && ms >= c.startMs && ms < c.endMs) return c.endMs
    return this.startOf(addDays(this.dateOf(ms), 1))
  }

  /** The instant a business date starts (the first instant at or after its start hour, across DST gaps). */
  startOf(date: string): number {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number]
    const wall = Date.UTC(y, m - 1, d, this.dayStartHour)
    const wallAt = (t: number) => {
      const w = wallClock(t, this.timeZone)
      return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
    }
    // Two passes settle the offset on either side of a transition.
    let guess = wall - offsetMs(wall, this.timeZone)
    guess = wall - offsetMs(guess, this.timeZone)
    // When clocks go back over the start hour it occurs twice (east of UTC the passes above find
    // the second); the day starts at the first, under the offset in force a few hours before.
    const first = wall - offsetMs(guess - 3 * 3600_000, this.timeZone)
    if (first < guess && wallAt(first) === wall) return first
    if (wallAt(guess) === wall) return guess
    // In a spring-forward gap the start hour does not exist; the day starts when the clock jumps:
    // the first second whose wall clock is past it. Gaps are not always whole hours (Chatham: 45
    // minutes past), so search for it rather than assume.
    let before = guess - 6 * 3600_000
    let after = guess + 6 * 3600_000
    while (after - before > 1000) {
      const mid = before + Math.floor((after - before) / 2000) * 1000
      if (wallAt(mid) >= wall) after = mid
      else before = mid
    }
    return after
  }
}
