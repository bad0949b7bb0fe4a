// One agent: its state timeline in event-time order, and the ACW periods that follow from it
// (from an acw point to the next point, cut short by a call the agent answers; attributed to the
// queue of the call answered just before).
import { describe, expect, it } from 'vitest'
import type { AgentOwnState } from '../../../shared/events.js'
import {
  type AgentRecord,
  agentSegments,
  currentPoint,
  insertCall,
  MAX_AGENT_CALLS,
  capAgentHistory,
  insertPoint,
  membershipOf,
  newAgent,
  pruneAgent,
  ownStateSince,
  removeCall,
} from '../../../shared/figures/agents.js'
import { at } from '../fixtures.js'

/** The ACW stretches of an agent, as [start, end, queue of the call before, ms]. */
function acwPeriods(a: AgentRecord): Array<[number, number, string | null, number]> {
  return agentSegments(a)
    .filter((s) => s[2] === 'acw')
    .map((s) => [s[0], s[1], s[4], s[1] - s[0]])
}

let n = 0
function agentWith(
  points: Array<[sec: number, state: AgentOwnState, reason?: string]>,
  /** [answered, queue, ended (default: at once; null: still talking)] */
  calls: Array<[sec: number, queue: string, endSec?: number | null]> = [],
): AgentRecord {
  const a = newAgent('a1')
  for (const [sec, state, reason] of points) insertPoint(a, [at(sec), state, reason ?? null, `p${n++}`])
  calls.forEach(([sec, queue, endSec], i) =>
    insertCall(a, [at(sec), queue, `${queue}\u0000c${i}`, endSec === null ? null : at(endSec ?? sec)]),
  )
  return a
}

describe('the state timeline', () => {
  it('orders points by event time whatever the arrival order', () => {
    const a = newAgent('a1')
    insertPoint(a, [at(30), 'available', null, 'x'])
    insertPoint(a, [at(10), 'acw', null, 'y'])
    insertPoint(a, [at(20), 'paused', 'lunch', 'z'])
    expect(a.points.map((p) => p[0])).toEqual([at(10), at(20), at(30)])
    expect(currentPoint(a)).toEqual([at(30), 'available', null, 'x'])
  })

  it('orders points of the same time by event id', () => {
    const a = newAgent('a1')
    insertPoint(a, [at(10), 'available', null, 'b'])
    insertPoint(a, [at(10), 'paused', null, 'a'])
    expect(a.points.map((p) => p[3])).toEqual(['a', 'b'])
  })

  it('ignores a point whose event is already there', () => {
    const a = newAgent('a1')
    expect(insertPoint(a, [at(10), 'available', null, 'e1'])).toBe(true)
    insertPoint(a, [at(20), 'acw', null, 'e2'])
    expect(insertPoint(a, [at(10), 'available', null, 'e1'])).toBe(false)
    expect(a.points).toHaveLength(2)
  })

  it('has no current point before any state event', () => {
    expect(currentPoint(newAgent('a1'))).toBeNull()
  })

  it('keeps answered calls ordered and replaces a call re-inserted with a new time', () => {
    const a = newAgent('a1')
    insertCall(a, [at(50), 'q1', 'k1', null])
    insertCall(a, [at(10), 'q2', 'k2', at(30)])
    insertCall(a, [at(5), 'q1', 'k1', at(8)])
    expect(a.calls).toEqual([
      [at(5), 'q1', 'k1', at(8)],
      [at(10), 'q2', 'k2', at(30)],
    ])
    expect(removeCall(a, 'k2')).toBe(true)
    expect(removeCall(a, 'k2')).toBe(false)
  })

  it('keeps at most MAX_AGENT_CALLS answered calls: past it, the newest half, returning the others', () => {
    const a = newAgent('a1')
    const dropped: string[] = []
    for (let i = 0; i < MAX_AGENT_CALLS + 50; i++) {
      insertCall(a, [at(i), 'q1', `k${i}`, at(i + 0.5)])
      dropped.push(...capAgentHistory(a).map((c) => c[2]))
      expect(a.calls.length).toBeLessThanOrEqual(MAX_AGENT_CALLS)
    }
    // At the 201st call the oldest 101 go; 149 remain, from k101 on.
    expect(dropped).toEqual(Array.from({ length: 101 }, (_, i) => `k${i}`))
    expect(a.calls[0]![2]).toBe('k101')
    expect(a.calls).toHaveLength(149)
  })

  it('uses explicit membership when known, else the queues learned from calls', () => {
    const a = newAgent('a1')
    a.learnedQueues = ['q1']
    expect(membershipOf(a)).toEqual(['q1'])
    a.memberships = [[0, [], 'm1']]
    expect(membershipOf(a)).toEqual([])
  })
})

