// The audit log, for admins: every configuration change with who, what and when, newest first.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { AuditEntrySchema } from '../../shared/admin.js'
import { ADMIN, ErrorSchema, authErrors } from './schemas.js'

const audit: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/audit',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: 'Configuration changes, newest first',
        tags: ['admin'],
        security: [{ session: [] }],
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            before: Type.Optional(Type.String({ pattern: '^\\d+-\\d+$', description: 'an entry id: page back from it' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }), ...authErrors, 400: ErrorSchema },
      },
    },
    async (req) => {
      const { limit, before } = req.query as { limit?: number; before?: string }
      return { entries: await app.audit.list(limit ?? 100, before) }
    },
  )
}

export default audit
