// The read API: current figures and agents, for a `read` API key or a logged-in user;
// team leads get their teams' queues and agents only.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { AgentFiguresSchema, FiguresSnapshotSchema, LabelledDefinitionSchema } from '../../shared/figures/schema.js'
import { agentVisible, visibleQueues } from '../auth/policy.js'
import { ANY_USER, authErrors } from './schemas.js'

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
