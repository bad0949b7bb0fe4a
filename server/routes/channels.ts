// Alert channels (admins): list them masked, create, change (a secret left out keeps the stored
// one), delete, send a test alert through the real delivery path, and read the delivery log.
// Every change is in the audit log, with secrets masked there too.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import {
  type Channel,
  type ChannelCreate,
  ChannelCreateSchema,
  ChannelTestResultSchema,
  type ChannelUpdate,
  ChannelUpdateSchema,
  ChannelViewSchema,
  type NotificationQuery,
  NotificationQuerySchema,
  NotificationSchema,
} from '../../shared/channels.js'
import { auditViewOf, settingsFrom, settingsOf, viewOf } from '../alerts/channels.js'
import { actorOf } from './actor.js'
import { ADMIN, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const tags = ['alerts']
const security = [{ session: [] }]

const channels: FastifyPluginAsync = async (app) => {
  const admin = app.guard({ roles: ADMIN })
  const view = async (c: Channel) => viewOf(c, await app.channels.status(c.id))
  const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `no channel ${id}` })

  app.get(
    '/api/v1/channels',
    {
      preHandler: admin,
      schema: {
        summary: 'Alert channels, secrets masked, with how their deliveries go',
        tags,
        security,
        response: { 200: Type.Object({ channels: Type.Array(ChannelViewSchema) }), ...errors },
      },
    },
    async () => ({ channels: await Promise.all((await app.channels.list()).map(view)) }),
  )

  app.get(
    '/api/v1/channels/names',
    {
      preHandler: app.guard({ roles: ['admin', 'teamlead'] }),
      schema: {
        summary: 'The channels a rule may name: id, name and type only (for team leads writing their rules)',
        tags,
        security,
        response: {
          200: Type.Object({
            channels: Type.Array(
              Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), enabled: Type.Boolean() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({
      channels: (await app.channels.list()).map((c) => ({ id: c.id, name: c.name, type: c.type, enabled: c.enabled })),
    }),
  )

  app.post(
    '/api/v1/channels',
    {
      preHandler: admin,
      schema: {
        summary: 'Create an alert channel',
        description:
          'webhook: url, secret (≥ 16 characters); slack, teams, wecom: url; dingtalk, feishu: url, secret (optional); email: host, port, security, from, to, user and password (optional)',
        tags,
        security,
        body: ChannelCreateSchema,
        response: { 201: ChannelViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as ChannelCreate
      const channel = await app.channels.create(settingsFrom(body.type, null, body), body.id, Date.now())
      await app.audit.record(actorOf(req), 'channel.create', channel.id, { after: auditViewOf(channel) })
      return reply.code(201).send(await view(channel))
    },
  )

  app.patch(
    '/api/v1/channels/:id',
    {
      preHandler: admin,
      schema: {
        summary: "Change a channel's settings; a secret (url, secret, password) left out keeps the stored one",
        tags,
        security,
        params: IdParams,
        body: ChannelUpdateSchema,
        response: { 200: ChannelViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const before = await app.channels.get(id)
      if (!before) return reply.code(404).send(notFound(id))
      const settings = settingsFrom(before.type, settingsOf(before), req.body as ChannelUpdate)
      const after = { ...settings, id, createdAt: before.createdAt, updatedAt: Date.now() } as Channel
      await app.channels.replace(after)
      await app.audit.record(actorOf(req), 'channel.update', id, { before: auditViewOf(before), after: auditViewOf(after) })
      return view(after)
    },
  )

  app.delete(
    '/api/v1/channels/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Delete a channel; rules that still name it skip it (the delivery log says so)',
        tags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const removed = await app.channels.remove(id)
      if (!removed) return reply.code(404).send(notFound(id))
      await app.audit.record(actorOf(req), 'channel.delete', id, { before: auditViewOf(removed) })
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/channels/:id/test',
    {
      preHandler: admin,
      schema: {
        summary: 'Send a test alert now, through the real delivery path (once, no retries); answers its outcome',
        tags,
        security,
        params: IdParams,
        response: { 200: ChannelTestResultSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const channel = await app.channels.get(id)
      if (!channel) return reply.code(404).send(notFound(id))
      const actor = actorOf(req)
      const result = await app.outbox.sendTest(channel, actor.name)
      await app.audit.record(actor, 'channel.test', id, { outcome: result.outcome, error: result.error })
      return result
    },
  )

  app.get(
    '/api/v1/notifications',
    {
      preHandler: admin,
      schema: {
        summary: 'The delivery log: notifications newest first, by channel and state',
        tags,
        security,
        querystring: NotificationQuerySchema,
        response: { 200: Type.Object({ notifications: Type.Array(NotificationSchema) }), ...errors },
      },
    },
    async (req) => ({ notifications: await app.outbox.list(req.query as NotificationQuery) }),
  )
}

export default channels
