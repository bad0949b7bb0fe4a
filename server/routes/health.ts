// Liveness and readiness for operators and load balancers.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { withDeadline } from '../store/redis.js'
import { DataResetSchema } from '../../shared/data-reset.js'

/** Ready means: Redis answers, the aggregator runs, and it is caught up with the log. */
const MAX_READY_LAG_EVENTS = 1_000
const MAX_READY_AGE_MS = 5_000
/** A load balancer's probe wants an answer soon: a stalled Redis is unreachable after this long, not after the command deadline. */
const READY_PING_MS = 1_000

const health: FastifyPluginAsync = async (app) => {
  app.get(
    '/metrics',
    {
      preHandler: app.guard({ key: 'read', roles: ['admin'] }),
      schema: {
        summary: 'Prometheus metrics (a read API key, or an admin)',
        tags: ['operations'],
        security: [{ bearer: [] }, { session: [] }],
        produces: ['text/plain'],
      },
    },
    async (_req, reply) => {
      reply.header('Content-Type', app.promRegistry.contentType)
      return app.promRegistry.metrics()
    },
  )

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'The process is up',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  const Readiness = Type.Object({
    ready: Type.Boolean(),
    redis: Type.Enum(['ok', 'unreachable']),
    aggregator: Type.Object({
      running: Type.Boolean(),
      active: Type.Boolean({
        description:
          'this process is the active aggregator (it saves the state and judges alerts); the others apply the log as replicas',
      }),
      lagEvents: Type.Integer({ description: 'events stored but not yet applied' }),
      asOf: Type.Union([Type.Number(), Type.Null()], { description: 'epoch ms up to which the log is applied' }),
    }),
    store: Type.Object({
      reset: Type.Union([DataResetSchema, Type.Null()], {
        description:
          'the store came back empty (a data reset) and no admin has acknowledged it yet; the process stays ready: figures continue from memory',
      }),
      writesRefused: Type.Union([Type.String(), Type.Null()], {
        description: 'why the store refuses writes (its disk is full): not ready, ingest answers 503',
      }),
    }),
    reasons: Type.Array(Type.String()),
  })
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Redis reachable and aggregator caught up',
        tags: ['operations'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const reasons: string[] = []
      let redis: 'ok' | 'unreachable' = 'ok'
      try {
        await withDeadline(app.redis.ping(), READY_PING_MS, 'the readiness ping')
      } catch {
        redis = 'unreachable'
        reasons.push('redis unreachable')
      }
      const h = await app.health()
      if (h.writesRefused !== null) reasons.push(`store refuses writes: ${h.writesRefused}`)
      // An ingest-only process holds no figures: Redis is all it needs.
      if (app.role !== 'ingest') {
        if (!app.aggregator.healthy) reasons.push('aggregator not running')
        if (h.lagEvents > MAX_READY_LAG_EVENTS) reasons.push(`aggregator ${h.lagEvents} events behind`)
        if (h.asOf === null || h.serverNow - h.asOf > MAX_READY_AGE_MS) reasons.push('aggregator has not caught up recently')
      }
      const ready = reasons.length === 0
      return reply.code(ready ? 200 : 503).send({
        ready,
        redis,
        aggregator: { running: app.aggregator.healthy, active: app.aggregator.leader, lagEvents: h.lagEvents, asOf: h.asOf },
        store: { reset: h.reset, writesRefused: h.writesRefused },
        reasons,
      })
    },
  )
}

export default health
