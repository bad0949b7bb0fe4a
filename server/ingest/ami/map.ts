// Asterisk Manager Interface events → wallboard events (design: events.md). Pure: messages in,
// events out, no socket and no clock (times are parameters). The connector feeds it every event of
// the session, the QueueStatus sync's list items included, and keeps its memory across reconnects.
//
// Decisions:
// - A call is the caller channel's Uniqueid (queue_log's callid) with the queue; Linkedid is not the key.
// - Ids are hashed from the fact, never from the message: a call fact from (source, type, uniqueid,
//   queue, agent), so a caller seen by QueueCallerJoin and again by a resync's QueueEntry, or an
//   answer seen by AgentConnect and inferred again from AgentComplete, is one event. A ring adds its
//   time (an agent may be rung twice for one call); an agent state adds its state, reason, queues, time.
// - An agent is its MemberName (queue_log names agents so), else its Interface, through the queue_log
//   parser's agentIdOf: `PJSIP/2001` and `Local/2001@from-queue/n` are agent 2001. An alias of the
//   interface wins.
// - Device Status 4 (INVALID) and 5 (UNAVAILABLE) mean the agent's device is gone (unregistered,
//   unplugged): `offline` while it lasts, like a logout, as nobody can be offered a call there.
//   0 (UNKNOWN) counts as reachable (Asterisk still rings it); in use, busy and ringing follow from
//   call events. Paused in any of its queues is paused (pausing "everywhere" is one event per queue).
// - QueueCallerLeave comes with the outcome (before AgentConnect, after QueueCallerAbandon). One that
//   no outcome follows within leaveGraceMs left for another reason AMI does not name (timeout, exit
//   key, empty queue): `call.overflowed` with reason `other` at the leave's time.
// - A QueueStatus sync (list items up to QueueStatusComplete) is the truth at its end: agents whose
//   state or queues differ get one agent.state each, agents absent from it are offline, and a call
//   remembered as waiting but not listed left while the link was down: `call.overflowed` (`other`)
//   at the sync, unless a later AgentComplete tells of an earlier answer.
import { createHash } from 'node:crypto'
import type { AgentOwnState, WallboardEvent } from '../../../shared/events.js'
import {
  CONTROL,
  type Draft,
  type MapperCounts,
  type ProblemLine,
  MAX_TS,
  MIN_TS,
  PROBLEM_LINE_CHARS,
  clean,
  countProblem,
  countSkipped,
  sameList,
  withQueue,
  withoutQueue,
} from '../mapping.js'
import { agentIdOf } from '../queue-log/parse.js'
import type { AmiMessage } from './protocol.js'

export interface AmiMapperOptions {
  /** the `source` of every event, e.g. `pbx-shanghai-1-ami`; also part of each event id */
  source: string
  /** member names or interfaces (raw, or as normalised) → agent id, as for the queue_log parser */
  agentAliases?: Readonly<Record<string, string>>
  /** how many problem messages to keep for display (the counts by reason are always whole); default 100 */
  keepProblems?: number
  /** a QueueCallerLeave with no outcome after this long (on the arrival clock) is an overflow; default 10000 */
  leaveGraceMs?: number
  /** calls remembered (waiting, answered, lately ended), oldest forgotten first; default 20000 */
  rememberCalls?: number
}

export type AmiProblemReason =
  | 'no-event'
  | 'missing-call-id'
  | 'missing-queue'
  | 'missing-agent'
  | 'bad-data'
  | 'bad-time'
  // from the framing (protocol.ts), noted by the connector
  | 'too-large'
  | 'bad-line'

/** A message with a problem; its line is the message as read, `key: value; …`. */
export type AmiProblem = ProblemLine<AmiProblemReason>

/**
 * Unchanged: the second QueueMemberPause of a pause everywhere, a device in use …; skipped:
 * AgentRingNoAnswer, QueueParams, unknown events …; a `bad-time` problem message is still mapped
 * (at its arrival), the others are dropped.
 */
export interface AmiStats extends MapperCounts<AmiProblemReason> {
  messages: number
}

export interface AmiAgentMemory {
  state: AgentOwnState | null
  reason: string | null
  /** the queues it belongs to, sorted */
  queues: string[]
  /** true once its whole membership is known (a sync, QueueMemberAdded/Removed): only then are `queues` sent */
  explicit: boolean
  /** the queues it is paused in, each with its pause reason, oldest pause first */
  pausedIn: Array<[queue: string, reason: string]>
  /** its device is unavailable or invalid */
  deviceDown: boolean
  name: string
}

