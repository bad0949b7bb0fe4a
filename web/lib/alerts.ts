// How alerts read on screen: the open list kept in order (critical first, then newest), and one
// alert as words (what, where, its value against its threshold). Pure, unit-tested.
import type { Alert } from '../../shared/alerts.js'
import type { Lang } from '../../shared/definition-text.js'
import { count, duration, percent, score } from './format.js'
import type { MessageKey, Translate } from './i18n.js'

/** Whether an alert is open (firing or acknowledged). */
export const isOpen = (a: Alert) => a.state !== 'resolved'

/** The open alerts after one changed: replaced or added while open, dropped once resolved; critical first, then newest. */
export function mergeAlert(open: readonly Alert[], changed: Alert): Alert[] {
  const rest = open.filter((a) => a.id !== changed.id)
  return sortAlerts(isOpen(changed) ? [...rest, changed] : rest)
}

export function sortAlerts(list: readonly Alert[]): Alert[] {
  const rank = (a: Alert) => (a.state === 'firing' ? 0 : 1) * 2 + (a.severity === 'critical' ? 0 : 1)
  return [...list].sort((a, b) => rank(a) - rank(b) || b.firedAt - a.firedAt || (a.id < b.id ? -1 : 1))
}

/** A figure's value as the board writes it: percentages, durations, scores, counts. */
export function alertValue(figure: string | null, value: number | null, kind: Alert['kind'], lang: Lang): string {
  if (value === null) return '–'
  if (kind === 'agent') return duration(value)
  if (figure === null) return count(value, lang)
  if (figure === 'nps' && kind === 'figure') return score(value)
  if (figure.endsWith('Pct')) return percent(value)
  if (figure.endsWith('Sec')) return duration(value)
  return count(value, lang)
}

/** Its value against its threshold ("14 (threshold 10)"); a survey's score alone ("NPS 3"). */
export function alertValueText(a: Alert, t: Translate, lang: Lang): string {
  const value = alertValue(a.figure, a.value, a.kind, lang)
  if (a.kind === 'event') return `${(a.figure ?? '').toUpperCase()} ${value}`
  if (a.threshold === null) return value
  return t('alerts.value', { value, threshold: alertValue(a.figure, a.threshold, a.kind, lang) })
}

/** What the alert watches, in words: a figure with its window, an agent state (and pause reason), a survey. */
export function alertWhat(a: Alert, t: Translate): string {
  if (a.kind === 'agent') {
    const [state = '', reason] = (a.figure ?? '').split(':')
    const name = t(`alerts.state.${state}` as MessageKey)
    return reason ? `${name} · ${reason}` : name
  }
  if (a.kind === 'event') return t(a.figure === 'csat' ? 'alerts.event.dissatisfied' : 'alerts.event.detractor')
  const figure = t(`alerts.figure.${a.figure ?? ''}` as MessageKey)
  return a.window === undefined || a.window === 'live' ? figure : `${figure} (${t(`alerts.window.${a.window}`)})`
}

/** Where: the agent (and its queue or team), or the queue. */
export function alertWhere(a: Alert, names: { queue(id: string): string; agent(id: string): string }): string {
  const parts: string[] = []
  if (a.subject.agent !== null) parts.push(names.agent(a.subject.agent))
  if (a.subject.queue !== null) parts.push(names.queue(a.subject.queue))
  else if (a.subject.team !== null) parts.push(a.subject.team)
  return parts.join(' · ')
}