describe('ACW periods', () => {
  it('run from an acw point to the next point', () => {
    expect(
      acwPeriods(
        agentWith(
          [
            [100, 'acw'],
            [130, 'available'],
          ],
          [[0, 'q1']],
        ),
      ),
    ).toEqual([[at(100), at(130), 'q1', 30_000]])
  })

  it('belong to the queue of the call answered just before', () => {
    const a = agentWith(
      [
        [100, 'acw'],
        [130, 'available'],
        [300, 'acw'],
        [360, 'available'],
      ],
      [
        [0, 'q1'],
        [200, 'q2'],
      ],
    )
    expect(acwPeriods(a)).toEqual([
      [at(100), at(130), 'q1', 30_000],
      [at(300), at(360), 'q2', 60_000],
    ])
  })

  it('have no queue when the agent answered nothing before', () => {
    expect(
      acwPeriods(
        agentWith([
          [100, 'acw'],
          [130, 'available'],
        ]),
      ),
    ).toEqual([[at(100), at(130), null, 30_000]])
  })

  it('are not counted while still open', () => {
    expect(acwPeriods(agentWith([[100, 'acw']], [[0, 'q1']]))).toEqual([])
  })

  it('are cut short by a call the agent answers meanwhile', () => {
    const a = agentWith(
      [
        [100, 'acw'],
        [200, 'available'],
      ],
      [
        [0, 'q1'],
        [140, 'q2', 200],
      ],
    )
    expect(acwPeriods(a)).toEqual([[at(100), at(140), 'q1', 40_000]])
  })

  it('resume after that call ends while the agent is still in acw, for the queue of that call', () => {
    const a = agentWith(
      [
        [100, 'acw'],
        [300, 'available'],
      ],
      [
        [0, 'q1'],
        [140, 'q2', 260],
      ],
    )
    expect(acwPeriods(a)).toEqual([
      [at(100), at(140), 'q1', 40_000],
      [at(260), at(300), 'q2', 40_000],
    ])
  })

  it('are over when the agent answers a call, even before the next state point arrives', () => {
    const a = agentWith(
      [[100, 'acw']],
      [
        [0, 'q1'],
        [140, 'q2', null],
      ],
    )
    expect(acwPeriods(a)).toEqual([[at(100), at(140), 'q1', 40_000]])
  })

  it('count a call answered at the same instant as the acw point as the call before', () => {
    expect(
      acwPeriods(
        agentWith(
          [
            [100, 'acw'],
            [130, 'available'],
          ],
          [[100, 'q2']],
        ),
      ),
    ).toEqual([[at(100), at(130), 'q2', 30_000]])
  })

  it('skip a zero-length period', () => {
    expect(
      acwPeriods(
        agentWith(
          [
            [100, 'acw'],
            [100, 'available'],
          ],
          [[0, 'q1']],
        ),
      ),
    ).toEqual([])
  })

  it('are not made by other states', () => {
    expect(
      acwPeriods(
        agentWith(
          [
            [0, 'available'],
            [100, 'paused', 'lunch'],
            [200, 'offline'],
          ],
          [[0, 'q1']],
        ),
      ),
    ).toEqual([])
  })
})

describe('time in the own state', () => {
  it('starts at the newest point', () => {
    expect(ownStateSince(agentWith([[100, 'available']], [[0, 'q1', 50]]))).toBe(at(100))
  })

  it('starts again when a call after that point ends', () => {
    expect(ownStateSince(agentWith([[100, 'available']], [[150, 'q1', 400]]))).toBe(at(400))
  })

  it('is unknown before any state event', () => {
    expect(ownStateSince(agentWith([], [[150, 'q1', 400]]))).toBeNull()
  })
})

describe('pruning an agent', () => {
  it('keeps the newest point at the horizon, so the state at the horizon stays known', () => {
    const a = agentWith([
      [0, 'available'],
      [100, 'paused', 'lunch'],
      [5000, 'available'],
    ])
    expect(pruneAgent(a, at(1000))).toBe(true)
    expect(a.points.map((p) => p[0])).toEqual([at(100), at(5000)])
  })

  it('keeps the call before the first retained point, which names the queue of its ACW', () => {
    const a = agentWith(
      [
        [0, 'available'],
        [100, 'acw'],
        [5000, 'available'],
      ],
      [
        [10, 'q1'],
        [50, 'q2'],
      ],
    )
    const before = acwPeriods(a)
    pruneAgent(a, at(1000))
    expect(a.calls.map((c) => c[1])).toEqual(['q2'])
    expect(acwPeriods(a)).toEqual(before)
  })

  it('changes nothing when nothing is old enough', () => {
    const a = agentWith([[100, 'available']], [[50, 'q1']])
    expect(pruneAgent(a, at(0))).toBe(false)
  })
})