export interface AmiCallMemory {
  callId: string
  queue: string
  stage: 'waiting' | 'left' | 'answered' | 'done'
  agent: string | null
  /** a QueueCallerLeave with no outcome yet: its event time, and when it arrived */
  leftTs: number | null
  leftAt: number | null
}

/** What the mapper remembers; plain JSON. */
export interface AmiMapperState {
  version: 1
  agents: Array<[id: string, memory: AmiAgentMemory]>
  calls: AmiCallMemory[]
}

/** An event before its id, time and source are stamped. */
type Outcome = Array<[Draft, number]> | 'skipped' | AmiProblemReason

interface Sync {
  members: Map<string, AmiAgentMemory>
  calls: Set<string>
}

const TIMESTAMP = /^(\d{9,11})(?:\.(\d{1,9}))?$/
const INTEGER = /^\d+$/
/** Device states (ast_device_state) that mean nobody can be reached there. */
const DEVICE_DOWN = new Set([4, 5])

const callKey = (queue: string, callId: string) => `${queue}\u0000${callId}`

function lowerKeys(input: Readonly<Record<string, string>>): AmiMessage {
  const out = Object.create(null) as AmiMessage
  for (const [k, v] of Object.entries(input)) out[k.toLowerCase()] = typeof v === 'string' ? v : String(v)
  return out
}

function newMemory(name: string): AmiAgentMemory {
  return { state: null, reason: null, queues: [], explicit: false, pausedIn: [], deviceDown: false, name }
}

function copyMemory(m: AmiAgentMemory): AmiAgentMemory {
  return { ...m, queues: [...m.queues], pausedIn: m.pausedIn.map(([q, r]) => [q, r]) }
}

function setPaused(m: AmiAgentMemory, queue: string, paused: boolean, reason: string): void {
  const rest = m.pausedIn.filter(([q]) => q !== queue)
  const was = m.pausedIn.find(([q]) => q === queue)
  // A pause that goes on keeps its place (and its reason when the event repeats none).
  m.pausedIn = paused ? (was && (reason === '' || reason === was[1]) ? m.pausedIn : [...rest, [queue, reason]]) : rest
}

function settle(m: AmiAgentMemory): void {
  m.pausedIn = m.pausedIn.filter(([q]) => m.queues.includes(q))
  m.state = m.queues.length === 0 || m.deviceDown ? 'offline' : m.pausedIn.length > 0 ? 'paused' : 'available'
  const reasons = m.pausedIn.map(([, r]) => r).filter((r) => r !== '')
  m.reason = m.state === 'paused' ? (reasons[reasons.length - 1] ?? null) : null
}

function render(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ')
    .slice(0, PROBLEM_LINE_CHARS)
}

function emptyStats(): AmiStats {
  return { messages: 0, events: 0, unchanged: 0, skipped: {}, problems: {}, recentProblems: [] }
}

/**
 * Turns AMI events into wallboard events, one message at a time, remembering what the mapping
 * needs across messages: each agent's membership, pauses and device, each known call's stage, and
 * the QueueStatus sync under way.
 */
export class AmiMapper {
  private readonly options: Required<Omit<AmiMapperOptions, 'agentAliases'>> & Pick<AmiMapperOptions, 'agentAliases'>
  private readonly agents = new Map<string, AmiAgentMemory>()
  private readonly calls = new Map<string, AmiCallMemory>()
  /** keys of calls with a QueueCallerLeave and no outcome yet */
  private readonly leaving = new Set<string>()
  private sync: Sync | null = null
  private counts: AmiStats = emptyStats()

  constructor(options: AmiMapperOptions, state?: AmiMapperState) {
    this.options = { keepProblems: 100, leaveGraceMs: 10_000, rememberCalls: 20_000, ...options }
    if (state) {
      for (const [id, m] of state.agents) this.agents.set(id, copyMemory(m))
      for (const c of state.calls) {
        this.calls.set(callKey(c.queue, c.callId), { ...c })
        if (c.stage === 'left') this.leaving.add(callKey(c.queue, c.callId))
      }
    }
  }

  /** Counters since this mapper was made (not carried in the state). */
  get stats(): AmiStats {
    const c = this.counts
    return { ...c, skipped: { ...c.skipped }, problems: { ...c.problems }, recentProblems: [...c.recentProblems] }
  }

