// Each channel type's payload for one message, its signature, how a receiver's answer is read,
// how channels' settings are checked and masked, and the retry backoff.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Channel } from '../../shared/channels.js'
import { UNTRIED, maskSecret, maskUrl, settingsFrom, viewOf } from '../../server/alerts/channels.js'
import { type AlertMessage, renderAlertMessage } from '../../server/alerts/message.js'
import { retryDelayMs } from '../../server/alerts/outbox.js'
import {
  type DeliveryContext,
  type HttpDelivery,
  deliveryFor,
  replyProblem,
  truncateBytes,
} from '../../server/alerts/payloads.js'
import { firingAlert } from '../support/alerts.js'

const NOW = Date.UTC(2026, 10, 23, 1, 31, 0)
const ALERT = firingAlert('r1:q:support', NOW, { ruleName: 'Calls waiting > 10' })
const message = (language: 'en' | 'zh-CN' = 'en', queue = 'Support <VIP> & co'): AlertMessage =>
  renderAlertMessage(ALERT, {
    language,
    timezone: 'Asia/Shanghai',
    publicUrl: 'https://wb.example.com',
    names: { queue, agent: null, team: null },
  })
const ctx: DeliveryContext = { notificationId: 'r1:q:support:0:ops', alert: ALERT, transition: 'fired', test: false, nowMs: NOW }
const meta = { id: 'ch', name: 'ch', enabled: true, language: 'en' as const, createdAt: 0, updatedAt: 0 }
const http = (channel: Channel, m = message()) => {
  const d = deliveryFor(channel, m, ctx)
  if (d.kind !== 'http') throw new Error('expected an HTTP delivery')
  return { ...d, json: JSON.parse(d.body) as Record<string, unknown> } as HttpDelivery & { json: Record<string, unknown> }
}

describe('the generic webhook', () => {
  const secret = 'a-secret-of-32-characters-123456'
  const d = http({ ...meta, type: 'webhook', url: 'https://hooks.example.com/in', secret })

  it('signs the timestamp and the raw body with the channel secret', () => {
    const ts = d.headers['x-wallboard-timestamp']!
    expect(Number(ts)).toBe(Math.floor(NOW / 1000))
    const expected = createHmac('sha256', secret).update(`${ts}.${d.body}`).digest('hex')
    expect(d.headers['x-wallboard-signature']).toBe(`sha256=${expected}`)
    expect(d.headers['x-wallboard-delivery']).toBe('r1:q:support:0:ops')
    expect(d.headers['x-wallboard-event']).toBe('alert.fired')
  })

  it('sends the alert and the message as JSON', () => {
    expect(d.json).toMatchObject({
      id: 'r1:q:support:0:ops',
      event: 'alert.fired',
      test: false,
      alert: { id: 'r1:q:support', value: 14, threshold: 10 },
      message: { language: 'en', url: 'https://wb.example.com/supervisor?alert=r1%3Aq%3Asupport' },
    })
    expect(d.reply).toBe('status')
  })
})

describe('Slack', () => {
  it('sends text and blocks, with mrkdwn escaped and at most 10 fields', () => {
    const d = http({ ...meta, type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x' })
    const blocks = d.json['blocks'] as Array<Record<string, unknown>>
    expect(d.json['text']).toBe(message().title)
    expect(blocks.map((b) => b['type'])).toEqual(['section', 'section', 'context'])
    expect((blocks[0]!['text'] as { text: string }).text).toBe(
      '*Critical · Fired: Calls waiting &gt; 10 — Support &lt;VIP&gt; &amp; co*',
    )
    const fields = blocks[1]!['fields'] as Array<{ type: string; text: string }>
    expect(fields.length).toBeLessThanOrEqual(10)
    expect(fields[0]).toEqual({ type: 'mrkdwn', text: '*Queue*\nSupport &lt;VIP&gt; &amp; co' })
    expect(JSON.stringify(blocks[2])).toContain(
      '<https://wb.example.com/supervisor?alert=r1%3Aq%3Asupport|Open in the wallboard>',
    )
  })
})

describe('Microsoft Teams', () => {
  it('sends an Adaptive Card in a message envelope, facts as a FactSet and the link as an action', () => {
    const d = http({
      ...meta,
      type: 'teams',
      url: 'https://prod.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke',
    })
    expect(d.json['type']).toBe('message')
    const [attachment] = d.json['attachments'] as Array<Record<string, unknown>>
    expect(attachment).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null })
    const card = attachment!['content'] as Record<string, unknown>
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' })
    expect(card['body']).toEqual([
      expect.objectContaining({ type: 'TextBlock', text: message().title, color: 'Attention', wrap: true }),
      { type: 'FactSet', facts: message().facts.map((f) => ({ title: f.label, value: f.value })) },
    ])
    expect(card['actions']).toEqual([{ type: 'Action.OpenUrl', title: 'Open in the wallboard', url: message().link }])
  })
})

