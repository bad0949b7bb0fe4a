// The words for a definition: the short label a board shows next to service level, and every
// formula spelled out. Kept apart from the schema so that the board's bundle carries no TypeBox.
import type { Definition, SlFormula } from './definitions.js'

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
