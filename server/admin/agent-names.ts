// Display names an administrator gives agents, over the names their events carry (a phone system
// often knows an agent only as "SIP/2001"). An agent without one shows its event name, else its id.
import type { RedisClient } from '../store/redis.js'
import type { Keys } from '../store/keys.js'
import { HashMirror } from './hash-mirror.js'

export class AgentNames {
  private readonly rows: HashMirror<string>

  constructor(redis: RedisClient, keys: Keys) {
    this.rows = new HashMirror(redis, keys.agentNames)
  }

  refresh(): Promise<void> {
    return this.rows.refresh()
  }

  /** The name given to an agent, or null. */
  get(agent: string): string | null {
    return this.rows.get(agent) ?? null
  }

  /** Sets (or, with null, removes) an agent's display name; returns the one it had. */
  async set(agent: string, name: string | null): Promise<string | null> {
    await this.rows.refresh()
    const before = this.get(agent)
    if (name === null) await this.rows.delete(agent)
    else await this.rows.set(agent, name)
    return before
  }
}
