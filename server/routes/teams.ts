// Teams: every team named anywhere (queue settings, team leads, boards, agent events), with its
// record when an admin gave it one and what belongs to it. Admins create, rename, set the opening
// hours of and delete the records; a record still in use is not deleted, so nothing is left naming
// a team silently.
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { type TeamInput, TeamInputSchema, TeamSchema, TeamSummarySchema } from '../../shared/admin.js'
import { TeamId } from '../../shared/auth.js'
import { hoursProblems } from '../../shared/hours.js'
import { summarizeTeams, stillUsing } from '../admin/teams.js'
import { seesEverything } from '../auth/policy.js'
import { ConflictError } from '../auth/users.js'
import { actorOf } from './actor.js'
import { ADMIN, ANY_USER, ErrorSchema, authErrors } from './schemas.js'

const errors = { ...authErrors, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const TeamParams = Type.Object({ id: TeamId }, { additionalProperties: false })

const teams: FastifyPluginAsync = async (app) => {
  const summaries = async () =>
    summarizeTeams({
      records: app.teams.list(),
      queues: app.queueSettings.ids().map((q): [string, string | null] => [q, app.queueSettings.teamOf(q)]),
      users: await app.users.list(),
      boards: app.boards.list(),
      agentTeams: [...app.aggregator.state.agents.rows.values()].map((a) => a.team),
    })

  app.get(
    '/api/v1/teams',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Teams you may see: every team named anywhere, with its record and what belongs to it',
        tags: ['admin'],
        security: [{ bearer: [] }, { session: [] }],
        response: { 200: Type.Object({ teams: Type.Array(TeamSummarySchema) }), ...errors },
      },
    },
    async (req) => {
      const p = req.principal!
      const mine = (id: string) => seesEverything(p) || (p.kind === 'user' && p.user.teams.includes(id))
      return { teams: (await summaries()).filter((t) => mine(t.id)) }
    },
  )

  app.put(
    '/api/v1/teams/:id',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: "Create or replace a team's record: its name, site and opening hours",
        tags: ['admin'],
        security: [{ session: [] }],
        params: TeamParams,
        body: TeamInputSchema,
        response: { 200: TeamSchema, 201: TeamSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const input = req.body as TeamInput
      const problems = hoursProblems(input.hours ?? null, 'body.hours')
      if (problems.length > 0)
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: problems.join('; ') })
      const { before, after } = await app.teams.put(id, input)
      await app.audit.record(actorOf(req), 'team.update', id, { before, after })
      await app.push.refreshViews()
      return reply.code(before === null ? 201 : 200).send(after)
    },
  )

  app.delete(
    '/api/v1/teams/:id',
    {
      preHandler: app.guard({ roles: ADMIN }),
      schema: {
        summary: "Delete a team's record; refused while queues, team leads or boards name the team",
        tags: ['admin'],
        security: [{ session: [] }],
        params: TeamParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const notFound = { statusCode: 404, error: 'Not Found', message: `team ${id} has no record` }
      await app.teams.refresh()
      if (!app.teams.get(id)) return reply.code(404).send(notFound)
      const summary = (await summaries()).find((t) => t.id === id)
      const reason = summary ? stillUsing(summary) : null
      if (reason !== null) throw new ConflictError(reason)
      const removed = await app.teams.remove(id)
      if (!removed) return reply.code(404).send(notFound)
      await app.audit.record(actorOf(req), 'team.delete', id, { before: removed })
      await app.push.refreshViews()
      return reply.code(204).send()
    },
  )
}

export default teams
