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
    const io = app.push.io
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
      // Only the active aggregator's process changes alerts: a person's action taken in another goes there.
      forward: async (action) => {
        // The adapter waits for every other process's answer, up to its requestsTimeout (5 s).
        const answers = await io.serverSideEmitWithAck('alert:act', action).catch(() => [])
        return (
          answers.find((a) => a !== null) ?? {
            ok: false,
            status: 503,
            error: 'no server process is the active aggregator right now (one takes over within seconds); retry',
          }
        )
      },
    })
    await engine.load()
    // The engine judges only while this process is the active aggregator (aggregate/plugin.ts),
    // re-reading what the previous one left when it becomes so.
    const onRole = (leader: boolean, savedPosition: string) => {
      if (leader) engine.activate(app.eventLog, savedPosition)
      else void engine.stop().then(() => engine.refresh())
    }
    aggregator.on('role', onRole)
    // An inactive engine's view of the open alerts: told by the active one, re-read now and then.
    const follow = setInterval(() => {
      if (!engine.active) void engine.refresh()
    }, 5_000)
    follow.unref()

    const onUpdate = (u: { queues: Parameters<AlertEngine['onQueues']>[0] }) => engine.onQueues(u.queues)
    const onApplied = (batch: Parameters<AlertEngine['onApplied']>[0]) => engine.onApplied(batch, aggregator.position)
    figures.on('update', onUpdate)
    aggregator.on('applied', onApplied)

    const pushAlert = (alert: Alert) => {
      for (const socket of io.sockets.sockets.values()) {
        const p = socket.data.principal
        if (p && alertReaches(app, p, alert)) socket.emit('alert', alert)
      }
    }
    engine.on('transition', (alert) => {
      pushAlert(alert)
      io.serverSideEmit('alert', alert)
    })
    // From the active process: pushed to this one's connections.
    io.on('alert', (alert) => {
      engine.heard(alert)
      pushAlert(alert)
    })
    io.on('alert:act', (action, reply) => {
      if (!engine.active) return reply(null)
      const run = action.action === 'ack' ? engine.acknowledge(action.id, action.by) : engine.resolve(action.id, action.by)
      run.then(reply, (err: unknown) => {
        log.warn({ err }, 'alert action from another process failed')
        reply({ ok: false, status: 503, error: 'the alert could not be changed right now; retry' })
      })
    })
    engine.on('rules', (removed) => {
      if (!engine.active) io.serverSideEmit('alert:rules', removed ?? null)
    })
    // A failure is logged by the engine; the rules are read again at its next refresh.
    io.on('alert:rules', (removed) => void engine.rulesChanged(removed ?? undefined).catch(() => undefined))
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
    app.addHook('preClose', async () => {
      clearInterval(follow)
      figures.off('update', onUpdate)
      aggregator.off('applied', onApplied)
      aggregator.off('role', onRole)
      await engine.stop()
    })
  },
  { name: 'alerts', dependencies: ['store', 'admin', 'aggregate', 'push'] },
)
