// The simulated contact centre: a deterministic discrete-event simulation that turns a config, a
// seed and simulated time into the events a real ACD would send. No clock and no I/O: the shell
// (runner.ts) decides how fast simulated time passes and where the events go.
import type { WallboardEvent } from '../../../shared/events.js'
import { Agenda } from './agenda.js'
import { type AgentConfig, type CentreConfig, type QueueConfig, checkCentre } from './centre.js'
import { LocalClock, TRAFFIC_SHARE_MIN, trafficShare } from './curve.js'
import { Random } from './random.js'

/** An event before the engine stamps its id, time and source. */
type Draft = WallboardEvent extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts' | 'source'> : never) : never

export interface Centre {
  /** simulated time up to which events have been produced, epoch ms */
  readonly nowMs: number
  /** Runs the centre up to `ms` and returns what happened since the last call, in time order. */
  advanceTo(ms: number): WallboardEvent[]
  /**
   * Runs up to `ms`, then ends everything at `ms`: waiting callers hang up, calls in progress end,
   * every agent logs off. Afterwards the centre is closed and produces nothing more.
   */
  closeAll(ms: number): WallboardEvent[]
}

/** Traffic may wander this far above the curve (and as far below). */
const MAX_BURST = 1.6
const MOOD_EVERY_MS = 10 * 60_000
/** The rota covers the busiest traffic within this window around now (hours). */
const SHIFT_LOOK_BACK_H = 1.5
const SHIFT_LOOK_AHEAD_H = 2
/** Each step of a queue's priority counts like this much extra wait when an agent picks a call. */
const PRIORITY_STEP_MS = 30_000
/** Keeps agents whose rank sits on the staffing line from logging on and off at every check. */
const SHIFT_HYSTERESIS = 0.03
const OFFICE_HOURS: [from: number, to: number] = [9, 17]

type VisitState = 'waiting' | 'ringing' | 'talking' | 'done'

/** One call's visit to one queue. */
interface Visit {
  callId: string
  queue: QueueModel
  caller: string
  queuedAtMs: number
  /** when the caller hangs up if nobody has answered */
  giveUpAtMs: number
  state: VisitState
  agent: AgentModel | null
  /** distinguishes the current ring attempt from earlier ones whose planned end is stale */
  ringAttempt: number
  /** agents who let it ring out; they are not offered it again */
  refusedBy: Set<string>
  /** queues this call has visited so far (transfers and overflows never go back) */
  visited: string[]
  waitMs: number
  transferred: boolean
  resolved: boolean
}

type AgentState = 'offline' | 'available' | 'ringing' | 'talking' | 'acw' | 'paused'

interface PlannedPause {
  reason: string
  durationMs: number
}

interface AgentModel {
  cfg: AgentConfig
  /** 0–1 within the team: the lower, the longer the shift (see the roster's order) */
  rank: number
  state: AgentState
  /** for longest-idle routing */
  idleSinceMs: number
  pauseDue: PlannedPause | null
  logoffDue: boolean
  nextBreakAtMs: number
  lunchDate: string | null
  queues: QueueModel[]
}

interface QueueModel {
  cfg: QueueConfig
  /** calls waiting and not ringing anyone, oldest first */
  waiting: Visit[]
  members: AgentModel[]
  /** log of the factor by which traffic currently deviates from the curve */
  logMood: number
}

type Action =
  | { kind: 'arrival'; queue: QueueModel }
  | { kind: 'enter'; queue: QueueModel; callId: string; caller: string; visited: string[]; giveUpAtMs: number | null }
  | { kind: 'ringEnd'; visit: Visit; attempt: number; answered: boolean }
  | { kind: 'giveUp'; visit: Visit }
  | { kind: 'timeout'; visit: Visit }
  | { kind: 'talkEnd'; visit: Visit }
  | { kind: 'acwEnd'; agent: AgentModel; visit: Visit }
  | { kind: 'pauseEnd'; agent: AgentModel }
  | { kind: 'check'; agent: AgentModel }
  | { kind: 'survey'; visit: Visit; agent: string }
  | { kind: 'mood' }

