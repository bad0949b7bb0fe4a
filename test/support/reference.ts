// What the figures must be: the acknowledged events, deduplicated, in event-time order, through
// the pure functions, under the default definition of a time zone.
import { defaultDefinition } from '../../shared/definitions.js'
import { type RawEvent, validateEvent } from '../../shared/events.js'
import {
  type AggregateState,
  type Definitions,
  applyEvent,
  emptyState,
  fixedDefinitions,
} from '../../shared/figures/aggregate.js'

export interface Reference {
  state: AggregateState
  defs: Definitions
  /** calls offered across every queue: a check that the reference is not vacuous */
  offered: number
}

export function referenceOf(events: readonly RawEvent[], timezone: string): Reference {
  const defs = fixedDefinitions(defaultDefinition(timezone))
  const state = emptyState()
  const sorted = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) => (a.ts as number) - (b.ts as number))
  for (const e of sorted) {
    const v = validateEvent(e, Number.MAX_SAFE_INTEGER)
    if (!v.ok) throw new Error(v.error)
    applyEvent(state, v.event, defs)
  }
  let offered = 0
  for (const [key, c] of state.buckets.rows) if (key.startsWith('q|')) offered += c.offered
  return { state, defs, offered }
}
