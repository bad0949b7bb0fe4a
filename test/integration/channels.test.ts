// Alert channels end to end, in real conversations: local HTTP receivers on 127.0.0.1 (one per
// webhook format) and a local SMTP server receive what the outbox sends; the webhook's HMAC and the
// DingTalk and Feishu signatures are recomputed here; a flaky receiver is retried until it takes
// the message once; the same transition is delivered once across repeated calls and restarts; and
// secrets never reach a browser, the audit log or the logs.
import { createHmac, randomBytes } from 'node:crypto'
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../shared/alerts.js'
import type { ChannelView, Notification } from '../../shared/channels.js'
import { type DeliveryConfig, loadConfig } from '../../server/config.js'
import { firingAlert } from '../support/alerts.js'
import { type Browser, auth, login, testApp } from './helpers.js'
import { until } from '../support/wait.js'

// ——— receivers ——————————————————————————————————————————————————————————————————————————————

interface Received {
  url: URL
  headers: IncomingHttpHeaders
  body: string
  json: Record<string, unknown>
  status: number
}

type Answer = { status: number; body: string }
/** One local HTTP server; each path answers as its handler says, and remembers every request. */
class Receivers {
  readonly received: Received[] = []
  private readonly handlers = new Map<string, () => Answer>()
  private server: Server | undefined
  base = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.base)
        const answer = this.handlers.get(url.pathname)?.() ?? { status: 404, body: 'no such hook' }
        const body = Buffer.concat(chunks).toString('utf8')
        let json: Record<string, unknown> = {}
        try {
          json = JSON.parse(body) as Record<string, unknown>
        } catch {
          // not JSON: the test says so when it looks
        }
        this.received.push({ url, headers: req.headers, body, json, status: answer.status })
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  on(path: string, answer: () => Answer): string {
    this.handlers.set(path, answer)
    return `${this.base}${path}`
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.url.pathname === path)
  }

  close(): Promise<void> {
    this.server?.closeAllConnections()
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

const OK: Answer = { status: 200, body: 'ok' }
const ERRCODE_OK: Answer = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' }
const FEISHU_OK: Answer = { status: 200, body: '{"code":0,"msg":"success","data":{}}' }
const DOWN: Answer = { status: 500, body: 'receiver down' }

interface Mail {
  from: string
  to: string[]
  user: string | undefined
  raw: string
}

const SMTP_USER = 'alerts'
const SMTP_PASSWORD = `smtp-${randomBytes(8).toString('hex')}`

async function startSmtp(mails: Mail[]): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(a, _session, callback) {
      if (a.username === SMTP_USER && a.password === SMTP_PASSWORD) callback(null, { user: a.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const from = session.envelope.mailFrom
        mails.push({
          from: from ? from.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return { server, port: (server.server.address() as AddressInfo).port }
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`), as nodemailer writes non-ASCII headers. */
function decodeWords(header: string): string {
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  )
}

/** A header of a raw message, unfolded and decoded. */
function headerOf(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return decodeWords(line?.slice(name.length + 1).trim() ?? '')
}

/** The text/plain part of a raw message, quoted-printable or base64 decoded. */
function plainTextOf(raw: string): string {
  const part = raw.split(/--[^\r\n]+\r?\n/).find((p) => /content-type:\s*text\/plain/i.test(p)) ?? raw
  const [head = '', ...rest] = part.split(/\r?\n\r?\n/)
  const body = rest.join('\n\n').replace(/\r?\n--[^\r\n]*--\s*$/, '')
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    return Buffer.from(bytes, 'latin1').toString('utf8')
  }
  return body
}

// ——— helpers ————————————————————————————————————————————————————————————————————————————————

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const alertOf = (id: string, over: Partial<Alert> = {}): Alert => firingAlert(id, Date.now(), over)

const DEFAULTS = loadConfig({}).delivery
const FAST: Partial<DeliveryConfig> = { retryMinMs: 20, retryMaxMs: 100, timeoutMs: 2_000 }
async function appWith(delivery: Partial<DeliveryConfig> = {}, prefix?: string): Promise<FastifyInstance> {
  return testApp({ delivery: { ...DEFAULTS, ...FAST, ...delivery }, ...(prefix ? { redisPrefix: prefix } : {}) })
}

async function createChannel(app: FastifyInstance, admin: Browser, body: object): Promise<ChannelView> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: body })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as ChannelView
}

async function notificationsOf(app: FastifyInstance, admin: Browser, query = ''): Promise<Notification[]> {
  const res = await app.inject({ url: `/api/v1/notifications${query}`, headers: admin.headers })
  expect(res.statusCode, res.body).toBe(200)
  return (res.json() as { notifications: Notification[] }).notifications
}

async function channelView(app: FastifyInstance, admin: Browser, id: string): Promise<ChannelView> {
  const res = await app.inject({ url: '/api/v1/channels', headers: admin.headers })
  return (res.json() as { channels: ChannelView[] }).channels.find((c) => c.id === id)!
}

// ——— tests ——————————————————————————————————————————————————————————————————————————————————

const receivers = new Receivers()
const mails: Mail[] = []
let smtp: { server: SMTPServer; port: number }

beforeAll(async () => {
  await receivers.start()
  smtp = await startSmtp(mails)
})
afterAll(async () => {
  await receivers.close()
  await new Promise<void>((resolve) => smtp.server.close(() => resolve()))
})

describe('each channel type', () => {
  let app: FastifyInstance
  let admin: Browser
  const secrets = {
    webhook: `whsec-${randomBytes(12).toString('hex')}`,
    dingtalk: `SEC${randomBytes(16).toString('hex')}`,
    feishu: `fs-${randomBytes(12).toString('hex')}`,
  }
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    app = await appWith()
    admin = await login(app)
    // The message names the queue as the views do.
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/queues/support',
      headers: admin.headers,
      payload: { name: 'Support Desk' },
    })
    const hooks = {
      webhook: receivers.on('/all/webhook', () => OK),
      slack: receivers.on('/all/slack/T0123ABCD/B0123ABCD/abcdefgh12345678', () => OK),
      teams: receivers.on('/all/teams', () => ({ status: 202, body: '' })),
      dingtalk: receivers.on('/all/dingtalk/robot/send', () => ERRCODE_OK) + '?access_token=dt-token-0123456789',
      wecom: receivers.on('/all/wecom/cgi-bin/webhook/send', () => ERRCODE_OK) + '?key=wecom-key-0123456789',
      feishu: receivers.on('/all/feishu/open-apis/bot/v2/hook/fs-hook-0123456789', () => FEISHU_OK),
    }
    const bodies: Array<[string, object]> = [
      ['webhook', { type: 'webhook', id: 'ops-hook', name: 'Ops webhook', url: hooks.webhook, secret: secrets.webhook }],
      ['slack', { type: 'slack', name: 'Slack #floor', url: hooks.slack }],
      ['teams', { type: 'teams', name: 'Teams floor', url: hooks.teams }],
      ['dingtalk', { type: 'dingtalk', name: '钉钉 值班群', url: hooks.dingtalk, secret: secrets.dingtalk }],
      ['wecom', { type: 'wecom', name: '企业微信 群', url: hooks.wecom }],
      ['feishu', { type: 'feishu', name: '飞书 群', url: hooks.feishu, secret: secrets.feishu }],
      [
        'email',
        {
          type: 'email',
          name: 'Team leads',
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          user: SMTP_USER,
          password: SMTP_PASSWORD,
          from: 'Wallboard <wallboard@example.com>',
          to: ['lead-a@example.com', 'lead-b@example.com'],
        },
      ],
    ]
    for (const [type, body] of bodies) ids[type] = (await createChannel(app, admin, body)).id
  })
  afterAll(() => app.close())

  it('delivers one transition to every channel in its own format', async () => {
    const alert = alertOf(`all-${randomBytes(4).toString('hex')}`)
    await app.notifier.notify(alert, 'fired', Object.values(ids))
    await until('every receiver', () => receivers.received.filter((r) => r.url.pathname.startsWith('/all/')).length >= 6)
    await until('the e-mail', () => mails.length >= 1)
    const one = (prefix: string) => {
      const got = receivers.received.filter((r) => r.url.pathname.startsWith(prefix))
      expect(got).toHaveLength(1)
      return got[0]!
    }
    const link = `http://localhost:0/supervisor?alert=${encodeURIComponent(alert.id)}`

    // webhook: the JSON, and an HMAC we recompute from the raw body
    const hook = one('/all/webhook')
    const ts = hook.headers['x-wallboard-timestamp'] as string
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60)
    const expected = createHmac('sha256', secrets.webhook).update(`${ts}.${hook.body}`).digest('hex')
    expect(hook.headers['x-wallboard-signature']).toBe(`sha256=${expected}`)
    expect(hook.headers['x-wallboard-delivery']).toBe(`${alert.id}:0:${ids['webhook']}`)
    expect(hook.json).toMatchObject({
      id: `${alert.id}:0:${ids['webhook']}`,
      event: 'alert.fired',
      test: false,
      alert: { id: alert.id, value: 14, threshold: 10 },
      message: { language: 'en', url: link, title: 'Critical · Fired: Calls waiting over 10 — Support Desk' },
    })

    // Slack: text and blocks
    const slack = one('/all/slack')
    expect(slack.json['text']).toBe('Critical · Fired: Calls waiting over 10 — Support Desk')
    expect((slack.json['blocks'] as Array<{ type: string }>).map((b) => b.type)).toEqual(['section', 'section', 'context'])

    // Teams: an Adaptive Card in a message
    const teams = one('/all/teams')
    expect(teams.json).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } },
      ],
    })

    // DingTalk: markdown, and the sign over timestamp + "\n" + secret in the query
    const ding = one('/all/dingtalk')
    expect(ding.url.searchParams.get('access_token')).toBe('dt-token-0123456789')
    const dingTs = ding.url.searchParams.get('timestamp')!
    expect(Math.abs(Number(dingTs) - Date.now())).toBeLessThan(60_000)
    expect(ding.url.searchParams.get('sign')).toBe(
      createHmac('sha256', secrets.dingtalk).update(`${dingTs}\n${secrets.dingtalk}`).digest('base64'),
    )
    expect(ding.json).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '严重 · 已触发：Calls waiting over 10 — Support Desk' },
    })
    expect((ding.json['markdown'] as { text: string }).text).toContain('- **指标**: 排队数')

    // WeCom: markdown content
    const wecom = one('/all/wecom')
    expect(wecom.url.searchParams.get('key')).toBe('wecom-key-0123456789')
    expect(wecom.json['msgtype']).toBe('markdown')
    expect((wecom.json['markdown'] as { content: string }).content).toContain('> 当前值: <font color="comment">14</font>')

    // Feishu: a post, signed in the body with key = timestamp + "\n" + secret
    const feishu = one('/all/feishu')
    const fsTs = feishu.json['timestamp'] as string
    expect(feishu.json['sign']).toBe(createHmac('sha256', `${fsTs}\n${secrets.feishu}`).update('').digest('base64'))
    expect(feishu.json).toMatchObject({
      msg_type: 'post',
      content: { post: { zh_cn: { title: expect.stringContaining('已触发') } } },
    })

    // e-mail: logged in, to both leads, subject and body
    const mail = mails.at(-1)!
    expect(mail.user).toBe(SMTP_USER)
    expect(mail.from).toBe('wallboard@example.com')
    expect(mail.to).toEqual(['lead-a@example.com', 'lead-b@example.com'])
    expect(headerOf(mail.raw, 'Subject')).toBe('Critical · Fired: Calls waiting over 10 — Support Desk')
    const text = plainTextOf(mail.raw)
    expect(text).toContain('Queue: Support Desk')
    expect(text).toContain('Value: 14')
    expect(text).toContain('Threshold: 10')
    expect(text).toContain(`Open in the wallboard: ${link}`)

    // The delivery log has them all delivered, once each; every channel is healthy.
    const log = await until('every notification delivered', async () => {
      const all = (await notificationsOf(app, admin)).filter((n) => n.alertId === alert.id)
      return all.length === 7 && all.every((n) => n.state === 'delivered') ? all : null
    })
    expect(log.every((n) => n.attempts === 1 && n.lastError === null)).toBe(true)
    for (const id of Object.values(ids)) expect((await channelView(app, admin, id)).status.health).toBe('ok')
  })

  it('sends a test alert through the same path and answers its outcome', async () => {
    const before = receivers.at('/all/webhook').length
    const res = await app.inject({ method: 'POST', url: `/api/v1/channels/${ids['webhook']}/test`, headers: admin.headers })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ outcome: 'delivered', error: null, notification: { test: true, state: 'delivered' } })
    const got = receivers.at('/all/webhook')
    expect(got).toHaveLength(before + 1)
    expect(got.at(-1)!.json).toMatchObject({ test: true, message: { title: expect.stringMatching(/^\[Test\] /) } })
    const audit = (await app.inject({ url: '/api/v1/audit', headers: admin.headers })).json() as {
      entries: Array<{ action: string }>
    }
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['channel.create', 'channel.test']))
  })

  it('keeps a secret a change leaves out, and refuses a setting of another type naming it', async () => {
    const renamed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/channels/${ids['webhook']}`,
      headers: admin.headers,
      payload: { name: 'Ops webhook (renamed)' },
    })
    expect(renamed.statusCode, renamed.body).toBe(200)
    const alert = alertOf(`kept-${randomBytes(4).toString('hex')}`)
    await app.notifier.notify(alert, 'fired', [ids['webhook']!])
    const hook = await until('the webhook', () =>
      receivers.at('/all/webhook').find((r) => (r.json['alert'] as Alert).id === alert.id),
    )
    const ts = hook.headers['x-wallboard-timestamp'] as string
    expect(hook.headers['x-wallboard-signature']).toBe(
      `sha256=${createHmac('sha256', secrets.webhook).update(`${ts}.${hook.body}`).digest('hex')}`,
    )

    const wrong = await app.inject({
      method: 'PATCH',
      url: `/api/v1/channels/${ids['slack']}`,
      headers: admin.headers,
      payload: { host: 'smtp.example.com' },
    })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().message).toBe('body.host: not a setting of a slack channel')
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/channels',
      headers: admin.headers,
      payload: { type: 'webhook', name: 'no secret', url: 'https://example.com/hook' },
    })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toBe('body.secret: is required for a webhook channel')
    const badUrl = await app.inject({
      method: 'POST',
      url: '/api/v1/channels',
      headers: admin.headers,
      payload: { type: 'slack', name: 'bad', url: 'ftp://example.com' },
    })
    expect(badUrl.statusCode).toBe(400)
    expect(badUrl.json().message).toMatch(/^body\.url: /)
  })

  it('skips an unknown or disabled channel, and says so in the delivery log', async () => {
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/channels/${ids['teams']}`,
      headers: admin.headers,
      payload: { enabled: false },
    })
    const alert = alertOf(`skip-${randomBytes(4).toString('hex')}`)
    const before = receivers.at('/all/teams').length
    await app.notifier.notify(alert, 'fired', [ids['teams']!, 'no-such-channel'])
    const skipped = (await notificationsOf(app, admin, '?state=skipped')).filter((n) => n.alertId === alert.id)
    expect(skipped.map((n) => [n.channelId, n.lastError]).sort()).toEqual([
      ['no-such-channel', 'unknown channel'],
      [ids['teams'], 'channel disabled'],
    ])
    await sleep(200)
    expect(receivers.at('/all/teams')).toHaveLength(before)
  })
})

