// The simulator's imperative shell: advances the simulated centre with the wall clock and sends its
// events to a wallboard's ingest API like any other source, retrying until each batch is
// acknowledged (same event ids, so a retry the server already stored counts once).
import type { WallboardEvent } from '../../../shared/events.js'
import { type IngestResult, type PostOutcome, type SourceLog, WallboardClient, backoffMs } from '../client.js'
import { type CentreConfig, demoCentre } from './centre.js'
import { type Centre, createCentre } from './engine.js'

/** Satisfied by a pino/Fastify logger and by `console`. */
export type SimulatorLog = SourceLog

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface SimulatorOptions {
  /** base URL of the wallboard, e.g. http://127.0.0.1:3000 */
  url: string
  /** ingest API key, sent as a bearer token */
  apiKey: string
  /** IANA time zone of the simulated centre (its daily curve and lunch hours) */
  timezone: string
  log: SimulatorLog
  /** replays the same traffic for the same seed and start time; random by default */
  seed?: number
  /** how often simulated time catches up with the clock (default 1000) */
  tickMs?: number
  /** minutes of the recent past to simulate at start, so today's figures are not empty (default 0) */
  warmUpMinutes?: number
  /** events per POST (default 500) */
  batchSize?: number
  /** how long stop() waits for the close-out events to be acknowledged (default 5000) */
  stopTimeoutMs?: number
  /** first retry delay; it doubles per failed attempt up to retryMaxMs (defaults 500 and 30000) */
  retryBaseMs?: number
  retryMaxMs?: number
  /** a POST without an answer for this long is abandoned and retried (default 10000) */
  requestTimeoutMs?: number
  /** the centre to simulate (default: demoCentre(timezone)) */
  centre?: CentreConfig
  now?: () => number
  timers?: Timers
  fetch?: typeof fetch
}

export interface Simulator {
  /** Ends every open call, logs every agent off, and resolves once that is acknowledged (or timed out). */
  stop(): Promise<void>
}

