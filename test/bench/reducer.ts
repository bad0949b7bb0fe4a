// A baseline for the aggregator, as the bare Redis write path is one for ingest: the batch phase's
// traffic applied by the pure reducer in this process, alone on its core (each event parsed from
// its stored JSON, as the aggregator reads it), with no Redis, saves or fan-out. The aggregator's
// catch-up after a phase reads against it: what it had to share its core with, not the reducer,
// is then what held it back.
import { DefinitionBook, firstDefinitionSet } from '../../shared/definitions.js'
import { type WallboardEvent, validateEvent } from '../../shared/events.js'
import { applyEvent, emptyState } from '../../shared/figures/aggregate.js'

export interface ReducerBaseline {
  events: number
  eventsPerSec: number
  microsPerEvent: number
}

/** Applies `count` events of `next` (validated and stored as the server would) and times the apply alone. */
export function reducerBaseline(next: () => unknown, count: number): ReducerBaseline {
  const now = Date.now()
  const book = new DefinitionBook([firstDefinitionSet('UTC', now - 86_400_000)])
  const stored: string[] = []
  for (let i = 0; i < count; i++) {
    const v = validateEvent(next(), now)
    if (!v.ok) throw new Error(`bench traffic invalid: ${v.error}`)
    stored.push(JSON.stringify(v.event))
  }
  const state = emptyState()
  const started = performance.now()
  for (const json of stored) applyEvent(state, JSON.parse(json) as WallboardEvent, book)
  const ms = performance.now() - started
  return {
    events: count,
    eventsPerSec: Math.round(count / (ms / 1000)),
    microsPerEvent: Math.round((ms * 10_000) / count) / 10,
  }
}
