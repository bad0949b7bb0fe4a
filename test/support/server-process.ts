// Real server processes for the tests that kill them (and the benchmarks): `node server/main.ts` against the test run's
// Redis, on a free loopback port, with an ingest key; and the few HTTP calls those tests make.
import { type ChildProcess, spawn } from 'node:child_process'
import type { RawEvent } from '../../shared/events.js'

export interface ServerProcess {
  child: ChildProcess
  base: string
  /** SIGKILL, resolved once the process is gone */
  kill(): Promise<void>
}

export interface ServerProcessOptions {
  redisUrl: string
  prefix: string
  key: string
  /** WALLBOARD_TIMEZONE; absent: the server's default (TZ, else UTC) */
  timezone?: string
  /** Node options before the script (a CPU profile) */
  execArgv?: string[]
  env?: Record<string, string>
  /** the server's stderr to ours (a benchmark shows its errors), instead of into the start-up failure's message */
  showErrors?: boolean
}

const running = new Set<ChildProcess>()

/** Kills every process started and not yet gone (for afterAll). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL')
}

export async function startServer(opts: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), '--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: opts.redisUrl,
      WALLBOARD_REDIS_PREFIX: opts.prefix,
      WALLBOARD_DEMO: '0',
      WALLBOARD_API_KEY: opts.key,
      ...(opts.timezone ? { WALLBOARD_TIMEZONE: opts.timezone } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', opts.showErrors ? 'inherit' : 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let out = ''
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /(?:Boards|Ingest):\s+(http:\/\/[^/\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)))
  })
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await gone
  }
  return { child, base, kill }
}

export interface IngestAnswer {
  accepted: number
  duplicates: number
  rejected: unknown[]
}

/** Posts a batch; anything but 200 throws (the sender then retries it, with the same ids). */
export async function postBatch(base: string, key: string, batch: RawEvent[]): Promise<IngestAnswer> {
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  })
  if (res.status !== 200) throw new Error(`status ${res.status}`)
  return (await res.json()) as IngestAnswer
}

export async function getJson<T>(base: string, key: string, url: string): Promise<T> {
  const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${key}` } })
  return (await res.json()) as T
}
