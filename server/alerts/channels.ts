// The channels an admin configures, kept in one Redis hash with their secrets (server-side only),
// and how each one's deliveries are going (a small hash per channel, updated by the outbox with
// atomic increments so that concurrent deliveries never lose a count). `settingsFrom` turns a
// creation or a change into a channel's settings, naming each wrong field; `viewOf` is what a
// browser may see: every secret masked.
import { randomBytes } from 'node:crypto'
import type { RedisClient } from '../store/redis.js'
import type { ChannelType } from '../../shared/alerts.js'
import {
  CHANNEL_FIELDS,
  type Channel,
  type ChannelCreate,
  type ChannelLanguage,
  type ChannelSettings,
  type ChannelStatus,
  type ChannelUpdate,
  type ChannelView,
} from '../../shared/channels.js'
import { ConflictError, InvalidInputError } from '../auth/users.js'
import type { Keys } from '../store/keys.js'

/** Failures in a row after which a channel shows as failing. */
export const FAILING_AFTER = 3

const MASK = '••••'

/** A secret as a browser may see it: `••••` and, for a long one, its last 4 characters. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${MASK}${secret.slice(-4)}` : MASK
}

/**
 * A webhook URL as a browser may see it: scheme, host and the path's plain words kept; every other
 * path segment and every query value masked (tokens hide in both: Slack's and Feishu's in the path,
 * DingTalk's and WeCom's in the query). `https://oapi.dingtalk.com/robot/send?access_token=••••1a2b`.
 */
export function maskUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return MASK
  }
  const plain = /^(v\d+|[a-z][a-z_-]{0,15})$/
  const path = url.pathname
    .split('/')
    .map((seg) => (seg === '' || plain.test(seg) ? seg : maskSecret(seg)))
    .join('/')
  const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${maskSecret(v)}`).join('&')
  return `${url.protocol}//${url.host}${path}${query ? `?${query}` : ''}`
}

const COMMON_FIELDS = ['name', 'enabled', 'language'] as const
/** Settings that may be left out (or null): the others each type needs. */
const NULLABLE: Partial<Record<ChannelType, Record<string, null>>> = {
  dingtalk: { secret: null },
  feishu: { secret: null },
  email: { user: null, password: null },
}

export function defaultLanguage(type: ChannelType): ChannelLanguage {
  return type === 'dingtalk' || type === 'wecom' || type === 'feishu' ? 'zh-CN' : 'en'
}

/**
 * A channel's settings from a creation (no `base`) or a change of `base`. Refuses, naming each
 * field, a setting of another type, a missing one and the checks a schema cannot make.
 */
export function settingsFrom(
  type: ChannelType,
  base: ChannelSettings | null,
  input: ChannelCreate | ChannelUpdate,
): ChannelSettings {
  const fields = Object.keys(CHANNEL_FIELDS[type])
  const allowed = new Set<string>([...COMMON_FIELDS, ...fields])
  const problems: string[] = []
  const given: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (key === 'type' || key === 'id' || value === undefined) continue
    if (!allowed.has(key)) problems.push(`body.${key}: not a setting of a ${type} channel`)
    else given[key] = value
  }
  const merged: Record<string, unknown> = base
    ? { ...base, ...given }
    : { enabled: true, language: defaultLanguage(type), ...NULLABLE[type], ...given }
  for (const f of fields) if (merged[f] === undefined) problems.push(`body.${f}: is required for a ${type} channel`)
  if (typeof merged['url'] === 'string' && !URL.canParse(merged['url'])) problems.push('body.url: not a valid URL')
  if (type === 'webhook') {
    const secret = merged['secret']
    if (secret === null) problems.push('body.secret: a webhook channel signs with a secret; it cannot be removed')
    else if (typeof secret === 'string' && secret.length < 16) problems.push('body.secret: at least 16 characters')
  }
  if (type === 'email') {
    if (merged['user'] !== null && merged['password'] === null) problems.push('body.password: is required with a user')
    if (merged['user'] === null && typeof merged['password'] === 'string') problems.push('body.user: is required with a password')
  }
  if (problems.length > 0) throw new InvalidInputError(problems.join('; '))
  const settings: Record<string, unknown> = { type }
  for (const f of [...COMMON_FIELDS, ...fields]) settings[f] = merged[f]
  return settings as ChannelSettings
}

/** The settings alone (no id or times), to merge a change into. */
export function settingsOf(channel: Channel): ChannelSettings {
  const { id: _id, createdAt: _created, updatedAt: _updated, ...settings } = channel
  return settings as ChannelSettings
}

