// Runs the system alerts (system.ts) in this process: fires them from the store watch (a data
// reset, refused writes), resolves them when the problem clears or an admin acknowledges it, and
// keeps the channels in memory, read every CHANNELS_EVERY_MS while the store is intact.
import fp from 'fastify-plugin'
import { send } from './senders.js'
import { SystemAlerts } from './system.js'

declare module 'fastify' {
  interface FastifyInstance {
    systemAlerts: SystemAlerts
  }
}

const CHANNELS_EVERY_MS = 2_000

export interface SystemAlertsPluginOptions {
  /** the wallboard's address, for the link in messages */
  publicUrl: string
}

export default fp<SystemAlertsPluginOptions>(
  async (app, opts) => {
    const watch = app.storeWatch
    const log = app.log.child({ component: 'system-alerts' })
    const system = new SystemAlerts({
      send,
      logger: log,
      context: (language) => ({
        language,
        timezone: app.definitionStore.current().forCentre().timezone,
        publicUrl: opts.publicUrl,
        names: { queue: null, agent: null, team: null },
      }),
    })
    app.decorate('systemAlerts', system)

    const rememberChannels = async () => {
      // Read only from the store this process knew: an empty one just after a reset would forget them.
      if (!(await watch.check())) return
      const list = await app.channels.list()
      // After a reset the store holds none: those remembered stay until an admin sets up new ones.
      if (list.length > 0 || watch.reset === null) system.remember(list)
    }
    // A process started after an unacknowledged reset shows it too (another process told the channels).
    if (watch.reset !== null) system.fire('data-reset', watch.reset.at, false)
    const onReset = (record: { at: number }, recordedHere: boolean) => void system.fire('data-reset', record.at, recordedHere)
    // Refused writes: every process sees them and none can write to agree, so the active aggregator tells.
    let toldWrites = false
    const onWrites = (refused: string | null) => {
      if (refused !== null) {
        toldWrites = app.aggregatorLease.held
        system.fire('writes-refused', Date.now(), toldWrites)
      } else system.resolve('writes-refused', null, toldWrites)
    }
    watch.on('reset', onReset)
    watch.on('writes', onWrites)
    const timer = setInterval(() => {
      // Acknowledged on another process: resolved here without telling the channels again.
      if (watch.reset === null) system.resolve('data-reset', null, false)
      rememberChannels().catch((err: unknown) => log.warn({ err }, 'could not read the channels; keeping the last ones'))
    }, CHANNELS_EVERY_MS)
    timer.unref()
    app.addHook('onReady', async () => {
      await rememberChannels().catch((err: unknown) => log.warn({ err }, 'could not read the channels'))
    })
    app.addHook('preClose', async () => {
      clearInterval(timer)
      watch.off('reset', onReset)
      watch.off('writes', onWrites)
      system.stop()
    })
  },
  { name: 'system-alerts', dependencies: ['store-watch', 'delivery', 'aggregate', 'admin'] },
)
