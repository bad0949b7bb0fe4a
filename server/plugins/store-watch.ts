// Decorates the app with the store watch (server/store/epoch.ts): whether the store this process
// knew was reset, and whether it refuses writes. Started before anything reads the store, so the
// epoch a process remembers is the one it started on.
import fp from 'fastify-plugin'
import { StoreWatch } from '../store/epoch.js'

declare module 'fastify' {
  interface FastifyInstance {
    storeWatch: StoreWatch
  }
}

export default fp(
  async (app) => {
    const watch = new StoreWatch(app.redis, app.keys, { logger: app.log.child({ component: 'store-watch' }) })
    await watch.start()
    app.decorate('storeWatch', watch)
    app.registerGauge('wallboard_store_reset', '1 while a data reset (the store came back empty) is not acknowledged', () =>
      watch.reset === null ? 0 : 1,
    )
    app.registerGauge('wallboard_store_writes_refused', '1 while the store refuses writes (its disk full)', () =>
      watch.writesRefused === null ? 0 : 1,
    )
    app.addHook('onClose', async () => watch.stop())
  },
  { name: 'store-watch', dependencies: ['store', 'metrics'] },
)
