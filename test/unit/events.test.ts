// The event contract (events.md): what validateEvent accepts, how it normalizes, and how it says
// what is wrong with an event it rejects.
import { describe, expect, it } from 'vitest'
import {
  findForbiddenKey,
  EVENT_TYPES,
  MAX_FUTURE_SKEW_MS,
  type Validation,
  parseIsoWithOffset,
  validateEvent,
} from '../../shared/events.js'

const NOW = Date.UTC(2026, 2, 2, 2, 0, 0) // 2026-03-02 10:00 in Shanghai
const TS = '2026-03-02T09:59:00+08:00'
const TS_MS = NOW - 60_000

const minimal = {
  'call.queued': { callId: 'c1', queue: 'q1' },
  'call.ringing': { callId: 'c1', queue: 'q1', agent: 'a1' },
  'call.answered': { callId: 'c1', queue: 'q1', agent: 'a1' },
  'call.abandoned': { callId: 'c1', queue: 'q1' },
  'call.overflowed': { callId: 'c1', queue: 'q1', reason: 'timeout' },
  'call.transferred': { callId: 'c1', queue: 'q1', agent: 'a1' },
  'call.ended': { callId: 'c1', queue: 'q1', agent: 'a1' },
  'call.disposition': { callId: 'c1' },
  'agent.state': { agent: 'a1', state: 'available' },
  'survey.response': {},
} as const

function event(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const base = type in minimal ? minimal[type as keyof typeof minimal] : {}
  return { id: 'e1', type, ts: TS, ...base, ...fields }
}

/** The event of `type` without one of its fields, as a sender that forgot it would send it. */
function without(type: string, field: string): Record<string, unknown> {
  const e = event(type)
  delete e[field]
  return e
}

function rejection(v: Validation): { field: string; error: string } {
  if (v.ok) throw new Error(`expected a rejection, got ${JSON.stringify(v.event)}`)
  return { field: v.field, error: v.error }
}

function accepted(v: Validation) {
  if (!v.ok) throw new Error(`expected acceptance, got ${v.field}: ${v.error}`)
  return v.event
}

describe('validateEvent: accepting', () => {
  it.each(EVENT_TYPES)('accepts %s with only its required fields', (type) => {
    const e = accepted(validateEvent(event(type), NOW))
    expect(e.type).toBe(type)
    expect(e.ts).toBe(TS_MS)
  })

  it('has a minimal example for every event type of the contract', () => {
    expect(Object.keys(minimal).sort()).toEqual([...EVENT_TYPES].sort())
  })

  it('keeps unknown extra fields in the event', () => {
    const e = accepted(validateEvent(event('call.queued', { pbxTrunk: 'T7', nested: { a: 1 } }), NOW))
    expect(e).toMatchObject({ pbxTrunk: 'T7', nested: { a: 1 } })
  })

  it('defaults the channel of a queued call to voice', () => {
    const e = accepted(validateEvent(event('call.queued'), NOW))
    expect(e).toMatchObject({ channel: 'voice' })
  })

  it('keeps a channel that was given', () => {
    expect(accepted(validateEvent(event('call.queued', { channel: 'chat' }), NOW))).toMatchObject({ channel: 'chat' })
  })

  it('does not add a channel to other call events', () => {
    expect(accepted(validateEvent(event('call.answered'), NOW))).not.toHaveProperty('channel')
  })

  it('normalizes ts to epoch milliseconds and leaves the input untouched', () => {
    const input = event('call.abandoned')
    const e = accepted(validateEvent(input, NOW))
    expect(e.ts).toBe(TS_MS)
    expect(input['ts']).toBe(TS)
  })

  it('accepts ts as integer epoch milliseconds', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: TS_MS }), NOW)).ts).toBe(TS_MS)
  })

  it('accepts all optional fields of the contract', () => {
    const all = [
      event('call.queued', { caller: '13800000000', channel: 'email', priority: -5, source: 'pbx-shanghai-1' }),
      event('call.overflowed', { reason: 'withdrawn' }),
      event('call.transferred', { to: 'q2' }),
      event('call.ended', { by: 'caller' }),
      event('call.disposition', { queue: 'q1', resolved: false, reason: 'billing question' }),
      event('agent.state', { state: 'paused', reason: 'lunch', queues: ['q1', 'q2'], name: 'Li Lei', team: 't1' }),
      event('survey.response', { callId: 'c1', queue: 'q1', agent: 'a1', caller: '1380', csat: 5, nps: 0, comment: '很好' }),
    ]
    for (const e of all) accepted(validateEvent(e, NOW))
  })

  it('accepts csat 1 and 5 and nps 0 and 10, the ends of their scales', () => {
    for (const fields of [{ csat: 1 }, { csat: 5 }, { nps: 0 }, { nps: 10 }])
      accepted(validateEvent(event('survey.response', fields), NOW))
  })

  it('accepts ids of exactly 128 characters', () => {
    accepted(validateEvent(event('call.queued', { id: 'e'.repeat(128), callId: 'c'.repeat(128), queue: 'q'.repeat(128) }), NOW))
  })
})

