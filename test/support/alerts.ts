// A firing figure alert, for the tests of what is made of alerts (messages, payloads, delivery):
// "calls waiting over 10" on queue support, fired at `firedAt` after 30 s over the threshold.
// And a webhook receiver, for the tests that follow alerts out to a channel.
import { type IncomingMessage, createServer } from 'node:http'
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

/** A webhook delivery as received: when, and its body's transition and alert. */
export interface Received {
  at: number
  event: string
  alert: Alert
}

/** A webhook receiver on a loopback port: every body it is sent, parsed, answered 204. */
export async function webhookReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = []
  const read = async (req: IncomingMessage) => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    return JSON.parse(body) as { event: string; alert: Alert }
  }
  const server = createServer((req, res) => {
    void read(req).then((b) => {
      received.push({ at: Date.now(), event: b.event, alert: b.alert })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
