// Alerts: the open ones and the history (`GET /api/v1/alerts`), for what the caller may see (a team
// lead: their teams'), and a person's acknowledgement or resolve by hand, audited. Each change is
// a transition like the engine's own: saved, pushed to the sockets, handed to the notifier.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { ALERT_STATES, type AlertState, AlertSchema } from '../../shared/alerts.js'
import { alertVisible } from '../auth/policy.js'
import type { ActionResult } from '../alerts/engine.js'
import { actorOf } from './actor.js'
import { ANY_USER, ErrorSchema, IdParams, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const Id = (what: string) => Type.String({ minLength: 1, maxLength: 128, description: what })
const DAY_MS = 86_400_000

const AlertsQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum([...ALERT_STATES], { description: 'only alerts in this state' })),
    since: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'epoch ms: resolved alerts resolved from then on (default: the last 24 h); open alerts are always listed',
      }),
    ),
    rule: Type.Optional(Id('only the alerts of this rule')),
    queue: Type.Optional(Id('only the alerts of this queue')),
    agent: Type.Optional(Id('only the alerts of this agent')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many (default 200)' })),
  },
  { additionalProperties: false },
)

const alerts: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/alerts',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Open alerts and the history, for what you may see',
        description: 'Open alerts first (newest first), then resolved ones since `since`. History is kept 30 days.',
        tags: ['alerts'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: AlertsQuery,
        response: { 200: Type.Object({ serverNow: Type.Number(), alerts: Type.Array(AlertSchema) }), ...errors },
      },
    },
    async (req) => {
      const q = req.query as { state?: AlertState; since?: number; rule?: string; queue?: string; agent?: string; limit?: number }
      const now = Date.now()
      const list = await app.alerts.list({ ...q, since: q.since ?? now - DAY_MS, limit: q.limit ?? 200 }, (a) =>
        alertVisible(req.principal!, a, app.directory),
      )
      return { serverNow: now, alerts: list }
    },
  )

  /** Acts on an alert the user may see; another team's is answered as unknown. */
  const act =
    (action: 'ack' | 'resolve') =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const { id } = req.params as { id: string }
      const p = req.principal!
      const notFound = { statusCode: 404, error: 'Not Found', message: `no alert ${id}` }
      if (p.kind !== 'user') return reply.code(404).send(notFound)
      const alert = await app.alerts.get(id)
      if (!alert || !alertVisible(p, alert, app.directory)) return reply.code(404).send(notFound)
      const r: ActionResult =
        action === 'ack' ? await app.alerts.acknowledge(id, p.user.username) : await app.alerts.resolve(id, p.user.username)
      if (!r.ok)
        return reply
          .code(r.status)
          .send({ statusCode: r.status, error: r.status === 404 ? 'Not Found' : 'Conflict', message: r.error })
      await app.audit.record(actorOf(req), `alert.${action}`, id, { rule: alert.ruleId, subject: alert.subject })
      return r.alert
    }

  for (const [action, summary] of [
    ['ack', 'Acknowledge an alert: someone is on it (a call-back task stops escalating)'],
    ['resolve', 'Resolve an alert by hand'],
  ] as const) {
    app.post(
      `/api/v1/alerts/:id/${action}`,
      {
        preHandler: app.guard({ roles: ANY_USER }),
        schema: {
          summary,
          tags: ['alerts'],
          security: [{ session: [] }],
          params: IdParams,
          response: { 200: AlertSchema, ...errors },
        },
      },
      act(action),
    )
  }
}

export default alerts