const MOBILE_PREFIXES = ['130', '131', '135', '136', '137', '138', '139', '150', '151', '158', '159', '177', '186', '188', '189']
const COMMENTS = {
  unhappy: ['等了太久才接通', 'Waited far too long', '问题还是没有解决', 'Had to explain everything twice', '转了好几次'],
  happy: ['客服很耐心，谢谢', 'Quick and friendly, thanks', 'Solved in one call', '处理得很快，满意', 'Very helpful agent'],
}

class Simulation implements Centre {
  private readonly rnd: Random
  private readonly clock: LocalClock
  private readonly agenda = new Agenda<Action>()
  private readonly queues: QueueModel[]
  private readonly queueById = new Map<string, QueueModel>()
  private readonly agents: AgentModel[]
  private readonly open = new Set<Visit>()
  private readonly idPrefix: string
  private out: WallboardEvent[] = []
  private eventSeq = 0
  private callSeq = 0
  private closed = false
  nowMs: number

  constructor(
    private readonly config: CentreConfig,
    seed: number,
    startMs: number,
  ) {
    const problems = checkCentre(config)
    if (problems.length > 0) throw new RangeError(`simulator config: ${problems.join('; ')}`)
    this.rnd = new Random(seed)
    this.clock = new LocalClock(config.timezone)
    this.nowMs = Math.floor(startMs)
    // Ids differ between runs (seed and start), so a restarted simulator is not taken for retries.
    this.idPrefix = `sim-${(Math.trunc(seed) >>> 0).toString(36)}-${this.nowMs.toString(36)}`
    this.queues = config.queues.map((cfg) => ({ cfg, waiting: [], members: [], logMood: 0 }))
    for (const q of this.queues) this.queueById.set(q.cfg.id, q)
    const teamSizes = new Map<string, number>()
    for (const a of config.agents) teamSizes.set(a.team, (teamSizes.get(a.team) ?? 0) + 1)
    const teamSeen = new Map<string, number>()
    this.agents = config.agents.map((cfg) => {
      const j = teamSeen.get(cfg.team) ?? 0
      teamSeen.set(cfg.team, j + 1)
      const agent: AgentModel = {
        cfg,
        rank: (j + 0.5) / (teamSizes.get(cfg.team) ?? 1),
        state: 'offline',
        idleSinceMs: this.nowMs,
        pauseDue: null,
        logoffDue: false,
        nextBreakAtMs: 0,
        lunchDate: null,
        queues: cfg.queues.map((id) => this.queue(id)),
      }
      for (const q of agent.queues) q.members.push(agent)
      return agent
    })
    this.start()
  }

  advanceTo(ms: number): WallboardEvent[] {
    const target = Math.floor(ms)
    if (!this.closed) {
      for (let next = this.agenda.nextAt(); next !== undefined && next <= target; next = this.agenda.nextAt()) {
        const { atMs, item } = this.agenda.take()!
        this.nowMs = atMs
        this.perform(item)
      }
      this.nowMs = Math.max(this.nowMs, target)
    }
    return this.flush()
  }

  closeAll(ms: number): WallboardEvent[] {
    this.advanceTo(ms)
    if (this.closed) return this.flush()
    for (const v of [...this.open]) {
      if (v.state === 'talking' && v.agent) {
        this.emit({ type: 'call.ended', callId: v.callId, queue: v.queue.cfg.id, agent: v.agent.cfg.id, by: 'agent' })
      } else {
        this.emit({ type: 'call.abandoned', callId: v.callId, queue: v.queue.cfg.id })
      }
      this.finish(v)
    }
    for (const a of this.agents) {
      if (a.state !== 'offline') this.logOff(a)
    }
    this.agenda.clear()
    this.closed = true
    return this.flush()
  }

  // ---- set-up -------------------------------------------------------------------------------

