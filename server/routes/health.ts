// Liveness and readiness for operators and load balancers.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'

/** Ready means: Redis answers, the aggregator runs, and it is caught up with the log. */
const MAX_READY_LAG_EVENTS = 1_000
const MAX_READY_AGE_MS = 5_000

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
        await app.redis.ping()
      } catch {
        redis = 'unreachable'
        reasons.push('redis unreachable')
      }
      const h = await app.health()
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
        reasons,
      })
    },
  )
}

export default health
