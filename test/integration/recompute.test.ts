// Recomputing the current day from the stored log when a definition changes, against a real Redis:
// the recomputed state must equal a replay of the whole log under the new book, for a change of an
// option and for changes that move the business day (later, earlier, another time zone).
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { type DefinitionOptions, DefinitionBook, type DefinitionSet, firstDefinitionSet } from '../../shared/definitions.js'
import type { RawEvent } from '../../shared/events.js'
import { bucketKey, emptyState } from '../../shared/figures/aggregate.js'
import { computeAgentFigures, computeFigures } from '../../shared/figures/compute.js'
import { recomputeForDefinitions } from '../../server/aggregate/recompute.js'
import { EventLog } from '../../server/store/event-log.js'
import { redisKeys } from '../../server/store/keys.js'
import { ZONE, acw, answered, available, ended, paused, queued, reduce, shanghai } from '../unit/fixtures.js'

let redis: Redis
beforeAll(() => {
  redis = new Redis(inject('redisUrl'))
})
afterAll(async () => {
  await redis.quit()
})

const FIRST = shanghai('2026-02-01T00:00:00')
const v1 = firstDefinitionSet(ZONE, FIRST)
const next = (version: number, local: string, defaults: Partial<DefinitionOptions>): DefinitionSet => ({
  version,
  createdAt: shanghai(local),
  createdBy: 'test',
  defaults: { ...v1.defaults, ...defaults },
  queues: {},
})

/** A call queued at a local time, answered after `waitSec`, ended 60 s later, by a1. */
const call = (id: string, local: string, waitSec: number): RawEvent[] => {
  const t = shanghai(local)
  return [queued(id, t), answered(id, t + waitSec * 1000), ended(id, t + (waitSec + 60) * 1000)]
}

// Two days of traffic around the change, with agent time crossing the boundaries.
const events: RawEvent[] = [
  available('a1', shanghai('2026-03-02T05:00:00'), { queues: ['q1'] }),
  ...call('c1', '2026-03-02T05:30:00', 15),
  ...call('c2', '2026-03-02T22:00:00', 8),
  paused('a1', shanghai('2026-03-02T23:00:00'), 'lunch'),
  available('a1', shanghai('2026-03-03T01:00:00')),
  ...call('c3', '2026-03-03T03:00:00', 25),
  acw('a1', shanghai('2026-03-03T03:01:25')),
  available('a1', shanghai('2026-03-03T03:03:00')),
  ...call('c4', '2026-03-03T07:00:00', 12),
  ...call('c5', '2026-03-03T09:30:00', 4),
]
const NOW = shanghai('2026-03-03T11:00:00')

describe('recomputing the current day under a new definition', () => {
  const cases: Array<[string, DefinitionSet]> = [
    ['a stricter threshold', next(2, '2026-03-03T10:00:00', { slThresholdSec: 10 })],
    ['days from 06:00 (a later start)', next(2, '2026-03-03T10:00:00', { dayStartHour: 6 })],
    ['days from 06:00, made before 06:00', next(2, '2026-03-03T04:00:00', { dayStartHour: 6 })],
    ['another time zone', next(2, '2026-03-03T10:00:00', { timezone: 'Europe/Berlin' })],
  ]

  for (const [name, change] of cases) {
    it(`equals a replay of the whole log under the new book: ${name}`, async () => {
      const log = new EventLog(redis, redisKeys(`test:recompute:${randomBytes(6).toString('hex')}:`))
      const appended = await log.append(events.map((e) => ({ id: e.id as string, json: JSON.stringify(e) })))
      expect(appended.accepted).toBe(events.length)
      const position = (await log.lastPosition())!
      const older = new DefinitionBook([v1])
      const newer = new DefinitionBook([v1, change])

      const state = reduce(events, NOW, older)
      const closedDay = structuredClone(state.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00'))))
      const r = await recomputeForDefinitions(state, log, position, older, newer, NOW)
      expect(r.changed).toContain('q1')
      expect(r.replayed).toBe(events.length)

      const replay = reduce(events, NOW, newer, emptyState())
      const days = (s: typeof state) => new Map([...s.buckets.rows].filter(([k]) => /^[qai]\|/.test(k)))
      expect(days(state)).toEqual(days(replay))
      expect(computeFigures(state, newer, NOW)).toEqual(computeFigures(replay, newer, NOW))
      expect(computeAgentFigures(state, newer, NOW)).toEqual(computeAgentFigures(replay, newer, NOW))
      // The closed day of 2 March keeps what it counted under version 1.
      expect(closedDay).toMatchObject({ offered: 2 })
      expect(state.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00')))).toEqual(closedDay)
    })
  }
})