  private start(): void {
    const b = this.config.behaviour
    const date = this.clock.dateOf(this.nowMs)
    const lunchOver = this.clock.hourOf(this.nowMs) >= b.lunchWindowHour[1]
    for (const a of this.agents) {
      if (this.onShift(a, 0)) {
        this.logOn(a)
        // Spread the first breaks, as if the shift had begun a while ago.
        a.nextBreakAtMs = this.nowMs + this.minutes(0, b.breakEveryMin[1])
        if (lunchOver) a.lunchDate = date
      } else {
        // Tells the board the whole roster, so that logged-off agents are counted too.
        this.emit({
          type: 'agent.state',
          agent: a.cfg.id,
          state: 'offline',
          queues: [...a.cfg.queues],
          name: a.cfg.name,
          team: a.cfg.team,
        })
      }
      this.agenda.add(this.nowMs + this.minutes(0, b.checkEveryMin[1]), { kind: 'check', agent: a })
    }
    for (const q of this.queues) this.planArrival(q)
    this.agenda.add(this.nowMs + MOOD_EVERY_MS, { kind: 'mood' })
  }

  // ---- the agenda -----------------------------------------------------------------------------

  private perform(action: Action): void {
    switch (action.kind) {
      case 'arrival':
        return this.arrival(action.queue)
      case 'enter':
        return this.enter(action.queue, action.callId, action.caller, action.visited, action.giveUpAtMs)
      case 'ringEnd':
        return this.ringEnd(action.visit, action.attempt, action.answered)
      case 'giveUp':
        return this.giveUp(action.visit)
      case 'timeout':
        return this.timeout(action.visit)
      case 'talkEnd':
        return this.talkEnd(action.visit)
      case 'acwEnd':
        return this.acwEnd(action.agent, action.visit)
      case 'pauseEnd':
        return this.pauseEnd(action.agent)
      case 'check':
        return this.check(action.agent)
      case 'survey':
        return this.survey(action.visit, action.agent)
      case 'mood':
        return this.updateMood()
    }
  }

  private at(delayMs: number, action: Action): void {
    this.agenda.add(this.nowMs + Math.max(0, Math.round(delayMs)), action)
  }

  // ---- arrivals -------------------------------------------------------------------------------

  /** Non-homogeneous Poisson arrivals by thinning: candidates at the peak rate, kept at rate(t)/peak. */
  private planArrival(q: QueueModel): void {
    const maxPerMs = (q.cfg.peakPerHour * MAX_BURST) / 3_600_000
    this.at(this.rnd.exponential(1 / maxPerMs), { kind: 'arrival', queue: q })
  }

  private arrival(q: QueueModel): void {
    const rate = trafficShare(this.clock.hourOf(this.nowMs)) * Math.exp(q.logMood)
    if (this.rnd.chance(rate / MAX_BURST)) this.enter(q, this.newCallId(), this.newCaller(q), [], null)
    this.planArrival(q)
  }

  private updateMood(): void {
    const limit = Math.log(MAX_BURST)
    for (const q of this.queues) {
      // A mean-reverting random walk: bursts and lulls that last tens of minutes.
      const next = 0.8 * q.logMood + this.config.behaviour.burstiness * this.rnd.normal()
      q.logMood = Math.max(-limit, Math.min(limit, next))
    }
    this.at(MOOD_EVERY_MS, { kind: 'mood' })
  }

  private enter(q: QueueModel, callId: string, caller: string, visited: string[], giveUpAtMs: number | null): void {
    const b = this.config.behaviour
    const patienceMs = this.rnd.chance(b.impatientShare)
      ? this.rnd.between(800, 4_800)
      : this.rnd.lognormal(q.cfg.patienceMeanSec * 1000, b.patienceSigma)
    const visit: Visit = {
      callId,
      queue: q,
      caller,
      queuedAtMs: this.nowMs,
      giveUpAtMs: giveUpAtMs ?? this.nowMs + Math.round(patienceMs),
      state: 'waiting',
      agent: null,
      ringAttempt: 0,
      refusedBy: new Set(),
      visited: [...visited, q.cfg.id],
      waitMs: 0,
      transferred: false,
      resolved: true,
    }
    this.emit({
      type: 'call.queued',
      callId,
      queue: q.cfg.id,
      caller,
      channel: q.cfg.channel,
      ...(q.cfg.priority !== 0 ? { priority: q.cfg.priority } : {}),
    })
    this.open.add(visit)
    q.waiting.push(visit)
    this.agenda.add(Math.max(visit.giveUpAtMs, this.nowMs + 1_000), { kind: 'giveUp', visit })
    this.at(q.cfg.timeoutSec * 1000, { kind: 'timeout', visit })
    this.offer(visit)
  }

