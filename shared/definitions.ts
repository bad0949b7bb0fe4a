// Metric definitions (取数口径, design: metrics.md) as data: the options every figure is computed
// under, their product defaults, their schema, and their history. Every change makes a new version
// of the definition set; a queue's definition is the defaults merged with its overrides, and its
// version is the set version in which that merge last changed. Words (labels, formulas) are in
// definition-text.ts, kept apart so that the board's bundle carries no schema code.
import Type from 'typebox'
import { BusinessCalendar, isValidTimeZone } from './figures/calendar.js'

export const SL_FORMULAS = ['standard', 'abandons-neutral', 'abandons-positive', 'answered-only'] as const
export type SlFormula = (typeof SL_FORMULAS)[number]
export const ROLLING_MINUTES = [5, 15, 30, 60] as const
export const INTERVAL_MINUTES = [15, 30] as const
export const FCR_SCOPES = ['any-queue', 'same-queue'] as const
/** The longest rolling window any definition may ask for; per-second buckets are kept this long. */
export const MAX_ROLLING_MINUTES = 60
/** The longest FCR window any definition may ask for; caller history is kept this long. */
export const MAX_FCR_WINDOW_HOURS = 72
/** Service-level presets a form offers next to custom values. */
export const SL_PRESETS = [
  { id: '80/20', slTargetPct: 80, slThresholdSec: 20 },
  { id: '90/10', slTargetPct: 90, slThresholdSec: 10 },
] as const

export const DefinitionOptionsSchema = Type.Object(
  {
    slThresholdSec: Type.Integer({ minimum: 1, maximum: 3600, description: 'answered within this wait meets service level' }),
    slTargetPct: Type.Number({ minimum: 0, maximum: 100, description: 'service level target' }),
    slFormula: Type.Enum([...SL_FORMULAS], { description: 'how abandons enter service level' }),
    shortAbandonSec: Type.Integer({
      minimum: 0,
      maximum: 600,
      description: 'abandons with a shorter wait are ignored (0: none)',
    }),
    overflowCounts: Type.Boolean({ description: 'overflowed calls stay in the service-level denominator' }),
    fcrWindowHours: Type.Integer({
      minimum: 1,
      maximum: MAX_FCR_WINDOW_HOURS,
      description: 'a repeat call within this window means not resolved',
    }),
    fcrScope: Type.Enum([...FCR_SCOPES], { description: 'a repeat call counts in any queue, or only in the same queue' }),
    csatScale: Type.Integer({ minimum: 2, maximum: 10, description: 'the highest csat answer' }),
    csatTopBox: Type.Integer({ minimum: 1, maximum: 10, description: 'csat at or above this is satisfied' }),
    csatLowBox: Type.Integer({ minimum: 1, maximum: 10, description: 'csat at or below this is dissatisfied' }),
    utilizationExcludedReasons: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 50,
      uniqueItems: true,
      description: 'pause reasons whose time leaves the utilization denominator (e.g. lunch)',
    }),
    rollingMinutes: Type.Union([Type.Literal(5), Type.Literal(15), Type.Literal(30), Type.Literal(60)], {
      description: 'length of the rolling window in minutes',
    }),
    intervalMinutes: Type.Union([Type.Literal(15), Type.Literal(30)], { description: 'length of history intervals' }),
    dayStartHour: Type.Integer({ minimum: 0, maximum: 23, description: 'hour the business day starts' }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the business day' }),
  },
  { additionalProperties: false },
)
export type DefinitionOptions = Type.Static<typeof DefinitionOptionsSchema>

/** A queue's definition in force: its options and the version they belong to. */
export const DefinitionSchema = Type.Object(
  {
    ...DefinitionOptionsSchema.properties,
    version: Type.Integer({ minimum: 1, description: 'the definition-set version in which these options last changed' }),
  },
  { additionalProperties: false },
)
export type Definition = Type.Static<typeof DefinitionSchema>