describe('reliable delivery', () => {
  it('retries a failing receiver with backoff and delivers exactly once', async () => {
    const app = await appWith()
    try {
      const admin = await login(app)
      let calls = 0
      const url = receivers.on('/flaky', () => (++calls <= 3 ? DOWN : OK))
      const channel = await createChannel(app, admin, { type: 'slack', name: 'flaky', url })
      const alert = alertOf(`flaky-${randomBytes(4).toString('hex')}`)
      await app.notifier.notify(alert, 'fired', [channel.id])
      const done = await until('delivery after retries', async () =>
        (await notificationsOf(app, admin, `?channel=${channel.id}&state=delivered`)).find((n) => n.alertId === alert.id),
      )
      expect(done).toMatchObject({ attempts: 4, state: 'delivered', lastError: 'HTTP 500: receiver down' })
      await sleep(300)
      expect(receivers.at('/flaky').map((r) => r.status)).toEqual([500, 500, 500, 200])
      const view = await channelView(app, admin, channel.id)
      expect(view.status).toMatchObject({ health: 'ok', consecutiveFailures: 0 })
      expect(view.status.lastDeliveredAt).not.toBeNull()
    } finally {
      await app.close()
    }
  })

  it('gives up after the attempts allowed and shows the channel failing, with its error and since when', async () => {
    const app = await appWith({ maxAttempts: 3 })
    try {
      const admin = await login(app)
      const url = receivers.on('/down', () => DOWN)
      const channel = await createChannel(app, admin, { type: 'wecom', name: 'down', url: `${url}?key=k` })
      const started = Date.now()
      await app.notifier.notify(alertOf(`down-${randomBytes(4).toString('hex')}`), 'fired', [channel.id])
      const failed = await until('a failed notification', async () => (await notificationsOf(app, admin, '?state=failed'))[0])
      expect(failed).toMatchObject({ attempts: 3, lastError: 'HTTP 500: receiver down', nextAttemptAt: null })
      const view = await channelView(app, admin, channel.id)
      expect(view.status).toMatchObject({ health: 'failing', consecutiveFailures: 3, lastError: 'HTTP 500: receiver down' })
      expect(view.status.failingSince).toBeGreaterThanOrEqual(started)
      // A test send answers the error at once.
      const test = await app.inject({ method: 'POST', url: `/api/v1/channels/${channel.id}/test`, headers: admin.headers })
      expect(test.json()).toMatchObject({ outcome: 'failed', error: 'HTTP 500: receiver down' })
    } finally {
      await app.close()
    }
  })

  it('treats a 200 whose errcode is not 0 as a failure with its message', async () => {
    const app = await appWith({ maxAttempts: 1 })
    try {
      const admin = await login(app)
      const url = receivers.on('/ding-refuses', () => ({ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' }))
      const channel = await createChannel(app, admin, { type: 'dingtalk', name: 'refuses', url: `${url}?access_token=t` })
      const res = await app.inject({ method: 'POST', url: `/api/v1/channels/${channel.id}/test`, headers: admin.headers })
      expect(res.json()).toMatchObject({ outcome: 'failed', error: 'errcode 310000: sign not match' })
    } finally {
      await app.close()
    }
  })

  it('queues a transition once: a repeated notify, a restart and another notify send it once', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    let up = false
    const url = receivers.on('/restart', () => (up ? OK : { status: 503, body: 'not yet' }))
    const alert = alertOf(`restart-${randomBytes(4).toString('hex')}`)
    const delivered = () => receivers.at('/restart').filter((r) => r.status === 200)

    const first = await appWith({ retryMinMs: 200, retryMaxMs: 400 }, prefix)
    const admin1 = await login(first)
    const channel = await createChannel(first, admin1, {
      type: 'webhook',
      name: 'restart',
      url,
      secret: 'restart-secret-0123456789',
    })
    await first.notifier.notify(alert, 'fired', [channel.id])
    await first.notifier.notify(alert, 'fired', [channel.id])
    await until('a first failed attempt', () => receivers.at('/restart').length >= 1)
    const pending = (await notificationsOf(first, admin1)).filter((n) => n.alertId === alert.id)
    expect(pending).toHaveLength(1)
    expect(pending[0]!.state).toBe('pending')
    await first.close()

    // The receiver comes back while the server is down; the next start resumes the pending one.
    up = true
    const second = await appWith({ retryMinMs: 200, retryMaxMs: 400 }, prefix)
    await until('the delivery after the restart', () => delivered().length >= 1)
    await second.notifier.notify(alert, 'fired', [channel.id])
    await sleep(500)
    await second.close()

    const third = await appWith({}, prefix)
    await third.notifier.notify(alert, 'fired', [channel.id])
    await sleep(500)
    const log = (await notificationsOf(third, await login(third))).filter((n) => n.alertId === alert.id)
    await third.close()
    expect(delivered()).toHaveLength(1)
    expect(delivered()[0]!.headers['x-wallboard-delivery']).toBe(`${alert.id}:0:${channel.id}`)
    expect(log).toHaveLength(1)
    expect(log[0]!.state).toBe('delivered')

    // A later transition of the same alert is a notification of its own.
    const acknowledged: Alert = {
      ...alert,
      state: 'acknowledged',
      history: [...alert.history, { at: Date.now(), transition: 'acknowledged', by: 'li.lei' }],
    }
    const fourth = await appWith({}, prefix)
    await fourth.notifier.notify(acknowledged, 'acknowledged', [channel.id])
    await until('the acknowledgement', () => delivered().length >= 2)
    await fourth.close()
    expect(delivered()[1]!.json).toMatchObject({
      event: 'alert.acknowledged',
      message: { title: expect.stringContaining('Acknowledged by li.lei') },
    })
  })

  it('bounds the queue: a new notification pushes the oldest pending one out, counted and visible', async () => {
    const app = await appWith({ maxPending: 2, retryMinMs: 60_000, retryMaxMs: 60_000 })
    try {
      const admin = await login(app)
      const url = receivers.on('/full', () => DOWN)
      const channel = await createChannel(app, admin, { type: 'slack', name: 'full', url })
      const alerts = [1, 2, 3].map((i) => alertOf(`full-${i}-${randomBytes(3).toString('hex')}`))
      for (const a of alerts) {
        await app.notifier.notify(a, 'fired', [channel.id])
        await until('an attempt', async () =>
          (await notificationsOf(app, admin)).find((n) => n.alertId === a.id && n.attempts === 1),
        )
      }
      const log = await notificationsOf(app, admin, `?channel=${channel.id}`)
      const stateOf = (a: Alert) => log.find((n) => n.alertId === a.id)?.state
      expect(alerts.map(stateOf)).toEqual(['dropped', 'pending', 'pending'])
      expect(log.find((n) => n.state === 'dropped')!.lastError).toBe('queue full (2 pending): pushed out by a newer notification')
      const metrics = await app.inject({ url: '/metrics', headers: auth })
      expect(metrics.body).toContain('wallboard_notifications_total{type="slack",result="dropped"} 1')
      expect(metrics.body).toContain('wallboard_notifications_pending 2')
    } finally {
      await app.close()
    }
  })
})

describe('secrets', () => {
  it('never reach a browser, the audit log or the logs', async () => {
    const lines: string[] = []
    const stream = { write: (line: string) => void lines.push(line) }
    const app = await testApp({ delivery: { ...DEFAULTS, ...FAST, maxAttempts: 2 } }, { logger: { level: 'trace', stream } })
    try {
      const admin = await login(app)
      const token = `tok${randomBytes(12).toString('hex')}`
      const secret = `SEC${randomBytes(12).toString('hex')}`
      const password = `pw-${randomBytes(12).toString('hex')}`
      const hookSecret = `hs-${randomBytes(12).toString('hex')}`
      const failing = receivers.on('/secret-down', () => DOWN)
      const created = [
        await createChannel(app, admin, { type: 'dingtalk', name: 'ding', url: `${failing}?access_token=${token}`, secret }),
        await createChannel(app, admin, { type: 'webhook', name: 'hook', url: `${failing}/${token}`, secret: hookSecret }),
        // nothing listens on port 1: a network error, whose text must not carry the URL
        await createChannel(app, admin, { type: 'slack', name: 'closed', url: `http://127.0.0.1:1/services/${token}` }),
        await createChannel(app, admin, {
          type: 'email',
          name: 'mail',
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          user: SMTP_USER,
          password,
          from: 'wb@example.com',
          to: ['x@example.com'],
        }),
      ]
      for (const c of created) {
        await app.inject({ method: 'POST', url: `/api/v1/channels/${c.id}/test`, headers: admin.headers })
        await app.inject({
          method: 'PATCH',
          url: `/api/v1/channels/${c.id}`,
          headers: admin.headers,
          payload: { name: `${c.name}!` },
        })
      }
      await app.notifier.notify(
        alertOf(`secret-${randomBytes(4).toString('hex')}`),
        'fired',
        created.map((c) => c.id),
      )
      await until('the deliveries to finish', async () =>
        (await notificationsOf(app, admin)).filter((n) => !n.test).every((n) => n.state !== 'pending'),
      )

      const listed = (await app.inject({ url: '/api/v1/channels', headers: admin.headers })).body
      const audit = (await app.inject({ url: '/api/v1/audit?limit=100', headers: admin.headers })).body
      const notifications = (await app.inject({ url: '/api/v1/notifications', headers: admin.headers })).body
      const logs = lines.join('')
      expect(logs).toContain('notification failed')
      for (const [where, text] of Object.entries({ listed, audit, notifications, logs }))
        for (const s of [token, secret, password, hookSecret, encodeURIComponent(secret)])
          expect(text.includes(s), `${s} in ${where}`).toBe(false)
      expect(listed).toContain('access_token=••••')
    } finally {
      await app.close()
    }
  })
})
