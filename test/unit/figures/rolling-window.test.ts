// The rolling window adds whole minutes from per-minute sums and the ragged ends second by second;
// it must always equal the plain sum of the seconds in the window.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultDefinition } from '../../../shared/definitions.js'
import { validateEvent } from '../../../shared/events.js'
import { fixedDefinitions, applyEvent, emptyState, prune, reindex } from '../../../shared/figures/aggregate.js'
import { rollingCounters } from '../../../shared/figures/compute.js'
import { addCounters, emptyCounters } from '../../../shared/figures/counters.js'

const BASE = Date.UTC(2026, 10, 23, 2, 0, 0)

function naiveRolling(state: ReturnType<typeof emptyState>, queue: string, minutes: number, nowMs: number) {
  const nowSec = Math.floor(nowMs / 1000)
  const sum = emptyCounters()
  for (const [sec, c] of state.seconds.get(queue) ?? []) if (sec > nowSec - minutes * 60 && sec <= nowSec) addCounters(sum, c)
  return sum
}

describe('the rolling window', () => {
  it('equals the plain sum of its seconds for any window length, instant and arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            queuedAt: fc.integer({ min: 0, max: 7200_000 }),
            waitMs: fc.integer({ min: 0, max: 200_000 }),
            abandon: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.integer({ min: 0, max: 8000_000 }),
        fc.constantFrom(5, 15, 30, 60),
        (calls, nowOffset, minutes) => {
          const def = { ...defaultDefinition('Asia/Shanghai'), rollingMinutes: minutes as 5 | 15 | 30 | 60 }
          const defs = fixedDefinitions(def)
          const state = emptyState()
          calls.forEach((c, i) => {
            const raw = [
              { id: `q${i}`, type: 'call.queued', ts: BASE + c.queuedAt, callId: `c${i}`, queue: 'q' },
              c.abandon
                ? { id: `o${i}`, type: 'call.abandoned', ts: BASE + c.queuedAt + c.waitMs, callId: `c${i}`, queue: 'q' }
                : {
                    id: `o${i}`,
                    type: 'call.answered',
                    ts: BASE + c.queuedAt + c.waitMs,
                    callId: `c${i}`,
                    queue: 'q',
                    agent: 'a',
                  },
            ]
            for (const r of raw.reverse()) {
              const v = validateEvent(r, Number.MAX_SAFE_INTEGER)
              if (!v.ok) throw new Error(v.error)
              applyEvent(state, v.event, defs)
            }
          })
          const now = BASE + nowOffset
          expect(rollingCounters(state, 'q', minutes, now, def).counters).toEqual(naiveRolling(state, 'q', minutes, now))
          prune(state, now)
          expect(rollingCounters(state, 'q', minutes, now, def).counters).toEqual(naiveRolling(state, 'q', minutes, now))
          reindex(state)
          expect(rollingCounters(state, 'q', minutes, now, def).counters).toEqual(naiveRolling(state, 'q', minutes, now))
        },
      ),
      { numRuns: 300 },
    )
  })
})
