// Metric definitions (取数口径, design: metrics.md): the options every figure is computed under,
// their product defaults and their schema. Their words (labels, formulas) are in definition-text.ts.
import Type from 'typebox'

export const SL_FORMULAS = ['standard', 'abandons-neutral', 'abandons-positive', 'answered-only'] as const
export type SlFormula = (typeof SL_FORMULAS)[number]
export const ROLLING_MINUTES = [5, 15, 30, 60] as const
/** The longest rolling window any definition may ask for; per-second buckets are kept this long. */
export const MAX_ROLLING_MINUTES = 60

export const DefinitionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'increases with every change of options' }),
    slThresholdSec: Type.Integer({ minimum: 1, maximum: 3600, description: 'answered within this wait meets service level' }),
    slTargetPct: Type.Number({ minimum: 0, maximum: 100, description: 'service level target' }),
    slFormula: Type.Enum([...SL_FORMULAS], { description: 'how abandons enter service level' }),
    shortAbandonSec: Type.Integer({
      minimum: 0,
      maximum: 600,
      description: 'abandons with a shorter wait are ignored (0: none)',
    }),
    overflowCounts: Type.Boolean({ description: 'overflowed calls stay in the service-level denominator' }),
    rollingMinutes: Type.Union([Type.Literal(5), Type.Literal(15), Type.Literal(30), Type.Literal(60)], {
      description: 'length of the rolling window in minutes',
    }),
    timezone: Type.String({ description: 'IANA time zone of the business day' }),
    dayStartHour: Type.Integer({ minimum: 0, maximum: 23, description: 'hour the business day starts' }),
    csatScale: Type.Integer({ minimum: 2, maximum: 10 }),
    csatTopBox: Type.Integer({ minimum: 1, maximum: 10, description: 'csat at or above this is satisfied' }),
    csatLowBox: Type.Integer({ minimum: 1, maximum: 10, description: 'csat at or below this is dissatisfied' }),
  },
  { additionalProperties: false },
)
export type Definition = Type.Static<typeof DefinitionSchema>

export const DEFAULT_DEFINITION: Omit<Definition, 'timezone'> = {
  version: 1,
  slThresholdSec: 20,
  slTargetPct: 80,
  slFormula: 'standard',
  shortAbandonSec: 5,
  overflowCounts: true,
  rollingMinutes: 30,
  dayStartHour: 0,
  csatScale: 5,
  csatTopBox: 4,
  csatLowBox: 2,
}

export function defaultDefinition(timezone: string): Definition {
  return { ...DEFAULT_DEFINITION, timezone }
}
