// Fault scenario 9: a notification channel's receiver answers 500 for a while (10 s; a minute in
// `npm run test:faults`), then 200 again. Alerts fire and resolve meanwhile, through a real rule
// fed by events into a real server process, notifying a webhook and a chat (Slack) channel on a
// local HTTP receiver. Every notification is retried with exponential backoff (each wait within
// its ceiling, min × 2^(attempt − 1) capped at the maximum; the waits growing), delivered exactly
// once after the receiver recovers, within the backoff's maximum of it; none is lost, none
// delivered twice; and the delivery log and the channels' status an admin sees say what happened.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ChannelView, Notification } from '../../shared/channels.js'
import { startRedisServer } from '../../server/store/redis-server.js'
import { ADMIN_PASSWORD, FULL, KEY } from '../support/fault-server.js'
import { login } from '../support/screens.js'
import { killAll, postBatch, startServer } from '../support/server-process.js'
import { until } from '../support/wait.js'

const OUTAGE_MS = FULL ? 60_000 : 10_000
/** the outbox's backoff, as the server is configured: full jitter in [0, min(MAX, MIN × 2^(attempt − 1))] */
const RETRY_MIN_MS = FULL ? 1_000 : 250
const RETRY_MAX_MS = FULL ? 30_000 : 4_000
/** what a retry may come after its ceiling: the claim, the request, a loaded machine */
const LATE_MS = 400
const QUEUES = ['outage-sales', 'outage-support', 'outage-billing']
const SLACK_PATH = '/slack/T0123ABCD/B0123ABCD/abcdefgh12345678'

const ceilingMs = (attempt: number) => Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Hit {
  at: number
  channel: 'webhook' | 'slack'
  /** the webhook's delivery id; the Slack message's title (Slack's format has no id) */
  key: string
  status: number
}

/** A receiver that answers 500 for OUTAGE_MS from the first request it gets, then 200. */
class FlakyReceiver {
  readonly hits: Hit[] = []
  firstAt: number | null = null
  private server: Server | undefined
  base = ''

  get upAt(): number {
    return this.firstAt === null ? Number.POSITIVE_INFINITY : this.firstAt + OUTAGE_MS
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const at = Date.now()
        this.firstAt ??= at
        const status = at < this.upAt ? 500 : 200
        const webhook = req.url === '/hook'
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string }
        const key = webhook ? String(req.headers['x-wallboard-delivery']) : String(body.text)
        this.hits.push({ at, channel: webhook ? 'webhook' : 'slack', key, status })
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver down')
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Every attempt of each notification, in order, by channel and key. */
  byNotification(): Map<string, Hit[]> {
    const out = new Map<string, Hit[]>()
    for (const h of this.hits) {
      const k = `${h.channel} ${h.key}`
      out.set(k, [...(out.get(k) ?? []), h])
    }
    return out
  }

