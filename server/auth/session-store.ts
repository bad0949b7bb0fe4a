// Sessions live in Redis (every server process sees the same ones), one key each with a TTL that
// restarts on every use: a session ends after `idleMs` without a request or a connected screen.
// The interface is the one @fastify/session (and express-session) expects.
import type { RedisClient } from '../store/redis.js'
import type { Keys } from '../store/keys.js'

type Callback<T = void> = (err?: Error | null, value?: T) => void

export interface StoredSession {
  userId?: string
  createdAt?: number
  [key: string]: unknown
}

export class RedisSessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly idleMs: number,
  ) {}

  set(sessionId: string, session: object, callback: Callback): void {
    this.redis.set(this.keys.session(sessionId), JSON.stringify(session), 'PX', this.idleMs).then(
      () => callback(null),
      (err: Error) => callback(err),
    )
  }

  // The store interface of @fastify/session hands sessions around as its own Session type.
  get(sessionId: string, callback: (err: Error | null, session?: never) => void): void {
    this.read(sessionId).then(
      (s) => callback(null, (s ?? undefined) as never),
      (err: Error) => callback(err),
    )
  }

  destroy(sessionId: string, callback: Callback): void {
    this.redis.del(this.keys.session(sessionId)).then(
      () => callback(null),
      (err: Error) => callback(err),
    )
  }

  /** Reads a session and restarts its idle timer; null when it ended. */
  async read(sessionId: string): Promise<StoredSession | null> {
    const key = this.keys.session(sessionId)
    // A store that refuses writes (its disk full) still answers reads: the session is read without
    // its idle time renewed, so admins can see what is wrong meanwhile.
    const raw = await this.redis
      .getex(key, 'PX', this.idleMs)
      .catch((err: unknown) =>
        err instanceof Error && err.message.startsWith('MISCONF') ? this.redis.get(key) : Promise.reject(err),
      )
    return raw ? (JSON.parse(raw) as StoredSession) : null
  }

  async end(sessionId: string): Promise<void> {
    await this.redis.del(this.keys.session(sessionId))
  }
}
