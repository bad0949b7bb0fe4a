// What the phone-system mappers (queue_log, AMI) share: the event before its id is stamped, the
// checks and clean-up of the text they read, queue lists kept sorted, and the counts of what they
// skipped and why.
import type { WallboardEvent } from '../../shared/events.js'

/** An event before its id, time and source are stamped. */
export type Draft = WallboardEvent extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts' | 'source'> : never) : never

/** Problem lines keep this much of the line. */
export const PROBLEM_LINE_CHARS = 300
/** Event times outside these are not phone-system times (validateEvent also refuses before 2000). */
export const MIN_TS = Date.UTC(2000, 0, 1)
export const MAX_TS = Date.UTC(2100, 0, 1)
/** Distinct verbs / event names counted by name; past this, odd ones are counted together (garbage stays small). */
const MAX_NAME_KEYS = 200

/** Control characters: the contract refuses them in ids (validateEvent), and they mean nothing in text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u001F\u007F]/
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_ALL = /[\u0000-\u001F\u007F]/g

/** Text without control characters, trimmed and cut to `max`. */
export const clean = (text: string, max: number) => text.replace(CONTROL_ALL, '').trim().slice(0, max)

export const withQueue = (list: string[], q: string) => (list.includes(q) ? list : [...list, q].sort())
export const withoutQueue = (list: string[], q: string) => list.filter((x) => x !== q)
export const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

/** A line (or message) with a problem, as read (cut to PROBLEM_LINE_CHARS), and why. */
export interface ProblemLine<R extends string> {
  line: string
  reason: R
}

export interface ProblemCounts<R extends string> {
  /** lines read and deliberately not mapped, by verb or event name */
  skipped: Record<string, number>
  /** lines with a problem, by reason */
  problems: Partial<Record<R, number>>
  /** the latest problem lines, oldest first */
  recentProblems: Array<ProblemLine<R>>
}

/** What a mapper counts, whatever it reads. */
export interface MapperCounts<R extends string> extends ProblemCounts<R> {
  events: number
  /** understood lines that changed nothing */
  unchanged: number
}

/** Counts one line (or message) read and deliberately not mapped, by its verb or event name. */
export function countSkipped(counts: ProblemCounts<string>, verb: string): void {
  const skipped = counts.skipped
  const name = verb.slice(0, 40)
  const key = Object.hasOwn(skipped, name) || Object.keys(skipped).length < MAX_NAME_KEYS ? name : '(other)'
  skipped[key] = (skipped[key] ?? 0) + 1
}

/** Counts one problem line by reason and keeps the latest `keep` of them. */
export function countProblem<R extends string>(counts: ProblemCounts<R>, line: string, reason: R, keep: number): void {
  counts.problems[reason] = (counts.problems[reason] ?? 0) + 1
  counts.recentProblems.push({ line: line.slice(0, PROBLEM_LINE_CHARS), reason })
  if (counts.recentProblems.length > keep) counts.recentProblems.shift()
}
