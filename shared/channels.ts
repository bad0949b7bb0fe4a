// Alert channels: where notifications go (a signed webhook, Slack, Teams, DingTalk, WeCom, Feishu,
// e-mail) and the delivery log. Input schemas carry the secrets an admin types in (webhook URLs
// hold tokens, so they count as secrets too); the view schemas are what an admin's browser sees,
// every secret masked. One declaration gives the type, the route's validation and the OpenAPI text.
import Type from 'typebox'
import { Name } from './auth.js'
import { CHANNEL_TYPES, TRANSITIONS } from './alerts.js'

const strict = { additionalProperties: false } as const

export const CHANNEL_LANGUAGES = ['en', 'zh-CN'] as const
export type ChannelLanguage = (typeof CHANNEL_LANGUAGES)[number]

export const ChannelIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9-]*$',
  description: 'lower-case letters, digits and -',
})

const Url = Type.String({
  minLength: 10,
  maxLength: 2048,
  pattern: '^https?://[^\\s]+$',
  description: 'an http(s) URL; it holds the token, so it is kept as a secret',
})
const Secret = (description: string, minLength = 1) => Type.String({ minLength, maxLength: 256, description })
const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@<>]+@[^\\s@<>]+$',
  description: 'an e-mail address (name@example.com)',
})
/** `From:` may carry a display name: `Wallboard <alerts@example.com>`. */
const From = Type.String({
  minLength: 3,
  maxLength: 320,
  pattern: '^([^\\u0000-\\u001f<>]*<[^\\s@<>]+@[^\\s@<>]+>|[^\\s@<>]+@[^\\s@<>]+)$',
  description: 'an address, optionally with a name: Wallboard <alerts@example.com>',
})

/** The fields every channel has. */
const Common = {
  name: Name('shown in the admin view and the delivery log', 200),
  enabled: Type.Boolean({ description: 'a disabled channel is skipped (the delivery log says so)' }),
  language: Type.Enum([...CHANNEL_LANGUAGES], { description: 'the language of its messages' }),
}

/** Each type's own settings, as stored (secrets in clear): the one place their fields are named. */
export const CHANNEL_FIELDS = {
  webhook: {
    url: Url,
    secret: Secret('HMAC-SHA256 key that signs each body (X-Wallboard-Signature); at least 16 characters', 16),
  },
  slack: { url: Url },
  teams: { url: Url },
  dingtalk: {
    url: Url,
    secret: Type.Union([Secret('the robot\'s "加签" secret (SEC…)'), Type.Null()], {
      description: 'the robot\'s "加签" secret (SEC…); null: the robot checks keywords or addresses instead',
    }),
  },
  wecom: { url: Url },
  feishu: {
    url: Url,
    secret: Type.Union([Secret('the bot\'s "签名校验" secret'), Type.Null()], {
      description: 'the bot\'s "签名校验" secret; null: no signature',
    }),
  },
  email: {
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$', description: 'SMTP server' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    security: Type.Enum(['tls', 'starttls', 'none'], {
      description: 'tls: TLS from the start (port 465); starttls: upgrade required (587); none: plain (a local relay only)',
    }),
    user: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { description: 'null: no login' }),
    password: Type.Union([Secret('SMTP password'), Type.Null()]),
    from: From,
    to: Type.Array(Email, { minItems: 1, maxItems: 50, uniqueItems: true }),
  },
} as const

/** The fields that are secrets: never sent to a browser, never logged, kept when a change leaves them out. */
export const SECRET_FIELDS = ['url', 'secret', 'password'] as const

type Fields = typeof CHANNEL_FIELDS
const f = CHANNEL_FIELDS

/** A channel's settings as stored, per type (secrets in clear: server-side only). */
export const ChannelSettingsSchema = Type.Union([
  Type.Object({ type: Type.Literal('webhook'), ...Common, ...f.webhook }, strict),
  Type.Object({ type: Type.Literal('slack'), ...Common, ...f.slack }, strict),
  Type.Object({ type: Type.Literal('teams'), ...Common, ...f.teams }, strict),
  Type.Object({ type: Type.Literal('dingtalk'), ...Common, ...f.dingtalk }, strict),
  Type.Object({ type: Type.Literal('wecom'), ...Common, ...f.wecom }, strict),
  Type.Object({ type: Type.Literal('feishu'), ...Common, ...f.feishu }, strict),
  Type.Object({ type: Type.Literal('email'), ...Common, ...f.email }, strict),
])
export type ChannelSettings = Type.Static<typeof ChannelSettingsSchema>
export type Channel = ChannelSettings & { id: string; createdAt: number; updatedAt: number }

/**
 * The settings any type may have, each optional: the body of a creation (with `type`) or of a
 * change. Which ones a type needs, and which it refuses, is checked by the server, whose 400 names
 * the field (`body.host: not a setting of a slack channel`): a union of per-type bodies would make
 * every error name each type's fields instead.
 */
const email = CHANNEL_FIELDS.email
const AnySetting = {
  url: Type.Optional(Url),
  secret: Type.Optional(Type.Union([Secret('webhook (at least 16 characters), DingTalk or Feishu signing secret'), Type.Null()])),
  host: Type.Optional(email.host),
  port: Type.Optional(email.port),
  security: Type.Optional(email.security),
  user: Type.Optional(email.user),
  password: Type.Optional(email.password),
  from: Type.Optional(email.from),
  to: Type.Optional(email.to),
}

