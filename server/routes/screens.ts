// The fleet of screens: admins see every connected TV and browser (board, address, last seen,
// version) and make one, a board's, or every screen reload. Connections are those of this process.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { type ScreenReload, ScreenReloadSchema, ScreenSchema } from '../../shared/admin.js'
import { actorOf } from './actor.js'
import { ADMIN, ErrorSchema, authErrors } from './schemas.js'

const screens: FastifyPluginAsync = async (app) => {
  const admin = app.guard({ roles: ADMIN })

  app.get(
    '/api/v1/screens',
    {
      preHandler: admin,
      schema: {
        summary: 'Every connected screen',
        tags: ['boards'],
        security: [{ session: [] }],
        response: { 200: Type.Object({ serverNow: Type.Number(), screens: Type.Array(ScreenSchema) }), ...authErrors },
      },
    },
    async () => ({ serverNow: Date.now(), screens: await app.push.screens() }),
  )

  app.post(
    '/api/v1/screens/reload',
    {
      preHandler: admin,
      schema: {
        summary: 'Make one screen, the screens of a board, or every screen reload',
        tags: ['boards'],
        security: [{ session: [] }],
        body: ScreenReloadSchema,
        response: { 200: Type.Object({ reloaded: Type.Integer() }), 400: ErrorSchema, ...authErrors },
      },
    },
    async (req) => {
      const target = (req.body ?? {}) as ScreenReload
      const reloaded = await app.push.reload(target)
      const what =
        target.screen !== undefined ? `screen:${target.screen}` : target.board !== undefined ? `board:${target.board}` : 'all'
      await app.audit.record(actorOf(req), 'screens.reload', what, { reloaded })
      return { reloaded }
    },
  )
}

export default screens
