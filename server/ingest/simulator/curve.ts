// The daily shape of contact-centre traffic in the centre's local time, and the local clock it is
// read on. A demo must move at any hour, so the night floor stays well above zero.
import { wallClock } from '../../../shared/figures/calendar.js'

/** Traffic at night as a share of the peak; below about a quarter a night-time demo looks dead. */
export const NIGHT_FLOOR = 0.28

const bump = (hour: number, centre: number, width: number) => Math.exp(-0.5 * ((hour - centre) / width) ** 2)

function rawCurve(hour: number): number {
  // Mid-morning peak, a dip over lunch, a lower mid-afternoon peak and an early-evening tail.
  // Each bump is evaluated on both sides of midnight so the curve joins up at 24:00.
  let sum = NIGHT_FLOOR
  for (const h of [hour - 24, hour, hour + 24]) {
    sum += 0.72 * bump(h, 10.4, 1.5) + 0.6 * bump(h, 15.1, 1.6) + 0.18 * bump(h, 19.3, 1.4)
  }
  return sum
}

const RAW_PEAK = Math.max(...Array.from({ length: 24 * 60 }, (_, minute) => rawCurve(minute / 60)))

/** Traffic at a local hour of the day (0–24, fractional) as a share of the day's peak, in (0, 1]. */
export function trafficShare(localHour: number): number {
  return Math.min(1, rawCurve(localHour) / RAW_PEAK)
}

/** The lowest share the curve reaches (its night floor after normalisation). */
export const TRAFFIC_SHARE_MIN = Math.min(...Array.from({ length: 24 * 60 }, (_, minute) => trafficShare(minute / 60)))

const BLOCK_MS = 15 * 60_000

/**
 * Local hour and date of instants in one time zone. Offsets change only on quarter-hour
 * boundaries, so the wall clock is looked up once per quarter hour rather than per call.
 */
export class LocalClock {
  private blockStartMs = Number.NaN
  private blockHour = 0
  private blockDate = ''

  constructor(readonly timeZone: string) {}

  private load(ms: number): void {
    const start = Math.floor(ms / BLOCK_MS) * BLOCK_MS
    if (start === this.blockStartMs) return
    const w = wallClock(start, this.timeZone)
    this.blockStartMs = start
    this.blockHour = w.hour + w.minute / 60 + w.second / 3600
    this.blockDate = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
  }

  /** Local hour of day, fractional (09:30 is 9.5). */
  hourOf(ms: number): number {
    this.load(ms)
    return this.blockHour + (ms - this.blockStartMs) / 3_600_000
  }

  /** Local calendar date, `YYYY-MM-DD`. */
  dateOf(ms: number): string {
    this.load(ms)
    return this.blockDate
  }
}
