// The read API: current figures and agents, for a `read` API key or a logged-in user;
// team leads get their teams' queues and agents only.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import {
  AgentFiguresSchema,
  FiguresSnapshotSchema,
  LabelledDefinitionSchema,
  WaitingSeriesSchema,
  CallsBehindSchema,
} from '../../shared/figures/schema.js'
import { agentVisible, visibleQueues } from '../auth/policy.js'
import { AgentNameSchema } from '../../shared/admin.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'

const figures: FastifyPluginAsync = async (app) => {
  const reader = app.guard({ key: 'read', roles: ANY_USER })

  app.get(
    '/api/v1/metrics',
    {
      preHandler: reader,
      schema: {
        summary: 'Current figures of every queue',
        description:
          'Live state and window figures per queue, field names as in the metric definitions, each with its definition and label.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: Type.Object(
          {
            window: Type.Optional(Type.Enum(['today', 'rolling'], { description: 'only this window (default: both)' })),
            queue: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'only this queue' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: FiguresSnapshotSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { window, queue } = req.query as { window?: 'today' | 'rolling'; queue?: string }
      const visible = visibleQueues(req.principal!, app.directory)
      const snap = app.figures.snapshot({ queues: queue === undefined ? visible : [queue].filter((q) => visible.has(q)) })
      if (window) for (const q of snap.queues) q.windows = { [window]: q.windows[window] }
      return snap
    },
  )

  app.get(
    '/api/v1/waiting',
    {
      preHandler: reader,
      schema: {
        summary: 'Calls waiting in one queue over the last minutes',
        description: 'One point per step, ending now: how many calls were waiting (queued, no outcome yet) at that instant.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: Type.Object(
          {
            queue: Type.String({ minLength: 1, maxLength: 128 }),
            minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 360, default: 60 })),
            stepSec: Type.Optional(Type.Integer({ minimum: 5, maximum: 600, default: 15 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: WaitingSeriesSchema, 404: ErrorSchema, ...authErrors },
      },
    },
    async (req, reply) => {
      const { queue, minutes = 60, stepSec = 15 } = req.query as { queue: string; minutes?: number; stepSec?: number }
      // A queue the caller may not see is answered like one that does not exist.
      if (!visibleQueues(req.principal!, app.directory).has(queue))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `querystring.queue: no queue "${queue}"` })
      return app.figures.waiting(queue, minutes, stepSec)
    },
  )

  app.get(
    '/api/v1/calls',
    {
      preHandler: reader,
      schema: {
        summary: 'The calls behind a figure of one queue',
        description:
          'waiting: every call waiting now, longest first, with its position; abandoned: today’s abandoned calls; missed-sl: today’s calls answered or abandoned after the threshold, each judged under the definition in force at its outcome. ' +
          'Finished calls forgotten from memory (after 6 h) come from a call archive kept per queue and UTC day, so the list covers the whole business day (`completeFrom` says from when it is whole). ' +
          'With `from` and `to` (epoch ms, both or neither, at most one business day back): only the calls whose outcome falls in [from, to), e.g. one interval of the chart.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: Type.Object(
          {
            queue: Type.String({ minLength: 1, maxLength: 128 }),
            kind: Type.Enum(['waiting', 'abandoned', 'missed-sl']),
            from: Type.Optional(
              Type.Integer({ minimum: 0, description: 'epoch ms: list finished calls with outcome at or after this (with to)' }),
            ),
            to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms: … and before this (with from; after from)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: CallsBehindSchema, 400: ErrorSchema, 404: ErrorSchema, ...authErrors },
      },
    },
    async (req, reply) => {
      const { queue, kind, from, to } = req.query as {
        queue: string
        kind: 'waiting' | 'abandoned' | 'missed-sl'
        from?: number
        to?: number
      }
      const bad = (message: string) => reply.code(400).send({ statusCode: 400, error: 'Bad Request', message })
      if (from !== undefined || to !== undefined) {
        if (to === undefined) return bad('querystring.to: is required with from')
        if (from === undefined) return bad('querystring.from: is required with to')
        if (kind === 'waiting') return bad('querystring.from: not for kind=waiting (calls waiting now)')
        if (to <= from) return bad('querystring.to: must be after from')
        const earliest = app.figures.earliestCallsFrom(queue)
        if (from < earliest)
          return bad(`querystring.from: at most one business day back (from ${new Date(earliest).toISOString()})`)
      }
      if (!visibleQueues(req.principal!, app.directory).has(queue))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `querystring.queue: no queue "${queue}"` })
      return app.figures.calls(queue, kind, from !== undefined && to !== undefined ? { from, to } : undefined)
    },
  )

  app.put(
    '/api/v1/agents/:id/name',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: 'Give an agent a display name (null: the name from the events)',
        tags: ['admin'],
        security: [{ session: [] }],
        params: IdParams,
        body: AgentNameSchema,
        response: {
          200: Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
          400: ErrorSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const { name } = req.body as { name: string | null }
      const before = await app.agentNames.set(id, name)
      await app.audit.record(actorOf(req), 'agent.rename', id, { before, after: name })
      return { id, name }
    },
  )

  app.get(
    '/api/v1/agents',
    {
      preHandler: reader,
      schema: {
        summary: 'Every agent now',
        description:
          'State (onCall and ringing follow from call events), pause reason, since when, current call, and calls handled today.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        response: {
          200: Type.Object({
            asOf: Type.Union([Type.Number(), Type.Null()]),
            serverNow: Type.Number({ description: 'the instant the figures are computed at' }),
            definition: Type.Object(
              { ...LabelledDefinitionSchema.properties },
              { description: "the centre's definition: the business day and survey boxes of the agents' today figures" },
            ),
            agents: Type.Array(AgentFiguresSchema),
          }),
          ...authErrors,
        },
      },
    },
    async (req) => {
      const all = app.figures.agents()
      return { ...all, agents: all.agents.filter((a) => agentVisible(req.principal!, a.team)) }
    },
  )
}

export default figures