/** A definition as the definitions API describes it: options, version, labels, formulas in words. */
export const DescribedDefinitionSchema = Type.Object({
  ...DefinitionSchema.properties,
  label: Type.String(),
  labelZh: Type.String(),
  formulas: Type.Record(Type.String(), Type.String()),
})

/** A change of options: any of them, at least one. */
export const OptionsPatchSchema = Type.Object(
  Object.fromEntries(Object.entries(DefinitionOptionsSchema.properties).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof typeof DefinitionOptionsSchema.properties]: Type.TOptional<(typeof DefinitionOptionsSchema.properties)[K]>
  },
  { additionalProperties: false, minProperties: 1 },
)

/** `GET /api/v1/definitions` and the answer to every change. */
export const DefinitionsDocSchema = Type.Object({
  version: Type.Integer({ description: 'the newest version of the definition set' }),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  defaults: DescribedDefinitionSchema,
  queues: Type.Array(
    Type.Object({
      id: Type.String(),
      overrides: Type.Record(Type.String(), Type.Unknown(), { description: 'the options this queue sets itself' }),
      definition: DescribedDefinitionSchema,
    }),
  ),
  presets: Type.Array(Type.Object({ id: Type.String(), slTargetPct: Type.Number(), slThresholdSec: Type.Integer() })),
  history: Type.Array(
    Type.Object({
      version: Type.Integer(),
      createdAt: Type.Number(),
      createdBy: Type.String(),
      changed: Type.Array(Type.String(), { description: '"defaults" or queue ids whose definition this version changed' }),
    }),
  ),
})
export type DefinitionsDoc = Type.Static<typeof DefinitionsDocSchema>

export const DEFAULT_OPTIONS: Omit<DefinitionOptions, 'timezone'> = {
  slThresholdSec: 20,
  slTargetPct: 80,
  slFormula: 'standard',
  shortAbandonSec: 5,
  overflowCounts: true,
  fcrWindowHours: 24,
  fcrScope: 'any-queue',
  csatScale: 5,
  csatTopBox: 4,
  csatLowBox: 2,
  utilizationExcludedReasons: [],
  rollingMinutes: 30,
  intervalMinutes: 30,
  dayStartHour: 0,
}

export function defaultDefinition(timezone: string): Definition {
  return { ...DEFAULT_OPTIONS, timezone, version: 1 }
}

/** One version of the whole definition set: the defaults and each queue's overrides. */
export interface DefinitionSet {
  version: number
  createdAt: number
  createdBy: string
  defaults: DefinitionOptions
  queues: Record<string, Partial<DefinitionOptions>>
}

export function firstDefinitionSet(timezone: string, createdAt: number): DefinitionSet {
  return { version: 1, createdAt, createdBy: 'system', defaults: { ...DEFAULT_OPTIONS, timezone }, queues: {} }
}

export function effectiveOptions(set: DefinitionSet, queue: string | null): DefinitionOptions {
  const overrides = queue === null ? undefined : set.queues[queue]
  return overrides ? { ...set.defaults, ...overrides } : set.defaults
}

/**
 * Checks what the schema cannot: a known time zone, and boxes that fit the scale. Returns the
 * problems, each naming its field under `path` (e.g. `body.timezone: unknown time zone "Mars/Base"`).
 */
export function definitionProblems(options: Partial<DefinitionOptions>, path: string, merged?: DefinitionOptions): string[] {
  const out: string[] = []
  if (options.timezone !== undefined && !isValidTimeZone(options.timezone)) {
    out.push(`${path}.timezone: unknown time zone ${JSON.stringify(options.timezone)}`)
  }
  const o = merged ?? options
  if (o.csatTopBox !== undefined && o.csatScale !== undefined && o.csatTopBox > o.csatScale) {
    out.push(`${path}.csatTopBox: above csatScale (${o.csatScale})`)
  }
  if (o.csatLowBox !== undefined && o.csatTopBox !== undefined && o.csatLowBox >= o.csatTopBox) {
    out.push(`${path}.csatLowBox: must be below csatTopBox (${o.csatTopBox})`)
  }
  return out
}

