// Runs the aggregator in this process and exposes its figures to the routes and the push layer.
import fp from 'fastify-plugin'
import type { Definitions } from '../../shared/figures/aggregate.js'
import { Aggregator } from './aggregator.js'
import { FiguresService } from './figures.js'

declare module 'fastify' {
  interface FastifyInstance {
    aggregator: Aggregator
    figures: FiguresService
    definitions: Definitions
  }
}

export interface AggregatePluginOptions {
  definitions: Definitions
}

export default fp<AggregatePluginOptions>(
  async (app, opts) => {
    // XREAD BLOCK 1 s needs a deadline above it.
    const reader = await app.connectRedis('wallboard-aggregator', 5_000)
    const aggregator = new Aggregator({
      log: app.eventLog,
      store: app.stateStore,
      reader,
      defs: opts.definitions,
      logger: app.log.child({ component: 'aggregator' }),
    })
    await aggregator.load()
    const figures = new FiguresService(aggregator, opts.definitions, { nameOf: (q) => app.queueSettings.nameOf(q) })
    app.decorate('aggregator', aggregator)
    app.decorate('figures', figures)
    app.decorate('definitions', opts.definitions)
    app.registerGauge('wallboard_aggregator_applied_events', 'Log entries applied by the aggregator', () => aggregator.applied)
    app.registerGauge('wallboard_aggregator_as_of_seconds', 'Time up to which the log is applied (epoch s)', () =>
      aggregator.asOf === null ? null : aggregator.asOf / 1000,
    )
    app.addHook('onReady', async () => {
      aggregator.start()
      figures.start()
    })
    app.addHook('onClose', async () => {
      figures.stop()
      // Closing the reader ends a pending XREAD BLOCK at once instead of after its timeout.
      const stopped = aggregator.stop()
      reader.disconnect()
      await stopped
    })
  },
  { name: 'aggregate', dependencies: ['store', 'metrics', 'admin'] },
)
