// The alert engine's shell around the pure core (shared/alert-engine.ts): it keeps the figures the
// rules watch (the figures service's updates of changed queues, the agents each applied batch
// touched), evaluates the rules on every such change and on a one-second tick (durations pass
// without events), and for each transition saves it, tells the sockets and hands it to the
// notifier. One step at a time (a promise chain), so a figure update, the tick, a survey and a
// person's acknowledgement never interleave.
import { EventEmitter } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import {
  type Change,
  type Decision,
  type EventRule,
  IDLE,
  type SurveyResponse,
  type Track,
  acknowledgeAlert,
  afterManualResolve,
  agentInScope,
  channelsFor,
  escalateTask,
  evaluateAgentRule,
  evaluateFigureRule,
  figureValue,
  isIdle,
  queuesInScope,
  resolveAlert,
  retireAlert,
  surveyTask,
  trackKey,
  trackKeyOf,
} from '../../shared/alert-engine.js'
import type { Alert, AlertRule, AlertState, Transition } from '../../shared/alerts.js'
import type { AlertAction, AlertActionResult } from '../../shared/socket.js'
import type { EventOf } from '../../shared/events.js'
import type { AgentFigures, QueueFigures } from '../../shared/figures/schema.js'
import type { ActiveHours } from '../../shared/hours.js'
import { type AppliedBatch, comparePositions } from '../aggregate/aggregator.js'
import type { EventLog } from '../store/event-log.js'
import type { Notifier } from './notifier.js'
import type { AlertStore, TrackChange, Unnotified } from './store.js'

export interface AlertEngineOptions {
  store: AlertStore
  /** asked at each hand-over: delivery may be decorated after the engine is built */
  notifier: () => Notifier
  logger: FastifyBaseLogger
  /** the engine's clock; tests move it on (an event task due in minutes) */
  now?: () => number
  /** the centre's time zone at an instant (active hours are on its wall clock) */
  timeZone: (now: number) => string
  /** every queue known */
  queues: () => Iterable<string>
  teamOf: (queue: string) => string | null
  /** an agent's team, from the agent figures */
  agentTeam: (agent: string) => string | null
  /** a team's opening hours, from its record (null: around the clock): rules with `activeHours: "team"` */
  teamHours: (team: string) => ActiveHours | null
  /** the answered visit of a call: where a survey that names only the call belongs */
  visitOf: (callId: string) => { queue: string; agent: string } | undefined
  /** every queue's figures now */
  queueFigures: () => QueueFigures[]
  /** agents' figures now: all, or those named */
  agentFigures: (ids?: Iterable<string>) => AgentFigures[]
  /** whether the figures are caught up with the event log: until then nothing is judged on them */
  ready: () => boolean
  tickMs?: number
  /**
   * Where a person's action goes while this engine is not the active one (another process is the
   * active aggregator): to that process, which alone changes alerts. Absent: acted on here.
   */
  forward?: (action: AlertAction) => Promise<ActionResult>
}

export interface AlertEngineEvents {
  /** an alert made a transition (saved; the notifier has it or will have it) */
  transition: [Alert, Transition]
  /** a rule was saved or removed here (other processes' engines are told: the active one acts on it) */
  rules: [removed: AlertRule | undefined]
}

export interface AlertFilter {
  state?: AlertState
  /** resolved alerts resolved before this instant are left out (open ones are always listed) */
  since: number
  rule?: string
  queue?: string
  agent?: string
  limit: number
}

export type ActionResult = AlertActionResult

/** Rules are re-read this often, so that several processes agree; every change in this one applies at once. */
const RULES_REFRESH_MS = 5_000
const PRUNE_EVERY_MS = 3600_000
/** The most resolved alerts one listing reads before filtering. */
const LIST_SCAN = 5_000

export class AlertEngine extends EventEmitter<AlertEngineEvents> {
  readonly now: () => number
  private open = new Map<string, Alert>()
  private tracks = new Map<string, Track>()
  private queues = new Map<string, QueueFigures>()
  private agents = new Map<string, AgentFigures>()
  private figuresLoaded = false
  private agentsLoaded = false
  private chain: Promise<unknown> = Promise.resolve()
  private dirtyQueues = new Set<string>()
  private dirtyAgents = new Set<string>()
  private scheduled = false
  private ticking = false
  private ticker: NodeJS.Timeout | null = null
  /** memory may be ahead of Redis after a failed write: re-read before the next step */
  private stale = false
  private unnotifiedPending = true
  private surveyPosition: string | null = null
  private savedSurveyPosition: string | null = null
  private lastPrune = 0
  private lastRefresh = 0

