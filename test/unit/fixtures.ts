// Small builders for the unit tests: events with sensible defaults, a clock around one fixed
// instant, and run(events, now) = validate → applyEvent → computeFigures, as the aggregator does.
import { type Definition, defaultDefinition } from '../../shared/definitions.js'
import {
  type AgentOwnState,
  type OverflowReason,
  type RawEvent,
  type WallboardEvent,
  validateEvent,
} from '../../shared/events.js'
import { type AggregateState, type Definitions, applyEvent, emptyState } from '../../shared/figures/aggregate.js'
import { computeAgentFigures, computeFigures } from '../../shared/figures/compute.js'
import type { AgentFigures, QueueFigures, WindowFigures } from '../../shared/figures/schema.js'

/** The centre's time zone in most tests: no DST, UTC+8. */
export const ZONE = 'Asia/Shanghai'
/** 2026-03-02 10:00:00 in Shanghai (02:00 UTC): mid-morning of an ordinary business day. */
export const BASE_MS = Date.UTC(2026, 2, 2, 2, 0, 0)

/** The instant `sec` seconds after the base instant (fractions allowed: `at(20.001)`). */
export function at(sec: number): number {
  return BASE_MS + Math.round(sec * 1000)
}

/** Epoch ms of a Shanghai wall-clock time, e.g. `shanghai('2026-03-02T23:59:50')`. */
export function shanghai(local: string): number {
  return Date.parse(`${local}+08:00`)
}

export const MINUTE = 60_000
export const HOUR = 3_600_000

/** The product defaults in the test zone, with some options changed. */
export function definition(overrides: Partial<Definition> = {}): Definition {
  return { ...defaultDefinition(ZONE), ...overrides }
}

/** One definition for every queue and the centre, or per-queue ones by queue id. */
export function definitions(
  overrides: Partial<Definition> = {},
  perQueue: Record<string, Partial<Definition>> = {},
): Definitions {
  const centre = definition(overrides)
  const byQueue = new Map(Object.entries(perQueue).map(([q, o]) => [q, definition({ ...overrides, ...o })]))
  return { forCentre: () => centre, forQueue: (queue) => byQueue.get(queue) ?? centre, since: () => Number.NEGATIVE_INFINITY }
}

type Extra = Record<string, unknown>
type CallOptions = { queue?: string; id?: string }
type AgentOptions = CallOptions & { agent?: string }

// Ids follow from the event's content, so building the same event twice gives a true duplicate.
function eventId(...parts: Array<string | number | undefined>): string {
  return parts.filter((p) => p !== undefined).join(':')
}

export function queued(
  callId: string,
  ts: number,
  opts: CallOptions & { caller?: string; channel?: string } & Extra = {},
): RawEvent {
  const { queue = 'q1', id, ...rest } = opts
  return { id: id ?? eventId('queued', queue, callId, ts), type: 'call.queued', ts, callId, queue, ...rest } as RawEvent
}

export function ringing(callId: string, ts: number, opts: AgentOptions = {}): RawEvent {
  const { queue = 'q1', agent = 'a1', id } = opts
  return { id: id ?? eventId('ringing', queue, callId, agent, ts), type: 'call.ringing', ts, callId, queue, agent }
}

export function answered(callId: string, ts: number, opts: AgentOptions = {}): RawEvent {
  const { queue = 'q1', agent = 'a1', id } = opts
  return { id: id ?? eventId('answered', queue, callId, agent, ts), type: 'call.answered', ts, callId, queue, agent }
}

export function abandoned(callId: string, ts: number, opts: CallOptions = {}): RawEvent {
  const { queue = 'q1', id } = opts
  return { id: id ?? eventId('abandoned', queue, callId, ts), type: 'call.abandoned', ts, callId, queue }
}

export function overflowed(callId: string, ts: number, opts: CallOptions & { reason?: OverflowReason } = {}): RawEvent {
  const { queue = 'q1', id, reason = 'timeout' } = opts
  return { id: id ?? eventId('overflowed', queue, callId, ts), type: 'call.overflowed', ts, callId, queue, reason }
}

export function ended(callId: string, ts: number, opts: AgentOptions & { by?: 'agent' | 'caller' } = {}): RawEvent {
  const { queue = 'q1', agent = 'a1', id, by } = opts
  const event: RawEvent = { id: id ?? eventId('ended', queue, callId, ts), type: 'call.ended', ts, callId, queue, agent }
  return by === undefined ? event : { ...event, by }
}

export function transferred(callId: string, ts: number, opts: AgentOptions & { to?: string } = {}): RawEvent {
  const { queue = 'q1', agent = 'a1', id, to } = opts
  const event: RawEvent = {
    id: id ?? eventId('transferred', queue, callId, ts),
    type: 'call.transferred',
    ts,
    callId,
    queue,
    agent,
  }
  return to === undefined ? event : { ...event, to }
}

