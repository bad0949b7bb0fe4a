// A connector's link health: whether it is connected, how fast lines and events flow, what it
// skipped and why. The connector notes what happens; the reporter sends the report to the
// wallboard every few seconds and at once when the link goes up or down.
import { LINK_REPORT_EVERY_MS, type LinkKind, type LinkReport } from '../../shared/sources.js'
import type { WallboardEvent } from '../../shared/events.js'
import type { SourceLog, WallboardClient } from './client.js'

/** Counts per second over the last minute. */
class PerMinute {
  private readonly buckets = new Float64Array(60)
  private second = 0

  add(n: number, nowMs: number): void {
    this.roll(nowMs)
    this.buckets[this.second % 60]! += n
  }

  total(nowMs: number): number {
    this.roll(nowMs)
    let sum = 0
    for (const b of this.buckets) sum += b
    return sum
  }

  private roll(nowMs: number): void {
    const s = Math.floor(nowMs / 1000)
    if (s <= this.second) return
    const gap = Math.min(60, s - this.second)
    for (let i = 1; i <= gap; i++) this.buckets[(this.second + i) % 60] = 0
    this.second = s
  }
}

export interface LinkProblems {
  skipped: Record<string, number>
  problems: Record<string, number>
  recentProblems: Array<{ line: string; reason: string }>
}

export class LinkMeter {
  connected = false
  since: number
  error: string | null = null
  lastEventAt: number | null = null
  lines = 0
  events = 0
  pending = 0
  /** events the wallboard refused (a source clock far ahead, a bug on one side): reported as a problem */
  refused = 0
  private readonly linesPerMin = new PerMinute()
  private readonly eventsPerMin = new PerMinute()
  private onChange: (() => void) | null = null

  constructor(
    readonly kind: LinkKind,
    /** file path or host:port; never a secret */
    public target: string,
    /** the connector's own counts of what it skipped and why */
    private readonly problems: () => LinkProblems,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now()
  }

  /** Link up (error null) or down (with the reason). Reported at once when it changes. */
  setConnected(connected: boolean, error: string | null = null): void {
    const changed = connected !== this.connected
    if (changed) {
      this.connected = connected
      this.since = this.now()
    }
    this.error = error
    if (changed) this.onChange?.()
  }

  /** Lines (AMI: messages) read; `newestTs` is the newest own time among them. */
  read(lines: number, newestTs: number | null): void {
    this.lines += lines
    this.linesPerMin.add(lines, this.now())
    if (newestTs !== null && (this.lastEventAt === null || newestTs > this.lastEventAt)) this.lastEventAt = newestTs
  }

  /** Events acknowledged by the wallboard. */
  acked(events: number): void {
    this.events += events
    this.eventsPerMin.add(events, this.now())
  }

  report(): LinkReport {
    const now = this.now()
    const p = this.problems()
    return {
      kind: this.kind,
      connected: this.connected,
      target: this.target.slice(0, 300),
      since: this.since,
      lastEventAt: this.lastEventAt,
      linesPerMin: Math.round(this.linesPerMin.total(now)),
      eventsPerMin: Math.round(this.eventsPerMin.total(now)),
      lines: this.lines,
      events: this.events,
      pending: this.pending,
      skipped: top(p.skipped),
      problems: top(this.refused > 0 ? { ...p.problems, 'refused-by-wallboard': this.refused } : p.problems),
      recentProblems: p.recentProblems.slice(-20).map((x) => ({ line: x.line.slice(0, 300), reason: x.reason.slice(0, 64) })),
      error: this.error === null ? null : this.error.slice(0, 500),
    }
  }

  /** Called when `connected` changes (the reporter sends at once). */
  watch(fn: (() => void) | null): void {
    this.onChange = fn
  }
}

/** The 200 largest counts (the report's limit); keys cut to 64 characters. */
function top(counts: Record<string, number>): Record<string, number> {
  const entries = Object.entries(counts)
  const kept = entries.length <= 200 ? entries : entries.sort((a, b) => b[1] - a[1]).slice(0, 200)
  return Object.fromEntries(kept.map(([k, v]) => [k.slice(0, 64), v]))
}

/**
 * Sends one batch until the wallboard acknowledges it, keeping the link's report: a failure shows
 * as the link's error while the link is up (the first and every tenth retry logged), acknowledged
 * events count, and events the wallboard refuses are counted and logged (resending would not help).
 * Rejects with DeliveryAborted when `signal` aborts.
 */
export async function deliverReported(
  client: WallboardClient,
  batch: readonly WallboardEvent[],
  signal: AbortSignal,
  meter: LinkMeter,
  log: SourceLog,
  from: string,
): Promise<void> {
  const result = await client.deliver(batch, signal, (failures, why, delayMs) => {
    if (meter.connected) meter.error = `the wallboard did not take the events: ${why}`
    if (failures === 1 || failures % 10 === 0) {
      log.warn({ attempt: failures, retryInMs: Math.round(delayMs), pending: meter.pending }, `sending failed (${why}); retrying`)
    }
  })
  if (meter.connected) meter.error = null
  meter.acked(result.accepted + result.duplicates)
  meter.refused += result.rejected.length
  for (const r of result.rejected) log.error({ id: r.id, error: r.error }, `the wallboard refused an event from ${from}`)
}

/** Sends the meter's report every LINK_REPORT_EVERY_MS, and at once when the link goes up or down. */
export class LinkReporter {
  private timer: ReturnType<typeof setInterval> | null = null
  private sending: Promise<void> = Promise.resolve()
  private readonly stopped = new AbortController()

  constructor(
    private readonly client: WallboardClient,
    private readonly source: string,
    private readonly meter: LinkMeter,
    private readonly log: SourceLog,
    private readonly everyMs = LINK_REPORT_EVERY_MS,
  ) {}

  start(): void {
    this.meter.watch(() => this.send())
    this.timer = setInterval(() => this.send(), this.everyMs)
    this.timer.unref()
    this.send()
  }

  /** Queues one report after any in flight (reports stay in order). */
  send(): Promise<void> {
    this.sending = this.sending.then(async () => {
      if (this.stopped.signal.aborted) return
      const ok = await this.client.reportLink(this.source, this.meter.report(), this.stopped.signal)
      if (!ok && !this.stopped.signal.aborted) this.log.warn({ source: this.source }, 'could not report the link health')
    })
    return this.sending
  }

  /** Sends a last report (say, "disconnected: stopped") and stops. */
  async stop(final?: () => void): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.meter.watch(null)
    final?.()
    await this.send()
    this.stopped.abort()
  }
}