const sameOptions = (a: DefinitionOptions, b: DefinitionOptions) => JSON.stringify(a) === JSON.stringify(b)

interface Span {
  /** the instant from which this definition applies: the start of the business day it was made in */
  from: number
  definition: Definition
}

/**
 * Which definition applies where and when. A definition made at instant t applies from the start
 * of the business day containing t (that day is recomputed under it), so a day never mixes two
 * definitions; earlier days keep the one they were computed with.
 */
export class DefinitionBook {
  private readonly spans = new Map<string, Span[]>()
  readonly current: DefinitionSet

  constructor(readonly history: readonly DefinitionSet[]) {
    if (history.length === 0) throw new RangeError('a definition book needs at least one version')
    this.current = history[history.length - 1]!
  }

  /** Versions in force for a queue (null: the centre's defaults), oldest first. */
  private spansOf(queue: string | null): Span[] {
    const key = queue ?? '\u0000defaults'
    let spans = this.spans.get(key)
    if (spans) return spans
    spans = []
    let last: DefinitionOptions | null = null
    for (const set of this.history) {
      const options = effectiveOptions(set, queue)
      if (last !== null && sameOptions(last, options)) continue
      const calendar = new BusinessCalendar(options.timezone, options.dayStartHour)
      const previous = spans[spans.length - 1]
      let from = Number.NEGATIVE_INFINITY
      if (previous && last) {
        // A version takes effect at the start of the business day it was made in. When it moves the
        // day's start (time zone, day start hour), at the later of the two starts: a day the old
        // calendar had already begun is not cut, and no day holds two versions.
        const before = new BusinessCalendar(last.timezone, last.dayStartHour)
        from = Math.max(calendar.dayStartOf(set.createdAt), before.dayStartOf(set.createdAt), previous.from)
      }
      last = options
      spans.push({ from, definition: { ...options, version: set.version } })
    }
    this.spans.set(key, spans)
    return spans
  }

  private at(spans: Span[], atMs: number | undefined): Definition {
    if (atMs === undefined) return spans[spans.length - 1]!.definition
    for (let i = spans.length - 1; i >= 0; i--) if (atMs >= spans[i]!.from) return spans[i]!.definition
    return spans[0]!.definition
  }

  /** The definition a queue's figures at `atMs` are computed under (default: the one in force now). */
  forQueue(queue: string, atMs?: number): Definition {
    return this.at(this.spansOf(queue), atMs)
  }

  /** The centre's defaults at `atMs`: the business day of agent figures. */
  forCentre(atMs?: number): Definition {
    return this.at(this.spansOf(null), atMs)
  }

  /** When the version in force for a queue (null: the centre) at `atMs` took effect; -Infinity for the first. */
  since(queue: string | null, atMs: number): number {
    const spans = this.spansOf(queue)
    for (let i = spans.length - 1; i >= 0; i--) if (atMs >= spans[i]!.from) return spans[i]!.from
    return Number.NEGATIVE_INFINITY
  }

  /** Every change of a queue's (or the centre's) definition, oldest first. */
  versionsOf(queue: string | null): Array<{ from: number | null; definition: Definition }> {
    return this.spansOf(queue).map((s) => ({ from: Number.isFinite(s.from) ? s.from : null, definition: s.definition }))
  }

  /** The queues whose definition differs between two books (null stands for the centre). */
  changedSince(older: DefinitionBook, queues: Iterable<string>): Array<string | null> {
    const out: Array<string | null> = []
    if (!sameDefinition(older.forCentre(), this.forCentre())) out.push(null)
    for (const q of queues) if (!sameDefinition(older.forQueue(q), this.forQueue(q))) out.push(q)
    return out
  }
}

function sameDefinition(a: Definition, b: Definition): boolean {
  return a.version === b.version && JSON.stringify(a) === JSON.stringify(b)
}
