// Who may see what: pure functions of a principal and the configuration, used by the HTTP routes
// and the socket alike, so the API and the boards can never disagree.
//   admins, supervisors, read keys: every queue and agent
//   team leads: the queues whose team is one of theirs, and the agents of their teams
//   display tokens: the queues of their one board
import type { Board } from '../../shared/admin.js'
import type { Principal, Role } from '../../shared/auth.js'
import type { ViewRequest } from '../../shared/socket.js'

export type { Principal }

/** What the policy needs to know of the configuration. */
export interface Directory {
  teamOf(queue: string): string | null
  /** the name views show for a team: its record's, else its id */
  teamName(team: string): string
  board(id: string): Board | undefined
  /** every queue known (from events or settings) */
  queues(): Iterable<string>
}

export function seesEverything(p: Principal): boolean {
  if (p.kind === 'key') return p.scopes.includes('read')
  if (p.kind === 'user') return p.user.role === 'admin' || p.user.role === 'supervisor'
  return false
}

export function hasRole(p: Principal, roles: readonly Role[]): boolean {
  return p.kind === 'user' && roles.includes(p.user.role)
}

/** The queues a board shows: all, or those it names plus those of the teams it names. */
export function boardQueues(board: Board, dir: Directory): Set<string> {
  const out = new Set<string>()
  for (const q of dir.queues()) {
    const team = dir.teamOf(q)
    if (board.allQueues || board.queues.includes(q) || (team !== null && board.teams.includes(team))) out.add(q)
  }
  for (const q of board.queues) out.add(q)
  return out
}

/** Every queue the principal may see. */
export function visibleQueues(p: Principal, dir: Directory): Set<string> {
  if (seesEverything(p)) return new Set(dir.queues())
  if (p.kind === 'display') {
    const board = dir.board(p.boardId)
    return board ? boardQueues(board, dir) : new Set()
  }
  if (p.kind === 'user' && p.user.role === 'teamlead') {
    const out = new Set<string>()
    for (const q of dir.queues()) {
      const team = dir.teamOf(q)
      if (team !== null && p.user.teams.includes(team)) out.add(q)
    }
    return out
  }
  return new Set()
}

export function mayReadFigures(p: Principal): boolean {
  return p.kind === 'user' || (p.kind === 'key' && p.scopes.includes('read'))
}

/** Agents: everyone who reads figures sees all agents, except team leads, who see their teams'. */
export function agentVisible(p: Principal, agentTeam: string | null): boolean {
  if (seesEverything(p)) return true
  if (p.kind === 'user' && p.user.role === 'teamlead') return agentTeam !== null && p.user.teams.includes(agentTeam)
  return false
}

export type ViewDecision = { ok: true; queues: Set<string>; rooms: string[]; name: string } | { ok: false; reason: string }

/**
 * Whether the principal may watch a view, which queues it then receives, and the socket rooms
 * that carry them. A view is allowed only when every queue in it is visible to the principal, so
 * that everyone in a room may see everything sent to it.
 */
export function decideView(p: Principal, view: ViewRequest, dir: Directory): ViewDecision {
  if (p.kind === 'key') return { ok: false, reason: 'API keys read the HTTP API, not the socket' }
  if ('board' in view) {
    const board = dir.board(view.board)
    if (!board) return { ok: false, reason: `no board ${view.board}` }
    if (p.kind === 'display' && p.boardId !== board.id) return { ok: false, reason: 'this display token is for another board' }
    const queues = boardQueues(board, dir)
    if (p.kind === 'user' && !seesEverything(p)) {
      const visible = visibleQueues(p, dir)
      if (board.allQueues || [...queues].some((q) => !visible.has(q)) || board.teams.some((t) => !p.user.teams.includes(t))) {
        return { ok: false, reason: 'this board shows queues outside your teams' }
      }
    }
    return { ok: true, queues, rooms: [`board:${board.id}`], name: board.name }
  }
  if (p.kind === 'display') return { ok: false, reason: 'a display token shows its board only' }
  if ('team' in view) {
    if (!seesEverything(p) && !p.user.teams.includes(view.team)) return { ok: false, reason: `team ${view.team} is not yours` }
    const queues = new Set([...dir.queues()].filter((q) => dir.teamOf(q) === view.team))
    return { ok: true, queues, rooms: [`team:${view.team}`], name: dir.teamName(view.team) }
  }
  if (seesEverything(p)) return { ok: true, queues: visibleQueues(p, dir), rooms: ['all'], name: '' }
  // A team lead's "everything" is the union of their teams' rooms.
  return { ok: true, queues: visibleQueues(p, dir), rooms: p.user.teams.map((t) => `team:${t}`), name: '' }
}

/**
 * Alerts: who sees everything sees every alert; a team lead those of their teams: a figure alert by
 * its queue's team now, an agent or survey alert by its team or the queue of its call.
 */
export function alertVisible(
  p: Principal,
  alert: { kind: string; subject: { queue: string | null; team: string | null } },
  dir: Directory,
): boolean {
  if (seesEverything(p)) return true
  if (p.kind !== 'user' || p.user.role !== 'teamlead') return false
  const { queue, team } = alert.subject
  const queueTeam = queue === null ? null : dir.teamOf(queue)
  if (queueTeam !== null && p.user.teams.includes(queueTeam)) return true
  return alert.kind !== 'figure' && team !== null && p.user.teams.includes(team)
}

/** Alert rules: a team lead's are those whose scope is a team of theirs or a queue of one (never `all`). */
export function alertScopeVisible(
  p: Principal,
  scope: { queue: string } | { team: string } | { all: true },
  dir: Directory,
): boolean {
  if (seesEverything(p)) return true
  if (p.kind !== 'user' || p.user.role !== 'teamlead') return false
  if ('team' in scope) return p.user.teams.includes(scope.team)
  if ('queue' in scope) {
    const team = dir.teamOf(scope.queue)
    return team !== null && p.user.teams.includes(team)
  }
  return false
}
