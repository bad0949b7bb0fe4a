// Queue settings: a display name and the team a queue belongs to (team leads see their teams'
// queues). Queues come into being from events; settings can name a queue before its first event.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { type QueueSettings, QueueSettingsInputSchema, QueueSettingsSchema } from '../../shared/admin.js'
import { visibleQueues } from '../auth/policy.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema }

const queues: FastifyPluginAsync = async (app) => {
  const describe = (id: string): QueueSettings => ({
    id,
    ...app.queueSettings.get(id),
    seen: app.aggregator.state.queues.has(id),
  })

  app.get(
    '/api/v1/queues',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Queues you may see, with their settings',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        response: { 200: Type.Object({ queues: Type.Array(QueueSettingsSchema) }), ...errors },
      },
    },
    async (req) => ({ queues: [...visibleQueues(req.principal!, app.directory)].sort().map(describe) }),
  )

  app.patch(
    '/api/v1/queues/:id',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: "Set a queue's name, team or site",
        tags: ['admin'],
        security: [{ session: [] }],
        params: IdParams,
        body: QueueSettingsInputSchema,
        response: { 200: QueueSettingsSchema, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const { before, after } = await app.queueSettings.set(
        id,
        req.body as { name?: string | null; team?: string | null; site?: string | null },
      )
      await app.audit.record(actorOf(req), 'queue.update', id, { before, after })
      await app.push.refreshViews()
      return describe(id)
    },
  )
}

export default queues
