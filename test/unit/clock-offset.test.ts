// A source's clock judged from its events: the estimate finds the offset through network delay,
// late and replayed events and a stray wrong time, and the flag is raised past one minute either way.
import { describe, expect, it } from 'vitest'
import {
  CLOCK_FORGET_MS,
  CLOCK_MIN_SLOTS,
  CLOCK_SKEW_FLAG_MS,
  CLOCK_SLOTS,
  CLOCK_SLOT_MS,
  type ClockSlots,
  clockOffset,
  isClockSkewed,
  noteClock,
  offsetParts,
} from '../../shared/clock-offset.js'
import { type SourceRow, noteSource, rowHealth } from '../../shared/sources.js'
import { prng } from '../support/traffic.js'

const T0 = Date.UTC(2026, 2, 1, 1, 0, 0)

/**
 * A source sending every `everyMs` for `forMs` whose clock is `offsetMs` off: each event is stored
 * 2–80 ms after it happened, and a `lateShare` of them minutes after (retries, replays).
 */
function traffic(
  offsetMs: number,
  forMs: number,
  seed: number,
  lateShare = 0,
  everyMs = 200,
): Array<[ts: number, storedAt: number]> {
  const rnd = prng(seed)
  const out: Array<[number, number]> = []
  for (let at = T0; at < T0 + forMs; at += everyMs) {
    const late = rnd() < lateShare ? 10_000 + rnd() * 10 * 60_000 : 0
    out.push([at - late + offsetMs, at + 2 + rnd() * 78])
  }
  return out
}

/** Notes the events, and estimates as of the last one's storing. */
function estimate(events: Array<[ts: number, storedAt: number]>, slots: ClockSlots = []): number | null {
  for (const [ts, storedAt] of events) noteClock(slots, ts, storedAt)
  return clockOffset(slots, events[events.length - 1]![1])
}

describe('clockOffset', () => {
  it('finds a correct clock, and one 5 minutes ahead or behind, to within the network delay', () => {
    for (const offset of [0, 300_000, -300_000, 61_000, -61_000]) {
      const found = estimate(traffic(offset, 60_000, 1))!
      expect(found).toBeLessThanOrEqual(offset)
      expect(found).toBeGreaterThan(offset - 100)
      expect(isClockSkewed(found)).toBe(Math.abs(offset) > CLOCK_SKEW_FLAG_MS)
    }
  })

  it('is not misled by late events mixed in: only how late they came, never the clock', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const found = estimate(traffic(0, 60_000, seed, 0.4))!
      expect(Math.abs(found)).toBeLessThan(100)
      expect(isClockSkewed(found)).toBe(false)
    }
  })

  it('is not moved by a backlog replayed after an outage, nor by one event with a wrong time', () => {
    const live = traffic(0, 30_000, 2)
    const end = T0 + 30_000
    // a file replayed from 15 to 5 minutes ago, stored within 2 s; then, alone in its slot, one
    // event 4 minutes ahead (a wrong time typed in); then live again
    const backlog = Array.from({ length: 500 }, (_, i): [number, number] => [end - 900_000 + i * 1_200, end + (i * 2_000) / 500])
    const stray: [number, number] = [end + 6_000 + 240_000, end + 6_000]
    const after = traffic(0, 10_000, 3).map(([ts, at]): [number, number] => [ts + 40_000, at + 40_000])
    const slots: ClockSlots = []
    estimate(live, slots)
    expect(isClockSkewed(estimate(backlog, slots))).toBe(false)
    expect(slots[slots.length - 1]![1]).toBeLessThan(-5 * 60_000 + 1_000)
    expect(isClockSkewed(estimate([stray], slots))).toBe(false)
    expect(slots[slots.length - 1]![1]).toBe(240_000)
    expect(Math.abs(estimate(after, slots)!)).toBeLessThan(100)
  })

  it('says nothing before events came in CLOCK_MIN_SLOTS slots, and forgets all but the last CLOCK_SLOTS', () => {
    const slots: ClockSlots = []
    for (let i = 0; i < CLOCK_MIN_SLOTS - 1; i++) noteClock(slots, T0 + i * CLOCK_SLOT_MS + 300_000, T0 + i * CLOCK_SLOT_MS)
    expect(clockOffset(slots, T0 + 10 * CLOCK_SLOT_MS)).toBeNull()
    noteClock(slots, T0 + 10 * CLOCK_SLOT_MS + 300_000, T0 + 10 * CLOCK_SLOT_MS)
    expect(clockOffset(slots, T0 + 10 * CLOCK_SLOT_MS)).toBe(300_000)
    // the clock is put right: once more than half the kept slots say so, the estimate follows
    for (let i = 11; i < 11 + CLOCK_SLOTS; i++) noteClock(slots, T0 + i * CLOCK_SLOT_MS, T0 + i * CLOCK_SLOT_MS)
    expect(slots).toHaveLength(CLOCK_SLOTS)
    expect(clockOffset(slots, T0 + 20 * CLOCK_SLOT_MS)).toBe(0)
  })

  it('judges recent traffic only: a source that stopped is no longer judged, and one that comes back starts afresh', () => {
    // a history import under the live source's name: days behind while it runs
    const imported = traffic(-3 * 86_400_000, 30_000, 5, 0, 20)
    const slots: ClockSlots = []
    const end = imported[imported.length - 1]![1]
    expect(isClockSkewed(estimate(imported, slots))).toBe(true)
    expect(clockOffset(slots, end + CLOCK_FORGET_MS)).not.toBeNull()
    expect(clockOffset(slots, end + CLOCK_FORGET_MS + 2 * CLOCK_SLOT_MS)).toBeNull()
    // live again the next morning: the import's slots are dropped with its first event
    noteClock(slots, end + 8 * 3_600_000, end + 8 * 3_600_000 + 30)
    expect(slots).toEqual([[Math.floor((end + 8 * 3_600_000 + 30) / CLOCK_SLOT_MS), -30]])
  })

  it('keeps the freshest event of a slot, and folds an event stored in an older kept slot into it', () => {
    const slots: ClockSlots = []
    noteClock(slots, T0 - 50, T0)
    noteClock(slots, T0 - 9_000, T0 + 100)
    noteClock(slots, T0 + CLOCK_SLOT_MS, T0 + CLOCK_SLOT_MS)
    noteClock(slots, T0 + 1_000, T0 + 1_010) // stored in the first slot, applied after the second's
    expect(slots).toEqual([
      [T0 / CLOCK_SLOT_MS, -10],
      [T0 / CLOCK_SLOT_MS + 1, 0],
    ])
  })
})