describe('DingTalk', () => {
  const url = 'https://oapi.dingtalk.com/robot/send?access_token=tok123'

  it('sends markdown with a title', () => {
    const d = http({ ...meta, type: 'dingtalk', url, secret: null }, message('zh-CN', '售后'))
    expect(d.url).toBe(url)
    expect(d.json).toMatchObject({ msgtype: 'markdown', markdown: { title: '严重 · 已触发：Calls waiting > 10 — 售后' } })
    const text = (d.json['markdown'] as { text: string }).text
    expect(text).toContain('#### 严重 · 已触发')
    expect(text).toContain('- **队列**: 售后')
    expect(text).toContain('[在监控页查看](https://wb.example.com/supervisor?alert=r1%3Aq%3Asupport)')
    expect(d.reply).toBe('errcode')
  })

  it('signs the URL with timestamp (ms) and sign = base64(HMAC-SHA256(secret, timestamp\\nsecret)), URL-encoded', () => {
    const secret = 'SECabcdef0123456789'
    const d = http({ ...meta, type: 'dingtalk', url, secret })
    const u = new URL(d.url)
    expect(u.searchParams.get('access_token')).toBe('tok123')
    expect(u.searchParams.get('timestamp')).toBe(String(NOW))
    const sign = createHmac('sha256', secret).update(`${NOW}\n${secret}`).digest('base64')
    expect(u.searchParams.get('sign')).toBe(sign)
    expect(d.url).toContain(`sign=${encodeURIComponent(sign)}`)
  })
})

