// The words for a definition: the short label a board shows next to service level, and every
// formula spelled out. Kept apart from the schema so that the board's bundle carries no TypeBox.
import type { Definition, SlFormula } from './definitions.js'

export type Lang = 'en' | 'zh-CN'

/**
 * The short label a board puts next to service level, e.g. `SL 80/20 · abandons < 5 s ignored · v3`.
 * It names every option that changes the number, and the version, so two boards with the same
 * label agree.
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
  parts.push(`v${def.version}`)
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
    avgAcwSec: 'after-call work time in the window / handled',
    ahtSec: '(talk time of handled calls + after-call work time in the window) / handled',
    occupancyPct:
      '(time on calls + after-call work) / (time on calls + after-call work + time available), agent time in the window',
    utilizationPct: def.utilizationExcludedReasons.length
      ? `(time on calls + after-call work) / (logged-in time − time paused for ${def.utilizationExcludedReasons.join(', ')})`
      : '(time on calls + after-call work) / logged-in time (every pause counts in)',
    callsPerAgent: 'handled / agents who handled at least one call',
    fcrPct: `handled calls not followed by a new call from the same caller${def.fcrScope === 'same-queue' ? ' in the same queue' : ''} within ${def.fcrWindowHours} h (nor marked unresolved) / handled calls with a known caller whose ${def.fcrWindowHours} h have passed; the others are fcrPending`,
    csatPct: `responses with csat ≥ ${def.csatTopBox} / responses with csat (scale 1–${def.csatScale})`,
    dsatPct: `responses with csat ≤ ${def.csatLowBox} / responses with csat`,
    nps: '100 × (promoters 9–10 − detractors 0–6) / responses with nps',
    staffing:
      'Erlang C: arrivals and AHT of the last 30 minutes, the SL target; needed = fewest agents meeting it, predicted with the agents logged in',
    windows: `today: since ${String(def.dayStartHour).padStart(2, '0')}:00 ${def.timezone}; rolling: the last ${def.rollingMinutes} minutes, to the second for calls, by whole minutes for agent time; history: ${def.intervalMinutes}-minute intervals`,
    attribution:
      'a call counts in the window of its queue entry (arrived), of its outcome (answer, abandon, overflow), and of its end (handled, talk, FCR); agent time where it is spent. A new version applies from the start of the business day it is made in (the later of the old and new starts when it moves the day); earlier days keep theirs',
  }
}
