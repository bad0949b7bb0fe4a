// Prometheus metrics for operators (served at GET /metrics by routes/health.ts): ingest counters,
// aggregator progress, connected screens, the process defaults (event-loop lag, memory, GC), and
// a cumulative event-loop delay histogram.
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface IngestStats {
  record(accepted: number, duplicates: number, rejected: number): void
}

declare module 'fastify' {
  interface FastifyInstance {
    promRegistry: Registry
    ingestStats: IngestStats
    /** a gauge that reads a live value at scrape time */
    registerGauge(name: string, help: string, read: () => number | null): void
    /** a gauge with one series per value of `label`, read at scrape time: a series whose value is gone is dropped */
    registerLabeledGauge(name: string, help: string, label: string, read: () => Iterable<[string, number]>): void
  }
}

export default fp(
  async (app) => {
    // One registry per app instance: tests build several apps in one process.
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'wallboard_' })
    const events = new Counter({
      name: 'wallboard_ingest_events_total',
      help: 'Events received by the ingest API, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    })
    const stopSampling = sampleEventLoopDelay(registry)
    app.addHook('onClose', async () => stopSampling())
    app.decorate('promRegistry', registry)
    app.decorate('ingestStats', {
      record(accepted: number, duplicates: number, rejected: number) {
        if (accepted) events.inc({ result: 'accepted' }, accepted)
        if (duplicates) events.inc({ result: 'duplicate' }, duplicates)
        if (rejected) events.inc({ result: 'rejected' }, rejected)
      },
    })
    // Gauges that read live values at scrape time are registered by the plugins that own them.
    app.decorate('registerGauge', (name: string, help: string, read: () => number | null) => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const v = read()
          if (v !== null) this.set(v)
        },
      })
    })
    app.decorate('registerLabeledGauge', (name: string, help: string, label: string, read: () => Iterable<[string, number]>) => {
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [registry],
        collect() {
          this.reset()
          for (const [value, v] of read()) this.set({ [label]: value }, v)
        },
      })
    })
  },
  { name: 'metrics' },
)

/** How often the event loop is asked to run a timer; each answer's lateness is one sample. */
const DELAY_SAMPLE_MS = 10

/**
 * The defaults' `nodejs_eventloop_lag_p99_seconds` and friends describe only the time since the
 * previous scrape (they reset at each), so two scrapers see different values and no one can ask for
 * the p99 of the last hour. This histogram never resets: any window's quantile is a difference of
 * two scrapes (histogram_quantile over rate(…_bucket)). Its buckets are fine around the 50 ms a
 * board process is held to.
 */
function sampleEventLoopDelay(registry: Registry): () => void {
  const delay = new Histogram({
    name: 'wallboard_event_loop_delay_seconds',
    help: `How late a ${DELAY_SAMPLE_MS} ms timer ran: one sample per timer (time the loop spent on other work first)`,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5],
    registers: [registry],
  })
  let timer: NodeJS.Timeout
  const arm = () => {
    const due = performance.now() + DELAY_SAMPLE_MS
    timer = setTimeout(() => {
      delay.observe(Math.max(0, performance.now() - due) / 1000)
      arm()
    }, DELAY_SAMPLE_MS)
    timer.unref()
  }
  arm()
  return () => clearTimeout(timer)
}
