// How every figure is written on screen (metrics.md): percentages to one decimal place,
// durations as m:ss, counts with the language's grouping, and "–" for a figure that does not
// exist (a ratio with a zero denominator): never 0 % or 100 %.
import type { Lang } from '../../shared/definition-text.js'
import type { Translate } from './i18n.js'

export const NONE = '–'

export function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NONE
  return `${(Math.round(value * 10) / 10).toFixed(1)}%`
}

/** Whole seconds as m:ss, or h:mm:ss from an hour on. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return NONE
  const total = Math.max(0, Math.round(seconds))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

const countFormats = new Map<Lang, Intl.NumberFormat>()

export function count(value: number | null, lang: Lang): string {
  if (value === null || !Number.isFinite(value)) return NONE
  let f = countFormats.get(lang)
  if (!f) countFormats.set(lang, (f = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 })))
  return f.format(value)
}

/** A percentage target, as in "target 80%": no decimals unless it has some. */
export function target(pct: number): string {
  return Number.isInteger(pct) ? `${pct}%` : percent(pct)
}

/** An age for people: "0.4 s" under 10 s, then "12 s", "2 min", "3 h", "2 d". */
export function age(ms: number, t: Translate): string {
  const sec = Math.max(0, ms) / 1000
  if (sec < 10) return t('age.seconds', { n: (Math.floor(sec * 10) / 10).toFixed(1) })
  if (sec < 90) return t('age.seconds', { n: String(Math.floor(sec)) })
  const min = sec / 60
  if (min < 90) return t('age.minutes', { n: String(Math.floor(min)) })
  const h = min / 60
  if (h < 48) return t('age.hours', { n: String(Math.floor(h)) })
  return t('age.days', { n: String(Math.floor(h / 24)) })
}

/** The wall clock, HH:mm:ss, in the centre's time zone when known. */
export function clock(epochMs: number, lang: Lang, timeZone: string | undefined): string {
  return clockFormat(lang, timeZone).format(epochMs)
}

/** The wall clock to the minute, HH:mm (an interval's bounds), in the centre's time zone when known. */
export function hourMinute(epochMs: number, lang: Lang, timeZone: string | undefined): string {
  return clockFormat(lang, timeZone, false).format(epochMs)
}

/** The date beside the clock, e.g. "Mon 23 Nov" / "11月23日 周一". */
export function date(epochMs: number, lang: Lang, timeZone: string | undefined): string {
  return dateFormat(lang, timeZone).format(epochMs)
}

const clockFormats = new Map<string, Intl.DateTimeFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

function clockFormat(lang: Lang, timeZone: string | undefined, seconds = true): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone ?? ''}|${seconds}`
  let f = clockFormats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZone: safeZone(timeZone),
    })
    clockFormats.set(key, f)
  }
  return f
}

function dateFormat(lang: Lang, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone ?? ''}`
  let f = dateFormats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { weekday: 'short', month: 'short', day: 'numeric', timeZone: safeZone(timeZone) })
    dateFormats.set(key, f)
  }
  return f
}

/** A zone the browser does not know falls back to its own rather than breaking the clock. */
function safeZone(timeZone: string | undefined): string | undefined {
  if (timeZone === undefined) return undefined
  try {
    new Intl.DateTimeFormat('en', { timeZone })
    return timeZone
  } catch {
    return undefined
  }
}

/** A score that may be negative, e.g. NPS: "+32", "−12", "0". */
export function score(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NONE
  const n = Math.round(value)
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0'
}