  // ---- routing --------------------------------------------------------------------------------

  /** Offers a waiting call to the member who has been idle longest. */
  private offer(visit: Visit): void {
    const agent = this.longestIdle(visit)
    if (agent) this.ring(visit, agent)
  }

  private longestIdle(visit: Visit): AgentModel | null {
    let best: AgentModel | null = null
    for (const a of visit.queue.members) {
      if (a.state !== 'available' || visit.refusedBy.has(a.cfg.id)) continue
      if (best === null || a.idleSinceMs < best.idleSinceMs) best = a
    }
    return best
  }

  /** Gives an agent who just became free the most urgent call of its queues. */
  private serve(agent: AgentModel): void {
    let best: Visit | null = null
    let bestScore = Number.NEGATIVE_INFINITY
    for (const q of agent.queues) {
      for (const v of q.waiting) {
        if (v.refusedBy.has(agent.cfg.id)) continue
        const score = this.nowMs - v.queuedAtMs + q.cfg.priority * PRIORITY_STEP_MS
        if (score > bestScore) {
          best = v
          bestScore = score
        }
      }
    }
    if (best) this.ring(best, agent)
  }

  private ring(visit: Visit, agent: AgentModel): void {
    const b = this.config.behaviour
    removeFrom(visit.queue.waiting, visit)
    visit.state = 'ringing'
    visit.agent = agent
    visit.ringAttempt++
    agent.state = 'ringing'
    this.emit({ type: 'call.ringing', callId: visit.callId, queue: visit.queue.cfg.id, agent: agent.cfg.id })
    const [min, max] = visit.queue.cfg.channel === 'voice' ? b.ringSec.voice : b.ringSec.other
    const answered = !this.rnd.chance(b.ringNoAnswerShare)
    const ringMs = answered ? this.rnd.between(min, max) * 1000 : b.ringNoAnswerSec * 1000
    this.at(ringMs, { kind: 'ringEnd', visit, attempt: visit.ringAttempt, answered })
  }

  private ringEnd(visit: Visit, attempt: number, answered: boolean): void {
    const agent = visit.agent
    // A stale plan: the caller hung up or the call timed out while it rang.
    if (visit.state !== 'ringing' || visit.ringAttempt !== attempt || !agent) return
    if (!answered) {
      this.ringNoAnswer(visit, agent)
      return
    }
    visit.state = 'talking'
    visit.waitMs = this.nowMs - visit.queuedAtMs
    agent.state = 'talking'
    this.emit({ type: 'call.answered', callId: visit.callId, queue: visit.queue.cfg.id, agent: agent.cfg.id })
    const q = visit.queue.cfg
    const minTalkMs = q.channel === 'voice' ? 15_000 : 30_000
    const talkMs = clamp(this.rnd.lognormal(q.talkMeanSec * 1000, this.config.behaviour.talkSigma), minTalkMs, 60 * 60_000)
    this.at(talkMs, { kind: 'talkEnd', visit })
  }

  /**
   * Rings the next member; with nobody else free it rings the same agent again, as an ACD retries.
   * A call that rang out never goes back to plain waiting: no event says a phone stopped ringing,
   * so a board would otherwise keep showing the agent as ringing for it.
   */
  private ringNoAnswer(visit: Visit, agent: AgentModel): void {
    visit.refusedBy.add(agent.cfg.id)
    const next = this.longestIdle(visit)
    if (!next) {
      visit.refusedBy.delete(agent.cfg.id)
      this.ring(visit, agent)
      return
    }
    // Back of the line: whoever lets a call ring out is offered the next one last.
    this.release(agent, this.nowMs)
    this.ring(visit, next)
    this.serve(agent)
  }

  /** The agent is free again without having worked (the call went elsewhere or hung up). */
  private release(agent: AgentModel, idleSinceMs: number): void {
    agent.state = 'available'
    agent.idleSinceMs = idleSinceMs
  }

  // ---- unanswered outcomes --------------------------------------------------------------------

