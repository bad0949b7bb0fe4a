// socket.io: every connection gets a full snapshot, then the updates of the queues that change,
// and a `health` heartbeat every HEALTH_INTERVAL_MS so a board can tell a quiet centre from a
// dead link. Broadcasts are encoded once for all sockets.
import fp from 'fastify-plugin'
import { Server } from 'socket.io'
import {
  type ClientToServerEvents,
  HEALTH_INTERVAL_MS,
  type Health,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '../../shared/socket.js'

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
    health(): Promise<Health>
  }
}

export default fp(
  async (app) => {
    const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(app.server, {
      serveClient: false,
      // A board that misses a ping for this long is dropped and reconnects with a fresh snapshot.
      pingInterval: 10_000,
      pingTimeout: 10_000,
      maxHttpBufferSize: 16 * 1024,
    })
    app.decorate('io', io)

    const health = async (): Promise<Health> => {
      const { aggregator } = app
      let lagEvents = 0
      let ok = aggregator.healthy
      try {
        lagEvents = Math.max(0, (await app.eventLog.length()) - aggregator.applied)
      } catch {
        ok = false
      }
      return { serverNow: Date.now(), asOf: aggregator.asOf, newestEventAt: aggregator.newestEventAt, lagEvents, ok }
    }
    app.decorate('health', health)

    io.on('connection', (socket) => {
      socket.data.scope = 'all'
      socket.emit('snapshot', app.figures.snapshot())
      void health().then((h) => socket.emit('health', h))
      socket.on('snapshot:get', (ack) => {
        if (typeof ack !== 'function') return
        try {
          ack({ ok: true, data: app.figures.snapshot() })
        } catch (err) {
          app.log.error({ err }, 'snapshot failed')
          ack({ ok: false, error: 'snapshot unavailable' })
        }
      })
    })

    app.figures.on('update', (update) => io.emit('update', update))
    const heartbeat = setInterval(() => {
      void health().then((h) => io.emit('health', h))
    }, HEALTH_INTERVAL_MS)
    heartbeat.unref()
    app.registerGauge('wallboard_socket_clients', 'Connected boards and browsers', () => io.engine.clientsCount)

    // Open websockets would keep the HTTP server from closing: end them first.
    app.addHook('preClose', async () => {
      clearInterval(heartbeat)
      io.local.disconnectSockets(true)
    })
    app.addHook('onClose', async () => {
      io.close()
    })
  },
  { name: 'push', dependencies: ['aggregate', 'metrics'] },
)
