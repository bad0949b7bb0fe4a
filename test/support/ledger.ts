// The fault tests' load generator: sends events at a fixed rate and keeps a ledger of every event
// id that got a 2xx. What was not acknowledged (an error, a timeout, a refusal) is kept and
// retried with the same ids, as a real sender does, until the scenario asks for it all to land.
import type { RawEvent } from '../../shared/events.js'
import { until } from './wait.js'

export interface LedgerOptions {
  /** where to post; requests go round robin */
  bases: string[]
  key: string
  /** the events, sent in this order */
  events: RawEvent[]
  /** requests per second, each of `batch` events */
  ratePerSec: number
  batch?: number
  /** a request unanswered after this long counts as failed (and its events are retried later) */
  timeoutMs?: number
  /**
   * Holds back each first send's body after its first byte until this settles: the server has the
   * request (and counts it) but not its events yet. Resends are not held.
   */
  holdBodies?: Promise<void>
}

export interface Answer {
  /** epoch ms the request was sent and answered */
  sentAt: number
  answeredAt: number
  /** HTTP status; 0 for no answer (connection refused, timeout) */
  status: number
  retryAfter: string | null
  /** a 2xx: events found already stored (a resend of what a refused request stored after all) */
  duplicates?: number
  /** not a 2xx: the answer's message */
  message?: string
}

export class Ledger {
  /** every event acknowledged with a 2xx, by id */
  readonly acknowledged = new Map<string, RawEvent>()
  readonly answers: Answer[] = []
  /** events a 2xx answer rejected (invalid): none may be, the scenario checks */
  readonly refused: unknown[] = []
  private readonly unacknowledged: RawEvent[][] = []
  private next = 0
  private sent = 0
  private timer: NodeJS.Timeout | null = null
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly opts: LedgerOptions) {}

  /** Starts sending at the fixed rate: each tick sends what is due by now, however late it runs. */
  start(): void {
    const started = Date.now()
    const batch = this.opts.batch ?? 1
    const tick = () => {
      const due = Math.floor(((Date.now() - started) / 1000) * this.opts.ratePerSec)
      while (this.sent < due && this.next < this.opts.events.length) {
        const events = this.opts.events.slice(this.next, this.next + batch)
        this.next += events.length
        this.send(events, this.opts.holdBodies)
      }
      this.timer = this.next < this.opts.events.length ? setTimeout(tick, 5) : null
    }
    tick()
  }

  /** Stops sending new events and waits for the requests under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await Promise.all(this.inFlight)
  }

  /** Requests sent so far, resends included. */
  get requests(): number {
    return this.sent
  }

  /** True once every event was sent (acknowledged or not). */
  get done(): boolean {
    return this.next >= this.opts.events.length && this.inFlight.size === 0
  }

  /**
   * Waits until every event was sent (within `sendWithinMs`), then retries everything not
   * acknowledged, in rounds (each resends every request still refused, at once, as a sender draining
   * its backlog would), until all of it is (or `timeoutMs` passes).
   */
  async settle(timeoutMs = 30_000, sendWithinMs = 60_000): Promise<void> {
    await until('every event sent', () => this.done, sendWithinMs)
    await this.stop()
    const deadline = Date.now() + timeoutMs
    while (this.unacknowledged.length > 0) {
      if (Date.now() > deadline) throw new Error(`${this.unacknowledged.flat().length} events still unacknowledged`)
      for (const events of this.unacknowledged.splice(0)) this.send(events)
      await Promise.all(this.inFlight)
      if (this.unacknowledged.length > 0) await new Promise((r) => setTimeout(r, 100))
    }
  }

  private send(events: RawEvent[], hold?: Promise<void>): void {
    const base = this.opts.bases[this.sent++ % this.opts.bases.length]!
    const sentAt = Date.now()
    const json = JSON.stringify(events)
    const request = fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.key}`, 'content-type': 'application/json' },
      ...(hold ? { body: heldBody(json, hold), duplex: 'half' as const } : { body: json }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
    })
      .then(async (res) => {
        const body = (await res.json().catch(() => null)) as {
          rejected?: unknown[]
          duplicates?: number
          message?: string
        } | null
        this.answers.push({
          sentAt,
          answeredAt: Date.now(),
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          duplicates: body?.duplicates,
          message: body?.message,
        })
        if (!res.ok) {
          this.unacknowledged.push(events)
          return
        }
        for (const e of events) this.acknowledged.set(e.id, e)
        this.refused.push(...(body?.rejected ?? []))
      })
      .catch(() => {
        this.answers.push({ sentAt, answeredAt: Date.now(), status: 0, retryAfter: null })
        this.unacknowledged.push(events)
      })
      .finally(() => this.inFlight.delete(request))
    this.inFlight.add(request)
  }
}

/** A request body whose first byte goes at once and the rest once `hold` settles. */
function heldBody(text: string, hold: Promise<void>): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(bytes.subarray(0, 1))
      await hold.catch(() => undefined)
      controller.enqueue(bytes.subarray(1))
      controller.close()
    },
  })
}