  close(): Promise<void> {
    this.server?.closeAllConnections()
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

afterAll(killAll)

describe(`a notification channel answering 500 for ${OUTAGE_MS / 1000} s`, () => {
  it('retries with growing waits, delivers each notification once after it recovers, loses none, and says so', async () => {
    const receiver = new FlakyReceiver()
    await receiver.start()
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fault-channel-'))
    const redis = await startRedisServer({ dir })
    const server = await startServer({
      redisUrl: redis.url,
      prefix: 'wb:',
      key: KEY,
      env: {
        WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
        WALLBOARD_NOTIFY_RETRY_MIN_MS: String(RETRY_MIN_MS),
        WALLBOARD_NOTIFY_RETRY_MAX_MS: String(RETRY_MAX_MS),
        WALLBOARD_NOTIFY_TIMEOUT_MS: '2000',
      },
    })
    try {
      const session = await login(server.base, ADMIN_PASSWORD)
      const admin = async <T>(method: string, url: string, body?: object): Promise<T> => {
        const res = await fetch(`${server.base}${url}`, {
          method,
          headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
        const text = await res.text()
        if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`)
        return JSON.parse(text) as T
      }
      const hook = await admin<ChannelView>('POST', '/api/v1/channels', {
        type: 'webhook',
        name: 'Ops webhook',
        url: `${receiver.base}/hook`,
        secret: `whsec-${randomBytes(12).toString('hex')}`,
      })
      const slack = await admin<ChannelView>('POST', '/api/v1/channels', {
        type: 'slack',
        name: 'Slack #floor',
        url: `${receiver.base}${SLACK_PATH}`,
      })
      await admin('POST', '/api/v1/alert-rules', {
        kind: 'figure',
        name: 'Calls waiting',
        enabled: true,
        activeHours: null,
        cooldownSec: 0,
        channels: [hook.id, slack.id],
        banner: false,
        sound: false,
        scope: { all: true },
        window: 'live',
        figure: 'waiting',
        comparator: 'above',
        warn: 0,
        critical: null,
        forSec: 0,
        clearAt: null,
      })
      const notifications = async () =>
        (await admin<{ notifications: Notification[] }>('GET', '/api/v1/notifications?limit=1000')).notifications
      const channels = async () => (await admin<{ channels: ChannelView[] }>('GET', '/api/v1/channels')).channels

      // A call waits in each queue: each queue's alert fires, notifying both channels (6 notifications).
      const t0 = Date.now()
      await postBatch(
        server.base,
        KEY,
        QUEUES.map((queue, i) => ({ id: `outage-q-${i}`, type: 'call.queued', ts: t0, callId: `outage-${i}`, queue })),
      )
      await until('every fired notification tried', () => receiver.byNotification().size === 2 * QUEUES.length, 10_000)
      // Answered a moment later: each alert resolves, notifying both again (6 more), still in the outage.
      await sleep(2_000)
      await postBatch(
        server.base,
        KEY,
        QUEUES.map((queue, i) => ({
          id: `outage-a-${i}`,
          type: 'call.answered',
          ts: Date.now(),
          callId: `outage-${i}`,
          queue,
          agent: 'outage-agent',
        })),
      )
      const expected = 4 * QUEUES.length
      await until('every resolved notification tried', () => receiver.byNotification().size === expected, 10_000)
      expect(Date.now()).toBeLessThan(receiver.upAt - 1_000)

      // What an admin sees during the outage: pending, retried, the receiver's answer named.
      await sleep(Math.max(0, receiver.upAt - 1_000 - Date.now()))
      const during = await notifications()
      expect(during).toHaveLength(expected)
      for (const n of during) {
        expect(n.state).toBe('pending')
        expect(n.attempts).toBeGreaterThanOrEqual(2)
        expect(n.lastError).toMatch(/500/)
        expect(n.nextAttemptAt).not.toBeNull()
      }
      for (const c of await channels()) {
        expect(c.status.health).toBe('failing')
        expect(c.status.lastError).toMatch(/500/)
      }

      // The receiver is back: each notification arrives within the backoff's maximum wait.
      await until(
        'every notification delivered',
        async () => (await notifications()).filter((n) => n.state === 'delivered').length === expected,
        OUTAGE_MS + RETRY_MAX_MS + 10_000,
      )
      const deliveredAt = Date.now()
      // Long enough for a second delivery of anything to show.
      await sleep(2 * RETRY_MIN_MS + 2_000)

      const upAt = receiver.upAt
      const attempts = receiver.byNotification()
      expect(attempts.size).toBe(expected)
      const gaps: Array<{ attempt: number; ms: number }> = []
      let lastDelivery = 0
      for (const [key, hits] of attempts) {
        // Failed while the receiver was down, then delivered once: the last attempt, the only 200.
        const ok = hits.filter((h) => h.status === 200)
        expect(ok, key).toHaveLength(1)
        expect(hits[hits.length - 1]!.status, key).toBe(200)
        expect(hits.length, key).toBeGreaterThanOrEqual(3)
        expect(ok[0]!.at - upAt, key).toBeLessThanOrEqual(RETRY_MAX_MS + LATE_MS)
        lastDelivery = Math.max(lastDelivery, ok[0]!.at)
        // Each wait within its ceiling: backoff, capped.
        for (let k = 1; k < hits.length; k++) {
          const ms = hits[k]!.at - hits[k - 1]!.at
          expect(ms, `${key}: wait after attempt ${k}`).toBeLessThanOrEqual(ceilingMs(k) + LATE_MS)
          gaps.push({ attempt: k, ms })
        }
      }
      // The waits grow: after the 4th attempt on, they average more than the 2nd's ceiling, which a
      // wait that did not grow (at most the 1st's ceiling) would not.
      const late = gaps.filter((g) => g.attempt >= 4).map((g) => g.ms)
      expect(late.length).toBeGreaterThanOrEqual(QUEUES.length * 2)
      const lateMean = late.reduce((a, b) => a + b, 0) / late.length
      const early = gaps.filter((g) => g.attempt <= 2).map((g) => g.ms)
      const earlyMean = early.reduce((a, b) => a + b, 0) / early.length
      console.log(
        `receiver down ${OUTAGE_MS / 1000} s: ${receiver.hits.length} attempts for ${expected} notifications; mean wait after attempts 1–2 ${Math.round(earlyMean)} ms, after 4+ ${Math.round(lateMean)} ms; ` +
          `all delivered ${lastDelivery - upAt} ms after the receiver recovered (bound ${RETRY_MAX_MS} ms, the backoff's maximum); the delivery log said so ${deliveredAt - upAt} ms after`,
      )
      expect(lateMean).toBeGreaterThan(ceilingMs(2))

      // What an admin sees after: each delivered, its attempts as the receiver counted them.
      const after = await notifications()
      expect(after).toHaveLength(expected)
      const hookHits = receiver.hits.filter((h) => h.channel === 'webhook')
      for (const n of after) {
        expect(n.state).toBe('delivered')
        expect(n.deliveredAt).toBeGreaterThanOrEqual(upAt)
        if (n.channelId === hook.id) expect(n.attempts).toBe(hookHits.filter((h) => h.key === n.id).length)
      }
      const slackAttempts = after.filter((n) => n.channelId === slack.id).reduce((sum, n) => sum + n.attempts, 0)
      expect(slackAttempts).toBe(receiver.hits.filter((h) => h.channel === 'slack').length)
      for (const c of await channels()) {
        expect(c.status.health).toBe('ok')
        expect(c.status.consecutiveFailures).toBe(0)
      }
    } finally {
      await server.kill()
      await redis.stop()
      await receiver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