const MAX_REJECTIONS_LOGGED = 5

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Starts simulating now. Events flow until stop() is called. */
export function startSimulator(opts: SimulatorOptions): Simulator {
  const now = opts.now ?? Date.now
  const timers = opts.timers ?? defaultTimers
  const fetchFn = opts.fetch ?? fetch
  const log = opts.log
  const tickMs = opts.tickMs ?? 1000
  const retryBaseMs = opts.retryBaseMs ?? 500
  const retryMaxMs = opts.retryMaxMs ?? 30_000
  const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5_000
  const client = new WallboardClient({
    url: opts.url,
    apiKey: opts.apiKey,
    log,
    retryBaseMs,
    retryMaxMs,
    requestTimeoutMs,
    now,
    fetch: fetchFn,
  })
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32)
  const warmUpMs = Math.max(0, opts.warmUpMinutes ?? 0) * 60_000
  let batchSize = Math.max(1, opts.batchSize ?? 500)

  const outbox: WallboardEvent[] = []
  const shutdown = new AbortController()
  let tickTimer: unknown = null
  let sending = false
  let stopping: Promise<void> | null = null
  let drainedWaiters: Array<() => void> = []

  const startMs = now()
  const centre: Centre = createCentre(opts.centre ?? demoCentre(opts.timezone), seed, startMs - warmUpMs)
  const warmUp = centre.advanceTo(startMs)
  outbox.push(...warmUp)
  log.info({ seed, warmUpMinutes: warmUpMs / 60_000, events: warmUp.length, url: opts.url }, 'demo traffic simulator started')

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (shutdown.signal.aborted) return resolve()
      const handle = timers.setTimeout(done, ms)
      function done(): void {
        timers.clearTimeout(handle)
        shutdown.signal.removeEventListener('abort', done)
        resolve()
      }
      shutdown.signal.addEventListener('abort', done)
    })
  }

  const post = (batch: WallboardEvent[]): Promise<PostOutcome> => client.post(batch, shutdown.signal)

  function report(batch: WallboardEvent[], result: IngestResult): void {
    // The engine only makes valid events, so a rejection is a bug on one side or the other. A few
    // examples say what it is; the rest would only flood the log.
    for (const r of result.rejected.slice(0, MAX_REJECTIONS_LOGGED)) {
      const event = batch[r.index]
      log.error({ index: r.index, id: r.id, type: event?.type, error: r.error }, 'wallboard rejected a simulated event')
    }
    if (result.rejected.length > MAX_REJECTIONS_LOGGED) {
      log.error(
        { rejected: result.rejected.length, batch: batch.length },
        'wallboard rejected more simulated events in this batch',
      )
    }
  }

  /** Sends the outbox in order, one batch at a time, until it is empty. */
  async function pump(): Promise<void> {
    if (sending) return
    sending = true
    let failures = 0
    try {
      while (outbox.length > 0 && !shutdown.signal.aborted) {
        const batch = outbox.slice(0, batchSize)
        const outcome = await post(batch)
        if (shutdown.signal.aborted) break
        if (outcome.kind === 'done') {
          outbox.splice(0, batch.length)
          report(batch, outcome.result)
          if (failures > 0) log.info({ attempts: failures + 1 }, 'simulator events delivered after retrying')
          failures = 0
        } else if (outcome.kind === 'tooLarge' && batch.length > 1) {
          batchSize = Math.max(1, Math.floor(batch.length / 2))
          log.warn({ batchSize }, 'batch too large for the wallboard; sending smaller batches')
        } else {
          if (outcome.kind === 'tooLarge')
            log.error({ id: batch[0]?.id }, 'the wallboard refuses even a single simulated event as too large; retrying')
          const retryAfterMs = outcome.kind === 'retry' ? outcome.retryAfterMs : retryMaxMs
          const why = outcome.kind === 'retry' ? outcome.why : 'HTTP 413'
          failures++
          let delayMs = backoffMs(failures, retryBaseMs, retryMaxMs, retryAfterMs)
          // While stopping there is only a short wait left: keep trying rather than sleep through it.
          if (stopping) delayMs = Math.min(delayMs, retryBaseMs)
          log.warn(
            { attempt: failures, retryInMs: Math.round(delayMs), pending: outbox.length },
            `sending simulator events failed (${why})`,
          )
          await sleep(delayMs)
        }
      }
    } finally {
      sending = false
    }
    if (outbox.length === 0) {
      const waiters = drainedWaiters
      drainedWaiters = []
      for (const w of waiters) w()
    }
  }

  function kick(): void {
    void pump().catch((err: unknown) => log.error({ err }, 'simulator sender failed'))
  }

  function tick(): void {
    tickTimer = null
    if (stopping) return
    try {
      outbox.push(...centre.advanceTo(now()))
      kick()
    } catch (err) {
      // A bug in the engine must not silently end the demo; the next tick tries again.
      log.error({ err }, 'simulator tick failed')
    }
    tickTimer = timers.setTimeout(tick, tickMs)
  }

  function drained(): Promise<void> {
    if (outbox.length === 0 && !sending) return Promise.resolve()
    return new Promise((resolve) => drainedWaiters.push(resolve))
  }

  async function stop(): Promise<void> {
    if (tickTimer !== null) timers.clearTimeout(tickTimer)
    tickTimer = null
    outbox.push(...centre.closeAll(now()))
    kick()
    let timer: unknown = null
    const timedOut = new Promise<boolean>((resolve) => {
      timer = timers.setTimeout(() => resolve(true), stopTimeoutMs)
    })
    const gaveUp = await Promise.race([drained().then(() => false), timedOut])
    timers.clearTimeout(timer)
    if (gaveUp) log.warn({ unsent: outbox.length }, 'simulator stopped before the wallboard acknowledged its last events')
    else log.info({}, 'demo traffic simulator stopped')
    shutdown.abort()
  }

  kick()
  tickTimer = timers.setTimeout(tick, tickMs)

  return {
    stop() {
      stopping ??= stop()
      return stopping
    },
  }
}