  /** Everything the mapper remembers, as plain JSON: give it back to the constructor to resume. */
  exportState(): AmiMapperState {
    return {
      version: 1,
      agents: [...this.agents].map(([id, m]) => [id, copyMemory(m)]),
      calls: [...this.calls.values()].map((c) => ({ ...c })),
    }
  }

  /** A QueueStatus was sent: its list items up to QueueStatusComplete are the sync. */
  beginSync(): void {
    this.sync = { members: new Map(), calls: new Set() }
  }

  /**
   * One message (keys in any case): the events it means, often none, after those of leaves whose
   * grace ran out by `receivedAtMs` (the arrival clock). Never throws.
   */
  map(message: Readonly<Record<string, string>>, receivedAtMs: number): WallboardEvent[] {
    const out = this.expire(receivedAtMs)
    this.counts.messages++
    const m = lowerKeys(message)
    const name = clean(m['event'] ?? '', 64)
    if (name === '') {
      this.problem(render(m), 'no-event')
      return out
    }
    const ts = this.timeOf(m, receivedAtMs)
    const mapped = this.route(name, m, ts, receivedAtMs)
    if (mapped === 'skipped') this.skip(name)
    else if (typeof mapped === 'string') this.problem(render(m), mapped)
    else if (mapped.length === 0) this.counts.unchanged++
    else out.push(...this.stamp(mapped))
    return out
  }

  /** `call.overflowed` for callers that left their queue more than leaveGraceMs before `nowMs` with no outcome. */
  expire(nowMs: number): WallboardEvent[] {
    if (this.leaving.size === 0) return []
    const drafts: Array<[Draft, number]> = []
    for (const key of this.leaving) {
      const c = this.calls.get(key)
      if (!c || c.stage !== 'left') {
        this.leaving.delete(key)
        continue
      }
      if (c.leftAt! + this.options.leaveGraceMs > nowMs) continue
      this.leaving.delete(key)
      c.stage = 'done'
      drafts.push([{ type: 'call.overflowed', callId: c.callId, queue: c.queue, reason: 'other' }, c.leftTs!])
    }
    return this.stamp(drafts)
  }

  /** A problem found outside the mapper (the framing), counted with the others. */
  noteProblem(line: string, reason: AmiProblemReason): void {
    this.problem(line, reason)
  }

  // ——— messages → drafts ———

  private route(name: string, m: AmiMessage, ts: number, receivedAtMs: number): Outcome {
    switch (name.toLowerCase()) {
      case 'queuecallerjoin':
        return this.join(m, ts)
      case 'queuecallerleave':
        return this.leave(m, ts, receivedAtMs)
      case 'queuecallerabandon':
        return this.abandon(m, ts)
      case 'agentcalled':
        return this.ringing(m, ts)
      case 'agentconnect':
        return this.connect(m, ts)
      case 'agentcomplete':
        return this.complete(m, ts)
      case 'queuememberstatus':
        return this.member('status', m, ts)
      case 'queuememberpause':
      case 'queuememberpaused': // Asterisk 11's name
        return this.member('pause', m, ts)
      case 'queuememberadded':
        return this.member('added', m, ts)
      case 'queuememberremoved':
        return this.member('removed', m, ts)
      case 'queueparams':
        this.openSync()
        return 'skipped'
      case 'queuemember':
        return this.listedMember(m)
      case 'queueentry':
        return this.listedEntry(m, receivedAtMs)
      case 'queuestatuscomplete':
        return this.endSync(receivedAtMs)
      default:
        // AgentRingNoAnswer (no contract event ends a ring), AgentDump, FullyBooted, unknown events …
        return 'skipped'
    }
  }

  /** The call an event is about, checked. */
  private callOf(m: AmiMessage): { callId: string; queue: string; key: string } | AmiProblemReason {
    const callId = (m['uniqueid'] ?? '').trim()
    const queue = (m['queue'] ?? '').trim()
    if (callId === '') return 'missing-call-id'
    if (queue === '') return 'missing-queue'
    if ([callId, queue].some((f) => CONTROL.test(f) || f.length > 128)) return 'bad-data'
    return { callId, queue, key: callKey(queue, callId) }
  }

