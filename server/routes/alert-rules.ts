// Alert rules: figure, agent and event rules (shared/alerts.ts). Admins manage every rule; team
// leads those whose scope is one of their teams or a queue of one. Everyone who reads figures may
// list the rules they may see. A body is checked against its kind's schema (each problem naming
// its field), then as a whole (levels in order, a clear level on the right side …); every change is
// audited and judged at once.
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifySchema, FastifySchemaCompiler } from 'fastify'
import Type, { type TSchema } from 'typebox'
import { alertRuleProblems } from '../../shared/alert-rules.js'
import {
  AgentRuleInputSchema,
  type AlertRule,
  type AlertRuleInput,
  AlertRuleInputSchema,
  type AlertRulePatch,
  AlertRulePatchSchema,
  AlertRuleSchema,
  EventRuleInputSchema,
  FigureRuleInputSchema,
} from '../../shared/alerts.js'
import { alertScopeVisible } from '../auth/policy.js'
import { actorOf } from './actor.js'
import { ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'
import { formatValidationErrors, validatorCompiler } from './validation.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema }
const RULE_WRITERS = ['admin', 'teamlead'] as const
const KINDS = { figure: FigureRuleInputSchema, agent: AgentRuleInputSchema, event: EventRuleInputSchema } as const
type Kind = keyof typeof KINDS

const compile = (schema: TSchema) => validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '/api/v1/alert-rules' })
const validators = Object.fromEntries(Object.entries(KINDS).map(([kind, schema]) => [kind, compile(schema)])) as Record<
  Kind,
  ReturnType<typeof compile>
>

const badRequest = (message: string) => Object.assign(new Error(message), { statusCode: 400 })

/** Checks a whole rule against its kind's schema: null, or every problem, each naming its field. */
function schemaProblem(data: unknown): string | null {
  const kind = typeof data === 'object' && data !== null ? (data as { kind?: unknown }).kind : undefined
  if (typeof kind !== 'string' || !(kind in KINDS)) return 'body.kind: expected one of "figure", "agent", "event"'
  const validate = validators[kind as Kind]
  if (validate(data) === true) return null
  return formatValidationErrors(validate.errors ?? [], 'body').message
}

/**
 * The body of a new rule is validated against the schema of its `kind` only: a union's errors would
 * mix the three kinds' fields. The schema declared on the route documents the union.
 */
const ruleBodyCompiler: FastifySchemaCompiler<FastifySchema> = (route) =>
  route.httpPart === 'body'
    ? (data: unknown) => {
        const problem = schemaProblem(data)
        return problem === null ? { value: data } : { error: badRequest(problem) }
      }
    : validatorCompiler(route)