  constructor(private readonly opts: AlertEngineOptions) {
    super()
    this.now = opts.now ?? Date.now
  }

  /** Restores rules, open alerts and tracking from Redis. */
  async load(): Promise<void> {
    await this.store.rules.refresh()
    this.open = new Map((await this.store.openAlerts()).map((a) => [a.id, a]))
    this.tracks = await this.store.tracks()
    this.lastRefresh = this.now()
    this.stale = false
  }

  private get store(): AlertStore {
    return this.opts.store
  }

  /** Starts judging: only in the process that is the active aggregator. */
  start(): void {
    this.ticker ??= setInterval(() => this.tick(), this.opts.tickMs ?? 1000)
    this.ticker.unref()
  }

  /** True while started: this engine judges rules and changes alerts; otherwise it only reads them. */
  get active(): boolean {
    return this.ticker !== null
  }

  /**
   * Becomes the active engine (this process became the active aggregator, whose saved state reaches
   * `savedPosition`): alerts and tracking are read again first, since another process changed them
   * meanwhile, and the survey responses up to that position it never handed over are handed now.
   */
  activate(log: EventLog, savedPosition: string): void {
    if (this.active) return
    this.start()
    this.background(async () => {
      await this.load()
      // What this process last saved says nothing of what another saved since.
      this.savedSurveyPosition = null
      await this.catchUpSurveys(log, savedPosition)
    })
  }

  /** Re-reads rules and open alerts (an inactive engine's view, now and then); a failure is logged, the view stays. */
  refresh(): Promise<void> {
    return this.serial(() => this.load()).catch(() => undefined)
  }

  /** An inactive engine keeps its view of the open alerts as the active one tells it. */
  heard(alert: Alert): void {
    if (this.active) return
    if (alert.state === 'resolved') this.open.delete(alert.id)
    else this.open.set(alert.id, alert)
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = null
    await this.settle()
  }

  /** Resolves once every step queued so far has run. */
  async settle(): Promise<void> {
    let last: Promise<unknown> | null = null
    while (last !== this.chain) {
      last = this.chain
      await last
    }
  }

  /**
   * A step nobody waits for (a tick, an applied batch): its failure is logged by serial and the
   * state re-read at the next tick, and must not become an unhandled rejection, which would end
   * the process (as it did while Redis was away).
   */
  private background(fn: () => Promise<void>): void {
    this.serial(fn).catch(() => undefined)
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.catch((err: unknown) => {
      this.stale = true
      this.opts.logger.warn({ err }, 'alert engine step failed; state is re-read at the next tick')
    })
    return run
  }

  rules(): AlertRule[] {
    return this.store.rules.values()
  }

  rule(id: string): AlertRule | undefined {
    return this.store.rules.get(id)
  }

  // ——— inputs ——————————————————————————————————————————————————————————————————————————————————

  /** The figures service's update: the queues whose figures changed. */
  onQueues(figures: readonly QueueFigures[]): void {
    if (!this.active) return
    for (const q of figures) {
      this.queues.set(q.id, q)
      this.dirtyQueues.add(q.id)
    }
    this.schedule()
  }

  /** An applied batch: agents it touched, survey responses it held, and the log position it reached. */
  onApplied(batch: AppliedBatch, position: string): void {
    if (!this.active) return
    if (this.agentsLoaded && batch.agents.size > 0) {
      for (const a of batch.agents) this.dirtyAgents.add(a)
      this.schedule()
    }
    const surveys = batch.surveys
    this.background(async () => {
      if (surveys.length > 0) await this.handleSurveys(surveys)
      this.surveyPosition = position
      if (surveys.length > 0) await this.saveSurveyPosition()
    })
  }

  /**
   * Hands the engine the survey responses stored after its own saved position and before `upTo`
   * (the aggregator's, at start): those applied before a crash but not yet turned into tasks.
   * A first start begins at `upTo`: older responses are history, not call-backs to make now.
   */
  async catchUpSurveys(log: EventLog, upTo: string): Promise<void> {
    const from = await this.store.surveyPosition()
    this.surveyPosition = from ?? upTo
    if (from !== null && comparePositions(from, upTo) < 0) {
      for await (const entries of log.range(`(${from}`, upTo)) {
        const surveys: Array<EventOf<'survey.response'>> = []
        for (const e of entries) {
          try {
            const event = JSON.parse(e.json) as { type?: string }
            if (event.type === 'survey.response') surveys.push(event as EventOf<'survey.response'>)
          } catch {
            // the aggregator counts unreadable entries; nothing to make of one here
          }
        }
        await this.handleSurveys(surveys)
      }
      this.surveyPosition = upTo
    }
    await this.saveSurveyPosition()
  }

