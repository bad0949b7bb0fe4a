// Every Redis key name is built here and nowhere else.
// All keys of one centre share the hash tag `{c}`, so that the ingest script and the aggregator's
// transaction touch a single slot on Redis Cluster.

import { SAVED_TABLES, type SavedTable } from '../../shared/figures/aggregate.js'

export const STATE_TABLES = SAVED_TABLES
export type StateTable = SavedTable

export interface Keys {
  /** stream: the append-only event log; one entry per accepted event, field `e` = event JSON */
  events: string
  /** set of every accepted event id: the idempotency check */
  eventIds: string
  /** string: the last stream id the aggregator applied (the exactly-once marker) */
  position: string
  /** one hash per state table: row key → row JSON */
  state: Record<StateTable, string>
  /** hash: sha256(key) → key metadata JSON */
  apiKeys: string
}

export function redisKeys(prefix: string): Keys {
  const base = `${prefix}{c}:`
  return {
    events: `${base}events`,
    eventIds: `${base}event-ids`,
    position: `${base}agg:position`,
    state: Object.fromEntries(STATE_TABLES.map((t) => [t, `${base}agg:${t}`])) as Record<StateTable, string>,
    apiKeys: `${base}api-keys`,
  }
}
