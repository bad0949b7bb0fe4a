// The configuration stores (boards, queue settings, teams, the audit log) and the Directory the policy
// reads. Boards and settings are mirrored in memory and re-read every few seconds, so several
// server processes agree within seconds.
import { AgentNames } from './agent-names.js'
import fp from 'fastify-plugin'
import type { Directory } from '../auth/policy.js'
import { AuditLog } from './audit.js'
import { Boards } from './boards.js'
import { DefinitionStore } from './definitions.js'
import { QueueSettings } from './queue-settings.js'
import { SourceSettings } from './source-settings.js'
import { Teams } from './teams.js'

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditLog
    boards: Boards
    queueSettings: QueueSettings
    agentNames: AgentNames
    sourceSettings: SourceSettings
    teams: Teams
    definitionStore: DefinitionStore
    directory: Directory
  }
}

export interface AdminPluginOptions {
  /** the time zone of the first definition version */
  timezone: string
  /** seconds a source may stay silent unless an admin set its own */
  sourceQuietSec: number
}

const REFRESH_MS = 5_000

export default fp<AdminPluginOptions>(
  async (app, opts) => {
    const definitionStore = new DefinitionStore(app.redis, app.keys, opts.timezone)
    await definitionStore.load()
    app.decorate('definitionStore', definitionStore)
    const boards = new Boards(app.redis, app.keys)
    const queueSettings = new QueueSettings(app.redis, app.keys)
    const agentNames = new AgentNames(app.redis, app.keys)
    const sourceSettings = new SourceSettings(app.redis, app.keys, opts.sourceQuietSec)
    const teams = new Teams(app.redis, app.keys)
    await Promise.all([
      boards.refresh(),
      queueSettings.refresh(),
      agentNames.refresh(),
      teams.refresh(),
      sourceSettings.refresh(),
    ])
    app.decorate('audit', new AuditLog(app.redis, app.keys))
    app.decorate('boards', boards)
    app.decorate('queueSettings', queueSettings)
    app.decorate('agentNames', agentNames)
    app.decorate('sourceSettings', sourceSettings)
    app.decorate('teams', teams)
    app.decorate('directory', {
      teamOf: (q: string) => queueSettings.teamOf(q),
      teamName: (team: string) => teams.nameOf(team),
      board: (id: string) => boards.get(id),
      // Queues named by events, and queues configured before any event named them.
      queues: () =>
        new Set([...(app.hasDecorator('aggregator') ? app.aggregator.state.queues.rows.keys() : []), ...queueSettings.ids()]),
    })
    const timer = setInterval(() => {
      Promise.all([
        boards.refresh(),
        queueSettings.refresh(),
        agentNames.refresh(),
        teams.refresh(),
        sourceSettings.refresh(),
      ]).catch((err: unknown) => app.log.warn({ err }, 'could not refresh the configuration; keeping the last one'))
    }, REFRESH_MS)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))
  },
  { name: 'admin', dependencies: ['store'] },
)
