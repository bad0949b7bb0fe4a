// One call's visit to one queue, merged from its events in any order, and what it contributes to
// the window counters. Every merge is commutative (earliest outcome wins, earliest queue entry,
// latest ring), so the record, and therefore the figures, do not depend on arrival order.
import type { Definition } from '../definitions.js'
import type { CallEvent, Channel, OverflowReason } from '../events.js'
import type { Delta } from './counters.js'

export interface CallRecord {
  queue: string
  callId: string
  queuedAt: number | null
  caller: string | null
  channel: Channel | null
  ringAt: number | null
  ringAgent: string | null
  answeredAt: number | null
  agent: string | null
  abandonedAt: number | null
  overflowedAt: number | null
  overflowReason: OverflowReason | null
  endedAt: number | null
  endedBy: 'agent' | 'caller' | 'transfer' | null
  /** the latest event time seen for this visit; old finished visits are pruned by it */
  lastTs: number
}

export type OutcomeKind = 'answered' | 'abandoned' | 'overflowed'

export function callKey(queue: string, callId: string): string {
  return `${queue}\u0000${callId}`
}

export function newCall(queue: string, callId: string, ts: number): CallRecord {
  return {
    queue,
    callId,
    queuedAt: null,
    caller: null,
    channel: null,
    ringAt: null,
    ringAgent: null,
    answeredAt: null,
    agent: null,
    abandonedAt: null,
    overflowedAt: null,
    overflowReason: null,
    endedAt: null,
    endedBy: null,
    lastTs: ts,
  }
}

const earlier = (candidate: number, current: number | null) => current === null || candidate < current

/** Merges one call event into the record. Returns false when it changed nothing. */
export function mergeCallEvent(r: CallRecord, e: CallEvent): boolean {
  let changed = false
  switch (e.type) {
    case 'call.queued':
      if (earlier(e.ts, r.queuedAt)) {
        r.queuedAt = e.ts
        // An empty caller id (a withheld number) is no caller id: it names nobody for FCR.
        r.caller = e.caller || null
        r.channel = e.channel ?? 'voice'
        changed = true
      }
      break
    case 'call.ringing':
      if (r.ringAt === null || e.ts > r.ringAt || (e.ts === r.ringAt && e.agent > (r.ringAgent ?? ''))) {
        r.ringAt = e.ts
        r.ringAgent = e.agent
        changed = true
      }
      break
    case 'call.answered':
      if (earlier(e.ts, r.answeredAt) || (e.ts === r.answeredAt && e.agent < (r.agent ?? ''))) {
        r.answeredAt = e.ts
        r.agent = e.agent
        changed = true
      }
      break
    case 'call.abandoned':
      if (earlier(e.ts, r.abandonedAt)) {
        r.abandonedAt = e.ts
        changed = true
      }
      break
    case 'call.overflowed':
      if (earlier(e.ts, r.overflowedAt)) {
        r.overflowedAt = e.ts
        r.overflowReason = e.reason
        changed = true
      }
      break
    case 'call.ended':
    case 'call.transferred':
      if (earlier(e.ts, r.endedAt)) {
        r.endedAt = e.ts
        r.endedBy = e.type === 'call.transferred' ? 'transfer' : (e.by ?? null)
        changed = true
      }
      break
  }
  if (e.ts > r.lastTs) {
    r.lastTs = e.ts
    changed = true
  }
  return changed
}

/** The visit's outcome: the earliest of answer, abandon and overflow (an answer wins a tie). */
export function outcomeOf(r: CallRecord): { kind: OutcomeKind; at: number } | null {
  let best: { kind: OutcomeKind; at: number } | null = null
  if (r.answeredAt !== null) best = { kind: 'answered', at: r.answeredAt }
  if (r.abandonedAt !== null && (best === null || r.abandonedAt < best.at)) best = { kind: 'abandoned', at: r.abandonedAt }
  if (r.overflowedAt !== null && (best === null || r.overflowedAt < best.at)) best = { kind: 'overflowed', at: r.overflowedAt }
  return best
}

/** The kind of the visit's outcome (as outcomeOf), without making an object: asked several times per event. */
export function outcomeKindOf(r: CallRecord): OutcomeKind | null {
  let kind: OutcomeKind | null = null
  let at = 0
  if (r.answeredAt !== null) {
    kind = 'answered'
    at = r.answeredAt
  }
  if (r.abandonedAt !== null && (kind === null || r.abandonedAt < at)) {
    kind = 'abandoned'
    at = r.abandonedAt
  }
  if (r.overflowedAt !== null && (kind === null || r.overflowedAt < at)) kind = 'overflowed'
  return kind
}

