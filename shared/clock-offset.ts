// A source's clock, judged from its events: how far its `ts` (event time at the source) runs ahead
// of or behind the server's clock, estimated from when the server stored each event. Pure: the
// aggregator notes every applied event with its stored time (its log position), so the estimate is
// a function of the stored log like every figure.
//
// Why the estimator is what it is. For one event, ts − storedAt = offset − delivery delay, and the
// delay is never negative: a live event arrives a few milliseconds after it happened, a late one
// (a retry, a replay, a PBX that held it back) minutes after. So the freshest event of a stretch
// tells the offset, and the others only say how late they came: within each short slot of stored
// time the largest ts − storedAt is kept. One slot can still mislead (a slot of nothing but a
// backlog replayed after an outage, a single event with a wrong time), so the estimate is the
// median of the last slots that held events: a backlog or a stray event has to fill more than
// half of them to move it, and backlogs replay in seconds.
//
// What cannot be told apart: a source that holds back every event (a batch upload every few
// minutes, a history import under its name) looks behind by as long as it holds them, while it
// sends. The flag says "behind" and the help says so. Only recent traffic is judged: the offset
// matters for durations ticking now, and a source that stopped (an import that ended) must not
// leave a flag on every board it feeds.

/** Stored time is cut into slots this long; each keeps the largest ts − storedAt of its events. */
export const CLOCK_SLOT_MS = 5_000
/** The estimate looks at the last this many slots that held events (about half a minute of steady traffic). */
export const CLOCK_SLOTS = 7
/** No estimate before this many slots held events: a few events sent by hand say little about a clock. */
export const CLOCK_MIN_SLOTS = 3
/**
 * A source whose clock is further than this from the server's (either way) is flagged. Clocks kept
 * by NTP agree within milliseconds and a healthy pipeline delivers within a second, so anything
 * near this is a clock nobody sets; it is twice the connectors' longest retry delay (30 s), so a
 * sender holding events back between retries is not mistaken for a slow clock; and it is well
 * under the 5 minutes after which events are refused as being in the future (MAX_FUTURE_SKEW_MS),
 * so an admin sees a drifting clock long before its events are lost.
 */
export const CLOCK_SKEW_FLAG_MS = 60_000

/**
 * Slots older than this say nothing of the clock now: a source silent this long starts afresh with
 * its next event, and its estimate leaves its health once its newest slot is this old.
 */
export const CLOCK_FORGET_MS = 10 * 60_000

/** The kept slots, oldest first: [slot number (storedAt / CLOCK_SLOT_MS), largest ts − storedAt in it]. */
export type ClockSlots = Array<[slot: number, maxOffsetMs: number]>

/** Notes one event (its own time, and when the server stored it); returns the slots to keep. */
export function noteClock(slots: ClockSlots, ts: number, storedAt: number): ClockSlots {
  const slot = Math.floor(storedAt / CLOCK_SLOT_MS)
  const offset = ts - storedAt
  let last = slots[slots.length - 1]
  if (last !== undefined && (slot - last[0]) * CLOCK_SLOT_MS > CLOCK_FORGET_MS) {
    slots.length = 0
    last = undefined
  }
  if (last === undefined || slot > last[0]) {
    slots.push([slot, offset])
    if (slots.length > CLOCK_SLOTS) slots.splice(0, slots.length - CLOCK_SLOTS)
    return slots
  }
  // The log is applied in stored order, so an event falls in the newest slot; an older one (never
  // expected) is folded into the slot it belongs to if still kept, and otherwise says nothing new.
  for (let i = slots.length - 1; i >= 0; i--) {
    const s = slots[i]!
    if (s[0] === slot) {
      if (offset > s[1]) s[1] = offset
      break
    }
    if (s[0] < slot) break
  }
  return slots
}

/**
 * The source's clock minus the server's, ms (positive: ahead), as of `serverNow`; null until
 * CLOCK_MIN_SLOTS slots held events, and once the newest is older than CLOCK_FORGET_MS.
 */
export function clockOffset(slots: readonly (readonly [number, number])[], serverNow: number): number | null {
  const newest = slots[slots.length - 1]
  if (slots.length < CLOCK_MIN_SLOTS || newest === undefined) return null
  if (serverNow - (newest[0] + 1) * CLOCK_SLOT_MS > CLOCK_FORGET_MS) return null
  const sorted = slots.map((s) => s[1]).sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2)
}

/** Flagged: the estimated offset is further from the server's clock than CLOCK_SKEW_FLAG_MS, either way. */
export function isClockSkewed(offsetMs: number | null): boolean {
  return offsetMs !== null && Math.abs(offsetMs) > CLOCK_SKEW_FLAG_MS
}

/** An offset as shown: its direction and its size in whole minutes and seconds (5 min 0 s ahead). */
export function offsetParts(offsetMs: number): { ahead: boolean; min: number; sec: number } {
  const total = Math.round(Math.abs(offsetMs) / 1000)
  return { ahead: offsetMs >= 0, min: Math.floor(total / 60), sec: total % 60 }
}
