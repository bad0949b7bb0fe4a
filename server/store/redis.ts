// Redis connections and the Lua scripts. Commands fail fast while Redis is unreachable (no
// offline queue), so that ingest answers 503 at once instead of holding requests in memory.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Cluster, Redis, type RedisOptions } from 'ioredis'

/**
 * A connection to one Redis or to a Redis Cluster: the same commands either way. Every key of a
 * wallboard carries one hash tag (server/store/keys.ts), so every script and transaction touches
 * one slot, which is what Cluster requires.
 */
export type RedisClient = Redis | Cluster

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

/** Redis did not answer within a deadline: it may still carry the command out later (a stalled Redis resumes). */
export class StoreTimeoutError extends StoreUnavailableError {
  override name = 'StoreTimeoutError'
}

/** The per-command deadline of a connection whose options do not say. */
export const COMMAND_TIMEOUT_MS = 5_000

/** The per-command deadline `connectRedis` gave this connection. */
export function commandTimeoutOf(redis: RedisClient): number {
  const options = redis instanceof Cluster ? redis.options.redisOptions : redis.options
  return options?.commandTimeout ?? COMMAND_TIMEOUT_MS
}

/**
 * `work`, or a StoreTimeoutError naming `what` once `ms` have passed without its answer. ioredis
 * bounds each command by the connection's deadline; this bounds what several commands in a row
 * add up to (an ingest request: its rate-limit count, then its append), or asks for an answer
 * sooner than the connection's deadline (a health probe). The command itself is not withdrawn:
 * a stalled Redis may still carry it out when it resumes, so what it writes must be safe to write
 * again (the append is: by id).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) {
    // Not waited for: its failure, if any, is the caller's no more.
    work.catch(() => undefined)
    return Promise.reject(new StoreTimeoutError(`Redis did not answer ${what} in time`))
  }
  return new Promise<T>((resolve, reject) => {
    // After the I/O of the same turn: an answer that came in while this process was busy past the
    // deadline (a long GC, a large batch) counts, rather than be mistaken for a stalled Redis.
    const late = () => setImmediate(() => reject(new StoreTimeoutError(`Redis did not answer ${what} within ${ms} ms`)))
    const timer = setTimeout(late, ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

export interface ConnectOptions {
  name: string
  /** per-command deadline; blocking reads need more than their BLOCK time */
  commandTimeoutMs?: number
  /**
   * Queue commands while disconnected instead of failing them at once. Only for a client whose
   * user retries a failed command immediately (the socket.io adapter's read loop): failing at once
   * would make that a busy loop while Redis is down.
   */
  offlineQueue?: boolean
  /** `url` is a comma-separated list of a Redis Cluster's nodes (any of them; the rest are discovered) */
  cluster?: boolean
}

// Reconnect attempts back off to every 0.5 s at most: cheap against a Redis that is down, and
// ingest takes events again within 0.5 s of its return.
const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 4), 500)

export function connectRedis(url: string, opts: ConnectOptions): RedisClient {
  const options: RedisOptions = {
    connectionName: opts.name,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    connectTimeout: 5_000,
    // A reconnect must not replay half a transaction or a blocking read issued before the drop.
    autoResendUnfulfilledCommands: false,
  }
  const offline = opts.offlineQueue ?? false
  if (!opts.cluster) return new Redis(url, { ...options, enableOfflineQueue: offline, retryStrategy: backoff })
  const nodes = url.split(',').map((u) => new URL(u.trim()))
  const first = nodes[0]!
  return new Cluster(
    nodes.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
    {
      enableOfflineQueue: offline,
      clusterRetryStrategy: backoff,
      // A node that drops is reconnected (not only found again on the next MOVED), as a single Redis is.
      clusterNodeRetryStrategy: backoff,
      redisOptions: {
        ...options,
        username: first.username ? decodeURIComponent(first.username) : undefined,
        password: first.password ? decodeURIComponent(first.password) : undefined,
        tls: first.protocol === 'rediss:' ? {} : undefined,
      },
    },
  )
}

/** Resolves when the connection is ready; rejects with a clear message after `timeoutMs`. */
export function waitReady(redis: RedisClient, timeoutMs = 15_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    let lastError = ''
    const onError = (err: Error) => (lastError = err.message)
    const timer = setTimeout(() => {
      redis.off('error', onError)
      reject(new StoreUnavailableError(`Redis not reachable after ${timeoutMs / 1000} s${lastError ? `: ${lastError}` : ''}`))
    }, timeoutMs)
    redis.on('error', onError)
    redis.once('ready', () => {
      clearTimeout(timer)
      redis.off('error', onError)
      resolve()
    })
  })
}

/** A Lua script run by EVALSHA, loaded on first use and again after a Redis restart (NOSCRIPT). */
export class LuaScript {
  readonly sha: string
  private constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  static load(file: string): LuaScript {
    return new LuaScript(readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8'))
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
        return redis.eval(this.source, keys.length, ...keys, ...args)
      throw err
    }
  }
}

/** True for a command Redis did not answer in time: unlike a refused one, it may still be carried out. */
export function isTimeout(err: unknown): boolean {
  return err instanceof StoreTimeoutError || (err instanceof Error && err.message.includes('Command timed out'))
}

/** True for errors that mean "Redis is not there right now" rather than a bug. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof StoreUnavailableError) return true
  const m = err.message
  return (
    m.includes("Stream isn't writeable") ||
    m.includes('Connection is closed') ||
    m.includes('Command timed out') ||
    m.startsWith('LOADING') ||
    m.startsWith('MISCONF') ||
    m.startsWith('OOM') ||
    m.startsWith('BUSY') ||
    m.includes('ECONNREFUSED') ||
    m.includes('ECONNRESET') ||
    m.includes('Reached the max retries') ||
    // Redis Cluster: no node reachable, or the cluster is failing over
    m.startsWith('CLUSTERDOWN') ||
    m.startsWith('TRYAGAIN') ||
    m.includes('None of startup nodes is available') ||
    m.includes('Failed to refresh slots cache') ||
    m.includes('Cluster is disconnected')
  )
}