const alertRules: FastifyPluginAsync = async (app) => {
  const writers = app.guard({ roles: RULE_WRITERS })
  const notYours = {
    statusCode: 403,
    error: 'Forbidden',
    message: "body.scope: a team lead makes rules for their own teams' queues and teams",
  }
  const invalid = (problems: string[]) => ({ statusCode: 400, error: 'Bad Request', message: problems.join('; ') })
  const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `no alert rule ${id}` })

  app.get(
    '/api/v1/alert-rules',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Alert rules you may see (a team lead: those of their teams)',
        tags: ['alerts'],
        security: [{ bearer: [] }, { session: [] }],
        response: { 200: Type.Object({ rules: Type.Array(AlertRuleSchema) }), ...errors },
      },
    },
    async (req) => ({
      rules: app.alerts
        .rules()
        .filter((r) => alertScopeVisible(req.principal!, r.scope, app.directory))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    }),
  )

  app.post(
    '/api/v1/alert-rules',
    {
      preHandler: writers,
      validatorCompiler: ruleBodyCompiler,
      schema: {
        summary: 'Create an alert rule',
        description: 'A figure rule, an agent rule or an event rule (see `kind`). Team leads: for their teams only.',
        tags: ['alerts'],
        security: [{ session: [] }],
        body: AlertRuleInputSchema,
        response: { 201: AlertRuleSchema, ...errors },
      },
    },
    async (req, reply) => {
      const input = req.body as AlertRuleInput
      const problems = alertRuleProblems(input)
      if (problems.length > 0) return reply.code(400).send(invalid(problems))
      if (!alertScopeVisible(req.principal!, input.scope, app.directory)) return reply.code(403).send(notYours)
      const actor = actorOf(req)
      const now = Date.now()
      const rule: AlertRule = {
        ...input,
        id: randomBytes(6).toString('hex'),
        createdAt: now,
        updatedAt: now,
        createdBy: actor.name,
      }
      await app.alerts.putRule(rule)
      await app.audit.record(actor, 'alert-rule.create', rule.id, { ...rule })
      return reply.code(201).send(rule)
    },
  )

  app.patch(
    '/api/v1/alert-rules/:id',
    {
      preHandler: writers,
      schema: {
        summary: 'Change an alert rule',
        description: 'Names only what changes; the rule is then checked whole. A rule keeps its kind.',
        tags: ['alerts'],
        security: [{ session: [] }],
        params: IdParams,
        body: AlertRulePatchSchema,
        response: { 200: AlertRuleSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const before = app.alerts.rule(id)
      if (!before || !alertScopeVisible(req.principal!, before.scope, app.directory)) return reply.code(404).send(notFound(id))
      const patch = req.body as AlertRulePatch
      if (patch.kind !== undefined && patch.kind !== before.kind) {
        return reply.code(400).send(invalid([`body.kind: a rule keeps its kind (${before.kind}): delete it and create another`]))
      }
      const { id: _id, createdAt, updatedAt: _updated, createdBy, ...input } = before
      const merged: unknown = { ...input, ...patch }
      const problem = schemaProblem(merged)
      if (problem !== null) return reply.code(400).send(invalid([problem]))
      const problems = alertRuleProblems(merged as AlertRuleInput)
      if (problems.length > 0) return reply.code(400).send(invalid(problems))
      if (!alertScopeVisible(req.principal!, (merged as AlertRuleInput).scope, app.directory))
        return reply.code(403).send(notYours)
      const after = { ...(merged as AlertRuleInput), id, createdAt, createdBy, updatedAt: Date.now() } as AlertRule
      await app.alerts.putRule(after)
      await app.audit.record(actorOf(req), 'alert-rule.update', id, { before, after })
      return after
    },
  )

  app.post(
    '/api/v1/alert-rules/:id/test',
    {
      preHandler: writers,
      schema: {
        summary: "Send a test alert shaped like this rule's alerts to each of its channels, now",
        description:
          'Through the real delivery path, once each (no retries); answers every channel’s outcome. Nothing is stored as an alert.',
        tags: ['alerts'],
        security: [{ session: [] }],
        params: IdParams,
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                channelId: Type.String(),
                outcome: Type.Enum(['delivered', 'failed']),
                error: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const rule = app.alerts.rule(id)
      if (!rule || !alertScopeVisible(req.principal!, rule.scope, app.directory)) return reply.code(404).send(notFound(id))
      const actor = actorOf(req)
      const ids = rule.kind === 'event' ? [...new Set(rule.escalation.flatMap((e) => e.channels))] : rule.channels
      const results = []
      for (const channelId of ids) {
        const channel = await app.channels.get(channelId)
        if (!channel) {
          results.push({ channelId, outcome: 'failed' as const, error: `no channel ${channelId}` })
          continue
        }
        const r = await app.outbox.sendTest(channel, actor.name, rule)
        results.push({ channelId, outcome: r.outcome, error: r.error })
      }
      await app.audit.record(actor, 'alert-rule.test', id, { results })
      return { results }
    },
  )

  app.delete(
    '/api/v1/alert-rules/:id',
    {
      preHandler: writers,
      schema: {
        summary: 'Delete an alert rule',
        description:
          'Its open figure and agent alerts resolve (by `rule`); its call-back tasks stay open until someone resolves them.',
        tags: ['alerts'],
        security: [{ session: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const rule = app.alerts.rule(id)
      if (!rule || !alertScopeVisible(req.principal!, rule.scope, app.directory)) return reply.code(404).send(notFound(id))
      await app.alerts.deleteRule(id)
      await app.audit.record(actorOf(req), 'alert-rule.delete', id, { before: rule })
      return reply.code(204).send()
    },
  )
}

export default alertRules