  private giveUp(visit: Visit): void {
    if (visit.state !== 'waiting' && visit.state !== 'ringing') return
    this.emit({ type: 'call.abandoned', callId: visit.callId, queue: visit.queue.cfg.id })
    this.leaveUnanswered(visit)
  }

  private timeout(visit: Visit): void {
    if (visit.state !== 'waiting' && visit.state !== 'ringing') return
    this.emit({ type: 'call.overflowed', callId: visit.callId, queue: visit.queue.cfg.id, reason: 'timeout' })
    this.leaveUnanswered(visit)
    const target = visit.queue.cfg.overflowTo
    if (target !== undefined && !visit.visited.includes(target)) {
      this.at(1_000, {
        kind: 'enter',
        queue: this.queue(target),
        callId: visit.callId,
        caller: visit.caller,
        visited: visit.visited,
        giveUpAtMs: visit.giveUpAtMs,
      })
    }
  }

  private leaveUnanswered(visit: Visit): void {
    const ringing = visit.state === 'ringing' ? visit.agent : null
    this.finish(visit)
    if (ringing) {
      this.release(ringing, ringing.idleSinceMs)
      this.serve(ringing)
    }
  }

  private finish(visit: Visit): void {
    removeFrom(visit.queue.waiting, visit)
    visit.state = 'done'
    this.open.delete(visit)
  }

  // ---- handling -------------------------------------------------------------------------------

  private talkEnd(visit: Visit): void {
    const agent = visit.agent
    if (visit.state !== 'talking' || !agent) return
    const b = this.config.behaviour
    const q = visit.queue
    const targets = q.cfg.transferTo.filter((id) => !visit.visited.includes(id))
    if (q.cfg.channel === 'voice' && targets.length > 0 && this.rnd.chance(b.transferShare)) {
      const to = this.rnd.pick(targets)
      visit.transferred = true
      this.emit({ type: 'call.transferred', callId: visit.callId, queue: q.cfg.id, agent: agent.cfg.id, to })
      this.at(this.rnd.between(1_000, 4_000), {
        kind: 'enter',
        queue: this.queue(to),
        callId: visit.callId,
        caller: visit.caller,
        visited: visit.visited,
        giveUpAtMs: null,
      })
    } else {
      const by = this.rnd.chance(b.callerEndsShare) ? 'caller' : 'agent'
      this.emit({ type: 'call.ended', callId: visit.callId, queue: q.cfg.id, agent: agent.cfg.id, by })
      visit.resolved = this.rnd.chance(b.resolvedShare)
      if (!visit.resolved && this.rnd.chance(b.repeatCallShare)) {
        this.at(this.rnd.between(10, 120) * 60_000, {
          kind: 'enter',
          queue: q,
          callId: this.newCallId(),
          caller: visit.caller,
          visited: [],
          giveUpAtMs: null,
        })
      }
      if (this.rnd.chance(b.surveyShare))
        this.at(this.rnd.between(30, 300) * 1000, { kind: 'survey', visit, agent: agent.cfg.id })
    }
    this.finish(visit)
    agent.state = 'acw'
    this.emit({ type: 'agent.state', agent: agent.cfg.id, state: 'acw' })
    const acwMs = clamp(this.rnd.lognormal(q.cfg.acwMeanSec * 1000, b.acwSigma), 5_000, 240_000)
    this.at(acwMs, { kind: 'acwEnd', agent, visit })
  }

  private acwEnd(agent: AgentModel, visit: Visit): void {
    if (agent.state !== 'acw') return
    if (!visit.transferred && this.rnd.chance(this.config.behaviour.dispositionShare)) {
      this.emit({
        type: 'call.disposition',
        callId: visit.callId,
        queue: visit.queue.cfg.id,
        resolved: visit.resolved,
        reason: this.rnd.pick(visit.queue.cfg.topics),
      })
    }
    this.afterWork(agent)
  }

  /** What an agent does when it has nothing to finish: log off, pause or take the next call. */
  private afterWork(agent: AgentModel): void {
    if (agent.logoffDue) this.logOff(agent)
    else if (agent.pauseDue && this.mayPause(agent)) this.pause(agent, agent.pauseDue)
    else this.becomeAvailable(agent)
  }

