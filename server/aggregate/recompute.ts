// A definition changed: the current business day of every queue it concerns is recomputed from
// the stored log under the new version, so that one day never mixes two bases. Closed days keep
// what they were computed with. The log is replayed into a scratch state from a day before the
// earliest affected day start (context: calls queued earlier, agents' states then), and the
// affected buckets are swapped in. Pure replay through applyEvent: the same code as live.
import { DefinitionBook } from '../../shared/definitions.js'
import type { WallboardEvent } from '../../shared/events.js'
import {
  type AggregateState,
  applyEvent,
  dayBucketStart,
  emptyState,
  parseBucketKey,
  reindex,
} from '../../shared/figures/aggregate.js'
import type { EventLog } from '../store/event-log.js'

/** How much of the log before the earliest affected day start is replayed for context. */
export const RECOMPUTE_CONTEXT_MS = 24 * 3600_000

export interface Recomputed {
  /** queues recomputed (null: the centre's agent figures) */
  changed: Array<string | null>
  /** the earliest instant whose buckets were replaced */
  from: number | null
  replayed: number
}

/** The book as it was at a version (the state was saved under it). */
export function bookAt(book: DefinitionBook, version: number): DefinitionBook {
  const history = book.history.filter((s) => s.version <= version)
  return new DefinitionBook(history.length > 0 ? history : [book.history[0]!])
}

export async function recomputeForDefinitions(
  state: AggregateState,
  log: EventLog,
  position: string,
  older: DefinitionBook,
  newer: DefinitionBook,
  nowMs: number,
): Promise<Recomputed> {
  const queues = [...state.queues.rows.keys()]
  const changed = newer.changedSince(older, queues)
  if (changed.length === 0) return { changed, from: null, replayed: 0 }
  // Per affected scope: today under either book (a new time zone or day start moves "today").
  // (The newer book never reaches before the older one's start of today: see DefinitionBook.)
  const since = new Map<string | null, number>()
  for (const q of changed) since.set(q, Math.min(...[older, newer].map((b) => dayBucketStart(b, q, nowMs))))
  const from = Math.min(...since.values())

  const scratch = emptyState()
  let replayed = 0
  for await (const batch of log.range(`${Math.max(0, from - RECOMPUTE_CONTEXT_MS)}`, position)) {
    for (const entry of batch) {
      let event: WallboardEvent
      try {
        event = JSON.parse(entry.json) as WallboardEvent
      } catch {
        continue
      }
      applyEvent(scratch, event, newer)
      replayed++
    }
  }

  // Buckets are keyed by their start (days and intervals in ms, minutes and seconds in their units).
  const affected = (key: string): boolean => {
    const k = parseBucketKey(key)
    if (!k) return false
    const start = since.get(k.kind === 'a' ? null : k.scope)
    if (start === undefined) return false
    const ms = k.kind === 's' ? Number(k.time) * 1000 : k.kind === 'm' ? Number(k.time) * 60_000 : Number(k.time)
    return ms >= start
  }
  for (const key of [...state.buckets.rows.keys()]) if (affected(key)) state.buckets.delete(key)
  for (const [key, counters] of scratch.buckets.rows) if (affected(key)) state.buckets.set(key, counters)
  reindex(state)
  for (const q of changed) if (q !== null) state.touchedQueues.add(q)
  if (since.has(null)) for (const id of state.agents.rows.keys()) state.touchedAgents.add(id)
  return { changed, from, replayed }
}
