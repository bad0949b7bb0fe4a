// Starts a local redis-server child process (the launcher's embedded store, and the tests' real
// Redis), with AOF persistence in its own directory, on a free loopback port.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

export interface LocalRedis {
  url: string
  port: number
  process: ChildProcess
  /** asks Redis to shut down (AOF is flushed) and waits for the process to end */
  stop(): Promise<void>
}

export interface LocalRedisOptions {
  dir: string
  port?: number
  /** `everysec` (default): an acknowledged event survives a crash of the server; a power loss may lose ≤ 1 s */
  appendfsync?: 'always' | 'everysec' | 'no'
  logFile?: string
  /** more redis-server options, e.g. `--cluster-enabled yes` */
  extraArgs?: string[]
}

export class RedisNotInstalledError extends Error {
  override name = 'RedisNotInstalledError'
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' })
    let buf = ''
    const done = (ok: boolean) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.on('error', () => done(false))
    sock.on('connect', () => sock.write('PING\r\n'))
    // -LOADING while the AOF is replayed: not ready yet.
    sock.on('data', (d) => {
      buf += d.toString()
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'))
    })
  })
}

export async function startRedisServer(opts: LocalRedisOptions): Promise<LocalRedis> {
  mkdirSync(opts.dir, { recursive: true })
  const port = opts.port ?? (await freePort())
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    opts.dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    opts.appendfsync ?? 'everysec',
    '--appenddirname',
    'appendonly',
    '--save',
    '',
    '--daemonize',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--logfile',
    opts.logFile ?? path.join(opts.dir, 'redis.log'),
    ...(opts.extraArgs ?? []),
  ]
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new RedisNotInstalledError('redis-server not found: install it (apt-get install -y redis-server) or set REDIS_URL')
          : err,
      ),
    )
    void exited.then((code) =>
      reject(
        new Error(
          `redis-server exited with code ${code} before it was ready. ${stderr.trim()} (see ${opts.logFile ?? path.join(opts.dir, 'redis.log')})`,
        ),
      ),
    )
  })
  const deadline = Date.now() + 60_000 // a large AOF takes a while to load
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (await ping(port)) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`redis-server on port ${port} did not become ready within 60 s`)
  })()
  try {
    await Promise.race([ready, failed])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  failed.catch(() => undefined)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM') // redis-server flushes the AOF and exits on SIGTERM
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
