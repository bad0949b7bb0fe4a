// What the rule schemas cannot say: the cross-checks of a whole rule (levels in the comparator's
// order, a clear level on the right side of them, a figure of the window, a duration that fits in
// the active hours …), each problem naming its field under `path`, as the routes answer them.
import {
  type AlertRuleInput,
  ESCALATION_LEVELS,
  type FigureRuleInput,
  LIVE_ALERT_FIGURES,
  WINDOW_ALERT_FIGURES,
} from './alerts.js'
import { activeMinutes } from './alert-engine.js'
import { hoursProblems } from './hours.js'

/** The range a figure's levels must lie in (percentages 0–100, NPS −100…100, counts and times ≥ 0). */
function rangeOf(figure: string): [number, number] | null {
  if (figure === 'staffingGap') return null
  if (figure === 'nps') return [-100, 100]
  if (figure.endsWith('Pct')) return [0, 100]
  return [0, Number.MAX_SAFE_INTEGER]
}

function figureProblems(rule: FigureRuleInput, path: string): string[] {
  const out: string[] = []
  const live = (LIVE_ALERT_FIGURES as readonly string[]).includes(rule.figure)
  if (rule.window === 'live' && !live) {
    out.push(`${path}.figure: ${rule.figure} is not a live figure (live: ${LIVE_ALERT_FIGURES.join(', ')})`)
  }
  if (rule.window !== 'live' && !(WINDOW_ALERT_FIGURES as readonly string[]).includes(rule.figure)) {
    out.push(`${path}.figure: ${rule.figure} is a live figure: use window "live"`)
  }
  if (rule.warn === null && rule.critical === null) out.push(`${path}.warn: set warn, critical or both`)
  const range = rangeOf(rule.figure)
  for (const field of ['warn', 'critical', 'clearAt'] as const) {
    const v = rule[field]
    if (v !== null && range !== null && (v < range[0] || v > range[1])) {
      out.push(
        `${path}.${field}: ${rule.figure} lies from ${range[0]} to ${range[1] === Number.MAX_SAFE_INTEGER ? '∞' : range[1]}`,
      )
    }
  }
  const above = rule.comparator === 'above'
  if (rule.warn !== null && rule.critical !== null && (above ? rule.critical <= rule.warn : rule.critical >= rule.warn)) {
    out.push(`${path}.critical: must lie ${above ? 'above' : 'below'} warn (${rule.warn}) for comparator ${rule.comparator}`)
  }
  const first = rule.warn ?? rule.critical
  if (rule.clearAt !== null && first !== null && (above ? rule.clearAt > first : rule.clearAt < first)) {
    out.push(
      `${path}.clearAt: must not lie ${above ? 'above' : 'below'} ${rule.warn !== null ? 'warn' : 'critical'} (${first}): the alert would resolve while it still holds`,
    )
  }
  return out
}

export function alertRuleProblems(rule: AlertRuleInput, path = 'body'): string[] {
  const out: string[] = []
  const hours = rule.activeHours
  if (hours !== 'team') out.push(...hoursProblems(hours, `${path}.activeHours`))
  // "team": each subject's team's opening hours, which are not known here (and may change after the
  // rule is saved), so the checks against the length of the active window skip such rules.
  const windowSec = hours === null || hours === 'team' ? null : activeMinutes(hours) * 60
  if (rule.kind === 'figure') {
    out.push(...figureProblems(rule, path))
    if (windowSec !== null && rule.forSec >= windowSec) {
      out.push(`${path}.forSec: must be shorter than the active hours (${windowSec} s), or the rule never fires`)
    }
  } else if (rule.kind === 'agent') {
    if (rule.reason !== null && rule.state !== 'paused') out.push(`${path}.reason: only paused agents have a reason`)
  } else {
    const ranks = rule.escalation.map((e) => ESCALATION_LEVELS.indexOf(e.level))
    ranks.forEach((rank, i) => {
      if (i > 0 && rank <= ranks[i - 1]!) {
        out.push(`${path}.escalation[${i}].level: levels go ${ESCALATION_LEVELS.join(' → ')}, each once`)
      }
    })
  }
  return out
}
