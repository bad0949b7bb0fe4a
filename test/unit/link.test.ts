// A connector's link report as deliveries go: a failed delivery is the link's error until one
// succeeds, acknowledged events count, and events the wallboard refuses show as a problem.
import { describe, expect, it } from 'vitest'
import type { WallboardEvent } from '../../shared/events.js'
import { type SourceLog, WallboardClient } from '../../server/ingest/client.js'
import { LinkMeter, deliverReported } from '../../server/ingest/link.js'

const events: WallboardEvent[] = [
  { id: 'e1', type: 'call.queued', ts: 1, callId: 'c1', queue: 'sales' },
  { id: 'e2', type: 'call.queued', ts: 2, callId: 'c2', queue: 'sales' },
]

function logged(): SourceLog & { lines: string[] } {
  const lines: string[] = []
  const keep = (obj: object, msg: string) => lines.push(`${msg} ${JSON.stringify(obj)}`)
  return { info: keep, warn: keep, error: keep, lines }
}

/** A wallboard that answers each request with the next of these (status, body). */
function answering(...answers: Array<[number, object]>): typeof fetch {
  return (async () => {
    const [status, body] = answers.shift() ?? [500, {}]
    return new Response(JSON.stringify(body), { status })
  }) as typeof fetch
}

describe('deliverReported', () => {
  it('shows a failure as the link error until the batch is taken, and counts acknowledged and refused events', async () => {
    const log = logged()
    let errorWhileRetrying: string | null = null
    // The retry is logged after the link's error is set: what the error was then.
    const warn = log.warn
    log.warn = (obj, msg) => {
      errorWhileRetrying = meter.error
      warn(obj, msg)
    }
    const meter = new LinkMeter('queue_log', '/var/log/asterisk/queue_log', () => ({
      skipped: { DID: 1 },
      problems: { truncated: 2 },
      recentProblems: [],
    }))
    meter.setConnected(true)
    const client = new WallboardClient({
      url: 'http://wallboard.test',
      apiKey: 'k',
      log,
      retryBaseMs: 1,
      retryMaxMs: 1,
      fetch: answering(
        [503, { statusCode: 503, error: 'Service Unavailable', message: 'event store unavailable' }],
        [200, { accepted: 1, duplicates: 0, rejected: [{ index: 1, id: 'e2', error: 'events[1].ts: too far ahead' }] }],
      ),
    })
    await deliverReported(client, events, new AbortController().signal, meter, log, 'the queue_log')
    expect(errorWhileRetrying).toMatch(/^the wallboard did not take the events: HTTP 503/)
    expect(meter.error).toBeNull()
    expect(meter.report()).toMatchObject({ events: 1, problems: { truncated: 2, 'refused-by-wallboard': 1 } })
    expect(log.lines.some((l) => l.startsWith('the wallboard refused an event from the queue_log') && l.includes('e2'))).toBe(
      true,
    )
  })

  it('keeps a down link’s own reason rather than the delivery’s', async () => {
    const meter = new LinkMeter('ami', '10.0.0.5:5038', () => ({ skipped: {}, problems: {}, recentProblems: [] }))
    meter.setConnected(false, 'authentication failed')
    const client = new WallboardClient({
      url: 'http://wallboard.test',
      apiKey: 'k',
      log: logged(),
      fetch: answering([200, { accepted: 2, duplicates: 0, rejected: [] }]),
    })
    await deliverReported(client, events, new AbortController().signal, meter, logged(), 'AMI')
    expect(meter.report()).toMatchObject({ error: 'authentication failed', events: 2, problems: {} })
  })
})
