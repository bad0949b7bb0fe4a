// Runs the aggregator in this process and exposes its figures to the routes and the push layer.
// Processes sharing a Redis elect the one that saves (the active aggregator) with a lease; the
// others apply the same log as replicas (see aggregator.ts).
import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import { Histogram } from 'prom-client'
import { type SourceHealth, rowHealth } from '../../shared/sources.js'
import { Lease } from '../store/lease.js'
import { restoreDefinitions } from '../admin/bootstrap.js'
import { Aggregator } from './aggregator.js'
import { FiguresService } from './figures.js'

declare module 'fastify' {
  interface FastifyInstance {
    aggregator: Aggregator
    /** the lease that makes this process the active aggregator while it holds it */
    aggregatorLease: Lease
    figures: FiguresService
    /** every event source the figures know, with how long each may stay silent */
    sourceHealth(): SourceHealth[]
  }
}

export default fp(
  async (app) => {
    // XREAD BLOCK 1 s needs a deadline above it.
    const reader = await app.connectRedis('wallboard-aggregator', 5_000)
    const writer = await app.connectRedis('wallboard-aggregator-save', 10_000)
    const lease = new Lease(app.redis, app.keys.aggregatorLease, {
      owner: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    })
    const aggregator = new Aggregator({
      log: app.eventLog,
      store: app.stateStore,
      reader,
      writer,
      isLeader: () => lease.held,
      owner: lease.owner,
      definitions: {
        current: () => app.definitionStore.current(),
        refresh: () => app.definitionStore.refresh(),
        restore: (book) => restoreDefinitions(app.redis, app.keys, book),
      },
      epoch: app.storeWatch,
      logger: app.log.child({ component: 'aggregator' }),
    })
    // An ingest-only process neither applies the log nor serves figures.
    const aggregates = app.role !== 'ingest'
    // A data reset: memory is the only copy of the figures (server/store/epoch.ts).
    if (aggregates) {
      app.storeWatch.memory = () => ({ applied: aggregator.applied })
      app.storeWatch.on('reset', () => aggregator.storeReset())
    }
    if (aggregates) await aggregator.load()
    // The two legs of an event's way to the boards inside the server, as operators watch them.
    const buckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]
    const applyDelay = new Histogram({
      name: 'wallboard_event_apply_seconds',
      help: 'From an event stored in the log to its batch applied (the oldest event of each batch)',
      buckets,
      registers: [app.promRegistry],
    })
    const sendDelay = new Histogram({
      name: 'wallboard_update_send_seconds',
      help: "From a batch applied to its update written to every board of this process (the update's oldest batch)",
      buckets,
      registers: [app.promRegistry],
    })
    aggregator.on('applied', (batch) => {
      if (batch.storedAt !== undefined) applyDelay.observe(Math.max(0, Date.now() - batch.storedAt) / 1000)
    })
    // Figures are computed under the definitions the state was computed under.
    const figures = new FiguresService(aggregator, () => aggregator.book, {
      nameOf: (q) => app.queueSettings.nameOf(q),
      agentNameOf: (a) => app.agentNames.get(a),
      archivedCalls: (queue, from, to) => app.stateStore.archivedCalls(queue, from, to),
      sent: (ms) => sendDelay.observe(ms / 1000),
    })
    app.decorate('aggregator', aggregator)
    app.decorate('aggregatorLease', lease)
    app.decorate('figures', figures)
    // Sources the figures know, and sources whose connector reports a link but sent no event yet.
    app.decorate('sourceHealth', () => {
      const rows = aggregator.state.sources.rows
      const settings = app.sourceSettings
      const serverNow = Date.now()
      const known: SourceHealth[] = [...rows].map(([id, row]) => ({
        id,
        ...rowHealth(row, serverNow),
        quietAfterSec: settings.quietAfterSec(id),
        link: settings.link(id),
      }))
      for (const id of settings.linkIds()) {
        if (rows.has(id)) continue
        known.push({
          id,
          lastReceivedAt: null,
          lastEventAt: null,
          events: 0,
          queues: [],
          quietAfterSec: settings.quietAfterSec(id),
          link: settings.link(id),
          clockOffsetMs: null,
          clockSkewed: false,
        })
      }
      return known
    })
    app.registerLabeledGauge(
      'wallboard_source_clock_offset_seconds',
      "Each source's clock minus the server's, estimated from its recent events (positive: ahead; flagged past 60 s either way)",
      'source',
      () =>
        app.sourceHealth().flatMap((s) => (s.clockOffsetMs === null ? [] : [[s.id, s.clockOffsetMs / 1000] as [string, number]])),
    )
    app.registerGauge('wallboard_aggregator_applied_events', 'Log entries applied by the aggregator', () => aggregator.applied)
    app.registerGauge('wallboard_aggregator_as_of_seconds', 'Time up to which the log is applied (epoch s)', () =>
      aggregator.asOf === null ? null : aggregator.asOf / 1000,
    )
    app.registerGauge('wallboard_aggregator_active', '1 while this process is the active aggregator (holds the lease)', () =>
      aggregator.leader ? 1 : 0,
    )
    app.addHook('onReady', async () => {
      // One attempt now: a lone process (or the first) is the active aggregator from its first step.
      if (!aggregates) return
      await lease.start()
      await aggregator.followLease()
      aggregator.start()
      figures.start()
    })
    app.addHook('onClose', async () => {
      figures.stop()
      // Closing the reader ends a pending XREAD BLOCK at once instead of after its timeout.
      const stopped = aggregator.stop()
      reader.disconnect()
      await stopped
      // After the final save: the next process takes over at once instead of after the lease's ttl.
      await lease.stop()
    })
  },
  { name: 'aggregate', dependencies: ['store', 'store-watch', 'metrics', 'admin'] },
)
