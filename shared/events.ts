// The public event contract (design: events.md). One declaration per event type gives the
// TypeScript type, the JSON schema for validation and the OpenAPI description.
import Type from 'typebox'
import { Compile } from 'typebox/compile'
import type { TLocalizedValidationError } from 'typebox/error'

export const EVENT_TYPES = [
  'call.queued',
  'call.ringing',
  'call.answered',
  'call.abandoned',
  'call.overflowed',
  'call.transferred',
  'call.ended',
  'call.disposition',
  'agent.state',
  'survey.response',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** States an agent sets itself; `ringing` and `onCall` follow from call events. */
export const AGENT_STATES = ['available', 'acw', 'paused', 'offline'] as const
export type AgentOwnState = (typeof AGENT_STATES)[number]
export const CHANNELS = ['voice', 'chat', 'email', 'sms', 'video'] as const
export type Channel = (typeof CHANNELS)[number]
export const OVERFLOW_REASONS = ['timeout', 'key', 'empty', 'withdrawn', 'other'] as const
export type OverflowReason = (typeof OVERFLOW_REASONS)[number]
export const ENDED_BY = ['agent', 'caller'] as const

/** Events whose `ts` lies further ahead of the server clock than this are rejected. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000
/** Epoch values below this are almost certainly seconds sent where milliseconds are expected. */
const EPOCH_MS_FLOOR = Date.UTC(2000, 0, 1)

/** Ids name rooms, keys and log lines: printable, no control characters. */
const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001F\\u007F]+$', description })
const Text = (maxLength: number, description: string) => Type.String({ maxLength, description })
const Ts = Type.Union([Type.String({ maxLength: 40 }), Type.Number()], {
  description: 'event time at the source: ISO-8601 with offset, or epoch milliseconds',
})

const common = {
  id: Id('unique per event; the idempotency key'),
  ts: Ts,
  source: Type.Optional(Text(128, 'where the event came from, e.g. pbx-shanghai-1')),
}
const call = {
  callId: Id('the contact; with queue it identifies one visit to one queue'),
  queue: Id('queue (skill group) id'),
}
const agent = Id('agent id')

function eventSchema<T extends EventType, P extends Type.TProperties>(type: T, properties: P) {
  return Type.Object({ ...common, type: Type.Literal(type), ...properties }, { additionalProperties: true })
}

export const EventSchemas = {
  'call.queued': eventSchema('call.queued', {
    ...call,
    caller: Type.Optional(Text(128, 'caller id (ANI)')),
    channel: Type.Optional(Type.Enum([...CHANNELS], { default: 'voice' })),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  }),
  'call.ringing': eventSchema('call.ringing', { ...call, agent }),
  'call.answered': eventSchema('call.answered', { ...call, agent }),
  'call.abandoned': eventSchema('call.abandoned', { ...call }),
  'call.overflowed': eventSchema('call.overflowed', { ...call, reason: Type.Enum([...OVERFLOW_REASONS]) }),
  'call.transferred': eventSchema('call.transferred', { ...call, agent, to: Type.Optional(Text(128, 'transfer target')) }),
  'call.ended': eventSchema('call.ended', { ...call, agent, by: Type.Optional(Type.Enum([...ENDED_BY])) }),
  'call.disposition': eventSchema('call.disposition', {
    callId: call.callId,
    queue: Type.Optional(call.queue),
    resolved: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Text(200, 'contact reason / topic')),
  }),
  'agent.state': eventSchema('agent.state', {
    agent,
    state: Type.Enum([...AGENT_STATES]),
    reason: Type.Optional(Text(64, 'pause reason: lunch, training, meeting, break, …')),
    queues: Type.Optional(
      Type.Array(Id('queue id'), { maxItems: 500, description: 'queue membership; replaces the previous list' }),
    ),
    name: Type.Optional(Text(200, 'display name')),
    team: Type.Optional(Text(128, 'team id')),
  }),
  'survey.response': eventSchema('survey.response', {
    callId: Type.Optional(call.callId),
    queue: Type.Optional(call.queue),
    agent: Type.Optional(agent),
    caller: Type.Optional(Text(128, 'caller id')),
    csat: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    nps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    comment: Type.Optional(Text(4000, 'free text')),
  }),
} as const

type Schemas = typeof EventSchemas
/** An event as received, `ts` in either accepted form. */
export type RawEvent = { [K in EventType]: Type.Static<Schemas[K]> }[EventType]
/** An event after validation: `ts` is epoch milliseconds, `channel` defaulted. Unknown fields are kept. */
export type WallboardEvent = { [K in EventType]: Omit<Type.Static<Schemas[K]>, 'ts'> & { ts: number } }[EventType]
export type EventOf<T extends EventType> = Extract<WallboardEvent, { type: T }>
export type CallEvent = Extract<WallboardEvent, { callId: string; queue: string }>

/** JSON schema of one event, for the OpenAPI description of the ingest route. */
export const AnyEventSchema = Type.Union(EVENT_TYPES.map((t) => EventSchemas[t]))

const validators = Object.fromEntries(EVENT_TYPES.map((t) => [t, Compile(EventSchemas[t])])) as {
  [K in EventType]: ReturnType<typeof Compile<Schemas[K]>>
}

