// Metric definitions as data: read them (with labels and every formula in words), and, as an admin,
// change the defaults or a queue's overrides. Each change is a new version with who and when, goes
// to the audit log, and makes the aggregator recompute the current day under it.
import type { FastifyPluginAsync } from 'fastify'
import { definitionFormulas, definitionLabel } from '../../shared/definition-text.js'
import {
  type Definition,
  type DefinitionOptions,
  type DefinitionSet,
  DefinitionsDocSchema as DefinitionsDoc,
  OptionsPatchSchema,
  SL_PRESETS,
  definitionProblems,
  effectiveOptions,
} from '../../shared/definitions.js'
import type { DefinitionChange } from '../admin/definitions.js'
import { visibleQueues } from '../auth/policy.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'

function describe(def: Definition) {
  return { ...def, label: definitionLabel(def), labelZh: definitionLabel(def, 'zh-CN'), formulas: definitionFormulas(def) }
}

/** Which scopes a version changed relative to the one before. */
function changesOf(prev: DefinitionSet | undefined, set: DefinitionSet): string[] {
  if (!prev) return ['defaults']
  const out: string[] = []
  if (JSON.stringify(prev.defaults) !== JSON.stringify(set.defaults)) out.push('defaults')
  for (const q of new Set([...Object.keys(prev.queues), ...Object.keys(set.queues)])) {
    if (JSON.stringify(prev.queues[q]) !== JSON.stringify(set.queues[q])) out.push(q)
  }
  return out
}

const definitions: FastifyPluginAsync = async (app) => {
  const errors = { ...authErrors, 400: ErrorSchema }

  const doc = async (queues: Iterable<string>) => {
    const book = await app.definitionStore.refresh()
    const set = book.current
    return {
      version: set.version,
      createdAt: set.createdAt,
      createdBy: set.createdBy,
      defaults: describe(book.forCentre()),
      queues: [...queues].sort().map((id) => ({ id, overrides: set.queues[id] ?? {}, definition: describe(book.forQueue(id)) })),
      presets: SL_PRESETS.map((p) => ({ ...p })),
      history: book.history.map((v, i) => ({
        version: v.version,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        changed: changesOf(book.history[i - 1], v),
      })),
    }
  }

  app.get(
    '/api/v1/definitions',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Metric definitions: the defaults and every queue, with labels, formulas in words and history',
        tags: ['definitions'],
        security: [{ bearer: [] }, { session: [] }],
        response: { 200: DefinitionsDoc, ...errors },
      },
    },
    async (req) => doc(visibleQueues(req.principal!, app.directory)),
  )

  const change = async (c: DefinitionChange, by: ReturnType<typeof actorOf>) => {
    const before =
      c.target === 'defaults' ? app.definitionStore.current().forCentre() : app.definitionStore.current().forQueue(c.queue)
    const { set, book } = await app.definitionStore.change(c, by.name)
    const after = c.target === 'defaults' ? book.forCentre() : book.forQueue(c.queue)
    await app.audit.record(by, 'definition.update', c.target === 'defaults' ? 'defaults' : `queue:${c.queue}`, {
      version: set.version,
      before: effectiveOptionsOf(before),
      after: effectiveOptionsOf(after),
    })
    return set
  }

  const validate = (c: DefinitionChange, options: Partial<DefinitionOptions>): string[] =>
    definitionProblems(options, 'body', app.definitionStore.preview(c))

  app.put(
    '/api/v1/definitions/defaults',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: 'Change the default definition',
        description:
          'A new version; every queue without its own value for an option follows. The current day is recomputed under it.',
        tags: ['definitions'],
        security: [{ session: [] }],
        body: OptionsPatchSchema,
        response: { 200: DefinitionsDoc, ...errors },
      },
    },
    async (req, reply) => {
      const options = req.body as Partial<DefinitionOptions>
      const c: DefinitionChange = { target: 'defaults', options }
      const problems = validate(c, options)
      if (problems.length) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: problems.join('; ') })
      await change(c, actorOf(req))
      return doc(visibleQueues(req.principal!, app.directory))
    },
  )

  app.put(
    '/api/v1/definitions/queues/:id',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: "Set a queue's own options",
        description: "Merged with the queue's earlier overrides; a new version. The queue's current day is recomputed under it.",
        tags: ['definitions'],
        security: [{ session: [] }],
        params: IdParams,
        body: OptionsPatchSchema,
        response: { 200: DefinitionsDoc, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const options = req.body as Partial<DefinitionOptions>
      const c: DefinitionChange = { target: 'queue', queue: id, options }
      const problems = validate(c, options)
      if (problems.length) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: problems.join('; ') })
      await change(c, actorOf(req))
      return doc(visibleQueues(req.principal!, app.directory))
    },
  )

  app.delete(
    '/api/v1/definitions/queues/:id',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: "Drop a queue's own options: it follows the defaults again",
        tags: ['definitions'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 200: DefinitionsDoc, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      if (app.definitionStore.current().current.queues[id])
        await change({ target: 'queue', queue: id, reset: true }, actorOf(req))
      return doc(visibleQueues(req.principal!, app.directory))
    },
  )
}

function effectiveOptionsOf(def: Definition): Record<string, unknown> {
  const { version: _version, ...options } = def
  return options
}

export { effectiveOptions }
export default definitions
