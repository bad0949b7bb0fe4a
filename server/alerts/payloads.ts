// Each channel type's own format for one message: the request to send (URL, headers, body) or the
// e-mail, and how to read the receiver's answer. Pure: the time and the message come in, so every
// format is a unit test. Formats, as their public docs give them:
// - webhook: our JSON, signed (see signWebhook and the README's "Alert channels");
// - Slack incoming webhook: `{ text, blocks }` (Block Kit: section, fields, context);
// - Microsoft Teams: a Workflows ("Post to a channel when a webhook request is received") webhook,
//   which takes an Adaptive Card (v1.4) in a `{ type: 'message', attachments: [...] }` envelope; the
//   older Office 365 connectors and their MessageCards are retired;
// - DingTalk robot: `{ msgtype: 'markdown', markdown: { title, text } }`; with a "加签" secret the URL
//   gets `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-encoded;
//   the answer is `{ errcode, errmsg }`;
// - WeCom group robot: `{ msgtype: 'markdown', markdown: { content } }` (at most 4096 bytes); `{ errcode, errmsg }`;
// - Feishu custom bot: `{ msg_type: 'post', content: { post: { zh_cn | en_us: { title, content } } } }`,
//   with a secret also `timestamp` (s) and `sign` = base64(HMAC-SHA256(key = timestamp + "\n" + secret,
//   message = "")) in the body; the answer is `{ code, msg }` (older bots: `{ StatusCode, StatusMessage }`).
import { createHmac } from 'node:crypto'
import type { Alert, Transition } from '../../shared/alerts.js'
import type { Channel } from '../../shared/channels.js'
import type { AlertMessage } from './message.js'

export type ReplyKind = 'status' | 'errcode' | 'feishu'

export interface HttpDelivery {
  kind: 'http'
  url: string
  headers: Record<string, string>
  body: string
  /** how the receiver says it failed beyond the HTTP status */
  reply: ReplyKind
}

export interface MailDelivery {
  kind: 'mail'
  from: string
  to: string[]
  subject: string
  text: string
  html: string
}

export type Delivery = HttpDelivery | MailDelivery

/** What a notification carries to its receiver besides the message. */
export interface DeliveryContext {
  /** the notification's id: the same on every retry, so receivers can drop repeats */
  notificationId: string
  alert: Alert
  transition: Transition
  test: boolean
  nowMs: number
}

export const SIGNATURE_HEADER = 'x-wallboard-signature'
export const TIMESTAMP_HEADER = 'x-wallboard-timestamp'
export const DELIVERY_HEADER = 'x-wallboard-delivery'
export const EVENT_HEADER = 'x-wallboard-event'

/**
 * The generic webhook's signature: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` with the
 * channel's secret, the timestamp (Unix seconds) sent in X-Wallboard-Timestamp. A receiver
 * recomputes it, compares in constant time and refuses a timestamp more than 5 minutes off.
 */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`
}

/** DingTalk's "加签": base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)). */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64')
}

/** Feishu's signature: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)). */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64')
}

function request(url: string, body: string, reply: ReplyKind, headers: Record<string, string> = {}): HttpDelivery {
  return {
    kind: 'http',
    url,
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'wallboard-alerts/1', ...headers },
    body,
    reply,
  }
}

const json = (url: string, body: unknown, reply: ReplyKind): HttpDelivery => request(url, JSON.stringify(body), reply)

export function webhookDelivery(
  channel: Extract<Channel, { type: 'webhook' }>,
  m: AlertMessage,
  ctx: DeliveryContext,
): HttpDelivery {
  const body = JSON.stringify({
    id: ctx.notificationId,
    event: `alert.${ctx.transition}`,
    test: ctx.test,
    sentAt: ctx.nowMs,
    alert: ctx.alert,
    message: { language: m.language, title: m.title, text: m.text, facts: m.facts, url: m.link },
  })
  const timestamp = Math.floor(ctx.nowMs / 1000)
  return request(channel.url, body, 'status', {
    [DELIVERY_HEADER]: ctx.notificationId,
    [EVENT_HEADER]: `alert.${ctx.transition}`,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signWebhook(channel.secret, timestamp, body),
  })
}

/** Slack's mrkdwn needs &, < and > escaped; links are `<url|text>`. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function slackDelivery(channel: Extract<Channel, { type: 'slack' }>, m: AlertMessage): HttpDelivery {
  return json(
    channel.url,
    {
      text: m.title,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(m.title)}*` } },
        {
          type: 'section',
          // Block Kit allows at most 10 fields.
          fields: m.facts
            .slice(0, 10)
            .map((f) => ({ type: 'mrkdwn', text: `*${slackEscape(f.label)}*\n${slackEscape(f.value)}` })),
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<${m.link}|${slackEscape(m.linkText)}>` }] },
      ],
    },
    'status',
  )
}

export function teamsDelivery(channel: Extract<Channel, { type: 'teams' }>, m: AlertMessage): HttpDelivery {
  const colour = m.transition === 'resolved' ? 'Good' : m.severity === 'critical' ? 'Attention' : 'Warning'
  return json(
    channel.url,
    {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', color: colour, wrap: true },
              { type: 'FactSet', facts: m.facts.map((f) => ({ title: f.label, value: f.value })) },
            ],
            actions: [{ type: 'Action.OpenUrl', title: m.linkText, url: m.link }],
          },
        },
      ],
    },
    'status',
  )
}

/** Appends query parameters to a URL that may already have some (DingTalk's carries its access_token). */
function withQuery(url: string, params: Record<string, string>): string {
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&')
  return `${url}${url.includes('?') ? '&' : '?'}${query}`
}

export function dingtalkDelivery(
  channel: Extract<Channel, { type: 'dingtalk' }>,
  m: AlertMessage,
  ctx: Pick<DeliveryContext, 'nowMs'>,
): HttpDelivery {
  // DingTalk's markdown needs a blank line to break a line.
  const text = [`#### ${m.title}`, ...m.facts.map((f) => `- **${f.label}**: ${f.value}`), `[${m.linkText}](${m.link})`].join(
    '\n\n',
  )
  const url =
    channel.secret === null
      ? channel.url
      : withQuery(channel.url, { timestamp: String(ctx.nowMs), sign: dingtalkSign(channel.secret, ctx.nowMs) })
  return json(url, { msgtype: 'markdown', markdown: { title: m.title, text } }, 'errcode')
}

