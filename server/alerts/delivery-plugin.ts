// Alert delivery: decorates the app with the channel store (`app.channels`), the notifier the alert
// engine calls (`app.notifier`) and the outbox behind it (`app.outbox`: the test send and the
// delivery log), and runs the outbox's workers in this process. Messages name queues, agents and
// teams as the views do and show times in the centre's time zone.
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import type { Alert } from '../../shared/alerts.js'
import type { ChannelLanguage } from '../../shared/channels.js'
import type { DeliveryConfig } from '../config.js'
import { ChannelStore } from './channels.js'
import type { MessageContext } from './message.js'
import type { Notifier } from './notifier.js'
import { type DeliveryStats, Outbox } from './outbox.js'
import { send } from './senders.js'

declare module 'fastify' {
  interface FastifyInstance {
    channels: ChannelStore
    notifier: Notifier
    outbox: Outbox
  }
}

export interface DeliveryPluginOptions {
  delivery: DeliveryConfig
  /** the wallboard's address, for the links in messages */
  publicUrl: string
}

export default fp<DeliveryPluginOptions>(
  async (app, opts) => {
    const channels = new ChannelStore(app.redis, app.keys)
    const notifications = new Counter({
      name: 'wallboard_notifications_total',
      help: 'Alert notifications by channel type and result (queued, duplicate, skipped, delivered, retried, failed, dropped)',
      labelNames: ['type', 'result'] as const,
      registers: [app.promRegistry],
    })
    const stats: DeliveryStats = { count: (result, type) => notifications.inc({ type: type ?? 'unknown', result }) }

    const agentName = (id: string): string =>
      app.agentNames.get(id) ?? (app.hasDecorator('aggregator') ? app.aggregator.state.agents.rows.get(id)?.name : null) ?? id
    const context = (alert: Alert, language: ChannelLanguage, test: boolean): MessageContext => {
      const { queue, agent, team } = alert.subject
      const book = app.definitionStore.current()
      return {
        language,
        test,
        publicUrl: opts.publicUrl,
        timezone: (queue !== null ? book.forQueue(queue) : book.forCentre()).timezone,
        names: {
          queue: queue !== null ? app.queueSettings.nameOf(queue) : null,
          agent: agent !== null ? agentName(agent) : null,
          team: team !== null ? app.teams.nameOf(team) : null,
        },
      }
    }

    const outbox = new Outbox({
      redis: app.redis,
      keys: app.keys,
      channels,
      config: opts.delivery,
      log: app.log.child({ component: 'alert-delivery' }),
      send,
      context,
      stats,
    })
    app.decorate('channels', channels)
    app.decorate('notifier', outbox)
    app.decorate('outbox', outbox)
    app.registerGauge(
      'wallboard_notifications_pending',
      'Alert notifications waiting for delivery or a retry',
      () => outbox.pending,
    )
    app.addHook('onReady', async () => outbox.start())
    app.addHook('preClose', async () => outbox.stop())
  },
  { name: 'delivery', dependencies: ['store', 'admin', 'metrics'] },
)
