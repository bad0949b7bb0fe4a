// `npm run bench`: sustained ingest throughput and event-to-client latency on this machine.
// The server runs as its own process against a local redis-server (AOF everysec); the load
// generator and the socket clients run in this process, on the same machine, so every number
// below includes their cost too. Latency is measured at a fixed arrival rate (no coordinated
// omission). Bounded in time: about two minutes.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'
import { type Socket, io } from 'socket.io-client'
import type { FiguresSnapshot, QueueFigures } from '../../shared/figures/schema.js'
import type { ClientToServerEvents, FiguresUpdate, ServerToClientEvents } from '../../shared/socket.js'
import { startRedisServer } from '../../server/store/redis-server.js'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    clients: { type: 'string', default: '200' },
    'probe-rate': { type: 'string', default: '20' },
    'background-rate': { type: 'string', default: '1000' },
  },
})
const DURATION_SEC = Number(args.duration)
const CLIENTS = Number(args.clients)
const PROBE_RATE = Number(args['probe-rate'])
const BACKGROUND_RATE = Number(args['background-rate'])
const KEY = `bench-${randomBytes(12).toString('hex')}`
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`
const RUN = randomBytes(4).toString('hex')
const QUEUES = Array.from({ length: 20 }, (_, i) => `bench-q${i}`)

/** Coherent traffic at "now": each call is queued, then answered (or abandoned), then ended. */
function trafficSource(tag: string) {
  let n = 0
  return () => {
    const i = n++
    const call = Math.floor(i / 3)
    const step = i % 3
    const queue = QUEUES[call % QUEUES.length]!
    const callId = `${RUN}-${tag}-${call}`
    const base = { id: `${RUN}-${tag}-${i}`, ts: Date.now(), callId, queue }
    const agent = `agent-${call % 400}`
    if (step === 0) return { ...base, type: 'call.queued' }
    if (call % 10 === 0)
      return step === 1 ? { ...base, type: 'call.abandoned' } : { ...base, type: 'survey.response', csat: 4, nps: 9 }
    return step === 1 ? { ...base, type: 'call.answered', agent } : { ...base, type: 'call.ended', agent }
  }
}

async function startServer(redisUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      WALLBOARD_DEMO: '0',
      WALLBOARD_API_KEY: KEY,
      WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      WALLBOARD_MAX_BATCH: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Boards?:\s+(http:\/\/\S+)\/board/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)))
  })
  return { child, base }
}

async function waitCaughtUp(base: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    const res = await fetch(`${base}/readyz`)
    const body = (await res.json()) as { aggregator: { lagEvents: number } }
    if (res.status === 200 && body.aggregator.lagEvents === 0) return Date.now() - started
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('aggregator did not catch up')
}

async function ingest(base: string, batch: number, connections: number, tag: string) {
  const next = trafficSource(tag)
  const result = await autocannon({
    url: base,
    connections,
    duration: DURATION_SEC,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/api/v1/events',
        setupRequest: (req) => ({ ...req, body: JSON.stringify(batch === 1 ? next() : Array.from({ length: batch }, next)) }),
      },
    ],
  })
  const lagMs = await waitCaughtUp(base)
  return {
    eventsPerSec: Math.round(result.requests.average * batch),
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    catchUpAfterMs: lagMs,
  }
}

/** Logs in as the admin and issues a display token for the default board, as a TV would get one. */
async function displayToken(base: string): Promise<string> {
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
  const { csrfToken } = (await login.json()) as { csrfToken: string }
  const issued = await fetch(`${base}/api/v1/boards/floor/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'bench' }),
  })
  return ((await issued.json()) as { secret: string }).secret
}

async function latency(base: string) {
  const token = await displayToken(base)
  const clients: Array<Socket<ServerToClientEvents, ClientToServerEvents>> = []
  const sentAt: number[] = []
  const histogram = hdr.build({
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  })
  let seen = 0
  for (let c = 0; c < CLIENTS; c++) {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token },
    })
    let observed = -1
    const observe = (q: QueueFigures | undefined) => {
      if (!q) return
      const now = performance.now()
      // The probe queue's waiting count is the number of probes applied so far.
      while (observed + 1 < q.live.waiting) {
        observed++
        if (sentAt[observed] !== undefined) {
          histogram.recordValue(Math.max(1, Math.round((now - sentAt[observed]!) * 1000)))
          seen++
        }
      }
    }
    s.on(
      'snapshot',
      (snap: FiguresSnapshot) => (observed = (snap.queues.find((q) => q.id === probeQueue)?.live.waiting ?? 0) - 1),
    )
    s.on('update', (u: FiguresUpdate) => observe(u.queues.find((q) => q.id === probeQueue)))
    clients.push(s)
  }
  await Promise.all(clients.map((s) => new Promise<void>((r) => (s.connected ? r() : s.once('connect', () => r())))))
  await new Promise((r) => setTimeout(r, 500))

  const background = autocannon({
    url: base,
    connections: 8,
    duration: DURATION_SEC,
    overallRate: Math.max(1, Math.round(BACKGROUND_RATE / 10)),
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/api/v1/events',
        setupRequest: ((next) => (req) => ({ ...req, body: JSON.stringify(Array.from({ length: 10 }, next)) }))(
          trafficSource('bg'),
        ),
      },
    ],
  })
  const probes = PROBE_RATE * DURATION_SEC
  const start = performance.now()
  for (let i = 0; i < probes; i++) {
    const due = start + (i * 1000) / PROBE_RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    // Measured from the intended send time, so a stalled sender cannot hide latency.
    sentAt[i] = due
    void fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `${RUN}-probe-${i}`,
        type: 'call.queued',
        ts: Date.now(),
        callId: `${RUN}-probe-${i}`,
        queue: probeQueue,
      }),
    })
  }
  await background
  await new Promise((r) => setTimeout(r, 2_000))
  for (const s of clients) s.disconnect()
  const expected = probes * CLIENTS
  return {
    clients: CLIENTS,
    probes,
    backgroundEventsPerSec: BACKGROUND_RATE,
    delivered: `${seen}/${expected}`,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    maxMs: histogram.maxValue / 1000,
  }
}
const probeQueue = `probe-${RUN}`

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-bench-'))
  const redis = await startRedisServer({ dir })
  const server = await startServer(redis.url)
  console.log(
    `wallboard bench · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · ${DURATION_SEC} s per phase`,
  )
  console.log('server, redis-server (AOF everysec) and load generator all on this machine\n')
  try {
    const single = await ingest(server.base, 1, 64, 'single')
    console.log('ingest, one event per request     ', single)
    const batched = await ingest(server.base, 100, 16, 'batch')
    console.log('ingest, batches of 100            ', batched)
    const lat = await latency(server.base)
    console.log('event → socket client latency     ', lat)
  } finally {
    server.child.kill('SIGTERM')
    await new Promise((r) => server.child.once('exit', r))
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
