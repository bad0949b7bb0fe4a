// The alert rule form as typed and back: a rule becomes the form, the form becomes the body of a
// POST or PATCH (only the fields of its kind). Numbers go as typed, so a wrong one comes back from
// the server with its reason next to the input; an empty level means none. Pure, unit-tested.
import { type AlertRule, type EscalationLevel, type LIVE_ALERT_FIGURES, type WINDOW_ALERT_FIGURES } from '../../shared/alerts.js'
import type { AgentLiveState } from '../../shared/figures/schema.js'
import { type HoursForm, hoursForm, hoursInput } from './hours-form.js'

type Figure = (typeof LIVE_ALERT_FIGURES)[number] | (typeof WINDOW_ALERT_FIGURES)[number]

export interface RuleForm {
  kind: AlertRule['kind']
  name: string
  enabled: boolean
  scope: 'queue' | 'team' | 'all'
  scopeId: string
  // figure rules
  window: 'live' | 'today' | 'rolling'
  figure: Figure
  comparator: 'above' | 'below'
  warn: string
  critical: string
  forSec: string
  clearAt: string
  // agent rules
  state: AgentLiveState
  reason: string
  overSec: string
  // event rules
  trigger: 'detractor' | 'dissatisfied'
  dueMin: string
  escalation: Array<{ level: EscalationLevel; channels: string[] }>
  // every kind
  cooldownSec: string
  /** always (null), these hours, or the opening hours of each subject's team ("team") */
  activeHours: 'always' | 'these' | 'team'
  hours: HoursForm
  channels: string[]
  banner: boolean
  sound: boolean
}

const text = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v))

export function ruleForm(rule?: AlertRule): RuleForm {
  const f: RuleForm = {
    kind: rule?.kind ?? 'figure',
    name: rule?.name ?? '',
    enabled: rule?.enabled ?? true,
    scope: 'all',
    scopeId: '',
    window: 'live',
    figure: 'waiting',
    comparator: 'above',
    warn: '',
    critical: '',
    forSec: '30',
    clearAt: '',
    state: 'paused',
    reason: '',
    overSec: '2100',
    trigger: 'detractor',
    dueMin: '240',
    escalation: [
      { level: 'teamlead', channels: [] },
      { level: 'supervisor', channels: [] },
      { level: 'manager', channels: [] },
    ],
    cooldownSec: text(rule?.cooldownSec ?? 300),
    activeHours: rule === undefined || rule.activeHours === null ? 'always' : rule.activeHours === 'team' ? 'team' : 'these',
    hours: hoursForm(typeof rule?.activeHours === 'object' ? rule.activeHours : null),
    channels: rule?.channels ?? [],
    banner: rule?.banner ?? true,
    sound: rule?.sound ?? false,
  }
  if (rule === undefined) return f
  if ('queue' in rule.scope) [f.scope, f.scopeId] = ['queue', rule.scope.queue]
  else if ('team' in rule.scope) [f.scope, f.scopeId] = ['team', rule.scope.team]
  if (rule.kind === 'figure') {
    Object.assign(f, {
      window: rule.window,
      figure: rule.figure,
      comparator: rule.comparator,
      warn: text(rule.warn),
      critical: text(rule.critical),
      forSec: text(rule.forSec),
      clearAt: text(rule.clearAt),
    })
  } else if (rule.kind === 'agent') {
    Object.assign(f, { state: rule.state, reason: rule.reason ?? '', overSec: text(rule.overSec) })
  } else {
    Object.assign(f, { trigger: rule.trigger, dueMin: text(rule.dueMin), escalation: rule.escalation.map((e) => ({ ...e })) })
  }
  return f
}

/** A number as typed; text that is not one goes as it is, for the server to name. */
function typed(input: string): number | string {
  return input.trim() !== '' && Number.isFinite(Number(input)) ? Number(input) : input
}
const orNull = (input: string) => (input.trim() === '' ? null : typed(input))

export function ruleInput(f: RuleForm): Record<string, unknown> {
  const common = {
    kind: f.kind,
    name: f.name,
    enabled: f.enabled,
    scope: f.scope === 'all' ? { all: true } : { [f.scope]: f.scopeId.trim() },
    activeHours: f.activeHours === 'these' ? hoursInput(f.hours) : f.activeHours === 'team' ? 'team' : null,
    cooldownSec: typed(f.cooldownSec),
    channels: f.channels,
    banner: f.banner,
    sound: f.sound,
  }
  if (f.kind === 'figure')
    return {
      ...common,
      window: f.window,
      figure: f.figure,
      comparator: f.comparator,
      warn: orNull(f.warn),
      critical: orNull(f.critical),
      forSec: typed(f.forSec),
      clearAt: orNull(f.clearAt),
    }
  if (f.kind === 'agent')
    return { ...common, state: f.state, reason: f.reason.trim() === '' ? null : f.reason.trim(), overSec: typed(f.overSec) }
  return {
    ...common,
    trigger: f.trigger,
    dueMin: typed(f.dueMin),
    escalation: f.escalation,
  }
}
