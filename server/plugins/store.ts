// Decorates the app with the Redis connection, key names, the event log and the state store.
import fp from 'fastify-plugin'
import { EventLog } from '../store/event-log.js'
import { type Keys, redisKeys } from '../store/keys.js'
import { type RedisClient, connectRedis, waitReady } from '../store/redis.js'
import { StateStore } from '../store/state-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisClient
    keys: Keys
    eventLog: EventLog
    stateStore: StateStore
    /** opens another connection to the same Redis (for blocking reads) */
    connectRedis(name: string, commandTimeoutMs?: number, offlineQueue?: boolean): Promise<RedisClient>
  }
}

export interface StorePluginOptions {
  redisUrl: string
  /** `redisUrl` lists Redis Cluster nodes */
  cluster: boolean
  prefix: string
  /** days archived intervals are kept */
  historyDays: number
}

export default fp<StorePluginOptions>(
  async (app, opts) => {
    const connections: RedisClient[] = []
    const open = async (name: string, commandTimeoutMs?: number, offlineQueue?: boolean) => {
      const r = connectRedis(opts.redisUrl, { name, commandTimeoutMs, offlineQueue, cluster: opts.cluster })
      connections.push(r)
      r.on('error', (err) => app.log.warn({ err: err.message, connection: name }, 'redis connection error'))
      await waitReady(r)
      return r
    }
    const redis = await open('wallboard')
    const keys = redisKeys(opts.prefix)
    app.decorate<RedisClient>('redis', redis)
    app.decorate('keys', keys)
    app.decorate('eventLog', new EventLog(redis, keys))
    app.decorate('stateStore', new StateStore(redis, keys, opts.historyDays))
    app.decorate('connectRedis', open)
    app.addHook('onClose', async () => {
      for (const r of connections) r.disconnect()
    })
  },
  { name: 'store' },
)
