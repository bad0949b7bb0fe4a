// API keys (admins only): created with scopes, shown once, kept as a hash, revocable. The bootstrap
// WALLBOARD_API_KEY is not listed: it lives only in the environment.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { ApiKeyCreateSchema, ApiKeySchema } from '../../shared/admin.js'
import type { ApiKeyScope } from '../../shared/auth.js'
import { actorOf } from './actor.js'
import { ADMIN, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema }

const keys: FastifyPluginAsync = async (app) => {
  const guard = app.guard({ roles: ADMIN })

  app.get(
    '/api/v1/keys',
    {
      preHandler: guard,
      schema: {
        summary: 'List API keys (never the secrets)',
        tags: ['admin'],
        security: [{ session: [] }],
        response: { 200: Type.Object({ keys: Type.Array(ApiKeySchema) }), ...errors },
      },
    },
    async () => ({ keys: await app.apiKeys.list() }),
  )

  app.post(
    '/api/v1/keys',
    {
      preHandler: guard,
      schema: {
        summary: 'Create an API key',
        description: 'The secret is shown only in this answer; only a hash is kept.',
        tags: ['admin'],
        security: [{ session: [] }],
        body: ApiKeyCreateSchema,
        response: { 201: Type.Object({ key: ApiKeySchema, secret: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const { name, scopes } = req.body as { name: string; scopes: ApiKeyScope[] }
      const actor = actorOf(req)
      const { secret, record } = await app.apiKeys.create({ name, scopes, createdBy: actor.name })
      await app.audit.record(actor, 'key.create', record.id, { name, scopes })
      return reply.code(201).send({ key: record, secret })
    },
  )

  app.delete(
    '/api/v1/keys/:id',
    {
      preHandler: guard,
      schema: {
        summary: 'Revoke an API key',
        tags: ['admin'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 200: ApiKeySchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const revoked = await app.apiKeys.revoke(id)
      if (!revoked) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no API key ${id}` })
      await app.audit.record(actorOf(req), 'key.revoke', id, { name: revoked.name })
      return revoked
    },
  )
}

export default keys
