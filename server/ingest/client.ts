// A source's side of the public ingest API: POST /api/v1/events until the wallboard acknowledges,
// and PUT /api/v1/sources/:id/link for the link's health. Shared by the demo simulator, the
// queue_log follower and importer, and the AMI connector, in or out of the server process.
// Retries keep the same events (same ids), so a batch the server stored before a lost answer
// counts once.
import type { WallboardEvent } from '../../shared/events.js'
import type { LinkReport } from '../../shared/sources.js'

/** Satisfied by a pino/Fastify logger and by the command line's console logger. */
export interface SourceLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** Log lines for a terminal or a journal: time, level, message, fields. */
export const consoleLog: SourceLog = {
  info: (obj, msg) => console.log(logLine('info', obj, msg)),
  warn: (obj, msg) => console.warn(logLine('warn', obj, msg)),
  error: (obj, msg) => console.error(logLine('error', obj, msg)),
}

function logLine(level: string, obj: object, msg: string): string {
  const fields = Object.entries(obj)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  return `${new Date().toISOString()} ${level.padEnd(5)} ${msg}${fields ? `  ${fields}` : ''}`
}

export interface IngestResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; id: string | null; error: string }>
}

export type PostOutcome =
  { kind: 'done'; result: IngestResult } | { kind: 'retry'; why: string; retryAfterMs: number | null } | { kind: 'tooLarge' }

export interface ClientOptions {
  /** base URL of the wallboard, e.g. http://127.0.0.1:3000 */
  url: string
  /** API key with the `ingest` scope, sent as a bearer token */
  apiKey: string
  log: SourceLog
  /** first retry delay; it doubles per failed attempt up to retryMaxMs (defaults 500 and 30000) */
  retryBaseMs?: number
  retryMaxMs?: number
  /** a request without an answer for this long is abandoned and retried (default 10000) */
  requestTimeoutMs?: number
  now?: () => number
  fetch?: typeof fetch
}

