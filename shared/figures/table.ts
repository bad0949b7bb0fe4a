// A keyed collection that remembers which rows changed since the last save, so that the shell
// persists only what an event touched (O(1) writes per event, batched per read of the log).

export class Table<V> {
  readonly rows = new Map<string, V>()
  private changed = new Set<string>()

  get size(): number {
    return this.rows.size
  }

  get(key: string): V | undefined {
    return this.rows.get(key)
  }

  has(key: string): boolean {
    return this.rows.has(key)
  }

  set(key: string, value: V): void {
    this.rows.set(key, value)
    this.changed.add(key)
  }

  /** Marks a row whose object was changed in place. */
  touch(key: string): void {
    this.changed.add(key)
  }

  delete(key: string): void {
    if (this.rows.delete(key)) this.changed.add(key)
  }

  /** Loads a row without marking it changed (restoring saved state). */
  restore(key: string, value: V): void {
    this.rows.set(key, value)
  }

  get pendingChanges(): number {
    return this.changed.size
  }

  /** The rows changed since the last call: `[key, value]`, value undefined for a deleted row. */
  takeChanges(): Array<[string, V | undefined]> {
    const out: Array<[string, V | undefined]> = []
    for (const key of this.changed) out.push([key, this.rows.get(key)])
    this.changed.clear()
    return out
  }
}