  private async saveSurveyPosition(): Promise<void> {
    if (this.surveyPosition === null || this.surveyPosition === this.savedSurveyPosition) return
    await this.store.setSurveyPosition(this.surveyPosition)
    this.savedSurveyPosition = this.surveyPosition
  }

  private async handleSurveys(events: ReadonlyArray<EventOf<'survey.response'>>): Promise<void> {
    const rules = this.rules().filter((r): r is EventRule => r.kind === 'event' && r.enabled)
    if (rules.length === 0) return
    const now = this.now()
    for (const e of events) {
      const visit = e.callId === undefined ? undefined : this.opts.visitOf(e.callId)
      const survey: SurveyResponse = {
        id: e.id,
        ts: e.ts,
        callId: e.callId ?? null,
        queue: e.queue ?? visit?.queue ?? null,
        agent: e.agent ?? visit?.agent ?? null,
        csat: e.csat ?? null,
        nps: e.nps ?? null,
      }
      const team =
        (survey.agent === null ? null : this.opts.agentTeam(survey.agent)) ??
        (survey.queue === null ? null : this.opts.teamOf(survey.queue))
      for (const rule of rules) {
        const task = surveyTask(rule, survey, team, now)
        if (!task) continue
        const mark = await this.store.createTask(task.alert, channelsFor(rule, task.alert))
        if (!mark) continue
        this.open.set(task.alert.id, task.alert)
        this.emit('transition', task.alert, task.transition)
        await this.handOver(task.alert, mark)
      }
    }
  }

