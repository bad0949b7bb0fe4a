// Default amber/red thresholds of the board (shared/thresholds.ts): each edge, nulls never
// coloured, and values compared as the board shows them.
import { describe, expect, it } from 'vitest'
import { defaultDefinition } from '../../shared/definitions.js'
import {
  DEFAULT_THRESHOLDS,
  type QueueLevelInput,
  type Thresholds,
  abandonRateLevel,
  agentTimeLevel,
  answerRateLevel,
  asaLevel,
  longestWaitLevel,
  queueLevels,
  serviceLevelLevel,
  waitingLevel,
} from '../../shared/thresholds.js'

const def8020 = defaultDefinition('Asia/Shanghai')
const def9010 = { ...def8020, slTargetPct: 90, slThresholdSec: 10 }

describe('serviceLevelLevel', () => {
  it('is normal at or above the target', () => {
    expect(serviceLevelLevel(80, def8020)).toBe('normal')
    expect(serviceLevelLevel(100, def8020)).toBe('normal')
  })

  it('turns amber just below the target', () => {
    expect(serviceLevelLevel(79.9, def8020)).toBe('amber')
    expect(serviceLevelLevel(70, def8020)).toBe('amber')
  })

  it('turns red more than 10 points below the target', () => {
    expect(serviceLevelLevel(69.9, def8020)).toBe('red')
    expect(serviceLevelLevel(0, def8020)).toBe('red')
  })

  it('follows the queue target of the definition', () => {
    expect(serviceLevelLevel(85, def9010)).toBe('amber')
    expect(serviceLevelLevel(79.9, def9010)).toBe('red')
  })

  it('compares at the one decimal shown, so 79.96 % (shown 80.0 %) meets a target of 80', () => {
    expect(serviceLevelLevel(79.96, def8020)).toBe('normal')
    expect(serviceLevelLevel(79.94, def8020)).toBe('amber')
  })

  it('never colours a null service level (no calls yet)', () => {
    expect(serviceLevelLevel(null, def8020)).toBe('normal')
  })
})

describe('longestWaitLevel', () => {
  it('is normal when nobody waits or the wait is under the SL threshold', () => {
    expect(longestWaitLevel(0, def8020)).toBe('normal')
    expect(longestWaitLevel(19, def8020)).toBe('normal')
  })

  it('turns amber at the SL threshold and red at three times it', () => {
    expect(longestWaitLevel(20, def8020)).toBe('amber')
    expect(longestWaitLevel(59, def8020)).toBe('amber')
    expect(longestWaitLevel(60, def8020)).toBe('red')
    expect(longestWaitLevel(30, def9010)).toBe('red')
  })

  it('counts whole seconds, as the ticking tile shows them', () => {
    expect(longestWaitLevel(19.9, def8020)).toBe('normal')
  })

  it('never colours a null wait', () => {
    expect(longestWaitLevel(null, def8020)).toBe('normal')
  })
})

describe('asaLevel', () => {
  it('is normal up to half the SL threshold', () => {
    expect(asaLevel(0, def8020)).toBe('normal')
    expect(asaLevel(10, def8020)).toBe('normal')
  })

  it('turns amber above half the SL threshold and red above the threshold', () => {
    expect(asaLevel(11, def8020)).toBe('amber')
    expect(asaLevel(20, def8020)).toBe('amber')
    expect(asaLevel(21, def8020)).toBe('red')
  })

  it('compares whole seconds, as m:ss shows them', () => {
    expect(asaLevel(10.4, def8020)).toBe('normal')
    expect(asaLevel(10.5, def8020)).toBe('amber')
  })

  it('never colours a null ASA (nothing answered yet)', () => {
    expect(asaLevel(null, def8020)).toBe('normal')
  })
})

describe('abandonRateLevel', () => {
  it('is normal up to 5 %, amber above it, red above 10 %', () => {
    expect(abandonRateLevel(0)).toBe('normal')
    expect(abandonRateLevel(5)).toBe('normal')
    expect(abandonRateLevel(5.1)).toBe('amber')
    expect(abandonRateLevel(10)).toBe('amber')
    expect(abandonRateLevel(10.1)).toBe('red')
  })

  it('compares at the one decimal shown', () => {
    expect(abandonRateLevel(5.04)).toBe('normal')
  })

  it('never colours a null rate', () => {
    expect(abandonRateLevel(null)).toBe('normal')
  })
})

describe('answerRateLevel', () => {
  it('is normal from 90 %, amber below it, red below 80 %', () => {
    expect(answerRateLevel(100)).toBe('normal')
    expect(answerRateLevel(90)).toBe('normal')
    expect(answerRateLevel(89.9)).toBe('amber')
    expect(answerRateLevel(80)).toBe('amber')
    expect(answerRateLevel(79.9)).toBe('red')
  })

  it('never colours a null rate (0 % would be a lie)', () => {
    expect(answerRateLevel(null)).toBe('normal')
  })
})