  private becomeAvailable(agent: AgentModel): void {
    agent.state = 'available'
    agent.idleSinceMs = this.nowMs
    this.emit({ type: 'agent.state', agent: agent.cfg.id, state: 'available' })
    this.serve(agent)
  }

  private survey(visit: Visit, agent: string): void {
    const waitSec = visit.waitMs / 1000
    // One latent satisfaction drives both answers: worse after a long wait or an unresolved issue.
    const z = 0.9 * this.rnd.normal() + 0.8 - waitSec / 45 - (visit.resolved ? 0 : 1.3)
    const csat = Math.round(clamp(3.7 + z, 1, 5))
    const nps = Math.round(clamp(7.4 + 1.9 * z + 0.8 * this.rnd.normal(), 0, 10))
    const comment =
      csat <= 2 && this.rnd.chance(0.4)
        ? this.rnd.pick(COMMENTS.unhappy)
        : csat === 5 && this.rnd.chance(0.15)
          ? this.rnd.pick(COMMENTS.happy)
          : undefined
    this.emit({
      type: 'survey.response',
      callId: visit.callId,
      queue: visit.queue.cfg.id,
      agent,
      caller: visit.caller,
      csat,
      nps,
      ...(comment !== undefined ? { comment } : {}),
    })
  }

  // ---- shifts and pauses ----------------------------------------------------------------------

  /**
   * Share of each team on shift. A rota follows the traffic curve's envelope: people come in
   * before the morning rise and stay through the lunch dip (they take lunch instead).
   */
  private onShiftShare(ms: number): number {
    const { peak, night } = this.config.behaviour.onShiftShare
    const hour = this.clock.hourOf(ms)
    let share = 0
    for (let h = hour - SHIFT_LOOK_BACK_H; h <= hour + SHIFT_LOOK_AHEAD_H; h += 0.25)
      share = Math.max(share, trafficShare((h + 24) % 24))
    return night + ((peak - night) * (share - TRAFFIC_SHARE_MIN)) / (1 - TRAFFIC_SHARE_MIN)
  }

  /**
   * Whether the agent should be working now. A margin > 0 makes rota agents whose rank sits near
   * the staffing line keep their current state instead of flapping at every check.
   */
  private onShift(agent: AgentModel, margin: number): boolean {
    const hours = agent.cfg.shiftHours
    if (hours) {
      const hour = this.clock.hourOf(this.nowMs)
      const [from, to] = hours
      return from <= to ? hour >= from && hour < to : hour >= from || hour < to
    }
    const share = this.onShiftShare(this.nowMs)
    return agent.state === 'offline' ? agent.rank < share - margin : agent.rank <= share + margin
  }

  private check(agent: AgentModel): void {
    const b = this.config.behaviour
    if (agent.state === 'offline') {
      if (this.onShift(agent, SHIFT_HYSTERESIS)) {
        this.logOn(agent)
        agent.nextBreakAtMs = this.nowMs + this.minutes(b.breakEveryMin[0], b.breakEveryMin[1])
      }
    } else {
      agent.logoffDue = !this.onShift(agent, SHIFT_HYSTERESIS)
      if (agent.logoffDue && agent.state === 'available') this.logOff(agent)
      else if (!agent.logoffDue) this.planPause(agent)
    }
    this.at(this.minutes(b.checkEveryMin[0], b.checkEveryMin[1]), { kind: 'check', agent })
  }

  private planPause(agent: AgentModel): void {
    const b = this.config.behaviour
    if (!agent.pauseDue) {
      const hour = this.clock.hourOf(this.nowMs)
      const date = this.clock.dateOf(this.nowMs)
      const inOffice = hour >= OFFICE_HOURS[0] && hour < OFFICE_HOURS[1]
      if (hour >= b.lunchWindowHour[0] && hour < b.lunchWindowHour[1] && agent.lunchDate !== date && this.rnd.chance(0.3)) {
        agent.pauseDue = { reason: 'lunch', durationMs: this.minutes(b.lunchMin[0], b.lunchMin[1]) }
      } else if (this.nowMs >= agent.nextBreakAtMs) {
        agent.pauseDue = { reason: 'break', durationMs: this.minutes(b.breakMin[0], b.breakMin[1]) }
      } else if (inOffice && this.rnd.chance(b.trainingChance)) {
        agent.pauseDue = { reason: 'training', durationMs: this.minutes(30, 60) }
      } else if (inOffice && this.rnd.chance(b.meetingChance)) {
        agent.pauseDue = { reason: 'meeting', durationMs: this.minutes(20, 45) }
      }
    }
    if (agent.pauseDue && agent.state === 'available' && this.mayPause(agent)) this.pause(agent, agent.pauseDue)
  }