/** Exponential backoff with jitter (half to full), never below the server's Retry-After. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, retryAfterMs: number | null): number {
  const backoff = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1)) * (0.5 + Math.random() / 2)
  return Math.min(maxMs, Math.max(backoff, retryAfterMs ?? 0))
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done)
  })
}

export class WallboardClient {
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** why the last request failed; null after a success */
  lastError: string | null = null
  private readonly endpoint: string
  private readonly requestTimeoutMs: number
  private readonly now: () => number
  private readonly fetchFn: typeof fetch

  constructor(private readonly opts: ClientOptions) {
    this.endpoint = opts.url.replace(/\/+$/, '')
    this.retryBaseMs = opts.retryBaseMs ?? 500
    this.retryMaxMs = opts.retryMaxMs ?? 30_000
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000
    this.now = opts.now ?? Date.now
    this.fetchFn = opts.fetch ?? fetch
  }

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.opts.apiKey}`, 'Content-Type': 'application/json' }
  }

  /** One attempt. Never throws: a failure is an outcome that says whether and when to retry. */
  async post(batch: readonly WallboardEvent[], signal?: AbortSignal): Promise<PostOutcome> {
    let res: Response
    try {
      const timeout = AbortSignal.timeout(this.requestTimeoutMs)
      res = await this.fetchFn(`${this.endpoint}/api/v1/events`, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify(batch),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
    } catch (err) {
      return this.failed({ kind: 'retry', why: errorText(err), retryAfterMs: null })
    }
    const text = await res.text().catch(() => '')
    if (res.status === 413) return { kind: 'tooLarge' }
    const result = parseResult(text)
    // The server answers 400 with the usual result when every event of a batch was rejected.
    if (result && (res.ok || res.status === 400)) {
      this.lastError = null
      return { kind: 'done', result }
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.now())
    const why = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`
    if (res.status >= 500 || res.status === 408 || res.status === 429) return this.failed({ kind: 'retry', why, retryAfterMs })
    // A wrong key or URL is fixed by a person, not by waiting; keep the events and keep trying slowly.
    this.opts.log.error({ status: res.status, url: this.endpoint }, `the wallboard refuses the events (${why}); retrying`)
    return this.failed({ kind: 'retry', why, retryAfterMs: this.retryMaxMs })
  }

  private failed(outcome: Extract<PostOutcome, { kind: 'retry' }>): PostOutcome {
    this.lastError = outcome.why
    return outcome
  }

  /**
   * Sends until the wallboard acknowledges every event, retrying with backoff and halving a batch
   * the server finds too large. Resolves with the summed result (rejections indexed into `batch`);
   * rejects only when `signal` aborts, with the events not known to be stored.
   */
  async deliver(
    batch: readonly WallboardEvent[],
    signal?: AbortSignal,
    onRetry?: (failures: number, why: string, delayMs: number) => void,
  ): Promise<IngestResult> {
    const total: IngestResult = { accepted: 0, duplicates: 0, rejected: [] }
    // Parts still to send, each with its offset into `batch`.
    const parts: Array<{ from: number; events: readonly WallboardEvent[] }> = [{ from: 0, events: batch }]
    let failures = 0
    while (parts.length > 0) {
      if (signal?.aborted) throw new DeliveryAborted()
      const part = parts[0]!
      const outcome = await this.post(part.events, signal)
      if (signal?.aborted) throw new DeliveryAborted()
      if (outcome.kind === 'done') {
        parts.shift()
        failures = 0
        total.accepted += outcome.result.accepted
        total.duplicates += outcome.result.duplicates
        for (const r of outcome.result.rejected) total.rejected.push({ ...r, index: r.index + part.from })
      } else if (outcome.kind === 'tooLarge' && part.events.length > 1) {
        const half = Math.ceil(part.events.length / 2)
        parts.splice(
          0,
          1,
          { from: part.from, events: part.events.slice(0, half) },
          { from: part.from + half, events: part.events.slice(half) },
        )
      } else {
        failures++
        const why = outcome.kind === 'retry' ? outcome.why : 'HTTP 413: a single event is too large'
        if (outcome.kind === 'tooLarge') this.lastError = why
        const delayMs = backoffMs(
          failures,
          this.retryBaseMs,
          this.retryMaxMs,
          outcome.kind === 'retry' ? outcome.retryAfterMs : this.retryMaxMs,
        )
        onRetry?.(failures, why, delayMs)
        await sleep(delayMs, signal)
      }
    }
    return total
  }

  /** Reports the link's health; false (and lastError untouched) when the wallboard did not take it. */
  async reportLink(source: string, report: LinkReport, signal?: AbortSignal): Promise<boolean> {
    try {
      const timeout = AbortSignal.timeout(this.requestTimeoutMs)
      const res = await this.fetchFn(`${this.endpoint}/api/v1/sources/${encodeURIComponent(source || '-')}/link`, {
        method: 'PUT',
        headers: this.headers(),
        body: JSON.stringify(report),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
      const text = await res.text().catch(() => '')
      if (!res.ok) this.opts.log.warn({ status: res.status, body: text.slice(0, 300) }, 'the wallboard refused the link report')
      return res.ok
    } catch {
      return false
    }
  }
}

export class DeliveryAborted extends Error {
  constructor() {
    super('stopped before the wallboard acknowledged the events')
    this.name = 'DeliveryAborted'
  }
}

export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  // fetch wraps the socket error ("fetch failed"); the cause says what happened (ECONNREFUSED …).
  const cause = (err as Error & { cause?: unknown }).cause
  return cause instanceof Error && cause.message ? `${err.message}: ${cause.message}` : err.message
}

function parseResult(text: string): IngestResult | null {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof body !== 'object' || body === null) return null
  const { accepted, duplicates, rejected } = body as Record<string, unknown>
  if (typeof accepted !== 'number' || typeof duplicates !== 'number' || !Array.isArray(rejected)) return null
  return { accepted, duplicates, rejected: rejected as IngestResult['rejected'] }
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}