  /** The agent a member or call event names (MemberName, else Interface; QueueMember: Name, Location). */
  /** The call and the agent a message names, or the problem that stops it. */
  private callAndAgentOf(
    m: AmiMessage,
  ): { call: { callId: string; queue: string; key: string }; agent: { id: string; name: string } } | AmiProblemReason {
    const call = this.callOf(m)
    if (typeof call === 'string') return call
    const agent = this.agentOf(m)
    return typeof agent === 'string' ? agent : { call, agent }
  }

  private agentOf(m: AmiMessage): { id: string; name: string } | AmiProblemReason {
    const name = (m['membername'] ?? m['name'] ?? '').trim()
    const iface = (m['interface'] ?? m['location'] ?? '').trim()
    const aliases = this.options.agentAliases
    let id: string | null
    if (aliases && iface !== '' && Object.hasOwn(aliases, iface)) id = aliases[iface]!.trim() || null
    else id = agentIdOf(name || iface, aliases)
    if (id === null) return 'missing-agent'
    if (CONTROL.test(id) || id.length > 128 || CONTROL.test(name)) return 'bad-data'
    return { id, name: clean(name || iface, 200) }
  }

  private remember(c: AmiCallMemory): void {
    const key = callKey(c.queue, c.callId)
    this.calls.delete(key)
    this.calls.set(key, c)
    while (this.calls.size > this.options.rememberCalls) {
      const oldest = this.calls.keys().next().value!
      this.calls.delete(oldest)
      this.leaving.delete(oldest)
    }
  }

  private join(m: AmiMessage, ts: number): Outcome {
    const call = this.callOf(m)
    if (typeof call === 'string') return call
    this.sync?.calls.add(call.key)
    const known = this.calls.get(call.key)
    if (known && (known.stage === 'waiting' || known.stage === 'left')) return []
    this.remember({ callId: call.callId, queue: call.queue, stage: 'waiting', agent: null, leftTs: null, leftAt: null })
    return [[this.queued(call.callId, call.queue, m), ts]]
  }

  private queued(callId: string, queue: string, m: AmiMessage): Draft {
    const caller = clean(m['calleridnum'] ?? '', 128)
    const known = caller !== '' && !/^<?unknown>?$/i.test(caller)
    return { type: 'call.queued', callId, queue, channel: 'voice', ...(known ? { caller } : {}) }
  }

  private leave(m: AmiMessage, ts: number, receivedAtMs: number): Outcome {
    const call = this.callOf(m)
    if (typeof call === 'string') return call
    const c = this.calls.get(call.key)
    // Only a caller known to be waiting can have left without an outcome.
    if (c?.stage === 'waiting') {
      c.stage = 'left'
      c.leftTs = ts
      c.leftAt = receivedAtMs
      this.leaving.add(call.key)
    }
    return []
  }

  private abandon(m: AmiMessage, ts: number): Outcome {
    const call = this.callOf(m)
    if (typeof call === 'string') return call
    const c = this.calls.get(call.key)
    if (c?.stage === 'done') return []
    this.remember({ callId: call.callId, queue: call.queue, stage: 'done', agent: null, leftTs: null, leftAt: null })
    return [[{ type: 'call.abandoned', callId: call.callId, queue: call.queue }, ts]]
  }

  private ringing(m: AmiMessage, ts: number): Outcome {
    const named = this.callAndAgentOf(m)
    if (typeof named === 'string') return named
    const { call, agent } = named
    return [[{ type: 'call.ringing', callId: call.callId, queue: call.queue, agent: agent.id }, ts]]
  }

  private connect(m: AmiMessage, ts: number): Outcome {
    const named = this.callAndAgentOf(m)
    if (typeof named === 'string') return named
    const { call, agent } = named
    const c = this.calls.get(call.key)
    if (c && (c.stage === 'done' || (c.stage === 'answered' && c.agent === agent.id))) return []
    this.remember({ callId: call.callId, queue: call.queue, stage: 'answered', agent: agent.id, leftTs: null, leftAt: null })
    return [[{ type: 'call.answered', callId: call.callId, queue: call.queue, agent: agent.id }, ts]]
  }

