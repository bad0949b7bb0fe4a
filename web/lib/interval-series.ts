// The supervisor's charts' data: one queue's closed intervals of today, lined up against the same
// weekday last week (the same local times, seven days earlier), from GET /api/v1/history. Pure
// apart from the fetch, so the alignment is tested without a browser.
import type { HistoryDoc, HistoryRow, WaitingSeries } from '../../shared/figures/schema.js'
import { getJson } from './api.js'

export const WEEK_MS = 7 * 86_400_000

export interface SeriesPoint {
  /** interval start today, epoch ms */
  from: number
  today: HistoryRow | null
  lastWeek: HistoryRow | null
  /** the definition version changed at this interval (today's rows): the chart marks the break */
  versionBreak: boolean
}

/**
 * Today's intervals from `dayStart` to `now`, each with last week's row that started exactly seven
 * days earlier. Intervals with no row on either day are left out; a change of definition version
 * between two of today's rows is flagged on the later one.
 */
export function alignWeeks(today: readonly HistoryRow[], lastWeek: readonly HistoryRow[]): SeriesPoint[] {
  const before = new Map(lastWeek.map((r) => [r.from + WEEK_MS, r]))
  const now = new Map(today.map((r) => [r.from, r]))
  const starts = [...new Set([...now.keys(), ...before.keys()])].sort((a, b) => a - b)
  let version: number | null = null
  return starts.map((from) => {
    const row = now.get(from) ?? null
    const versionBreak = row !== null && version !== null && row.definition.version !== version
    if (row !== null) version = row.definition.version
    return { from, today: row, lastWeek: before.get(from) ?? null, versionBreak }
  })
}

/** The answer, or an error a chart shows as "could not be loaded". */
async function load<T>(url: string): Promise<T> {
  const r = await getJson<T>(url)
  if (!r.ok) throw new Error(`${url}: ${r.status}`)
  return r.data
}

async function history(queue: string, from: number, to: number): Promise<HistoryRow[]> {
  return (await load<HistoryDoc>(`/api/v1/history?queue=${encodeURIComponent(queue)}&from=${from}&to=${to}`)).rows
}

/** One queue’s today so far, and the same weekday last week. */
export async function fetchWeeks(queue: string, dayStart: number, now: number): Promise<SeriesPoint[]> {
  const [today, lastWeek] = await Promise.all([
    history(queue, dayStart, now),
    // The whole of last week’s day, so the chart shows what is still to come.
    history(queue, dayStart - WEEK_MS, dayStart - WEEK_MS + 86_400_000),
  ])
  return alignWeeks(today, lastWeek)
}

/** Calls waiting in one queue over the last hour, one point per 15 s. */
export async function fetchWaiting(queue: string): Promise<WaitingSeries> {
  return load<WaitingSeries>(`/api/v1/waiting?queue=${encodeURIComponent(queue)}&minutes=60&stepSec=15`)
}
