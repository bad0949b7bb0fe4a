// Metric definitions (取数口径, design: metrics.md): the options every figure is computed under,
// their product defaults, and the human label a board shows next to the number.
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

export type Lang = 'en' | 'zh-CN'

/**
 * The short label a board puts next to service level, e.g. `SL 80/20 · abandons < 5 s ignored`.
 * It names every option that changes the number, so two boards with the same label agree.
 */
export function definitionLabel(def: Definition, lang: Lang = 'en'): string {
  const t = def.slThresholdSec
  const parts = [`SL ${formatNumber(def.slTargetPct)}/${t}`]
  const zh = lang === 'zh-CN'
  switch (def.slFormula) {
    case 'abandons-neutral':
      parts.push(zh ? `${t} 秒内放弃不计入` : `abandons within ${t} s excluded`)
      break
    case 'abandons-positive':
      parts.push(zh ? `${t} 秒内放弃视为达标` : `abandons within ${t} s count as met`)
      break
    case 'answered-only':
      parts.push(zh ? '仅计接通' : 'answered calls only')
      break
    case 'standard':
      break
  }
  if (def.shortAbandonSec > 0) {
    parts.push(zh ? `${def.shortAbandonSec} 秒内短放弃剔除` : `abandons < ${def.shortAbandonSec} s ignored`)
  } else {
    parts.push(zh ? '所有放弃计入' : 'all abandons counted')
  }
  if (!def.overflowCounts && def.slFormula !== 'answered-only') parts.push(zh ? '溢出不计入' : 'overflows excluded')
  return parts.join(' · ')
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

/** The definition's formulas in words, for the API and the README. */
export function definitionFormulas(def: Definition): Record<string, string> {
  const t = def.slThresholdSec
  const net = `offered − shortAbandoned (abandons with wait < ${def.shortAbandonSec} s)`
  const slDenominatorAdjust = `${def.overflowCounts ? '' : ' − overflowed'} − calls with unknown wait`
  const sl: Record<SlFormula, string> = {
    standard: `answeredWithin ${t} s / (offeredNet${slDenominatorAdjust})`,
    'abandons-neutral': `answeredWithin ${t} s / (offeredNet − abandonedWithin ${t} s${slDenominatorAdjust})`,
    'abandons-positive': `(answeredWithin ${t} s + abandonedWithin ${t} s) / (offeredNet${slDenominatorAdjust})`,
    'answered-only': `answeredWithin ${t} s / answered calls with known wait`,
  }
  return {
    offeredNet: net,
    serviceLevelPct: sl[def.slFormula],
    answerRatePct: 'answered / offeredNet',
    abandonRatePct: 'abandoned (not short) / offeredNet',
    asaSec: 'mean wait of answered calls with known wait',
    avgAbandonWaitSec: 'mean wait of abandoned calls (not short) with known wait',
    maxWaitSec: 'longest wait of any call whose outcome is in the window (whole seconds)',
    avgTalkSec: 'talk time of handled calls / handled',
    avgAcwSec: 'ACW time ended in the window / handled',
    ahtSec: '(talk time of handled calls + ACW time ended in the window) / handled',
    csatPct: `responses with csat ≥ ${def.csatTopBox} / responses with csat (scale 1–${def.csatScale})`,
    dsatPct: `responses with csat ≤ ${def.csatLowBox} / responses with csat`,
    nps: '100 × (promoters 9–10 − detractors 0–6) / responses with nps',
    windows: `today: since ${String(def.dayStartHour).padStart(2, '0')}:00 ${def.timezone}; rolling: the last ${def.rollingMinutes} minutes, to the second`,
    attribution:
      'a call counts in the window of its outcome (answer, abandon, overflow); handled and talk at its end; ACW when it ends',
  }
}