export type Validation = { ok: true; event: WallboardEvent } | { ok: false; field: string; error: string }

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|([+-])(\d{2}):?(\d{2}))$/

/** Parses an ISO-8601 time with an explicit offset (or Z) to epoch ms; null when it is not one. */
export function parseIsoWithOffset(text: string): number | null {
  const m = ISO_WITH_OFFSET.exec(text)
  if (!m) return null
  const [, y, mo, d, h, mi, s = '0', frac = '', z, sign, oh = '0', om = '0'] = m
  const ms = Number(frac.padEnd(3, '0').slice(0, 3))
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const
  const local = Date.UTC(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], ms)
  // Date.UTC rolls over silently (Feb 30 → Mar 2) and reads years 0–99 as 1900–1999; a real
  // calendar date must round-trip.
  const check = new Date(local)
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  ) {
    return null
  }
  if (z === 'Z' || z === 'z') return local
  const offsetMin = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1)
  if (Number(oh) > 18 || Number(om) > 59) return null
  return local - offsetMin * 60_000
}

function parseTs(ts: unknown, nowMs: number): { ok: true; ms: number } | { ok: false; error: string } {
  let ms: number | null
  if (typeof ts === 'number') {
    if (!Number.isInteger(ts)) return { ok: false, error: 'expected ISO-8601 with offset or integer epoch ms' }
    if (ts < EPOCH_MS_FLOOR) {
      return { ok: false, error: 'epoch value before 2000-01-01; expected epoch milliseconds (is this seconds?)' }
    }
    ms = ts
  } else if (typeof ts === 'string') {
    ms = parseIsoWithOffset(ts)
    if (ms === null) return { ok: false, error: 'expected ISO-8601 with offset (e.g. 2026-03-01T09:30:00+08:00) or epoch ms' }
  } else {
    return { ok: false, error: 'expected ISO-8601 with offset or epoch ms' }
  }
  if (ms > nowMs + MAX_FUTURE_SKEW_MS) {
    return { ok: false, error: `more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of server time` }
  }
  return { ok: true, ms }
}

function describe(error: TLocalizedValidationError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required'
    case 'enum':
      return `expected one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    case 'minLength':
      return (error.params as { limit: number }).limit === 1 ? 'must not be empty' : error.message
    case 'maxLength':
      return `longer than ${(error.params as { limit: number }).limit} characters`
    case 'type':
      return `expected ${(error.params as { type: string }).type}`
    case 'pattern':
      return 'must not contain control characters'
    default:
      return error.message
  }
}

function fieldOf(error: TLocalizedValidationError): string {
  const path = error.instancePath.split('/').filter(Boolean)
  if (error.keyword === 'required')
    path.push(...(error.params as { requiredProperties: string[] }).requiredProperties.slice(0, 1))
  return path
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '')
}

/** Keys that could reach an object's prototype if some code merged the event naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
/** More values than any event has: a hostile document is refused before it is walked further. */
const MAX_EVENT_NODES = 5_000

/**
 * The path of the first forbidden key anywhere in a parsed value, or of the point where it grows
 * too large; null when it is clean. Iterative, so a deeply nested document cannot exhaust the stack.
 */
export function findForbiddenKey(value: unknown): { field: string; error: string } | null {
  const stack: Array<[unknown, string]> = [[value, '']]
  let nodes = 0
  while (stack.length > 0) {
    const [v, path] = stack.pop()!
    if (++nodes > MAX_EVENT_NODES)
      return { field: path, error: `more than ${MAX_EVENT_NODES} values: too large or too deeply nested` }
    if (typeof v !== 'object' || v === null) continue
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${path}[${i}]`]))
      continue
    }
    for (const key of Object.keys(v)) {
      const child = path ? `${path}.${key}` : key
      if (FORBIDDEN_KEYS.has(key)) return { field: child, error: 'forbidden key' }
      stack.push([(v as Record<string, unknown>)[key], child])
    }
  }
  return null
}

/**
 * Validates one event and normalizes it (ts → epoch ms, channel defaulted).
 * `nowMs` is the server time, passed in so that the check stays pure.
 */
export function validateEvent(input: unknown, nowMs: number): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: '', error: 'expected a JSON object' }
  }
  const forbidden = findForbiddenKey(input)
  if (forbidden) return { ok: false, ...forbidden }
  const raw = input as Record<string, unknown>
  const type = raw['type']
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    const what = typeof type === 'string' ? `unknown type ${JSON.stringify(type.slice(0, 64))}` : 'is required'
    return { ok: false, field: 'type', error: `${what}; expected one of ${EVENT_TYPES.join(', ')}` }
  }
  const validator = validators[type as EventType]
  if (!validator.Check(raw)) {
    const errors = validator.Errors(raw)
    // The ts union reports one error per branch; our own check below gives the better message.
    const first = errors.find((e) => !e.instancePath.startsWith('/ts')) ?? errors[0]
    if (first && !first.instancePath.startsWith('/ts')) return { ok: false, field: fieldOf(first), error: describe(first) }
  }
  const ts = parseTs(raw['ts'], nowMs)
  if (!ts.ok) return { ok: false, field: 'ts', error: ts.error }
  const event = { ...raw, ts: ts.ms } as WallboardEvent
  if (event.type === 'call.queued' && event.channel === undefined) event.channel = 'voice'
  return { ok: true, event }
}