  // ——— evaluation ——————————————————————————————————————————————————————————————————————————————

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    this.background(async () => {
      this.scheduled = false
      const queues = this.dirtyQueues
      const agents = this.dirtyAgents
      this.dirtyQueues = new Set()
      this.dirtyAgents = new Set()
      if (this.stale || !this.opts.ready()) return
      this.loadFigures()
      if (this.agentsLoaded) for (const a of this.opts.agentFigures(agents)) this.agents.set(a.id, a)
      await this.evaluate(this.now(), { queues, agents })
    })
  }

  private wantsAgents(): boolean {
    return this.rules().some((r) => r.kind === 'agent')
  }

  /** The first time the figures are ready, and whenever agent rules appear: every queue and agent at once. */
  private loadFigures(): void {
    if (!this.figuresLoaded) {
      for (const q of this.opts.queueFigures()) this.queues.set(q.id, q)
      this.figuresLoaded = true
    }
    const wanted = this.wantsAgents()
    if (wanted && !this.agentsLoaded) {
      this.agents = new Map(this.opts.agentFigures().map((a) => [a.id, a]))
      this.agentsLoaded = true
    } else if (!wanted && this.agentsLoaded) {
      this.agents.clear()
      this.agentsLoaded = false
    }
  }

  private tick(): void {
    if (this.ticking) return
    this.ticking = true
    void this.serial(async () => {
      const now = this.now()
      if (this.stale) await this.load()
      else if (now - this.lastRefresh >= RULES_REFRESH_MS) {
        await this.store.rules.refresh()
        this.lastRefresh = now
      }
      if (this.unnotifiedPending) await this.retryUnnotified()
      await this.saveSurveyPosition()
      if (this.opts.ready()) {
        this.loadFigures()
        await this.evaluate(now, null)
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now
        const pruned = await this.store.prune(now)
        if (pruned > 0) this.opts.logger.info({ pruned }, 'old resolved alerts forgotten')
      }
    })
      .catch(() => undefined) // logged by serial()
      .finally(() => (this.ticking = false))
  }

  /**
   * Evaluates the rules: for the queues and agents named (a figure update), or everything (`null`,
   * the tick: durations, escalations, and alerts whose rule no longer watches their subject).
   */
  private async evaluate(now: number, only: { queues: Set<string>; agents: Set<string> } | null): Promise<void> {
    const timeZone = this.opts.timeZone(now)
    const quiet: TrackChange[] = []
    const seen = new Set<string>()
    const decide = async (key: string, d: Decision): Promise<void> => {
      seen.add(key)
      const before = this.tracks.get(key) ?? null
      const after = isIdle(d.track, now) ? null : d.track
      if (d.change) return this.commit(d.change, [key, after])
      if (JSON.stringify(before) === JSON.stringify(after)) return
      if (after === null) this.tracks.delete(key)
      else this.tracks.set(key, after)
      quiet.push([key, after])
    }
    const openOf = (t: Track) => (t.alertId === null ? null : (this.open.get(t.alertId) ?? null))
    for (const rule of this.rules()) {
      if (rule.kind === 'figure') {
        const scoped = queuesInScope(rule.scope, only?.queues ?? this.opts.queues(), this.opts.teamOf)
        for (const q of only ? scoped.filter((x) => only.queues.has(x)) : scoped) {
          const key = trackKey(rule.id, { queue: q })
          const track = this.tracks.get(key) ?? IDLE
          const value = figureValue(rule, this.queues.get(q), now)
          await decide(
            key,
            evaluateFigureRule(rule, q, this.opts.teamOf(q), value, track, openOf(track), now, timeZone, this.opts.teamHours),
          )
        }
      } else if (rule.kind === 'agent' && this.agentsLoaded) {
        for (const id of only?.agents ?? this.agents.keys()) {
          const agent = this.agents.get(id)
          if (!agent || !agentInScope(rule.scope, agent)) continue
          const key = trackKey(rule.id, { agent: id })
          const track = this.tracks.get(key) ?? IDLE
          // Most agents are not in the rule's state and have nothing tracked: nothing to decide.
          if (track === IDLE && agent.state !== rule.state) continue
          await decide(key, evaluateAgentRule(rule, agent, track, openOf(track), now, timeZone, this.opts.teamHours))
        }
      }
    }
    if (only === null) {
      for (const alert of [...this.open.values()]) {
        if (alert.kind !== 'event') continue
        const rule = this.rule(alert.ruleId)
        const change = escalateTask(rule?.kind === 'event' ? rule : undefined, alert, now, timeZone, this.opts.teamHours)
        if (change) await this.commit(change, undefined)
      }
      await this.retireOrphans(now, seen, timeZone)
    }
    await this.store.saveTracks(quiet)
  }

  /** Tracks a full pass did not visit: their rule is gone or no longer watches their subject. */
  private async retireOrphans(now: number, seen: Set<string>, timeZone: string): Promise<void> {
    for (const [key, track] of [...this.tracks]) {
      if (seen.has(key)) continue
      const ruleId = key.slice(0, key.indexOf('|'))
      const rule = this.rule(ruleId)
      const open = track.alertId === null ? null : (this.open.get(track.alertId) ?? null)
      // An agent the figures no longer hold has left every state.
      if (rule?.kind === 'agent' && !this.agentsLoaded) continue
      if (rule?.kind === 'agent' && key.startsWith(`${ruleId}|a:`) && !this.agents.has(key.slice(ruleId.length + 3))) {
        const d = evaluateAgentRule(rule, undefined, track, open, now, timeZone, this.opts.teamHours)
        if (d.change) await this.commit(d.change, [key, null])
        else await this.dropTrack(key)
        continue
      }
      if (open) await this.commit(retireAlert(open, now), [key, null])
      else await this.dropTrack(key)
    }
  }

  private async dropTrack(key: string): Promise<void> {
    this.tracks.delete(key)
    await this.store.saveTracks([[key, null]])
  }

  /**
   * Saves a transition with its track, then tells the sockets and hands it to the notifier. `rule`
   * names the channels (a deleted rule's, when its alerts are closed).
   */
  private async commit(change: Change, track: TrackChange | undefined, rule = this.rule(change.alert.ruleId)): Promise<void> {
    const { alert, transition } = change
    const mark = await this.store.saveTransition(alert, track, channelsFor(rule, alert))
    if (alert.state === 'resolved') this.open.delete(alert.id)
    else this.open.set(alert.id, alert)
    if (track) {
      if (track[1] === null) this.tracks.delete(track[0])
      else this.tracks.set(track[0], track[1])
    }
    this.emit('transition', alert, transition)
    await this.handOver(alert, mark)
  }

  /** Hands a saved transition to the notifier; a failure leaves its mark for the next tick. */
  private async handOver(alert: Alert, mark: Unnotified): Promise<void> {
    try {
      const at = mark.index === alert.history.length - 1 ? alert : { ...alert, history: alert.history.slice(0, mark.index + 1) }
      const entry = at.history[mark.index]
      if (entry) await this.opts.notifier().notify(at, entry.transition, mark.channels)
      await this.store.notified(mark.key)
    } catch (err) {
      this.unnotifiedPending = true
      this.opts.logger.warn({ err, alert: alert.id }, 'could not hand an alert transition to the notifier; retrying')
    }
  }

  private async retryUnnotified(): Promise<void> {
    this.unnotifiedPending = false
    for (const mark of await this.store.unnotified()) {
      const alert = this.open.get(mark.alertId) ?? (await this.store.get(mark.alertId))
      if (alert) await this.handOver(alert, mark)
      else await this.store.notified(mark.key)
    }
  }

  // ——— people ——————————————————————————————————————————————————————————————————————————————————

  /** An alert by id, open or in the history kept. */
  async get(id: string): Promise<Alert | null> {
    return this.open.get(id) ?? (await this.store.get(id))
  }

  acknowledge(id: string, by: string): Promise<ActionResult> {
    if (!this.active && this.opts.forward) return this.opts.forward({ action: 'ack', id, by })
    return this.act(id, (alert, now) => ({ result: acknowledgeAlert(alert, by, now), track: undefined }))
  }

  /** Resolves by hand; the rule and subject then stay quiet for the cooldown, and until the condition clears. */
  resolve(id: string, by: string): Promise<ActionResult> {
    if (!this.active && this.opts.forward) return this.opts.forward({ action: 'resolve', id, by })
    return this.act(id, (alert, now) => {
      const key = trackKeyOf(alert)
      const track = afterManualResolve(this.rule(alert.ruleId), now)
      return { result: resolveAlert(alert, by, now), track: key === null ? undefined : [key, isIdle(track, now) ? null : track] }
    })
  }

  private act(
    id: string,
    decide: (alert: Alert, now: number) => { result: Change | { error: string }; track: TrackChange | undefined },
  ): Promise<ActionResult> {
    return this.serial(async (): Promise<ActionResult> => {
      const alert = await this.get(id)
      if (!alert) return { ok: false, status: 404, error: `no alert ${id}` }
      const { result, track } = decide(alert, this.now())
      if ('error' in result) return { ok: false, status: 409, error: result.error }
      await this.commit(result, track)
      return { ok: true, alert: result.alert }
    })
  }

  /** Open alerts, and resolved ones since `filter.since`, that pass `visible`: open first, newest first. */
  async list(filter: AlertFilter, visible: (a: Alert) => boolean): Promise<Alert[]> {
    const wantsOpen = filter.state !== 'resolved'
    const open = wantsOpen ? [...this.open.values()].sort((a, b) => b.firedAt - a.firedAt) : []
    const resolved =
      filter.state === undefined || filter.state === 'resolved' ? await this.store.resolvedSince(filter.since, LIST_SCAN) : []
    return [...open, ...resolved]
      .filter(
        (a) =>
          (filter.state === undefined || a.state === filter.state) &&
          (filter.rule === undefined || a.ruleId === filter.rule) &&
          (filter.queue === undefined || a.subject.queue === filter.queue) &&
          (filter.agent === undefined || a.subject.agent === filter.agent) &&
          visible(a),
      )
      .slice(0, filter.limit)
  }

  /** The open alerts (for a socket's list). */
  openAlerts(): Alert[] {
    return [...this.open.values()].sort((a, b) => b.firedAt - a.firedAt)
  }

  /** Saves a new or changed rule; it is judged at once. */
  async putRule(rule: AlertRule): Promise<void> {
    await this.serial(() => this.store.rules.set(rule.id, rule))
    this.emit('rules', undefined)
    await this.rulesChanged()
  }

  /** Deletes a rule: its open alerts are closed (its event tasks stay open, escalating no more). */
  async deleteRule(id: string): Promise<AlertRule | null> {
    const removed = await this.serial(async () => {
      const rule = this.store.rules.get(id)
      if (rule) await this.store.rules.delete(id)
      return rule ?? null
    })
    if (removed) {
      this.emit('rules', removed)
      await this.rulesChanged(removed)
    }
    return removed
  }

  /**
   * Rules changed (here, or in another process that saved them): re-read them, retire the alerts
   * of a rule removed, and judge at once. Only the active engine acts; the others just re-read.
   */
  rulesChanged(removed?: AlertRule): Promise<void> {
    return this.serial(async () => {
      if (!this.active) return
      await this.store.rules.refresh()
      const now = this.now()
      if (removed) {
        for (const [key, track] of [...this.tracks]) {
          if (!key.startsWith(`${removed.id}|`)) continue
          const open = track.alertId === null ? null : (this.open.get(track.alertId) ?? null)
          if (open) await this.commit(retireAlert(open, now), [key, null], removed)
          else await this.dropTrack(key)
        }
      }
      if (this.stale || !this.opts.ready()) return
      this.loadFigures()
      await this.evaluate(now, null)
    })
  }
}