function hasOutcome(r: CallRecord): boolean {
  return r.answeredAt !== null || r.abandonedAt !== null || r.overflowedAt !== null
}

export function isWaiting(r: CallRecord): boolean {
  return r.queuedAt !== null && !hasOutcome(r)
}

/** Answered by its agent and not yet ended: the agent is on this call. */
export function isTalking(r: CallRecord): boolean {
  return r.endedAt === null && r.agent !== null && outcomeKindOf(r) === 'answered'
}

/** Offered to an agent that has not answered, and still in the queue. */
export function isRinging(r: CallRecord): boolean {
  return r.ringAgent !== null && !hasOutcome(r)
}

export function isFinished(r: CallRecord): boolean {
  const kind = outcomeKindOf(r)
  return kind !== null && (kind !== 'answered' || r.endedAt !== null)
}

/**
 * What a supervisor's drill-down needs of a visit with an outcome: enough to list it as abandoned or
 * as having missed service level, and to judge that again under the definition in force at its
 * outcome. Live records are summarised the same way, and prune keeps the summary of every record
 * with an outcome that it forgets (see AggregateState.archivedCalls), so today's list stays whole.
 */
export interface CallSummary {
  callId: string
  queue: string
  caller: string | null
  /** null when the queue entry never arrived (the wait is unknown) */
  queuedAt: number | null
  outcomeAt: number
  outcome: OutcomeKind
  agent: string | null
}

/** The visit's summary, or null while it has no outcome. */
export function summaryOf(r: CallRecord): CallSummary | null {
  const o = outcomeOf(r)
  if (o === null) return null
  return {
    callId: r.callId,
    queue: r.queue,
    caller: r.caller,
    queuedAt: r.queuedAt,
    outcomeAt: o.at,
    outcome: o.kind,
    agent: r.agent,
  }
}

/** What a visit adds to the counters: at its queue entry, at its outcome time, and (when answered and ended) at its end. */
export interface Contribution {
  at: number
  queue: string | null
  agent: string | null
  delta: Delta
}

/**
 * The counters a visit contributes, each computed under the definition in force at its own time
 * (`defAt`): a day is always counted under one definition.
 */
export function callContributions(r: CallRecord, defAt: (atMs: number) => Definition): Contribution[] {
  const out: Contribution[] = []
  if (r.queuedAt !== null) out.push({ at: r.queuedAt, queue: r.queue, agent: null, delta: { arrived: 1 } })
  const outcome = outcomeOf(r)
  if (outcome === null) return out
  const def = defAt(outcome.at)
  const waitMs = r.queuedAt === null ? null : Math.max(0, outcome.at - r.queuedAt)
  const thresholdMs = def.slThresholdSec * 1000
  const delta: Delta = { offered: 1 }
  if (waitMs === null) delta.waitUnknown = 1
  else delta.waitSec = Math.floor(waitMs / 1000)
  switch (outcome.kind) {
    case 'answered':
      delta.answered = 1
      if (waitMs === null) delta.answeredWaitUnknown = 1
      else {
        delta.answeredWaitMs = waitMs
        if (waitMs <= thresholdMs) delta.answeredWithin = 1
      }
      break
    case 'abandoned':
      delta.abandoned = 1
      if (waitMs !== null) {
        if (waitMs < def.shortAbandonSec * 1000) delta.shortAbandoned = 1
        else {
          delta.abandonWaitCount = 1
          delta.abandonWaitMs = waitMs
          if (waitMs <= thresholdMs) delta.abandonedWithin = 1
        }
      }
      break
    case 'overflowed':
      delta.overflowed = 1
      if (waitMs === null) delta.overflowedWaitUnknown = 1
      break
  }
  out.push({ at: outcome.at, queue: r.queue, agent: null, delta })
  if (outcome.kind === 'answered' && r.endedAt !== null && r.answeredAt !== null && r.agent !== null) {
    const talkMs = Math.max(0, r.endedAt - r.answeredAt)
    out.push({ at: r.endedAt, queue: r.queue, agent: r.agent, delta: { handled: 1, talkMs, handledBy: r.agent } })
  }
  return out
}
