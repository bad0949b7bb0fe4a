// The alert engine in this process (`app.alerts`): fed by the figures service's updates and the
// aggregator's applied batches (survey responses included), ticking every second, telling each
// transition to the notifier and to the sockets that may see it (`alert`), and answering the
// `alerts:list` and `alert:ack` socket commands.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Alert } from '../../shared/alerts.js'
import type { Principal } from '../../shared/auth.js'
import type { AlertList } from '../../shared/socket.js'
import { alertVisible, boardQueues } from '../auth/policy.js'
import { AlertEngine } from './engine.js'
import type { Notifier } from './notifier.js'
import { AlertStore } from './store.js'

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertEngine
  }
}

export interface AlertsPluginOptions {
  /** the engine's clock (tests move it on); Date.now by default */
  now?: () => number
}

/** Who a transition is sent to: people who may see the alert, and TVs whose board shows a banner alert's queue. */
export function alertReaches(app: FastifyInstance, p: Principal, alert: Alert): boolean {
  if (p.kind === 'display') {
    if (!alert.banner || alert.kind !== 'figure' || alert.subject.queue === null) return false
    const board = app.boards.get(p.boardId)
    return board !== undefined && boardQueues(board, app.directory).has(alert.subject.queue)
  }
  return alertVisible(p, alert, app.directory)
}

export default fp<AlertsPluginOptions>(
  async (app, opts) => {
    const log = app.log.child({ component: 'alerts' })
    // STARTUP FALLBACK ONLY: delivery (server/alerts/delivery-plugin.ts) decorates `app.notifier`
    // before this plugin in a full app. Should it be missing, transitions are still saved, pushed
    // and logged rather than lost; nothing here delivers.
    const loggingNotifier: Notifier = {
      async notify(alert, transition, channelIds) {
        log.info({ alert: alert.id, rule: alert.ruleId, transition, channels: channelIds }, 'alert transition (no notifier)')
      },
    }
    if (!app.hasDecorator('notifier')) log.warn('no alert notifier registered: transitions are only logged and pushed')
    const notifier = (): Notifier =>
      app.hasDecorator('notifier') ? (app as FastifyInstance & { notifier: Notifier }).notifier : loggingNotifier

    const { aggregator, figures } = app
    const engine = new AlertEngine({
      store: new AlertStore(app.redis, app.keys),
      notifier,
      logger: log,
      now: opts.now,
      timeZone: (now) => aggregator.book.forCentre(now).timezone,
      queues: () => app.directory.queues(),
      teamOf: (q) => app.directory.teamOf(q),
      agentTeam: (a) => aggregator.state.agents.get(a)?.team ?? null,
      teamHours: (team) => app.teams.hoursOf(team),
      visitOf: (callId) => aggregator.state.answered.get(callId),
      queueFigures: () => figures.snapshot().queues,
      agentFigures: (ids) => figures.agents(ids).agents,
      ready: () => aggregator.asOf !== null,
    })
    await engine.load()
    // Survey responses applied before a crash but not yet made into tasks (the aggregator has not started yet).
    await engine.catchUpSurveys(app.eventLog, aggregator.position)

    const onUpdate = (u: { queues: Parameters<AlertEngine['onQueues']>[0] }) => engine.onQueues(u.queues)
    const onApplied = (batch: Parameters<AlertEngine['onApplied']>[0]) => engine.onApplied(batch, aggregator.position)
    figures.on('update', onUpdate)
    aggregator.on('applied', onApplied)

    const io = app.push.io
    engine.on('transition', (alert) => {
      for (const socket of io.sockets.sockets.values()) {
        const p = socket.data.principal
        if (p && alertReaches(app, p, alert)) socket.emit('alert', alert)
      }
    })
    io.on('connection', (socket) => {
      socket.on('alerts:list', (ack) => {
        if (typeof ack !== 'function') return
        const p = socket.data.principal
        const data: AlertList = { serverNow: engine.now(), alerts: engine.openAlerts().filter((a) => alertReaches(app, p, a)) }
        ack({ ok: true, data })
      })
      socket.on('alert:ack', (id, ack) => {
        if (typeof ack !== 'function') return
        const p = socket.data.principal
        if (p.kind !== 'user') return ack({ ok: false, error: 'alerts are acknowledged by logged-in users' })
        if (typeof id !== 'string' || id.length === 0 || id.length > 128) return ack({ ok: false, error: 'expected an alert id' })
        void (async () => {
          const alert = await engine.get(id)
          if (!alert || !alertVisible(p, alert, app.directory)) return ack({ ok: false, error: `no alert ${id}` })
          const r = await engine.acknowledge(id, p.user.username)
          if (!r.ok) return ack({ ok: false, error: r.error })
          await app.audit.record({ type: 'user', id: p.user.id, name: p.user.username }, 'alert.ack', id, { rule: alert.ruleId })
          ack({ ok: true, data: r.alert })
        })().catch((err: unknown) => {
          log.warn({ err }, 'alert:ack failed')
          ack({ ok: false, error: 'the server could not acknowledge the alert right now; retry' })
        })
      })
    })

    app.decorate('alerts', engine)
    app.addHook('onReady', async () => engine.start())
    app.addHook('preClose', async () => {
      figures.off('update', onUpdate)
      aggregator.off('applied', onApplied)
      await engine.stop()
    })
  },
  { name: 'alerts', dependencies: ['store', 'admin', 'aggregate', 'push'] },
)
