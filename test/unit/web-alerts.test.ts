// The supervisor's and the board's alert list: kept in order (firing and critical first, then
// newest), resolved alerts leave it; values written as the board writes figures.
import { describe, expect, it } from 'vitest'
import type { Alert, AlertRule } from '../../shared/alerts.js'
import { ruleForm, ruleInput } from '../../web/lib/alert-rule-form.js'
import { alertValue, alertWhere, mergeAlert } from '../../web/lib/alerts.js'
import { firingAlert } from '../support/alerts.js'

const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  firingAlert(id, 0, { severity: 'warning', subject: { queue: 'sales', agent: null, team: null, callId: null }, ...over })

describe('mergeAlert', () => {
  it('puts firing before acknowledged, critical before warning, then the newest', () => {
    let open: Alert[] = []
    open = mergeAlert(open, alert('old-warning', { firedAt: 1 }))
    open = mergeAlert(open, alert('acked-critical', { firedAt: 5, severity: 'critical', state: 'acknowledged' }))
    open = mergeAlert(open, alert('new-warning', { firedAt: 3 }))
    open = mergeAlert(open, alert('critical', { firedAt: 2, severity: 'critical' }))
    expect(open.map((a) => a.id)).toEqual(['critical', 'new-warning', 'old-warning', 'acked-critical'])
  })

  it('replaces an alert that changed, and drops it once resolved', () => {
    let open = [alert('a'), alert('b')]
    open = mergeAlert(open, alert('a', { severity: 'critical', value: 30 }))
    expect(open.map((a) => [a.id, a.severity])).toEqual([
      ['a', 'critical'],
      ['b', 'warning'],
    ])
    open = mergeAlert(open, alert('a', { state: 'resolved' }))
    expect(open.map((a) => a.id)).toEqual(['b'])
  })
})

describe('alertValue and alertWhere', () => {
  it('writes percentages, durations, scores, counts and time in state', () => {
    expect(alertValue('serviceLevelPct', 72.46, 'figure', 'en')).toBe('72.5%')
    expect(alertValue('longestWaitSec', 95, 'figure', 'en')).toBe('1:35')
    expect(alertValue('nps', -12, 'figure', 'en')).toBe('−12')
    expect(alertValue('waiting', 1200, 'figure', 'en')).toBe('1,200')
    expect(alertValue('paused:lunch', 2200, 'agent', 'en')).toBe('36:40')
    expect(alertValue('waiting', null, 'figure', 'en')).toBe('–')
  })

  it('names the agent and its queue, or the queue', () => {
    const names = { queue: (q: string) => q.toUpperCase(), agent: (a: string) => `agent ${a}` }
    expect(alertWhere(alert('a'), names)).toBe('SALES')
    expect(alertWhere(alert('a', { subject: { queue: null, agent: 'li', team: 'A', callId: null } }), names)).toBe('agent li · A')
  })
})

describe('the rule form', () => {
  const stamp = { id: 'r1', createdAt: 0, updatedAt: 0, createdBy: 'admin' }
  const common = {
    name: 'n',
    enabled: true,
    activeHours: { days: [1, 2, 3], from: '22:00', to: '06:00' },
    cooldownSec: 60,
    channels: ['ops'],
    banner: true,
    sound: false,
  }
  it('turns each kind of rule into the form and back unchanged', () => {
    const rules: AlertRule[] = [
      {
        ...stamp,
        ...common,
        kind: 'figure',
        scope: { team: 'A' },
        window: 'today',
        figure: 'serviceLevelPct',
        comparator: 'below',
        warn: 80,
        critical: 70,
        forSec: 60,
        clearAt: null,
      },
      {
        ...stamp,
        ...common,
        activeHours: null,
        kind: 'agent',
        scope: { all: true },
        state: 'paused',
        reason: 'lunch',
        overSec: 2100,
      },
      {
        ...stamp,
        ...common,
        kind: 'event',
        scope: { queue: 'vip' },
        trigger: 'detractor',
        dueMin: 240,
        escalation: [
          { level: 'teamlead', channels: ['ops'] },
          { level: 'supervisor', channels: [] },
        ],
      },
    ]
    for (const rule of rules) {
      const { id: _id, createdAt: _c, updatedAt: _u, createdBy: _b, ...input } = rule
      expect(ruleInput(ruleForm(rule))).toEqual(input)
    }
  })

  it("offers always, these hours or the team's opening hours, and sends each back as the rule had it", () => {
    const rule: AlertRule = {
      ...stamp,
      ...common,
      activeHours: 'team',
      kind: 'agent',
      scope: { team: 'A' },
      state: 'acw',
      reason: null,
      overSec: 120,
    }
    const form = ruleForm(rule)
    expect(form.activeHours).toBe('team')
    const { id: _id, createdAt: _c, updatedAt: _u, createdBy: _b, ...input } = rule
    expect(ruleInput(form)).toEqual(input)
    // Switching to "these hours" starts from a default stretch; days go in order whatever the ticking.
    form.activeHours = 'these'
    form.hours.days = [5, 1, 3]
    expect(ruleInput(form)).toMatchObject({ activeHours: { days: [1, 3, 5], from: '08:00', to: '20:00' } })
    form.activeHours = 'always'
    expect(ruleInput(form)).toMatchObject({ activeHours: null })
    expect(ruleForm().activeHours).toBe('always')
  })

  it('sends an empty level as none and text that is not a number as typed', () => {
    const form = ruleForm()
    form.warn = ''
    form.critical = 'ten'
    expect(ruleInput(form)).toMatchObject({ kind: 'figure', warn: null, critical: 'ten', scope: { all: true } })
  })
})
