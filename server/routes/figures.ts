// Read API for integrators: the current figures, agents and definitions (bearer key, `read` scope).
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { definitionFormulas, definitionLabel } from '../../shared/definition-text.js'
import { DefinitionSchema } from '../../shared/definitions.js'
import { AgentFiguresSchema, FiguresSnapshotSchema } from '../../shared/figures/schema.js'
import { authErrors } from './schemas.js'

const figures: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/metrics',
    {
      preHandler: app.requireKey('read'),
      schema: {
        summary: 'Current figures of every queue',
        description:
          'Live state and window figures per queue, field names as in the metric definitions, each with its definition and label.',
        tags: ['figures'],
        security: [{ bearer: [] }],
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
      const snap = app.figures.snapshot(queue === undefined ? undefined : [queue])
      if (window) for (const q of snap.queues) q.windows = { [window]: q.windows[window] }
      return snap
    },
  )

  app.get(
    '/api/v1/agents',
    {
      preHandler: app.requireKey('read'),
      schema: {
        summary: 'Every agent now',
        description:
          'State (onCall and ringing follow from call events), pause reason, since when, current call, and calls handled today.',
        tags: ['figures'],
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({ asOf: Type.Union([Type.Number(), Type.Null()]), agents: Type.Array(AgentFiguresSchema) }),
          ...authErrors,
        },
      },
    },
    async () => app.figures.agents(),
  )

  app.get(
    '/api/v1/definitions',
    {
      preHandler: app.requireKey('read'),
      schema: {
        summary: 'Metric definitions in force',
        tags: ['figures'],
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            definitions: Type.Array(
              Type.Object({
                ...DefinitionSchema.properties,
                label: Type.String(),
                labelZh: Type.String(),
                formulas: Type.Record(Type.String(), Type.String()),
              }),
            ),
          }),
          ...authErrors,
        },
      },
    },
    async () => {
      const def = app.definitions.centre
      return {
        definitions: [
          { ...def, label: definitionLabel(def), labelZh: definitionLabel(def, 'zh-CN'), formulas: definitionFormulas(def) },
        ],
      }
    },
  )
}

export default figures