describe('validateEvent: time stamps', () => {
  it('accepts ISO-8601 in UTC with Z', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: '2026-03-02T01:59:00Z' }), NOW)).ts).toBe(TS_MS)
  })

  it('accepts an offset written +08:00', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: '2026-03-02T09:59:00+08:00' }), NOW)).ts).toBe(TS_MS)
  })

  it('accepts an offset written +0800', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: '2026-03-02T09:59:00+0800' }), NOW)).ts).toBe(TS_MS)
  })

  it('accepts a negative offset', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: '2026-03-01T20:59:00-05:00' }), NOW)).ts).toBe(TS_MS)
  })

  it('keeps milliseconds from fractional seconds', () => {
    expect(accepted(validateEvent(event('call.abandoned', { ts: '2026-03-02T09:59:00.250+08:00' }), NOW)).ts).toBe(TS_MS + 250)
  })

  it('reads one fractional digit as tenths and truncates beyond milliseconds', () => {
    expect(parseIsoWithOffset('2026-03-02T01:59:00.5Z')).toBe(TS_MS + 500)
    expect(parseIsoWithOffset('2026-03-02T01:59:00.123456789Z')).toBe(TS_MS + 123)
  })

  it('accepts a space instead of T and minutes without seconds', () => {
    expect(parseIsoWithOffset('2026-03-02 09:59+08:00')).toBe(TS_MS)
  })

  it('rejects an ISO time without an offset, since its zone would be a guess', () => {
    const r = rejection(validateEvent(event('call.abandoned', { ts: '2026-03-02T09:59:00' }), NOW))
    expect(r.field).toBe('ts')
    expect(r.error).toMatch(/ISO-8601 with offset/)
    expect(r.error).toMatch(/e\.g\./)
  })

  it('rejects an invalid calendar date such as 30 February', () => {
    expect(parseIsoWithOffset('2026-02-30T10:00:00+08:00')).toBeNull()
    const r = rejection(validateEvent(event('call.abandoned', { ts: '2026-02-30T10:00:00+08:00' }), NOW))
    expect(r.field).toBe('ts')
  })

  it('rejects a year below 100 rather than reading it as 19xx', () => {
    expect(parseIsoWithOffset('0050-01-01T00:00:00Z')).toBeNull()
    expect(parseIsoWithOffset('1999-12-31T23:59:59Z')).toBe(Date.UTC(1999, 11, 31, 23, 59, 59))
  })

  it('accepts 29 February in a leap year only', () => {
    expect(parseIsoWithOffset('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29))
    expect(parseIsoWithOffset('2026-02-29T00:00:00Z')).toBeNull()
  })

  it('rejects out-of-range clock fields and offsets', () => {
    for (const text of [
      '2026-03-02T24:00:00Z',
      '2026-03-02T10:60:00Z',
      '2026-03-02T10:00:60Z',
      '2026-13-01T10:00:00Z',
      '2026-03-02T10:00:00+19:00',
      '2026-03-02T10:00:00+08:60',
    ]) {
      expect(parseIsoWithOffset(text), text).toBeNull()
    }
  })

  it('rejects text that is not a time at all', () => {
    const r = rejection(validateEvent(event('call.abandoned', { ts: 'yesterday' }), NOW))
    expect(r).toMatchObject({ field: 'ts' })
    expect(r.error).toMatch(/epoch ms/)
  })

  it('rejects epoch seconds sent by mistake, with a hint that they look like seconds', () => {
    const r = rejection(validateEvent(event('call.abandoned', { ts: Math.floor(TS_MS / 1000) }), NOW))
    expect(r.field).toBe('ts')
    expect(r.error).toMatch(/milliseconds/)
    expect(r.error).toMatch(/seconds\?/)
  })

  it('rejects a fractional epoch number', () => {
    const r = rejection(validateEvent(event('call.abandoned', { ts: TS_MS + 0.5 }), NOW))
    expect(r).toMatchObject({ field: 'ts' })
    expect(r.error).toMatch(/integer epoch ms/)
  })

  it('rejects a ts that is neither text nor a number', () => {
    expect(rejection(validateEvent(event('call.abandoned', { ts: true }), NOW))).toMatchObject({ field: 'ts' })
  })

  it('names ts when it is missing', () => {
    const input = event('call.abandoned')
    delete input['ts']
    expect(rejection(validateEvent(input, NOW))).toEqual({ field: 'ts', error: 'is required' })
  })

  it('rejects a ts more than 5 minutes ahead of the server clock', () => {
    const r = rejection(validateEvent(event('call.abandoned', { ts: NOW + MAX_FUTURE_SKEW_MS + 1 }), NOW))
    expect(r.field).toBe('ts')
    expect(r.error).toMatch(/more than 5 minutes ahead of server time/)
  })

  it('rejects an ISO ts 6 minutes ahead of the server clock', () => {
    expect(rejection(validateEvent(event('call.abandoned', { ts: '2026-03-02T10:06:00+08:00' }), NOW)).field).toBe('ts')
  })

  it('accepts a ts 4 minutes ahead of the server clock, and one exactly 5 minutes ahead', () => {
    accepted(validateEvent(event('call.abandoned', { ts: '2026-03-02T10:04:00+08:00' }), NOW))
    accepted(validateEvent(event('call.abandoned', { ts: NOW + MAX_FUTURE_SKEW_MS }), NOW))
  })

  it('accepts a ts far in the past: late events are normal', () => {
    accepted(validateEvent(event('call.abandoned', { ts: '2025-01-01T00:00:00Z' }), NOW))
  })
})