describe('waitingLevel', () => {
  const w = (
    waiting: number,
    available: number,
    more: { ringing?: number; loggedIn?: number; longestWait?: 'normal' | 'amber' | 'red' } = {},
  ) =>
    waitingLevel({
      waiting,
      available,
      ringing: more.ringing ?? 0,
      agentsLoggedIn: more.loggedIn ?? 10,
      longestWait: more.longestWait ?? 'normal',
    })

  it('is normal when no call waits, even with nobody logged in', () => {
    expect(w(0, 0, { loggedIn: 0 })).toBe('normal')
  })

  it('is normal while free agents can take every waiting call', () => {
    expect(w(2, 2)).toBe('normal')
    expect(w(1, 0, { ringing: 1 })).toBe('normal')
  })

  it('turns amber when calls wait and no agent is available', () => {
    expect(w(1, 0)).toBe('amber')
    expect(w(3, 1)).toBe('amber')
  })

  it('turns red when the backlog reaches 3 calls', () => {
    expect(w(3, 0)).toBe('red')
    expect(w(5, 2)).toBe('red')
  })

  it('needs a larger backlog for red in a large team: a quarter of the agents logged in', () => {
    expect(w(9, 0, { loggedIn: 40 })).toBe('amber')
    expect(w(10, 0, { loggedIn: 40 })).toBe('red')
  })

  it('turns red when calls wait and no agent is logged in', () => {
    expect(w(1, 0, { loggedIn: 0 })).toBe('red')
  })

  it('turns red with the longest wait', () => {
    expect(w(1, 0, { longestWait: 'red' })).toBe('red')
    expect(w(1, 3, { longestWait: 'red' })).toBe('red')
  })
})

describe('queueLevels', () => {
  const quiet: QueueLevelInput = {
    definition: def8020,
    serviceLevelPct: null,
    answerRatePct: null,
    abandonRatePct: null,
    asaSec: null,
    waiting: 0,
    longestWaitSec: 0,
    agents: { available: 0, ringing: 0 },
    agentsLoggedIn: 0,
  }

  it('colours nothing for a queue without calls', () => {
    expect(queueLevels(quiet)).toEqual({
      serviceLevel: 'normal',
      waiting: 'normal',
      longestWait: 'normal',
      asa: 'normal',
      answerRate: 'normal',
      abandonRate: 'normal',
    })
  })

  it('levels every tile of a busy queue', () => {
    const busy: QueueLevelInput = {
      ...quiet,
      serviceLevelPct: 72.5,
      answerRatePct: 93.2,
      abandonRatePct: 11,
      asaSec: 14.2,
      waiting: 2,
      longestWaitSec: 75,
      agents: { available: 1, ringing: 0 },
      agentsLoggedIn: 12,
    }
    expect(queueLevels(busy)).toEqual({
      serviceLevel: 'amber',
      waiting: 'red',
      longestWait: 'red',
      asa: 'amber',
      answerRate: 'normal',
      abandonRate: 'red',
    })
  })

  it('takes other thresholds when a board passes them', () => {
    const strict: Thresholds = { ...DEFAULT_THRESHOLDS, abandonRateAbovePct: { amber: 2, red: 4 } }
    expect(queueLevels({ ...quiet, abandonRatePct: 3 }, strict).abandonRate).toBe('amber')
    expect(queueLevels({ ...quiet, abandonRatePct: 3 }).abandonRate).toBe('normal')
  })
})

describe('agentTimeLevel', () => {
  it('highlights a state held past its limit, amber then red at twice it', () => {
    expect(agentTimeLevel('ringing', null, 14)).toBe('normal')
    expect(agentTimeLevel('ringing', null, 15)).toBe('amber')
    expect(agentTimeLevel('ringing', null, 30)).toBe('red')
    expect(agentTimeLevel('acw', null, 121)).toBe('amber')
  })

  it('follows the pause reason’s own limit, else the pause limit', () => {
    expect(agentTimeLevel('paused', 'lunch', 30 * 60)).toBe('normal')
    expect(agentTimeLevel('paused', 'lunch', 36 * 60)).toBe('amber')
    expect(agentTimeLevel('paused', 'break', 16 * 60)).toBe('amber')
    expect(agentTimeLevel('paused', null, 31 * 60)).toBe('red')
  })

  it('never highlights a state without a limit, or an unknown time', () => {
    expect(agentTimeLevel('available', null, 99_999)).toBe('normal')
    expect(agentTimeLevel('offline', null, 99_999)).toBe('normal')
    expect(agentTimeLevel('acw', null, null)).toBe('normal')
  })
})