  private complete(m: AmiMessage, ts: number): Outcome {
    const named = this.callAndAgentOf(m)
    if (typeof named === 'string') return named
    const { call, agent } = named
    const talk = (m['talktime'] ?? '').trim()
    if (talk !== '' && !INTEGER.test(talk)) return 'bad-data'
    const c = this.calls.get(call.key)
    if (c?.stage === 'done') return []
    const { callId, queue } = call
    const out: Array<[Draft, number]> = []
    // The answer was not seen (the link was down, or the connector started mid-call): AgentComplete
    // says when it was, to the second; the id is AgentConnect's, so a seen one is not doubled.
    if (!(c?.stage === 'answered' && c.agent === agent.id) && talk !== '') {
      out.push([{ type: 'call.answered', callId, queue, agent: agent.id }, ts - Number(talk) * 1000])
    }
    this.remember({ callId, queue, stage: 'done', agent: agent.id, leftTs: null, leftAt: null })
    const reason = (m['reason'] ?? '').trim().toLowerCase()
    if (reason === 'transfer') out.push([{ type: 'call.transferred', callId, queue, agent: agent.id }, ts])
    else {
      const by = reason === 'agent' || reason === 'caller' ? { by: reason } : {}
      out.push([{ type: 'call.ended', callId, queue, agent: agent.id, ...by } as Draft, ts])
    }
    return out
  }

  // ——— agents ———

  /** Applies one member event's fields (Paused, PausedReason, Status) for `queue` to a memory. */
  private applyMember(mem: AmiAgentMemory, m: AmiMessage, queue: string): AmiProblemReason | null {
    const paused = (m['paused'] ?? '').trim()
    if (paused !== '') {
      if (paused !== '0' && paused !== '1') return 'bad-data'
      const reason = clean(m['pausedreason'] || m['reason'] || '', 64).toLowerCase()
      setPaused(mem, queue, paused === '1', reason)
    }
    const status = (m['status'] ?? '').trim()
    if (status !== '') {
      if (!INTEGER.test(status)) return 'bad-data'
      mem.deviceDown = DEVICE_DOWN.has(Number(status))
    }
    return null
  }

  private memberQueue(m: AmiMessage): { queue: string } | AmiProblemReason {
    const queue = (m['queue'] ?? '').trim()
    if (queue === '') return 'missing-queue'
    if (CONTROL.test(queue) || queue.length > 128) return 'bad-data'
    return { queue }
  }

  private member(kind: 'status' | 'pause' | 'added' | 'removed', m: AmiMessage, ts: number): Outcome {
    const q = this.memberQueue(m)
    if (typeof q === 'string') return q
    const { queue } = q
    const agent = this.agentOf(m)
    if (typeof agent === 'string') return agent
    const was = this.agents.get(agent.id)
    const next = was ? copyMemory(was) : newMemory(agent.name)
    if (agent.name !== '') next.name = agent.name
    const problem = this.patch(next, kind, m, queue)
    if (problem !== null) return problem
    // A sync under way hears of the change too: its list may have been taken before it.
    const snap = this.sync?.members.get(agent.id)
    if (this.sync && (snap || kind === 'added')) {
      const s = snap ?? newMemory(agent.name)
      if (kind === 'added' || s.queues.includes(queue)) this.patch(s, kind, m, queue)
      this.sync.members.set(agent.id, s)
    }
    return this.agentChange(agent.id, was, next, ts)
  }

  private patch(mem: AmiAgentMemory, kind: 'status' | 'pause' | 'added' | 'removed', m: AmiMessage, queue: string) {
    if (kind === 'removed') {
      mem.queues = withoutQueue(mem.queues, queue)
      mem.explicit = true
      return null
    }
    if (kind === 'added') mem.explicit = true
    // A status or pause names a queue the member belongs to (static members have no QueueMemberAdded).
    mem.queues = withQueue(mem.queues, queue)
    return this.applyMember(mem, m, queue)
  }

  /** Keeps `next` and drafts one agent.state when the agent's state, reason or known queues changed. */
  private agentChange(id: string, was: AmiAgentMemory | undefined, next: AmiAgentMemory, ts: number): Array<[Draft, number]> {
    settle(next)
    this.agents.set(id, next)
    const changed =
      !was ||
      was.state !== next.state ||
      was.reason !== next.reason ||
      (next.explicit && (!was.explicit || !sameList(was.queues, next.queues)))
    if (!changed) return []
    return [
      [
        {
          type: 'agent.state',
          agent: id,
          state: next.state!,
          ...(next.reason !== null ? { reason: next.reason } : {}),
          ...(next.explicit ? { queues: [...next.queues] } : {}),
          ...(next.name !== '' ? { name: next.name } : {}),
        },
        ts,
      ],
    ]
  }

  // ——— the QueueStatus sync ———

