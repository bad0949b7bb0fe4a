// The wallboard's own state for admins and supervisors: a data reset not yet acknowledged, whether
// the store refuses writes, and the system alerts open in this process; and an admin's
// acknowledgement of a reset (audited), which clears the notice everywhere and resolves its alert.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { AlertSchema } from '../../shared/alerts.js'
import { DataResetSchema } from '../../shared/data-reset.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, authErrors } from './schemas.js'

const SystemStatus = Type.Object({
  serverNow: Type.Number(),
  reset: Type.Union([DataResetSchema, Type.Null()], {
    description:
      'the store came back empty and no admin has acknowledged it: everything kept only in the store (users, keys, display tokens, boards, rules, channels, audit, history) is gone; first-start steps were redone',
  }),
  writesRefused: Type.Union([Type.String(), Type.Null()], {
    description: 'why the store refuses writes; null while it takes them',
  }),
  alerts: Type.Array(AlertSchema, { description: 'the system alerts open in this process' }),
})

const system: FastifyPluginAsync = async (app) => {
  const status = () => ({
    serverNow: Date.now(),
    reset: app.storeWatch.reset,
    writesRefused: app.storeWatch.writesRefused,
    alerts: app.systemAlerts.list(),
  })

  app.get(
    '/api/v1/system',
    {
      preHandler: app.guard({ roles: ANY_USER }),
      schema: {
        summary: 'The wallboard itself: a data reset not yet acknowledged, refused writes, open system alerts',
        tags: ['operations'],
        security: [{ session: [] }],
        response: { 200: SystemStatus, ...authErrors },
      },
    },
    async () => status(),
  )

  app.post(
    '/api/v1/system/reset/ack',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: 'Acknowledge a data reset: the notice leaves every board and view, its alert resolves',
        tags: ['operations'],
        security: [{ session: [] }],
        response: { 200: SystemStatus, 409: ErrorSchema, ...authErrors },
      },
    },
    async (req, reply) => {
      const cleared = await app.storeWatch.acknowledge()
      if (cleared === null)
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: 'no data reset to acknowledge' })
      const actor = actorOf(req)
      await app.audit.record(actor, 'store.reset.acknowledge', cleared.epoch, { reset: cleared })
      app.systemAlerts.resolve('data-reset', actor.name, true)
      return status()
    },
  )
}

export default system