interface StateOptions {
  id?: string
  reason?: string
  queues?: string[]
  name?: string
  team?: string
}

export function agentState(agent: string, state: AgentOwnState, ts: number, opts: StateOptions = {}): RawEvent {
  const { id, ...rest } = opts
  return { id: id ?? eventId('state', agent, state, ts), type: 'agent.state', ts, agent, state, ...rest }
}

export const available = (agent: string, ts: number, opts: StateOptions = {}) => agentState(agent, 'available', ts, opts)
export const acw = (agent: string, ts: number, opts: StateOptions = {}) => agentState(agent, 'acw', ts, opts)
export const paused = (agent: string, ts: number, reason?: string, opts: StateOptions = {}) =>
  agentState(agent, 'paused', ts, reason === undefined ? opts : { ...opts, reason })
export const offline = (agent: string, ts: number, opts: StateOptions = {}) => agentState(agent, 'offline', ts, opts)

interface SurveyFields {
  id?: string
  callId?: string
  queue?: string
  agent?: string
  csat?: number
  nps?: number
}

export function survey(ts: number, fields: SurveyFields): RawEvent {
  const { id, ...rest } = fields
  return {
    id: id ?? eventId('survey', rest.callId ?? rest.queue ?? rest.agent, rest.csat, rest.nps, ts),
    type: 'survey.response',
    ts,
    ...rest,
  }
}

/** Validates an event as ingest does; a builder that produces an invalid event fails the test loudly. */
export function valid(event: unknown, nowMs: number): WallboardEvent {
  const v = validateEvent(event, nowMs)
  if (!v.ok) throw new Error(`invalid test event ${JSON.stringify(event)}: ${v.field}: ${v.error}`)
  return v.event
}

/** events.reduce(applyEvent, emptyState()) after validation at `nowMs`. */
export function reduce(
  events: readonly unknown[],
  nowMs: number,
  defs: Definitions = definitions(),
  state: AggregateState = emptyState(),
) {
  return events.map((e) => valid(e, nowMs)).reduce((s, e) => applyEvent(s, e, defs), state)
}

/** The figures of every queue at `nowMs` after applying `events` in the order given. */
export function run(events: readonly unknown[], nowMs: number, defs: Definitions = definitions()): QueueFigures[] {
  return computeFigures(reduce(events, nowMs, defs), defs, nowMs)
}

export function agentsAfter(events: readonly unknown[], nowMs: number, defs: Definitions = definitions()): AgentFigures[] {
  return computeAgentFigures(reduce(events, nowMs, defs), defs, nowMs)
}

/** One queue's figures; fails when the queue is unknown. */
export function queueOf(figures: QueueFigures[], queue = 'q1'): QueueFigures {
  const q = figures.find((f) => f.id === queue)
  if (!q) throw new Error(`no figures for queue ${queue} (have ${figures.map((f) => f.id).join(', ') || 'none'})`)
  return q
}

export function today(events: readonly unknown[], nowMs: number, defs: Definitions = definitions(), queue = 'q1'): WindowFigures {
  const w = queueOf(run(events, nowMs, defs), queue).windows.today
  if (!w) throw new Error('no today window')
  return w
}

export function rolling(
  events: readonly unknown[],
  nowMs: number,
  defs: Definitions = definitions(),
  queue = 'q1',
): WindowFigures {
  const w = queueOf(run(events, nowMs, defs), queue).windows.rolling
  if (!w) throw new Error('no rolling window')
  return w
}

/** A call queued at `queuedSec` and answered after `waitSec`, talking `talkSec` when given. */
export function answeredCall(
  callId: string,
  queuedSec: number,
  waitSec: number,
  talkSec?: number,
  opts: AgentOptions = {},
): RawEvent[] {
  const events = [queued(callId, at(queuedSec), { queue: opts.queue }), answered(callId, at(queuedSec + waitSec), opts)]
  if (talkSec !== undefined) events.push(ended(callId, at(queuedSec + waitSec + talkSec), opts))
  return events
}

export function abandonedCall(callId: string, queuedSec: number, waitSec: number, opts: CallOptions = {}): RawEvent[] {
  return [queued(callId, at(queuedSec), { queue: opts.queue }), abandoned(callId, at(queuedSec + waitSec), opts)]
}

export function overflowedCall(callId: string, queuedSec: number, waitSec: number, opts: CallOptions = {}): RawEvent[] {
  return [queued(callId, at(queuedSec), { queue: opts.queue }), overflowed(callId, at(queuedSec + waitSec), opts)]
}

/** An instant comfortably after every fixture event of a test, on the same business day. */
export const LATER = at(3600)