  private openSync(): Sync {
    this.sync ??= { members: new Map(), calls: new Set() }
    return this.sync
  }

  private listedMember(m: AmiMessage): Outcome {
    const sync = this.openSync()
    const q = this.memberQueue(m)
    if (typeof q === 'string') return q
    const { queue } = q
    const agent = this.agentOf(m)
    if (typeof agent === 'string') return agent
    const s = sync.members.get(agent.id) ?? newMemory(agent.name)
    s.explicit = true
    s.queues = withQueue(s.queues, queue)
    const problem = this.applyMember(s, m, queue)
    if (problem !== null) return problem
    sync.members.set(agent.id, s)
    return [] // its agent.state, if any, comes with QueueStatusComplete
  }

  private listedEntry(m: AmiMessage, receivedAtMs: number): Outcome {
    const sync = this.openSync()
    const call = this.callOf(m)
    if (typeof call === 'string') return call
    const wait = (m['wait'] ?? '').trim()
    if (!INTEGER.test(wait)) return 'bad-data'
    sync.calls.add(call.key)
    const known = this.calls.get(call.key)
    if (known && known.stage !== 'done') return []
    this.remember({ callId: call.callId, queue: call.queue, stage: 'waiting', agent: null, leftTs: null, leftAt: null })
    return [[this.queued(call.callId, call.queue, m), receivedAtMs - Number(wait) * 1000]]
  }

  private endSync(receivedAtMs: number): Outcome {
    const sync = this.openSync()
    this.sync = null
    const out: Array<[Draft, number]> = []
    for (const [key, c] of this.calls) {
      if (c.stage !== 'waiting' || sync.calls.has(key)) continue
      // Forgotten rather than done: an AgentComplete may yet tell that it was answered.
      this.calls.delete(key)
      out.push([{ type: 'call.overflowed', callId: c.callId, queue: c.queue, reason: 'other' }, receivedAtMs])
    }
    for (const [id, s] of sync.members) {
      const was = this.agents.get(id)
      // Pauses already known keep their order (the newest pause's reason is the agent's reason).
      if (was) {
        const order = (q: string) => {
          const i = was.pausedIn.findIndex(([p]) => p === q)
          return i < 0 ? Number.MAX_SAFE_INTEGER : i
        }
        s.pausedIn.sort((a, b) => order(a[0]) - order(b[0]))
      }
      out.push(...this.agentChange(id, was, s, receivedAtMs))
    }
    for (const [id, was] of [...this.agents]) {
      if (sync.members.has(id) || (was.explicit && was.state === 'offline' && was.queues.length === 0)) continue
      const gone = { ...copyMemory(was), queues: [], pausedIn: [], explicit: true }
      out.push(...this.agentChange(id, was, gone, receivedAtMs))
    }
    return out
  }

  // ——— bookkeeping ———

  /** The event's own time: the Timestamp header (manager.conf timestampevents), else its arrival. */
  private timeOf(m: AmiMessage, receivedAtMs: number): number {
    const text = (m['timestamp'] ?? '').trim()
    if (text === '') return receivedAtMs
    const t = TIMESTAMP.exec(text)
    const ms = t ? Number(t[1]) * 1000 + Number((t[2] ?? '').padEnd(3, '0').slice(0, 3)) : NaN
    if (!(ms >= MIN_TS && ms < MAX_TS)) {
      this.problem(render(m), 'bad-time')
      return receivedAtMs
    }
    return ms
  }

  private stamp(drafts: Array<[Draft, number]>): WallboardEvent[] {
    const source = this.options.source
    const events = drafts.map(([d, ts]) => {
      const parts: Array<string | number> = [source, d.type]
      if (d.type === 'agent.state')
        parts.push(d.agent, d.state, d.reason ?? '', (d.queues ?? []).join(','), d.queues ? 'q' : '-', ts)
      else if (d.type === 'call.ringing') parts.push(d.callId, d.queue, d.agent, ts)
      else {
        parts.push(d.callId ?? '', d.queue ?? '')
        if ('agent' in d && d.agent !== undefined) parts.push(d.agent)
      }
      const hash = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)
      return { ...d, id: `ami-${hash}`, ts, source } as WallboardEvent
    })
    this.counts.events += events.length
    return events
  }

  private skip(name: string): void {
    countSkipped(this.counts, name)
  }

  private problem(line: string, reason: AmiProblemReason): void {
    countProblem(this.counts, line, reason, this.options.keepProblems)
  }
}