/**
 * A new channel. `enabled` defaults to true; `language` to Chinese for DingTalk, WeCom and Feishu,
 * English for the others. webhook: url, secret; slack, teams, wecom: url; dingtalk, feishu: url and
 * optionally secret; email: host, port, security, from, to, and optionally user and password.
 */
export const ChannelCreateSchema = Type.Object(
  {
    type: Type.Enum([...CHANNEL_TYPES]),
    id: Type.Optional(ChannelIdSchema),
    name: Common.name,
    enabled: Type.Optional(Common.enabled),
    language: Type.Optional(Common.language),
    ...AnySetting,
  },
  strict,
)
export type ChannelCreate = Type.Static<typeof ChannelCreateSchema>

/** A change names only what changes; a secret left out keeps the stored one. The type cannot change. */
export const ChannelUpdateSchema = Type.Object(
  {
    name: Type.Optional(Common.name),
    enabled: Type.Optional(Common.enabled),
    language: Type.Optional(Common.language),
    ...AnySetting,
  },
  { ...strict, minProperties: 1 },
)
export type ChannelUpdate = Type.Static<typeof ChannelUpdateSchema>

export const CHANNEL_HEALTH = ['ok', 'failing', 'untried'] as const

/** How a channel's deliveries are going. */
export const ChannelStatusSchema = Type.Object({
  health: Type.Enum([...CHANNEL_HEALTH], {
    description: 'failing: its last attempts failed (3 in a row, or a notification given up); untried: nothing sent yet',
  }),
  consecutiveFailures: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastErrorAt: Type.Union([Type.Number(), Type.Null()]),
  failingSince: Type.Union([Type.Number(), Type.Null()], { description: 'epoch ms of the first failure of the current run' }),
  lastDeliveredAt: Type.Union([Type.Number(), Type.Null()]),
})
export type ChannelStatus = Type.Static<typeof ChannelStatusSchema>

const Masked = (description: string) => Type.String({ description: `${description}, masked (••••1a2b)` })
const MaskedOrNull = (description: string) => Type.Union([Masked(description), Type.Null()])
const viewMeta = {
  id: Type.String(),
  ...Common,
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  status: ChannelStatusSchema,
}
const view = <T extends keyof Fields, F extends Type.TProperties>(type: T, fields: F) =>
  Type.Object({ type: Type.Literal(type), ...viewMeta, ...fields })
const UrlView = Masked('the URL, tokens')

/** What an admin's browser sees of a channel: every secret masked, and how its deliveries go. */
export const ChannelViewSchema = Type.Union([
  view('webhook', { url: UrlView, secret: Masked('the signing secret') }),
  view('slack', { url: UrlView }),
  view('teams', { url: UrlView }),
  view('dingtalk', { url: UrlView, secret: MaskedOrNull('the sign secret') }),
  view('wecom', { url: UrlView }),
  view('feishu', { url: UrlView, secret: MaskedOrNull('the signature secret') }),
  view('email', {
    host: email.host,
    port: email.port,
    security: email.security,
    user: email.user,
    password: MaskedOrNull('the password'),
    from: Type.String(),
    to: Type.Array(Type.String()),
  }),
])
export type ChannelView = Type.Static<typeof ChannelViewSchema>

export const NOTIFICATION_STATES = ['pending', 'delivered', 'failed', 'dropped', 'skipped'] as const
export type NotificationState = (typeof NOTIFICATION_STATES)[number]

/** One notification: an alert's transition for one channel, and how its delivery went. */
export const NotificationSchema = Type.Object({
  id: Type.String({ description: '<alert id>:<transition index>:<channel id>; the receivers see it as the delivery id' }),
  alertId: Type.String(),
  ruleName: Type.String(),
  transition: Type.Enum([...TRANSITIONS]),
  transitionIndex: Type.Integer(),
  channelId: Type.String(),
  channelType: Type.Union([Type.Enum([...CHANNEL_TYPES]), Type.Null()], { description: 'null: the channel was unknown' }),
  test: Type.Boolean({ description: 'sent by "send a test alert"' }),
  state: Type.Enum([...NOTIFICATION_STATES], {
    description:
      'pending: queued or between retries; delivered; failed: given up (the error says why); dropped: pushed out of a full queue; skipped: the channel was unknown or disabled',
  }),
  attempts: Type.Integer(),
  createdAt: Type.Number(),
  lastAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  deliveredAt: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
})
export type Notification = Type.Static<typeof NotificationSchema>

export const NotificationQuerySchema = Type.Object(
  {
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    state: Type.Optional(Type.Enum([...NOTIFICATION_STATES])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
  },
  strict,
)
export type NotificationQuery = Type.Static<typeof NotificationQuerySchema>

export const ChannelTestResultSchema = Type.Object({
  outcome: Type.Enum(['delivered', 'failed']),
  error: Type.Union([Type.String(), Type.Null()], { description: "the receiver's answer or the network error" }),
  notification: NotificationSchema,
})
export type ChannelTestResult = Type.Static<typeof ChannelTestResultSchema>
