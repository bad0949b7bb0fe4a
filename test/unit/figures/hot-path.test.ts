// The per-event shortcuts of the aggregator give what the plain computations they replace give.
import { describe, expect, it } from 'vitest'
import { bucketKey, bucketKeyOf, sameDelta } from '../../../shared/figures/aggregate.js'
import { agentSegments, insertCall, newAgent, removeCall } from '../../../shared/figures/agents.js'
import { newCall, outcomeKindOf, outcomeOf } from '../../../shared/figures/calls.js'
import { COUNTER_FIELDS, MAP_FIELDS, emptyCounters } from '../../../shared/figures/counters.js'

describe('bucketKeyOf', () => {
  it('builds the keys bucketKey builds, the same string each time', () => {
    expect(bucketKeyOf('q', 1_700_000_000_000, 'sales')).toBe(bucketKey.queueDay('sales', 1_700_000_000_000))
    expect(bucketKeyOf('s', 1_700_000_000, 'sales')).toBe(bucketKey.second('sales', 1_700_000_000))
    expect(bucketKeyOf('a', 5, 'agent 7')).toBe(bucketKey.agentDay('agent 7', 5))
    expect(bucketKeyOf('m', -0, 'x')).toBe('m|0|x')
  })
})

describe('sameDelta', () => {
  it('compares field by field as their JSON would', () => {
    expect(sameDelta({ offered: 1, waitSec: 3 }, { waitSec: 3, offered: 1 })).toBe(true)
    expect(sameDelta({ offered: 1 }, { offered: 1, answered: 1 })).toBe(false)
    expect(sameDelta({ offered: 1, answered: 1 }, { offered: 1 })).toBe(false)
    expect(sameDelta({ talkMs: 5 }, { talkMs: 6 })).toBe(false)
    expect(sameDelta({ handledBy: 'a' }, { handledBy: 'b' })).toBe(false)
    expect(sameDelta({ talkMs: Number.NaN }, { talkMs: Number.POSITIVE_INFINITY })).toBe(true)
    expect(sameDelta({ pausedMs: { lunch: 1 } }, { pausedMs: { lunch: 1 } })).toBe(true)
    expect(sameDelta({ pausedMs: { lunch: 1 } }, { pausedMs: { lunch: 2 } })).toBe(false)
  })
})

describe('emptyCounters', () => {
  it('has the maps, then every counter, in the order saved rows have', () => {
    expect(Object.keys(emptyCounters())).toEqual([...MAP_FIELDS, ...COUNTER_FIELDS])
  })
})

describe('outcomeKindOf', () => {
  it('names the kind outcomeOf finds', () => {
    const times = [null, 10, 20]
    for (const answeredAt of times)
      for (const abandonedAt of times)
        for (const overflowedAt of times) {
          const r = { ...newCall('q', 'c', 0), answeredAt, abandonedAt, overflowedAt }
          expect(outcomeKindOf(r)).toBe(outcomeOf(r)?.kind ?? null)
        }
  })
})

describe('agentSegments from an instant', () => {
  it('still finds a long call answered well before it', () => {
    const a = newAgent('a1')
    insertCall(a, [0, 'q', 'long', 3_600_000], null)
    for (let i = 1; i <= 50; i++) insertCall(a, [i * 60_000, 'q', `c${i}`, i * 60_000 + 1_000], null)
    const all = agentSegments(a)
    for (const from of [0, 30_000, 1_500_000, 3_600_000, 3_600_001]) {
      expect(agentSegments(a, from)).toEqual(all.filter((s) => s[1] >= from))
    }
    removeCall(a, 'long')
    expect(agentSegments(a, 1_500_000)).toEqual(agentSegments(a).filter((s) => s[1] >= 1_500_000))
  })

  it('measures again a list changed by other means', () => {
    const a = newAgent('a1')
    insertCall(a, [0, 'q', 'short', 1_000], null)
    expect(agentSegments(a, 500_000)).toEqual([])
    a.calls.push([10, 'q', 'pushed', 900_000])
    expect(agentSegments(a, 500_000).map((s) => s[1])).toEqual([900_000])
  })
})