/** The status of a channel that has sent nothing yet. */
export const UNTRIED: ChannelStatus = {
  health: 'untried',
  consecutiveFailures: 0,
  lastError: null,
  lastErrorAt: null,
  failingSince: null,
  lastDeliveredAt: null,
}

/** What a browser may see of a channel: every secret masked, with how its deliveries are going. */
export function viewOf(c: Channel, status: ChannelStatus): ChannelView {
  const meta = {
    id: c.id,
    name: c.name,
    enabled: c.enabled,
    language: c.language,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    status,
  }
  switch (c.type) {
    case 'webhook':
      return { type: c.type, ...meta, url: maskUrl(c.url), secret: maskSecret(c.secret) }
    case 'dingtalk':
    case 'feishu':
      return { type: c.type, ...meta, url: maskUrl(c.url), secret: c.secret === null ? null : maskSecret(c.secret) }
    case 'slack':
    case 'teams':
    case 'wecom':
      return { type: c.type, ...meta, url: maskUrl(c.url) }
    case 'email':
      return {
        type: c.type,
        ...meta,
        host: c.host,
        port: c.port,
        security: c.security,
        user: c.user,
        password: c.password === null ? null : MASK,
        from: c.from,
        to: [...c.to],
      }
  }
}

/** A channel's view without its status: what the audit log keeps of a change. */
export function auditViewOf(c: Channel): Omit<ChannelView, 'status'> {
  const { status: _status, ...rest } = viewOf(c, UNTRIED)
  return rest
}

/** Every string in a channel that must never be shown or logged: its URL, secret and password. */
export function secretsOf(c: Channel): string[] {
  const out: string[] = []
  if ('url' in c) out.push(c.url)
  if ('secret' in c && c.secret !== null) out.push(c.secret)
  if ('password' in c && c.password !== null) out.push(c.password)
  return out
}

export class ChannelStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async list(): Promise<Channel[]> {
    const all = await this.redis.hvals(this.keys.channels)
    return all.map((raw) => JSON.parse(raw) as Channel).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
  }

  async get(id: string): Promise<Channel | null> {
    const raw = await this.redis.hget(this.keys.channels, id)
    return raw === null ? null : (JSON.parse(raw) as Channel)
  }

  /** Stores a new channel under `id` (a generated one when none); an id in use is a 409. */
  async create(settings: ChannelSettings, id: string | undefined, nowMs: number): Promise<Channel> {
    const channelId = id ?? `${settings.type}-${randomBytes(4).toString('hex')}`
    const channel = { ...settings, id: channelId, createdAt: nowMs, updatedAt: nowMs } as Channel
    if ((await this.redis.hsetnx(this.keys.channels, channelId, JSON.stringify(channel))) === 0)
      throw new ConflictError(`channel ${channelId} exists`)
    return channel
  }

  async replace(channel: Channel): Promise<void> {
    await this.redis.hset(this.keys.channels, channel.id, JSON.stringify(channel))
  }

  async remove(id: string): Promise<Channel | null> {
    const channel = await this.get(id)
    if (!channel) return null
    await this.redis.multi().hdel(this.keys.channels, id).del(this.keys.channelStatus(id)).exec()
    return channel
  }

  async status(id: string): Promise<ChannelStatus> {
    const h = await this.redis.hgetall(this.keys.channelStatus(id))
    const num = (k: string) => (h[k] === undefined ? null : Number(h[k]))
    const failures = num('failures') ?? 0
    const failing = failures >= FAILING_AFTER || h['gaveUp'] === '1'
    const tried = failures > 0 || h['lastDeliveredAt'] !== undefined
    return {
      health: failing ? 'failing' : tried ? 'ok' : 'untried',
      consecutiveFailures: failures,
      lastError: h['lastError'] ?? null,
      lastErrorAt: num('lastErrorAt'),
      failingSince: failures > 0 ? num('failingSince') : null,
      lastDeliveredAt: num('lastDeliveredAt'),
    }
  }

  async recordSuccess(id: string, atMs: number): Promise<void> {
    const key = this.keys.channelStatus(id)
    await this.redis.multi().hset(key, 'failures', 0, 'lastDeliveredAt', atMs).hdel(key, 'failingSince', 'gaveUp').exec()
  }

  /** One failed attempt; `gaveUp` when it was a notification's last, which marks the channel failing at once. */
  async recordFailure(id: string, atMs: number, error: string, gaveUp: boolean): Promise<void> {
    const key = this.keys.channelStatus(id)
    const tx = this.redis
      .multi()
      .hincrby(key, 'failures', 1)
      .hset(key, 'lastError', error, 'lastErrorAt', atMs)
      .hsetnx(key, 'failingSince', atMs)
    if (gaveUp) tx.hset(key, 'gaveUp', 1)
    await tx.exec()
  }
}