describe('isClockSkewed / offsetParts', () => {
  it('flags past one minute either way, and nothing without an estimate', () => {
    expect(isClockSkewed(CLOCK_SKEW_FLAG_MS)).toBe(false)
    expect(isClockSkewed(CLOCK_SKEW_FLAG_MS + 1)).toBe(true)
    expect(isClockSkewed(-CLOCK_SKEW_FLAG_MS)).toBe(false)
    expect(isClockSkewed(-CLOCK_SKEW_FLAG_MS - 1)).toBe(true)
    expect(isClockSkewed(null)).toBe(false)
  })

  it('shows an offset as minutes and seconds ahead or behind', () => {
    expect(offsetParts(299_640)).toEqual({ ahead: true, min: 5, sec: 0 })
    expect(offsetParts(-300_000)).toEqual({ ahead: false, min: 5, sec: 0 })
    expect(offsetParts(-61_400)).toEqual({ ahead: false, min: 1, sec: 1 })
  })
})

describe('a source row', () => {
  it("gives its clock's estimate in its health, and none for a row saved before clocks were judged", () => {
    let row: SourceRow | undefined
    for (const [ts, storedAt] of traffic(-300_000, 20_000, 4)) row = noteSource(row, { ts, queue: 'east' }, storedAt)
    const health = rowHealth(row!, row!.lastReceivedAt)
    expect(health.clockOffsetMs).toBeGreaterThan(-300_100)
    expect(health.clockOffsetMs).toBeLessThanOrEqual(-300_000)
    expect(health.clockSkewed).toBe(true)
    expect(health).not.toHaveProperty('clock')
    const old: SourceRow = { lastReceivedAt: T0, lastEventAt: T0, events: 30, queues: ['east'] }
    expect(rowHealth(old, T0)).toMatchObject({ clockOffsetMs: null, clockSkewed: false })
    expect(noteSource(old, { ts: T0 + 300_000 }, T0 + 1).clock).toEqual([[Math.floor((T0 + 1) / CLOCK_SLOT_MS), 299_999]])
  })
})