  /** A team lead keeps enough of the team on the phones: only a share may be paused at once. */
  private mayPause(agent: AgentModel): boolean {
    let loggedIn = 0
    let paused = 0
    for (const a of this.agents) {
      if (a.cfg.team !== agent.cfg.team || a.state === 'offline') continue
      loggedIn++
      if (a.state === 'paused') paused++
    }
    return paused < Math.max(1, Math.floor(loggedIn * this.config.behaviour.maxPausedShare))
  }

  private pause(agent: AgentModel, plan: PlannedPause): void {
    const b = this.config.behaviour
    agent.state = 'paused'
    agent.pauseDue = null
    if (plan.reason === 'lunch') agent.lunchDate = this.clock.dateOf(this.nowMs)
    const backAtMs = this.nowMs + plan.durationMs
    if (plan.reason === 'break' || plan.reason === 'lunch') {
      agent.nextBreakAtMs = backAtMs + this.minutes(b.breakEveryMin[0], b.breakEveryMin[1])
    }
    this.emit({ type: 'agent.state', agent: agent.cfg.id, state: 'paused', reason: plan.reason })
    this.at(plan.durationMs, { kind: 'pauseEnd', agent })
  }

  private pauseEnd(agent: AgentModel): void {
    if (agent.state !== 'paused') return
    if (agent.logoffDue) this.logOff(agent)
    else this.becomeAvailable(agent)
  }

  private logOn(agent: AgentModel): void {
    agent.state = 'available'
    agent.idleSinceMs = this.nowMs
    agent.logoffDue = false
    agent.pauseDue = null
    const c = agent.cfg
    this.emit({ type: 'agent.state', agent: c.id, state: 'available', queues: [...c.queues], name: c.name, team: c.team })
    this.serve(agent)
  }

  private logOff(agent: AgentModel): void {
    agent.state = 'offline'
    agent.logoffDue = false
    agent.pauseDue = null
    this.emit({ type: 'agent.state', agent: agent.cfg.id, state: 'offline' })
  }

  // ---- helpers --------------------------------------------------------------------------------

  private queue(id: string): QueueModel {
    const q = this.queueById.get(id)
    if (!q) throw new RangeError(`unknown queue ${id}`)
    return q
  }

  private minutes(min: number, max: number): number {
    return Math.round(this.rnd.between(min, max) * 60_000)
  }

  private newCallId(): string {
    return `${this.idPrefix}-c${++this.callSeq}`
  }

  private newCaller(q: QueueModel): string {
    if (q.cfg.channel === 'chat') return `web-${this.rnd.int(0, 0xffffff).toString(16).padStart(6, '0')}`
    const digits = String(this.rnd.int(0, 99_999_999)).padStart(8, '0')
    return `+86${this.rnd.pick(MOBILE_PREFIXES)}${digits}`
  }

  private emit(draft: Draft): void {
    const event = {
      ...draft,
      id: `${this.idPrefix}-e${++this.eventSeq}`,
      ts: this.nowMs,
      source: this.config.source,
    } as WallboardEvent
    this.out.push(event)
  }

  private flush(): WallboardEvent[] {
    const out = this.out
    this.out = []
    return out
  }
}

function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x))
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item)
  if (i >= 0) list.splice(i, 1)
}

/**
 * A simulated centre starting at `startMs` (epoch ms). The same config, seed and start give the
 * same events, however simulated time is advanced.
 */
export function createCentre(config: CentreConfig, seed: number, startMs: number): Centre {
  return new Simulation(config, seed, startMs)
}
