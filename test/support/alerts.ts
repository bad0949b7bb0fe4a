// A firing figure alert, for the tests of what is made of alerts (messages, payloads, delivery):
// "calls waiting over 10" on queue support, fired at `firedAt` after 30 s over the threshold.
import type { Alert } from '../../shared/alerts.js'

export function firingAlert(id: string, firedAt: number, over: Partial<Alert> = {}): Alert {
  return {
    id,
    ruleId: 'r-waiting',
    ruleName: 'Calls waiting over 10',
    kind: 'figure',
    subject: { queue: 'support', agent: null, team: null, callId: null },
    severity: 'critical',
    state: 'firing',
    figure: 'waiting',
    value: 14,
    threshold: 10,
    since: firedAt - 30_000,
    firedAt,
    dueAt: null,
    level: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    history: [{ at: firedAt, transition: 'fired', by: null }],
    ...over,
  }
}
