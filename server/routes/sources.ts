// Event sources: each `source` events name, when it was last heard and how long it may stay silent
// before the boards it feeds go stale. Admins set that limit per source, or forget a retired source.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import {
  type LinkReport,
  type SourceSettings,
  LinkReportSchema,
  SourceHealthSchema,
  SourceSettingsSchema,
  isLinkDown,
  isQuiet,
} from '../../shared/sources.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, authErrors } from './schemas.js'

const SourceParams = Type.Object(
  { id: Type.String({ maxLength: 128, description: 'the source; "-" for events that name none' }) },
  { additionalProperties: false },
)
/** The path names the unnamed source "-" (a path segment cannot be empty). */
const sourceId = (param: string) => (param === '-' ? '' : param)
const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `params.id: no source "${id}"` })

const sources: FastifyPluginAsync = async (app) => {
  const admin = app.guard({ roles: ADMIN })

  app.get(
    '/api/v1/sources',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Every event source, when it was last heard, and whether it is quiet',
        description:
          'A source is quiet when no event from it arrived for longer than quietAfterSec, and down when its connector ' +
          '(queue_log follower, AMI) reports its link down or stopped reporting; boards whose queues it feeds then name it and go stale.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        response: {
          200: Type.Object({
            serverNow: Type.Number(),
            sources: Type.Array(
              Type.Object({
                ...SourceHealthSchema.properties,
                quiet: Type.Boolean(),
                down: Type.Boolean({ description: 'its link is down, or its connector stopped reporting' }),
              }),
            ),
          }),
          ...authErrors,
        },
      },
    },
    async () => {
      const serverNow = Date.now()
      return {
        serverNow,
        sources: app.sourceHealth().map((s) => ({ ...s, quiet: isQuiet(s, serverNow), down: isLinkDown(s.link, serverNow) })),
      }
    },
  )

  app.put(
    '/api/v1/sources/:id/link',
    {
      preHandler: app.guard({ key: 'ingest' }),
      schema: {
        summary: "A connector reports its link's health (queue_log follower, AMI connector)",
        description:
          'Sent every few seconds, and at once when the link goes up or down. A link that reports connected: false, or is ' +
          'not heard from for 35 s, is down: the boards its source feeds go stale and name it.',
        tags: ['ingest'],
        security: [{ bearer: [] }],
        params: SourceParams,
        body: LinkReportSchema,
        response: { 204: Type.Null(), 400: ErrorSchema, ...authErrors },
      },
    },
    async (req, reply) => {
      const id = sourceId((req.params as { id: string }).id)
      await app.sourceSettings.setLink(id, req.body as LinkReport, Date.now())
      return reply.code(204).send()
    },
  )

  app.put(
    '/api/v1/sources/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Set how long a source may stay silent (null: never quiet)',
        tags: ['admin'],
        security: [{ session: [] }],
        params: SourceParams,
        body: SourceSettingsSchema,
        response: { 200: SourceSettingsSchema, 400: ErrorSchema, ...authErrors },
      },
    },
    async (req) => {
      const id = sourceId((req.params as { id: string }).id)
      const body = req.body as SourceSettings
      const before = await app.sourceSettings.set(id, body)
      await app.audit.record(actorOf(req), 'source.update', id, { before, after: body })
      return body
    },
  )

  app.delete(
    '/api/v1/sources/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Forget a retired source: boards stop judging it until it sends again',
        tags: ['admin'],
        security: [{ session: [] }],
        params: SourceParams,
        response: { 204: Type.Null(), 404: ErrorSchema, ...authErrors },
      },
    },
    async (req, reply) => {
      const id = sourceId((req.params as { id: string }).id)
      const hadEvents = app.aggregator.forgetSource(id)
      // Every process's figures drop it; the active aggregator's save removes it from the store.
      app.push.io.serverSideEmit('source:forget', id)
      const hadSettings = await app.sourceSettings.remove(id)
      if (!hadEvents && !hadSettings) return reply.code(404).send(notFound(id))
      await app.audit.record(actorOf(req), 'source.forget', id, {})
      return reply.code(204).send()
    },
  )
}

export default sources
