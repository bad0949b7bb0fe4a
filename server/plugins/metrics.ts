// Prometheus metrics for operators (served at GET /metrics by routes/health.ts): ingest counters,
// aggregator progress, connected screens, and the process defaults (event-loop lag, memory, GC).
import fp from 'fastify-plugin'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export interface IngestStats {
  record(accepted: number, duplicates: number, rejected: number): void
}

declare module 'fastify' {
  interface FastifyInstance {
    promRegistry: Registry
    ingestStats: IngestStats
    /** a gauge that reads a live value at scrape time */
    registerGauge(name: string, help: string, read: () => number | null): void
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
  },
  { name: 'metrics' },
)