const WECOM_MAX_BYTES = 4096

/** Cuts text to at most `max` UTF-8 bytes, on a character boundary. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  let out = ''
  let bytes = 0
  for (const ch of text) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > max - 3) break
    out += ch
    bytes += n
  }
  return `${out}…`
}

export function wecomDelivery(channel: Extract<Channel, { type: 'wecom' }>, m: AlertMessage): HttpDelivery {
  const colour = m.transition === 'resolved' ? 'info' : m.severity === 'critical' ? 'warning' : 'comment'
  const content = [
    `**<font color="${colour}">${m.title}</font>**`,
    ...m.facts.map((f) => `> ${f.label}: <font color="comment">${f.value}</font>`),
    `[${m.linkText}](${m.link})`,
  ].join('\n')
  return json(channel.url, { msgtype: 'markdown', markdown: { content: truncateBytes(content, WECOM_MAX_BYTES) } }, 'errcode')
}

export function feishuDelivery(
  channel: Extract<Channel, { type: 'feishu' }>,
  m: AlertMessage,
  ctx: Pick<DeliveryContext, 'nowMs'>,
): HttpDelivery {
  const post = {
    title: m.title,
    content: [
      ...m.facts.map((f) => [{ tag: 'text', text: `${f.label}: ${f.value}` }]),
      [{ tag: 'a', text: m.linkText, href: m.link }],
    ],
  }
  const timestamp = Math.floor(ctx.nowMs / 1000)
  const signature = channel.secret === null ? {} : { timestamp: String(timestamp), sign: feishuSign(channel.secret, timestamp) }
  return json(
    channel.url,
    { ...signature, msg_type: 'post', content: { post: { [m.language === 'zh-CN' ? 'zh_cn' : 'en_us']: post } } },
    'feishu',
  )
}

const htmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

export function emailDelivery(channel: Extract<Channel, { type: 'email' }>, m: AlertMessage): MailDelivery {
  const rows = m.facts
    .map(
      (f) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${htmlEscape(f.label)}</th><td>${htmlEscape(f.value)}</td></tr>`,
    )
    .join('')
  const html =
    `<!doctype html><html lang="${m.language}"><body style="font-family:sans-serif">` +
    `<h2 style="font-size:16px">${htmlEscape(m.title)}</h2><table>${rows}</table>` +
    `<p><a href="${htmlEscape(m.link)}">${htmlEscape(m.linkText)}</a></p></body></html>`
  return { kind: 'mail', from: channel.from, to: [...channel.to], subject: m.title, text: m.text, html }
}

/** The delivery of one message on one channel, in the channel type's own format. */
export function deliveryFor(channel: Channel, m: AlertMessage, ctx: DeliveryContext): Delivery {
  switch (channel.type) {
    case 'webhook':
      return webhookDelivery(channel, m, ctx)
    case 'slack':
      return slackDelivery(channel, m)
    case 'teams':
      return teamsDelivery(channel, m)
    case 'dingtalk':
      return dingtalkDelivery(channel, m, ctx)
    case 'wecom':
      return wecomDelivery(channel, m)
    case 'feishu':
      return feishuDelivery(channel, m, ctx)
    case 'email':
      return emailDelivery(channel, m)
  }
}

/**
 * What went wrong, from the receiver's answer, or null when it took the message. A 2xx is success,
 * except that DingTalk and WeCom (`errcode`) and Feishu (`code`, or `StatusCode` on older bots) say
 * "no" in a 200 body.
 */
export function replyProblem(kind: ReplyKind, status: number, body: string): string | null {
  const excerpt = body.slice(0, 200).trim()
  if (status < 200 || status >= 300) return `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`
  if (kind === 'status') return null
  let parsed: Record<string, unknown>
  try {
    const value: unknown = JSON.parse(body)
    if (typeof value !== 'object' || value === null) throw new Error('not an object')
    parsed = value as Record<string, unknown>
  } catch {
    return `HTTP ${status} with an answer that is not JSON: ${excerpt || '(empty)'}`
  }
  if (kind === 'errcode') {
    const code = parsed['errcode']
    if (code === 0) return null
    return `errcode ${String(code ?? '(none)')}: ${String(parsed['errmsg'] ?? '')}`.trim()
  }
  const code = parsed['code'] ?? parsed['StatusCode']
  if (code === 0) return null
  return `code ${String(code ?? '(none)')}: ${String(parsed['msg'] ?? parsed['StatusMessage'] ?? '')}`.trim()
}
