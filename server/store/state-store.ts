// Saves the aggregator's state to Redis: only the rows an event batch changed, together with the
// log position they include (and the definition version they were computed under), in one
// MULTI/EXEC. After a crash the saved rows and the position always agree, so re-reading the log
// from that position applies every event exactly once.
import type { Redis } from 'ioredis'
import { type AggregateState, SAVED_APART, WRITE_ONLY_TABLES } from '../../shared/figures/aggregate.js'
import type { Table } from '../../shared/figures/table.js'
import { type Keys, STATE_TABLES, type StateTable } from './keys.js'
import { LuaScript } from './redis.js'

const mergeCounters = LuaScript.load('merge-counters.lua')

export interface SavedPosition {
  /** last applied stream id */
  position: string
  /** how many log entries have been applied in total */
  applied: number
  /** the definition-set version the saved state was computed under (0: none yet) */
  definitions: number
}

type Changes = Array<[StateTable, Array<[string, unknown]>]>

function tableOf(state: AggregateState, name: StateTable): Table<unknown> {
  return state[name] as Table<unknown>
}

export class StateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async loadPosition(): Promise<SavedPosition> {
    const h = await this.redis.hgetall(this.keys.position)
    return { position: h['position'] ?? '0-0', applied: Number(h['applied'] ?? 0), definitions: Number(h['definitions'] ?? 0) }
  }

  /** Fills the state's tables from Redis (without marking anything changed); history stays in Redis. */
  async loadInto(state: AggregateState): Promise<number> {
    let rows = 0
    for (const name of STATE_TABLES) {
      if (WRITE_ONLY_TABLES.includes(name)) continue
      const table = tableOf(state, name)
      let cursor = '0'
      do {
        const [next, flat] = await this.redis.hscan(this.keys.state[name], cursor, 'COUNT', 2000)
        for (let i = 0; i + 1 < flat.length; i += 2) {
          table.restore(flat[i]!, JSON.parse(flat[i + 1]!))
          rows++
        }
        cursor = next
      } while (cursor !== '0')
    }
    return rows
  }

  /** Takes the pending changes out of the state's tables. */
  takeChanges(state: AggregateState): Changes {
    return STATE_TABLES.map((name) => [name, tableOf(state, name).takeChanges()] as [StateTable, Array<[string, unknown]>])
  }

  /** Puts changes back after a failed save, so the next save includes them. */
  restoreChanges(state: AggregateState, changes: Changes): void {
    for (const [name, rows] of changes) {
      const table = tableOf(state, name)
      for (const [key] of rows) table.touch(key)
    }
  }

  /** After a successful save, write-only rows leave memory (they live in Redis only). */
  forgetWritten(state: AggregateState, changes: Changes): void {
    for (const [name, rows] of changes) {
      if (!WRITE_ONLY_TABLES.includes(name)) continue
      const table = tableOf(state, name)
      for (const [key] of rows) table.rows.delete(key)
    }
  }

  /** Writes the changed rows and the new position atomically. */
  async save(changes: Changes, pos: SavedPosition): Promise<void> {
    const tx = this.redis.multi()
    for (const [name, rows] of changes) {
      if (rows.length === 0) continue
      const key = this.keys.state[name]
      const set: string[] = []
      const del: string[] = []
      // Fields of a row that another table saves are left out of the row.
      const apart = SAVED_APART[name]
      for (const [field, value] of rows) {
        if (value === undefined) del.push(field)
        else if (apart)
          set.push(field, JSON.stringify(Object.fromEntries(Object.entries(value as object).filter(([k]) => !apart.includes(k)))))
        else set.push(field, JSON.stringify(value))
      }
      if (WRITE_ONLY_TABLES.includes(name)) {
        // Archived rows are added to what is there (EVAL, not EVALSHA: a transaction cannot retry a NOSCRIPT).
        if (set.length) tx.eval(mergeCounters.source, 1, key, ...set)
        continue
      }
      if (set.length) tx.hset(key, ...set)
      if (del.length) tx.hdel(key, ...del)
    }
    tx.hset(this.keys.position, 'position', pos.position, 'applied', String(pos.applied), 'definitions', String(pos.definitions))
    const results = await tx.exec()
    const failed = results?.find(([err]) => err)
    if (!results || failed) throw failed?.[0] ?? new Error('state save aborted')
  }
}