describe('validateEvent: rejecting', () => {
  it.each([null, 'call.queued', 42, true, [{ type: 'call.queued' }]])('rejects %j as not a JSON object', (input) => {
    expect(rejection(validateEvent(input, NOW))).toEqual({ field: '', error: 'expected a JSON object' })
  })

  it('rejects an unknown type, quoting it and listing the known ones', () => {
    const r = rejection(validateEvent(event('call.parked'), NOW))
    expect(r.field).toBe('type')
    expect(r.error).toContain('unknown type "call.parked"')
    expect(r.error).toContain('call.queued')
    expect(r.error).toContain('survey.response')
  })

  it('rejects a missing type', () => {
    const input = event('call.queued')
    delete input['type']
    const r = rejection(validateEvent(input, NOW))
    expect(r.field).toBe('type')
    expect(r.error).toMatch(/^is required; expected one of /)
  })

  it('names a missing callId', () => {
    expect(rejection(validateEvent(without('call.answered', 'callId'), NOW))).toEqual({ field: 'callId', error: 'is required' })
  })

  it('names a missing id', () => {
    expect(rejection(validateEvent(without('call.answered', 'id'), NOW))).toEqual({ field: 'id', error: 'is required' })
  })

  it('names a missing agent on an answer', () => {
    expect(rejection(validateEvent(without('call.answered', 'agent'), NOW))).toEqual({ field: 'agent', error: 'is required' })
  })

  it('says an empty callId must not be empty', () => {
    expect(rejection(validateEvent(event('call.queued', { callId: '' }), NOW))).toEqual({
      field: 'callId',
      error: 'must not be empty',
    })
  })

  it('rejects an event carrying a prototype-pollution key anywhere, naming where', () => {
    const poisoned = JSON.parse(
      `{"id":"e","type":"call.queued","ts":${NOW},"callId":"c","queue":"q","meta":{"a":[{"__proto__":{"x":1}}]}}`,
    )
    expect(rejection(validateEvent(poisoned, NOW))).toEqual({ field: 'meta.a[0].__proto__', error: 'forbidden key' })
    expect(rejection(validateEvent(event('call.queued', { constructor: { prototype: {} } }), NOW)).field).toBe('constructor')
  })

  it('refuses a hostile, deeply nested event without walking all of it', () => {
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = { a: deep }
    expect(rejection(validateEvent(event('call.queued', { extra: deep }), NOW)).error).toMatch(/too large or too deeply nested/)
    expect(findForbiddenKey({ a: [1, 2, { b: 'x' }] })).toBeNull()
  })

  it('rejects ids with control characters, which would corrupt keys and logs', () => {
    expect(rejection(validateEvent(event('call.queued', { queue: 'sales\u0000x' }), NOW))).toEqual({
      field: 'queue',
      error: 'must not contain control characters',
    })
    expect(rejection(validateEvent(event('agent.state', { agent: 'li\nlei' }), NOW)).field).toBe('agent')
    expect(validateEvent(event('call.queued', { queue: '售后 Support #2' }), NOW).ok).toBe(true)
  })

  it('rejects ids over 128 characters, naming the field and the limit', () => {
    expect(rejection(validateEvent(event('call.queued', { id: 'e'.repeat(129) }), NOW))).toEqual({
      field: 'id',
      error: 'longer than 128 characters',
    })
    expect(rejection(validateEvent(event('call.queued', { callId: 'c'.repeat(129) }), NOW))).toEqual({
      field: 'callId',
      error: 'longer than 128 characters',
    })
    expect(rejection(validateEvent(event('call.queued', { queue: 'q'.repeat(129) }), NOW)).field).toBe('queue')
    expect(rejection(validateEvent(event('agent.state', { agent: 'a'.repeat(129) }), NOW)).field).toBe('agent')
  })

  it('names the position of a bad queue in a membership list', () => {
    expect(rejection(validateEvent(event('agent.state', { queues: ['q1', 7] }), NOW))).toEqual({
      field: 'queues[1]',
      error: 'expected string',
    })
    expect(rejection(validateEvent(event('agent.state', { queues: ['q1', ''] }), NOW))).toEqual({
      field: 'queues[1]',
      error: 'must not be empty',
    })
  })

  it('says queues must be a list when it is not', () => {
    expect(rejection(validateEvent(event('agent.state', { queues: 'q1' }), NOW))).toEqual({
      field: 'queues',
      error: 'expected array',
    })
  })

  it('lists the allowed overflow reasons when the reason is unknown', () => {
    const r = rejection(validateEvent(event('call.overflowed', { reason: 'busy' }), NOW))
    expect(r.field).toBe('reason')
    expect(r.error).toBe('expected one of "timeout", "key", "empty", "withdrawn", "other"')
  })

  it('names a missing overflow reason', () => {
    expect(rejection(validateEvent(without('call.overflowed', 'reason'), NOW))).toEqual({ field: 'reason', error: 'is required' })
  })

  it('lists the states an agent may set, which exclude onCall and ringing', () => {
    const r = rejection(validateEvent(event('agent.state', { state: 'onCall' }), NOW))
    expect(r).toEqual({ field: 'state', error: 'expected one of "available", "acw", "paused", "offline"' })
  })

  it('rejects an unknown channel and a bad ended-by', () => {
    expect(rejection(validateEvent(event('call.queued', { channel: 'fax' }), NOW)).field).toBe('channel')
    expect(rejection(validateEvent(event('call.ended', { by: 'system' }), NOW)).field).toBe('by')
  })

  it('rejects a fractional priority', () => {
    expect(rejection(validateEvent(event('call.queued', { priority: 1.5 }), NOW))).toEqual({
      field: 'priority',
      error: 'expected integer',
    })
  })

  it('rejects csat 0 and 6, outside 1–5', () => {
    const low = rejection(validateEvent(event('survey.response', { csat: 0 }), NOW))
    const high = rejection(validateEvent(event('survey.response', { csat: 6 }), NOW))
    expect(low.field).toBe('csat')
    expect(low.error).toMatch(/>= 1/)
    expect(high.field).toBe('csat')
    expect(high.error).toMatch(/<= 5/)
  })

  it('rejects nps 11, outside 0–10', () => {
    const r = rejection(validateEvent(event('survey.response', { nps: 11 }), NOW))
    expect(r.field).toBe('nps')
    expect(r.error).toMatch(/<= 10/)
  })

  it('rejects a fractional csat', () => {
    expect(rejection(validateEvent(event('survey.response', { csat: 4.5 }), NOW))).toEqual({
      field: 'csat',
      error: 'expected integer',
    })
  })

  it('rejects a resolved flag that is not a boolean', () => {
    expect(rejection(validateEvent(event('call.disposition', { resolved: 'yes' }), NOW))).toEqual({
      field: 'resolved',
      error: 'expected boolean',
    })
  })

  it('reports a bad field before a bad ts, so one message names the first problem', () => {
    const r = rejection(validateEvent(event('call.answered', { agent: 5, ts: 'soon' }), NOW))
    expect(r.field).toBe('agent')
  })
})

describe('parseIsoWithOffset', () => {
  it('returns null for a plain date without a time', () => {
    expect(parseIsoWithOffset('2026-03-02')).toBeNull()
  })

  it('accepts a lower-case z', () => {
    expect(parseIsoWithOffset('2026-03-02T01:59:00z')).toBe(TS_MS)
  })

  it('accepts a comma as the decimal sign, as ISO-8601 allows', () => {
    expect(parseIsoWithOffset('2026-03-02T01:59:00,5Z')).toBe(TS_MS + 500)
  })

  it('treats -00:00 like Z', () => {
    expect(parseIsoWithOffset('2026-03-02T01:59:00-00:00')).toBe(TS_MS)
  })

  it('handles an offset that moves the time across a date line', () => {
    expect(parseIsoWithOffset('2026-03-01T00:30:00+14:00')).toBe(Date.UTC(2026, 1, 28, 10, 30))
  })
})
