// Users and roles (admins only). Every change goes to the audit log; disabling or deleting a user
// ends their sessions and closes their screens at once.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { type UserCreate, UserCreateSchema, type UserUpdate, UserUpdateSchema } from '../../shared/admin.js'
import { UserSchema } from '../../shared/auth.js'
import { actorOf } from './actor.js'
import { ADMIN, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `no user ${id}` })

const users: FastifyPluginAsync = async (app) => {
  const guard = app.guard({ roles: ADMIN })

  app.get(
    '/api/v1/users',
    {
      preHandler: guard,
      schema: {
        summary: 'List users',
        tags: ['admin'],
        security: [{ session: [] }],
        response: { 200: Type.Object({ users: Type.Array(UserSchema) }), ...errors },
      },
    },
    async () => ({ users: await app.users.list() }),
  )

  app.post(
    '/api/v1/users',
    {
      preHandler: guard,
      schema: {
        summary: 'Create a user',
        tags: ['admin'],
        security: [{ session: [] }],
        body: UserCreateSchema,
        response: { 201: UserSchema, ...errors },
      },
    },
    async (req, reply) => {
      const input = req.body as UserCreate
      const user = await app.users.create(input)
      await app.audit.record(actorOf(req), 'user.create', user.id, {
        username: user.username,
        role: user.role,
        teams: user.teams,
      })
      return reply.code(201).send(user)
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      preHandler: guard,
      schema: {
        summary: 'Change a user',
        tags: ['admin'],
        security: [{ session: [] }],
        params: IdParams,
        body: UserUpdateSchema,
        response: { 200: UserSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const patch = req.body as UserUpdate
      const changed = await app.users.update(id, patch)
      if (!changed) return reply.code(404).send(notFound(id))
      const { password, ...fields } = patch
      await app.audit.record(actorOf(req), 'user.update', id, {
        ...fields,
        ...(password !== undefined ? { password: 'changed' } : {}),
      })
      if (changed.after.disabled || password !== undefined) {
        app.push.deny(`user:${id}`, { code: 'session_ended', message: 'your account was changed: log in again' })
      } else {
        await app.push.refreshViews()
      }
      return changed.after
    },
  )

  app.delete(
    '/api/v1/users/:id',
    {
      preHandler: guard,
      schema: {
        summary: 'Delete a user',
        tags: ['admin'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const removed = await app.users.remove(id)
      if (!removed) return reply.code(404).send(notFound(id))
      await app.audit.record(actorOf(req), 'user.delete', id, { username: removed.username })
      app.push.deny(`user:${id}`, { code: 'session_ended', message: 'your account was removed' })
      return reply.code(204).send()
    },
  )
}

export default users
