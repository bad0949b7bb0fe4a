// Boards and their display tokens. Admins create and change boards and issue or revoke tokens; a
// token is shown once (with the TV's URL) and kept as a hash. Revoking a token, or deleting its
// board, locks every TV using it at once. Logged-in users list the boards they may watch.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import {
  type BoardCreate,
  BoardCreateSchema,
  type BoardDisplayInput,
  BoardSchema,
  type BoardUpdate,
  BoardUpdateSchema,
  DisplayTokenCreateSchema,
  DisplayTokenSchema,
} from '../../shared/admin.js'
import { thresholdProblems } from '../../shared/thresholds.js'
import { decideView } from '../auth/policy.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const notFound = (what: string) => ({ statusCode: 404, error: 'Not Found', message: `no ${what}` })
const TokenParams = Type.Object(
  { id: IdParams.properties.id, tokenId: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
)

/** What the schema cannot check: thresholds whose red lies before their amber. */
function displayProblems(display: BoardDisplayInput | undefined) {
  const problems = thresholdProblems(display?.thresholds ?? {}, 'body.display.thresholds')
  return problems.length === 0 ? null : { statusCode: 400, error: 'Bad Request', message: problems.join('; ') }
}

const boards: FastifyPluginAsync = async (app) => {
  const admin = app.guard({ roles: ADMIN })

  app.get(
    '/api/v1/boards',
    {
      preHandler: app.guard({ roles: ANY_USER }),
      schema: {
        summary: 'Boards you may watch',
        tags: ['boards'],
        security: [{ session: [] }],
        response: { 200: Type.Object({ boards: Type.Array(BoardSchema) }), ...errors },
      },
    },
    async (req) => ({
      boards: app.boards.list().filter((b) => req.principal && decideView(req.principal, { board: b.id }, app.directory).ok),
    }),
  )

  app.post(
    '/api/v1/boards',
    {
      preHandler: admin,
      schema: {
        summary: 'Create a board',
        tags: ['boards'],
        security: [{ session: [] }],
        body: BoardCreateSchema,
        response: { 201: BoardSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as BoardCreate
      const problems = displayProblems(body.display)
      if (problems !== null) return reply.code(400).send(problems)
      const board = await app.boards.create(body)
      await app.audit.record(actorOf(req), 'board.create', board.id, { ...board })
      return reply.code(201).send(board)
    },
  )

  app.patch(
    '/api/v1/boards/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Change a board',
        tags: ['boards'],
        security: [{ session: [] }],
        params: IdParams,
        body: BoardUpdateSchema,
        response: { 200: BoardSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const body = req.body as BoardUpdate
      const problems = displayProblems(body.display)
      if (problems !== null) return reply.code(400).send(problems)
      const changed = await app.boards.update(id, body)
      if (!changed) return reply.code(404).send(notFound(`board ${id}`))
      await app.audit.record(actorOf(req), 'board.update', id, { before: changed.before, after: changed.after })
      await app.push.refreshViews()
      return changed.after
    },
  )

  app.delete(
    '/api/v1/boards/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Delete a board and revoke its tokens',
        tags: ['boards'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const removed = await app.boards.remove(id)
      if (!removed) return reply.code(404).send(notFound(`board ${id}`))
      const revoked = await app.displayTokens.revokeWhere((t) => t.boardId === id)
      await app.audit.record(actorOf(req), 'board.delete', id, { name: removed.name, revokedTokens: revoked.map((t) => t.id) })
      for (const t of revoked) app.push.deny(`token:${t.id}`, { code: 'token_revoked', message: 'this board was removed' })
      await app.push.refreshViews()
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/boards/:id/tokens',
    {
      preHandler: admin,
      schema: {
        summary: "A board's display tokens (never the secrets)",
        tags: ['boards'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 200: Type.Object({ tokens: Type.Array(DisplayTokenSchema) }), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      if (!app.boards.get(id)) return reply.code(404).send(notFound(`board ${id}`))
      return { tokens: (await app.displayTokens.list()).filter((t) => t.boardId === id) }
    },
  )

  app.post(
    '/api/v1/boards/:id/tokens',
    {
      preHandler: admin,
      schema: {
        summary: 'Issue a display token',
        description: 'The secret and the TV URL are shown only in this answer; only a hash is kept.',
        tags: ['boards'],
        security: [{ session: [] }],
        params: IdParams,
        body: Type.Optional(DisplayTokenCreateSchema),
        response: { 201: Type.Object({ token: DisplayTokenSchema, secret: Type.String(), url: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const board = app.boards.get(id)
      if (!board) return reply.code(404).send(notFound(`board ${id}`))
      const actor = actorOf(req)
      const name = (req.body as { name?: string } | undefined)?.name ?? board.name
      const { secret, record } = await app.displayTokens.create({ name, boardId: id, createdBy: actor.name })
      await app.audit.record(actor, 'token.create', record.id, { boardId: id, name })
      return reply.code(201).send({ token: record, secret, url: `/board/${encodeURIComponent(id)}?token=${secret}` })
    },
  )

  app.delete(
    '/api/v1/boards/:id/tokens/:tokenId',
    {
      preHandler: admin,
      schema: {
        summary: 'Revoke a display token',
        description: 'Every TV using it stops receiving data at once and says why.',
        tags: ['boards'],
        security: [{ session: [] }],
        params: TokenParams,
        response: { 200: DisplayTokenSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id, tokenId } = req.params as { id: string; tokenId: string }
      const token = await app.displayTokens.get(tokenId)
      if (!token || token.boardId !== id) return reply.code(404).send(notFound(`token ${tokenId} on board ${id}`))
      const revoked = (await app.displayTokens.revoke(tokenId))!
      await app.audit.record(actorOf(req), 'token.revoke', tokenId, { boardId: id, name: token.name })
      app.push.deny(`token:${tokenId}`, {
        code: 'token_revoked',
        message: 'this display link was revoked: ask an administrator for a new one',
      })
      return revoked
    },
  )
}

export default boards
