// Teams as their own records: the name views show for a team, its site and its opening hours (alert
// rules with `activeHours: "team"` follow them). A team comes into being wherever it is named (queue
// settings, team leads, boards, agent events); a record only gives it a name, so a team without one
// shows its id. `summarizeTeams` is the pure part: every team known, with what belongs to it.
import type { RedisClient } from '../store/redis.js'
import type { Board, Team, TeamInput, TeamSummary } from '../../shared/admin.js'
import type { User } from '../../shared/auth.js'
import type { ActiveHours } from '../../shared/hours.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

/** A record as kept: those saved before teams had opening hours have none (open around the clock). */
type StoredTeam = Omit<Team, 'hours'> & { hours?: ActiveHours | null }
const asTeam = (row: StoredTeam): Team => ({ ...row, hours: row.hours ?? null })

export class Teams {
  private readonly rows: HashMirror<StoredTeam>

  constructor(redis: RedisClient, keys: Keys) {
    this.rows = new HashMirror(redis, keys.teams)
  }

  refresh(): Promise<void> {
    return this.rows.refresh()
  }

  get(id: string): Team | undefined {
    const row = this.rows.get(id)
    return row && asTeam(row)
  }

  list(): Team[] {
    return this.rows
      .values()
      .map(asTeam)
      .sort((a, b) => a.id.localeCompare(b.id))
  }

  /** A team's opening hours; null: around the clock (no record, or none set). */
  hoursOf(id: string): ActiveHours | null {
    return this.rows.get(id)?.hours ?? null
  }

  /** The name views show for a team: its record's, else its id. */
  nameOf(id: string): string {
    return this.rows.get(id)?.name ?? id
  }

  /** Creates or replaces a team's record; `before` is null when it is new. */
  async put(id: string, input: TeamInput): Promise<{ before: Team | null; after: Team }> {
    await this.rows.refresh()
    const before = this.get(id) ?? null
    const now = Date.now()
    const after: Team = {
      id,
      name: input.name,
      site: input.site ?? null,
      hours: input.hours ?? null,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    }
    await this.rows.set(id, after)
    return { before, after }
  }

  async remove(id: string): Promise<Team | null> {
    await this.rows.refresh()
    const team = this.get(id)
    if (!team) return null
    await this.rows.delete(id)
    return team
  }
}

/** What names teams, as the summary needs it. */
export interface TeamSources {
  records: Team[]
  /** each queue with the team its settings name */
  queues: Iterable<[queue: string, team: string | null]>
  users: User[]
  boards: Board[]
  /** the team of each agent, from its events */
  agentTeams: Iterable<string | null>
}

/** Every team named anywhere, by id, with its record (if any) and what belongs to it. */
export function summarizeTeams(sources: TeamSources): TeamSummary[] {
  const teams = new Map<string, TeamSummary>()
  const team = (id: string): TeamSummary => {
    let t = teams.get(id)
    if (!t) {
      t = { id, name: null, site: null, hours: null, record: false, queues: [], leads: [], boards: [], agents: 0 }
      teams.set(id, t)
    }
    return t
  }
  for (const r of sources.records) Object.assign(team(r.id), { name: r.name, site: r.site, hours: r.hours, record: true })
  for (const [queue, id] of sources.queues) if (id !== null) team(id).queues.push(queue)
  for (const u of sources.users) if (u.role === 'teamlead') for (const id of u.teams) team(id).leads.push(u.username)
  for (const b of sources.boards) for (const id of b.teams) team(id).boards.push(b.id)
  for (const id of sources.agentTeams) if (id !== null) team(id).agents++
  const byText = (a: string, b: string) => a.localeCompare(b)
  return [...teams.values()]
    .map((t) => ({ ...t, queues: t.queues.sort(byText), leads: t.leads.sort(byText), boards: t.boards.sort(byText) }))
    .sort((a, b) => byText(a.id, b.id))
}

/** Why a team's record may not go: what still names the team; null when nothing does. */
export function stillUsing(t: TeamSummary): string | null {
  const uses = [
    t.queues.length > 0 ? `queues ${t.queues.join(', ')}` : null,
    t.leads.length > 0 ? `team leads ${t.leads.join(', ')}` : null,
    t.boards.length > 0 ? `boards ${t.boards.join(', ')}` : null,
  ].filter((u) => u !== null)
  return uses.length > 0 ? `team ${t.id} is still used by ${uses.join('; ')}` : null
}
