// The metric definitions as data: every version of the definition set is kept in Redis (figures
// and history name the version they were computed under). A change writes version N+1 with who
// and when; HSETNX on the version number makes two simultaneous changes take turns.
import type { RedisClient } from '../store/redis.js'
import {
  DefinitionBook,
  type DefinitionOptions,
  type DefinitionSet,
  effectiveOptions,
  firstDefinitionSet,
} from '../../shared/definitions.js'
import type { Keys } from '../store/keys.js'

export type DefinitionChange =
  | { target: 'defaults'; options: Partial<DefinitionOptions> }
  | { target: 'queue'; queue: string; options: Partial<DefinitionOptions> }
  | { target: 'queue'; queue: string; reset: true }

export class DefinitionStore {
  private book: DefinitionBook | null = null

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** the time zone of the very first version (WALLBOARD_TIMEZONE); afterwards the data wins */
    private readonly timezone: string,
  ) {}

  /** Reads every version; writes version 1 (the product defaults) into an empty store. */
  async load(): Promise<DefinitionBook> {
    await this.redis.hsetnx(this.keys.definitions, '1', JSON.stringify(firstDefinitionSet(this.timezone, Date.now())))
    const all = await this.redis.hvals(this.keys.definitions)
    const history = all.map((raw) => JSON.parse(raw) as DefinitionSet).sort((a, b) => a.version - b.version)
    this.book = new DefinitionBook(history)
    return this.book
  }

  /** The book loaded last. */
  current(): DefinitionBook {
    if (!this.book) throw new Error('definitions not loaded')
    return this.book
  }

  /** Re-reads the store when another process wrote a version. */
  async refresh(): Promise<DefinitionBook> {
    const count = await this.redis.hlen(this.keys.definitions)
    return this.book && count === this.book.history.length ? this.book : this.load()
  }

  /** Writes the next version of the set; returns it and the book that includes it. */
  async change(change: DefinitionChange, by: string): Promise<{ set: DefinitionSet; book: DefinitionBook }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const book = await this.refresh()
      const prev = book.current
      const set: DefinitionSet = {
        version: prev.version + 1,
        createdAt: Date.now(),
        createdBy: by,
        defaults: change.target === 'defaults' ? { ...prev.defaults, ...change.options } : prev.defaults,
        queues: { ...prev.queues },
      }
      if (change.target === 'queue') {
        if ('reset' in change) delete set.queues[change.queue]
        else set.queues[change.queue] = { ...prev.queues[change.queue], ...change.options }
      }
      if ((await this.redis.hsetnx(this.keys.definitions, String(set.version), JSON.stringify(set))) === 1) {
        return { set, book: await this.load() }
      }
    }
    throw new Error('the definitions changed under us five times in a row; try again')
  }

  /** The merged options a change would give, for validation before writing. */
  preview(change: DefinitionChange): DefinitionOptions {
    const set = this.current().current
    if (change.target === 'defaults') return { ...set.defaults, ...change.options }
    if ('reset' in change) return set.defaults
    return { ...effectiveOptions(set, change.queue), ...change.options }
  }
}