describe('WeCom', () => {
  it('sends markdown content, coloured by severity', () => {
    const d = http({ ...meta, type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' })
    expect(d.json['msgtype']).toBe('markdown')
    const content = (d.json['markdown'] as { content: string }).content
    expect(content.split('\n')[0]).toBe(`**<font color="warning">${message().title}</font>**`)
    expect(content).toContain('> Queue: <font color="comment">Support <VIP> & co</font>')
    expect(d.reply).toBe('errcode')
  })

  it('keeps content within 4096 bytes, cutting between characters', () => {
    const long = truncateBytes('告'.repeat(3000), 4096)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(4096)
    expect(long.endsWith('…')).toBe(true)
    const d = http(
      { ...meta, type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
      message('zh-CN', '队'.repeat(2000)),
    )
    expect(Buffer.byteLength((d.json['markdown'] as { content: string }).content)).toBeLessThanOrEqual(4096)
  })
})

describe('Feishu', () => {
  it('sends a post in the message language, with the link as an a tag', () => {
    const d = http(
      { ...meta, type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', secret: null },
      message('zh-CN', '售后'),
    )
    expect(d.json['msg_type']).toBe('post')
    expect(d.json).not.toHaveProperty('sign')
    const post = (d.json['content'] as { post: Record<string, { title: string; content: unknown[][] }> }).post
    expect(Object.keys(post)).toEqual(['zh_cn'])
    expect(post['zh_cn']!.title).toBe('严重 · 已触发：Calls waiting > 10 — 售后')
    expect(post['zh_cn']!.content[0]).toEqual([{ tag: 'text', text: '队列: 售后' }])
    expect(post['zh_cn']!.content.at(-1)).toEqual([{ tag: 'a', text: '在监控页查看', href: message().link }])
    expect(d.reply).toBe('feishu')
  })

  it('signs with timestamp (s) and sign = base64(HMAC-SHA256(key = timestamp\\nsecret, empty message))', () => {
    const secret = 'feishu-secret'
    const d = http({ ...meta, type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', secret })
    const ts = String(Math.floor(NOW / 1000))
    expect(d.json['timestamp']).toBe(ts)
    expect(d.json['sign']).toBe(createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64'))
    expect(Object.keys((d.json['content'] as { post: object }).post)).toEqual(['en_us'])
  })
})

describe('e-mail', () => {
  it('has the title as subject, the plain text, and escaped HTML', () => {
    const d = deliveryFor(
      {
        ...meta,
        type: 'email',
        host: 'smtp',
        port: 25,
        security: 'none',
        user: null,
        password: null,
        from: 'wb@example.com',
        to: ['a@example.com'],
      },
      message(),
      ctx,
    )
    expect(d).toMatchObject({
      kind: 'mail',
      from: 'wb@example.com',
      to: ['a@example.com'],
      subject: message().title,
      text: message().text,
    })
    if (d.kind !== 'mail') throw new Error('expected mail')
    expect(d.html).toContain('Support &lt;VIP&gt; &amp; co')
    expect(d.html).not.toContain('<VIP>')
  })
})

describe("a receiver's answer", () => {
  it('is success for a 2xx, except an errcode or code other than 0 in the body', () => {
    expect(replyProblem('status', 200, 'ok')).toBeNull()
    expect(replyProblem('status', 202, '')).toBeNull()
    expect(replyProblem('status', 500, 'boom')).toBe('HTTP 500: boom')
    expect(replyProblem('errcode', 200, '{"errcode":0,"errmsg":"ok"}')).toBeNull()
    expect(replyProblem('errcode', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toBe('errcode 310000: sign not match')
    expect(replyProblem('errcode', 200, 'not json')).toMatch(/not JSON/)
    expect(replyProblem('feishu', 200, '{"code":0,"msg":"success","data":{}}')).toBeNull()
    expect(replyProblem('feishu', 200, '{"StatusCode":0,"StatusMessage":"success"}')).toBeNull()
    expect(replyProblem('feishu', 200, '{"code":19021,"msg":"sign match fail"}')).toBe('code 19021: sign match fail')
    expect(replyProblem('feishu', 404, '{"code":0}')).toBe('HTTP 404: {"code":0}')
  })
})

describe("a channel's settings", () => {
  it('masks URL tokens in path and query, keeping the plain words', () => {
    expect(maskUrl('https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef1a2b')).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=••••1a2b',
    )
    expect(maskUrl('https://hooks.slack.com/services/T0123ABCD/B0123ABCD/XyZ0123456789abcdefGhIj')).toBe(
      'https://hooks.slack.com/services/••••/••••/••••GhIj',
    )
    expect(maskUrl('https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab')).toBe(
      'https://open.feishu.cn/open-apis/bot/v2/hook/••••89ab',
    )
    expect(maskUrl('not a url')).toBe('••••')
    expect(maskSecret('short')).toBe('••••')
  })

  it('shows a browser no secret', () => {
    const channel: Channel = {
      ...meta,
      type: 'webhook',
      url: 'https://x.example.com/hook/0123456789abcdef',
      secret: 'sixteen-chars-secret!',
    }
    const view = JSON.stringify(viewOf(channel, UNTRIED))
    expect(view).not.toContain('0123456789abcdef')
    expect(view).not.toContain('sixteen-chars-secret!')
  })

  it('refuses, naming the field, a setting of another type, a missing one and a short webhook secret', () => {
    expect(() => settingsFrom('slack', null, { type: 'slack', name: 's', url: 'https://h.example.com/x', host: 'smtp' })).toThrow(
      'body.host: not a setting of a slack channel',
    )
    expect(() => settingsFrom('webhook', null, { type: 'webhook', name: 'w', url: 'https://h.example.com/x' })).toThrow(
      'body.secret: is required for a webhook channel',
    )
    expect(() =>
      settingsFrom('webhook', null, { type: 'webhook', name: 'w', url: 'https://h.example.com/x', secret: 'short' }),
    ).toThrow('body.secret: at least 16 characters')
    expect(() =>
      settingsFrom('email', null, {
        type: 'email',
        name: 'e',
        host: 'h',
        port: 25,
        security: 'none',
        from: 'a@b.c',
        to: ['x@y.z'],
        user: 'u',
      }),
    ).toThrow('body.password: is required with a user')
  })

  it('defaults language by type and keeps stored secrets a change leaves out', () => {
    const created = settingsFrom('dingtalk', null, {
      type: 'dingtalk',
      name: 'd',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
    })
    expect(created).toEqual({
      type: 'dingtalk',
      name: 'd',
      enabled: true,
      language: 'zh-CN',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
      secret: null,
    })
    if (created.type !== 'dingtalk') throw new Error('expected a dingtalk channel')
    const changed = settingsFrom('dingtalk', { ...created, secret: 'SECkept' }, { name: 'renamed' })
    expect(changed).toMatchObject({ name: 'renamed', url: created.url, secret: 'SECkept' })
  })
})

describe('the retry backoff', () => {
  it('grows exponentially to its cap, with full jitter', () => {
    expect(retryDelayMs(1, 1000, 300_000, 1)).toBe(1000)
    expect(retryDelayMs(4, 1000, 300_000, 1)).toBe(8000)
    expect(retryDelayMs(30, 1000, 300_000, 1)).toBe(300_000)
    expect(retryDelayMs(4, 1000, 300_000, 0.5)).toBe(4000)
    expect(retryDelayMs(4, 1000, 300_000, 0)).toBe(0)
  })
})
