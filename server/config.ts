// Environment → typed configuration, validated once at start. Every error names the variable.
import path from 'node:path'
import { isValidTimeZone } from '../shared/figures/calendar.js'

export const SERVER_ROLES = ['all', 'ingest'] as const
export type ServerRole = (typeof SERVER_ROLES)[number]

export interface Config {
  port: number
  host: string
  /** external Redis; when null the launcher starts a local redis-server under dataDir */
  redisUrl: string | null
  /** REDIS_URL names nodes of a Redis Cluster (comma-separated; any of them, the rest are discovered) */
  redisCluster: boolean
  /** prefix of every Redis key, so several wallboards (or tests) can share one Redis */
  redisPrefix: string
  /**
   * `all`: ingest, figures, boards, alerts (the default; one such process is the active aggregator).
   * `ingest`: this process only takes events and link reports, so that a busy source's
   * acknowledgements never wait behind aggregation; boards and the rest go to `all` processes.
   */
  role: ServerRole
  dataDir: string
  timezone: string
  demo: boolean
  /** bootstrap key with ingest and read rights */
  apiKey: string | null
  bodyLimitBytes: number
  maxBatchEvents: number
  logLevel: string
  /** where the built browser app is */
  webDir: string
  /** password of the first admin; when null the first start generates one and prints it once */
  adminPassword: string | null
  /** a session ends after this long without use */
  sessionIdleMinutes: number
  /** signs session cookies; when null one is generated and kept in Redis (shared by every process) */
  sessionSecret: string | null
  /** requests per minute per client address on POST /api/v1/session */
  loginRateLimit: number
  /** requests per minute per API key on POST /api/v1/events */
  ingestRateLimit: number
  /** closed intervals are kept this many days (at least 35) */
  historyDays: number
  /** seconds without an event before a source counts as quiet (boards it feeds go stale), unless set per source */
  sourceQuietSec: number
  /** behind a reverse proxy: trust X-Forwarded-* from it (true, or its addresses, comma-separated) */
  trustProxy: boolean | string
  /**
   * WALLBOARD_SOCKET_BUFFER_KB (default 128): bytes that may wait in a process for one board's
   * connection; above it the board is sent no update or health until it drains, then a fresh snapshot
   */
  socketBufferBytes: number
  /** the address people open the wallboard at: links in alert messages point here */
  publicUrl: string
  /** alert delivery: concurrency, timeouts, retries and the queue's bound */
  delivery: DeliveryConfig
  /** when HTTP requests are refused with 503 rather than queued (plugins/load-shedding.ts) */
  loadShedding: LoadSheddingConfig
  /** phone-system connectors run inside this process (the same as `wallboard queue-log follow` / `wallboard ami`) */
  connectors: ConnectorsConfig
}

export interface ConnectorsConfig {
  /** WALLBOARD_QUEUE_LOG: follow this queue_log file */
  queueLog: { path: string; source: string } | null
  /** WALLBOARD_AMI_HOST …: connect to this Asterisk Manager Interface */
  ami: { host: string; port: number; username: string; secret: string; source: string; agentsOnly: boolean } | null
}

/** Limits past which HTTP requests are shed (503 with Retry-After); 0 turns a limit off. */
export interface LoadSheddingConfig {
  /** HTTP requests under way at once in this process */
  maxInFlight: number
  /** mean event-loop delay over half a second */
  maxEventLoopDelayMs: number
  maxHeapUsedMB: number
  maxRssMB: number
  /** what the refusal's Retry-After asks for */
  retryAfterSec: number
}

/** How alert notifications are delivered (server/alerts/outbox.ts). */
export interface DeliveryConfig {
  /** deliveries under way at once, per process */
  concurrency: number
  /** one HTTP request or SMTP conversation may take this long */
  timeoutMs: number
  /** the first retry waits up to this long; each further one up to twice as long (full jitter) */
  retryMinMs: number
  /** … but never more than this */
  retryMaxMs: number
  /** a notification not delivered after this many attempts, or this long, has failed */
  maxAttempts: number
  giveUpAfterMs: number
  /** at most this many pending; a new one then pushes the oldest pending out (dropped, counted, logged) */
  maxPending: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  return n
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(`${name}: expected 1/0, true/false, yes/no or on/off, got ${JSON.stringify(env[name])}`)
}

function proxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === 'true' || raw === '1') return true
  return raw
}

export function loadConfig(env: Env = process.env, defaults: { demo?: boolean } = {}): Config {
  const timezone = env['WALLBOARD_TIMEZONE'] || env['TZ']?.replace(/^:/, '') || 'UTC'
  if (!isValidTimeZone(timezone)) {
    throw new ConfigError(
      `${env['WALLBOARD_TIMEZONE'] ? 'WALLBOARD_TIMEZONE' : 'TZ'}: unknown IANA time zone ${JSON.stringify(timezone)}`,
    )
  }
  const redisUrl = env['REDIS_URL'] || null
  const redisCluster = bool(env, 'WALLBOARD_REDIS_CLUSTER', false)
  if (redisCluster && redisUrl === null)
    throw new ConfigError('WALLBOARD_REDIS_CLUSTER: needs REDIS_URL, the Cluster nodes (redis://host:port,redis://host:port,…)')
  for (const url of redisCluster && redisUrl !== null ? redisUrl.split(',') : [redisUrl]) {
    if (url !== null && !/^rediss?:\/\/[^,\s]+$/.test(url.trim())) {
      const expected = redisCluster ? 'redis://host:port entries, comma-separated' : 'redis://host:port or rediss://…'
      throw new ConfigError(`REDIS_URL: expected ${expected}, got ${JSON.stringify(url)}`)
    }
  }
  const apiKey = env['WALLBOARD_API_KEY'] || null
  if (apiKey !== null && apiKey.length < 16) throw new ConfigError('WALLBOARD_API_KEY: must be at least 16 characters')
  const adminPassword = env['WALLBOARD_ADMIN_PASSWORD'] || null
  if (adminPassword !== null && adminPassword.length < 12)
    throw new ConfigError('WALLBOARD_ADMIN_PASSWORD: must be at least 12 characters')
  const sessionSecret = env['WALLBOARD_SESSION_SECRET'] || null
  if (sessionSecret !== null && sessionSecret.length < 32)
    throw new ConfigError('WALLBOARD_SESSION_SECRET: must be at least 32 characters')
  const prefix = env['WALLBOARD_REDIS_PREFIX'] ?? 'wb:'
  if (/[{}\s]/.test(prefix)) throw new ConfigError('WALLBOARD_REDIS_PREFIX: must not contain braces or spaces')
  const port = int(env, 'PORT', 3000, 0, 65535)
  const role = (env['WALLBOARD_ROLE'] || 'all').trim().toLowerCase()
  if (!(SERVER_ROLES as readonly string[]).includes(role))
    throw new ConfigError(`WALLBOARD_ROLE: expected ${SERVER_ROLES.join(' or ')}, got ${JSON.stringify(env['WALLBOARD_ROLE'])}`)
  return {
    port,
    host: env['HOST'] || '0.0.0.0',
    redisUrl,
    redisCluster,
    redisPrefix: prefix,
    role: role as ServerRole,
    dataDir: path.resolve(env['WALLBOARD_DATA_DIR'] || 'data'),
    timezone,
    demo: bool(env, 'WALLBOARD_DEMO', defaults.demo ?? false),
    apiKey,
    bodyLimitBytes: int(env, 'WALLBOARD_BODY_LIMIT', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBatchEvents: int(env, 'WALLBOARD_MAX_BATCH', 5000, 1, 100_000),
    logLevel: env['LOG_LEVEL'] || 'info',
    webDir: path.resolve(env['WALLBOARD_WEB_DIR'] || 'dist/web'),
    adminPassword,
    sessionIdleMinutes: int(env, 'WALLBOARD_SESSION_IDLE_MINUTES', 8 * 60, 5, 30 * 24 * 60),
    sessionSecret,
    loginRateLimit: int(env, 'WALLBOARD_LOGIN_RATE_LIMIT', 10, 1, 10_000),
    ingestRateLimit: int(env, 'WALLBOARD_INGEST_RATE_LIMIT', 600_000, 1, 100_000_000),
    historyDays: int(env, 'WALLBOARD_HISTORY_DAYS', 400, 35, 3660),
    sourceQuietSec: int(env, 'WALLBOARD_SOURCE_QUIET_SEC', 300, 1, 7 * 86_400),
    trustProxy: proxy(env['WALLBOARD_TRUST_PROXY']),
    socketBufferBytes: int(env, 'WALLBOARD_SOCKET_BUFFER_KB', 128, 8, 64 * 1024) * 1024,
    publicUrl: publicUrl(env, port),
    delivery: {
      concurrency: int(env, 'WALLBOARD_NOTIFY_CONCURRENCY', 4, 1, 64),
      timeoutMs: int(env, 'WALLBOARD_NOTIFY_TIMEOUT_MS', 10_000, 100, 120_000),
      retryMinMs: int(env, 'WALLBOARD_NOTIFY_RETRY_MIN_MS', 1_000, 10, 3_600_000),
      retryMaxMs: int(env, 'WALLBOARD_NOTIFY_RETRY_MAX_MS', 300_000, 10, 86_400_000),
      maxAttempts: int(env, 'WALLBOARD_NOTIFY_MAX_ATTEMPTS', 1_000, 1, 100_000),
      giveUpAfterMs: int(env, 'WALLBOARD_NOTIFY_GIVE_UP_SEC', 86_400, 1, 30 * 86_400) * 1000,
      maxPending: int(env, 'WALLBOARD_NOTIFY_MAX_PENDING', 10_000, 1, 1_000_000),
    },
    loadShedding: {
      maxInFlight: int(env, 'WALLBOARD_SHED_MAX_IN_FLIGHT', 128, 0, 1_000_000),
      maxEventLoopDelayMs: int(env, 'WALLBOARD_SHED_EVENT_LOOP_DELAY_MS', 500, 0, 60_000),
      maxHeapUsedMB: int(env, 'WALLBOARD_SHED_HEAP_MB', 0, 0, 1_000_000),
      maxRssMB: int(env, 'WALLBOARD_SHED_RSS_MB', 0, 0, 1_000_000),
      retryAfterSec: int(env, 'WALLBOARD_SHED_RETRY_AFTER_SEC', 2, 1, 3_600),
    },
    connectors: connectors(env),
  }
}

function connectors(env: Env): ConnectorsConfig {
  const file = env['WALLBOARD_QUEUE_LOG'] || null
  const host = env['WALLBOARD_AMI_HOST'] || null
  let ami: ConnectorsConfig['ami'] = null
  if (host !== null) {
    const username = env['WALLBOARD_AMI_USER'] || null
    const secret = env['WALLBOARD_AMI_SECRET'] || null
    if (username === null) throw new ConfigError('WALLBOARD_AMI_USER: required with WALLBOARD_AMI_HOST')
    if (secret === null) throw new ConfigError('WALLBOARD_AMI_SECRET: required with WALLBOARD_AMI_HOST')
    ami = {
      host,
      port: int(env, 'WALLBOARD_AMI_PORT', 5038, 1, 65535),
      username,
      secret,
      source: env['WALLBOARD_AMI_SOURCE'] || 'asterisk-ami',
      agentsOnly: bool(env, 'WALLBOARD_AMI_AGENTS_ONLY', false),
    }
  }
  return {
    queueLog: file === null ? null : { path: path.resolve(file), source: env['WALLBOARD_QUEUE_LOG_SOURCE'] || 'asterisk' },
    ami,
  }
}

function publicUrl(env: Env, port: number): string {
  const raw = env['WALLBOARD_PUBLIC_URL']
  if (raw === undefined || raw === '') return `http://localhost:${port}`
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(raw))
    throw new ConfigError(`WALLBOARD_PUBLIC_URL: expected http(s)://host[:port][/path], got ${JSON.stringify(raw)}`)
  return raw.replace(/\/+$/, '')
}
