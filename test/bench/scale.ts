// `npm run bench:scale`: how many boards one server process holds, what each costs in memory, and
// what the server does when offered three times the ingest it can take. A redis-server (AOF
// everysec) and the server processes are started here; the load generator (this process and the
// board-client children) runs on the same machine, so every number includes their cost too.
//
//   boards    N TV connections (default 10,000) to ONE server process, on the default board, with
//             about one update per second each; the server's event-loop delay over the phase,
//             read from its /metrics (wallboard_event_loop_delay_seconds, a cumulative histogram).
//   memory    heap per connected board: heap used after a full GC with N boards minus with none,
//             read through the V8 inspector (the server runs with --inspect on loopback); then N
//             boards stay connected with an update a second for --minutes, heap after GC every 30 s.
//   overload  the capacity of single-event ingest (closed loop, 64 connections), then three times
//             that offered at a fixed rate over 256 connections (open-loop.ts): admitted rate and
//             latency, refusals and their Retry-After, the server's RSS; how many refusals a second
//             a process can give at all; and the same offer to a server with shedding off.
//   fanout    1,000 clients over 2 server processes, 1,000 events/s (test/bench/fanout.ts).
//
// BENCH_HEAP_DETAIL=1 names the allocating functions in the memory phase, not just packages.
// Options: --only <phase>, --boards N, --minutes M (memory soak, default 10), --client-procs,
// --boards-seconds, --overload-seconds, --overload-factor, --overload-connections, --skip-unshed.
// The boards are raw WebSockets in --client-procs child processes (board-clients.ts). Bounded: the default run
// takes about 17 minutes plus the fanout phase, and a watchdog ends it (failing) after --minutes + 15.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'
import { type LocalRedis, startRedisServer } from '../../server/store/redis-server.js'
import { displayToken } from '../support/screens.js'
import { type ServerProcess, killAll, startServer as startServerProcess } from '../support/server-process.js'
import { freePort } from '../support/wait.js'
import type { ClientsCommand, ClientsReport, ClientsStats } from './board-clients.js'
import { fanoutPhase } from './fanout.js'
import { attachInspector } from './inspector.js'
import { openLoop } from './open-loop.js'

const PHASES = ['boards', 'memory', 'overload', 'fanout'] as const
type Phase = (typeof PHASES)[number]

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    boards: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    'client-procs': { type: 'string', default: '2' },
    'boards-seconds': { type: 'string', default: '60' },
    'overload-seconds': { type: 'string', default: '20' },
    'overload-factor': { type: 'string', default: '3' },
    'overload-connections': { type: 'string', default: '256' },
    'skip-unshed': { type: 'boolean', default: false },
  },
})
const BOARDS = Number(args.boards)
const SOAK_MINUTES = Number(args.minutes)
const CLIENT_PROCS = Number(args['client-procs'])
const BOARDS_SECONDS = Number(args['boards-seconds'])
const OVERLOAD_SECONDS = Number(args['overload-seconds'])
const OVERLOAD_FACTOR = Number(args['overload-factor'])
const KEY = `bench-${randomBytes(12).toString('hex')}`
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`
const RUN = randomBytes(4).toString('hex')
/** The default board shows every queue; each second two of them change. */
const QUEUES = Array.from({ length: 10 }, (_, i) => `scale-q${i}`)
const CHANGED_PER_SECOND = 2
const MB = 1024 * 1024

function startServer(redisUrl: string, prefix: string, opts: { env?: Record<string, string>; execArgv?: string[] } = {}) {
  // BENCH_CPU_PROF=DIR writes a CPU profile of each server process there (tsx test/bench/cpuprofile-summary.ts reads it).
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []
  return startServerProcess({
    redisUrl,
    prefix,
    key: KEY,
    execArgv: [...profile, ...(opts.execArgv ?? [])],
    showErrors: true,
    env: { WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env },
  })
}

/** SIGTERM, so that a CPU profile is written; the server closes its boards' connections first. */
async function stopServer(s: ServerProcess): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return
  const gone = new Promise((r) => s.child.once('exit', r))
  s.child.kill('SIGTERM')
  await Promise.race([gone, sleep(15_000).then(() => s.kill())])
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function post(base: string, events: object[]): Promise<void> {
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  if (res.status !== 200) throw new Error(`posting events: ${res.status} ${await res.text()}`)
}

/**
 * One batch a second, each moving the agents of two queues between available and paused: every
 * board gets one update a second, and the server's state does not grow with time (a soak's heap
 * growth is then the boards', not the day's calls').
 */
function startTraffic(base: string): { stop(): void; errors: () => string } {
  const agent = (q: number) => `${RUN}-agent-${q}`
  let second = 0
  let errors = 0
  let lastError = ''
  const tick = () => {
    const s = second++
    const events = Array.from({ length: CHANGED_PER_SECOND }, (_, k) => {
      const q = (s * CHANGED_PER_SECOND + k) % QUEUES.length
      const state = Math.floor((s * CHANGED_PER_SECOND + k) / QUEUES.length) % 2 ? 'paused' : 'available'
      return { id: `${RUN}-t${s}-${k}`, type: 'agent.state', ts: Date.now(), agent: agent(q), state, queues: [QUEUES[q]] }
    })
    post(base, events).catch((err: unknown) => {
      errors++
      lastError = err instanceof Error ? err.message : String(err)
    })
  }
  const timer = setInterval(tick, 1000)
  return { stop: () => clearInterval(timer), errors: () => (errors ? `${errors} (last: ${lastError})` : '0') }
}

/** Every queue on the board from the start, so every snapshot is the board's full size. */
async function seedQueues(base: string): Promise<void> {
  await post(
    base,
    QUEUES.map((queue, q) => ({
      id: `${RUN}-seed-${q}`,
      type: 'agent.state',
      ts: Date.now(),
      agent: `${RUN}-agent-${q}`,
      state: 'available',
      queues: [queue],
    })),
  )
}

/** The board connections, spread over child processes (test/bench/board-clients.ts). */
class BoardFleet {
  private readonly children: ChildProcess[] = []

  constructor(procs: number) {
    for (let i = 0; i < procs; i++) {
      this.children.push(
        spawn(process.execPath, ['--import', 'tsx', 'test/bench/board-clients.ts'], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      )
    }
  }

  private ask<T extends ClientsReport['type']>(
    child: ChildProcess,
    command: ClientsCommand,
    answer: T,
  ): Promise<Extract<ClientsReport, { type: T }>> {
    return new Promise((resolve) => {
      const on = (m: ClientsReport) => {
        if (m.type !== answer) return
        child.off('message', on)
        resolve(m as Extract<ClientsReport, { type: T }>)
      }
      child.on('message', on)
      child.send(command)
    })
  }

  /** Opens `count` boards, at most 50 handshakes at a time per child; answers how long it took. */
  async connect(base: string, token: string, count: number): Promise<{ ok: number; failed: number; seconds: number }> {
    const url = `${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`
    const started = performance.now()
    const n = this.children.length
    const answers = await Promise.all(
      this.children.map((c, i) =>
        this.ask(
          c,
          { cmd: 'connect', url, token, count: Math.floor(count / n) + (i < count % n ? 1 : 0), concurrency: 50 },
          'connected',
        ),
      ),
    )
    const failed = answers.reduce((s, a) => s + a.failed, 0)
    if (failed > 0) console.warn(`  ${failed} boards failed to connect, e.g. ${answers.find((a) => a.firstError)?.firstError}`)
    return {
      ok: answers.reduce((s, a) => s + a.ok, 0),
      failed,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }
  }

  reset(): void {
    for (const c of this.children) c.send({ cmd: 'reset' } satisfies ClientsCommand)
  }

  async stats(): Promise<ClientsStats & { boards: number; fanout: hdr.Histogram }> {
    const all = (await Promise.all(this.children.map((c) => this.ask(c, { cmd: 'stats' }, 'stats')))).map((a) => a.stats)
    const fanout = hdr.build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 })
    for (const s of all) fanout.add(hdr.decodeFromCompressedBase64(s.fanoutUs, 32, false))
    const boards = all.reduce((n, s) => n + s.open, 0)
    return {
      boards,
      open: boards,
      updatesMin: Math.min(...all.map((s) => s.updatesMin)),
      updatesMean: all.reduce((n, s) => n + s.updatesMean * s.open, 0) / Math.max(1, boards),
      updatesMax: Math.max(...all.map((s) => s.updatesMax)),
      snapshots: all.reduce((n, s) => n + s.snapshots, 0),
      healths: all.reduce((n, s) => n + s.healths, 0),
      lost: all.reduce((n, s) => n + s.lost, 0),
      fanoutUs: '',
      fanout,
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map((c) => {
        if (c.exitCode !== null) return
        const gone = new Promise((r) => c.once('exit', r))
        c.send({ cmd: 'close' } satisfies ClientsCommand)
        return gone
      }),
    )
  }
}

/** A Prometheus text exposition, as series (name with labels) → value. */
async function scrape(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })
  if (res.status !== 200) throw new Error(`/metrics: ${res.status}`)
  const series = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    series.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return series
}

/**
 * Event-loop delay between two scrapes, from the cumulative histogram's buckets: quantiles
 * interpolated within their bucket (as histogram_quantile does), and the exact share of samples
 * over 50 ms, a bucket bound.
 */
function delayBetween(before: Map<string, number>, after: Map<string, number>) {
  const prefix = 'wallboard_event_loop_delay_seconds_bucket{le="'
  const buckets = [...after.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => ({ le: Number(k.slice(prefix.length, -2).replace('+Inf', 'Infinity')), n: v - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le)
  const total = buckets.at(-1)!.n
  const quantileMs = (q: number): number | string => {
    const rank = q * total
    let lower = 0
    let below = 0
    for (const b of buckets) {
      if (b.n >= rank) {
        if (b.le === Infinity) return `> ${lower * 1000}`
        return Math.round((lower + ((b.le - lower) * (rank - below)) / Math.max(1, b.n - below)) * 10_000) / 10
      }
      lower = b.le
      below = b.n
    }
    return NaN
  }
  const within50 = buckets.find((b) => b.le === 0.05)!.n
  return {
    samples: total,
    p50Ms: quantileMs(0.5),
    p99Ms: quantileMs(0.99),
    p999Ms: quantileMs(0.999),
    over50MsPct: Math.round((10_000 * (total - within50)) / Math.max(1, total)) / 100,
  }
}

const rssMB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : NaN
}

const percentilesMs = (h: hdr.Histogram) => ({
  p50Ms: Math.round(h.getValueAtPercentile(50) / 100) / 10,
  p99Ms: Math.round(h.getValueAtPercentile(99) / 100) / 10,
  maxMs: Math.round(h.maxValue / 100) / 10,
})

/** N boards on one process, an update a second each: the server's event-loop delay meanwhile. */
async function boardsPhase(redisUrl: string) {
  const server = await startServer(redisUrl, `boards-${RUN}:`)
  const fleet = new BoardFleet(CLIENT_PROCS)
  let traffic: ReturnType<typeof startTraffic> | null = null
  try {
    await seedQueues(server.base)
    traffic = startTraffic(server.base)
    const token = await displayToken(server.base, ADMIN_PASSWORD)
    const connected = await fleet.connect(server.base, token, BOARDS)
    await sleep(5_000)
    fleet.reset()
    const first = await scrape(server.base)
    let last = first
    let maxLagMs = 0
    let maxRssMB = 0
    const started = performance.now()
    while (performance.now() - started < BOARDS_SECONDS * 1000) {
      await sleep(Math.min(5_000, BOARDS_SECONDS * 1000 - (performance.now() - started)))
      last = await scrape(server.base)
      // prom-client's per-scrape maximum (its window ends at each scrape; this bench is the only scraper)
      maxLagMs = Math.max(maxLagMs, (last.get('wallboard_nodejs_eventloop_lag_max_seconds') ?? 0) * 1000)
      maxRssMB = Math.max(maxRssMB, rssMB(server.child.pid!))
    }
    const seconds = (performance.now() - started) / 1000
    const clients = await fleet.stats()
    const cpu = (last.get('wallboard_process_cpu_seconds_total')! - first.get('wallboard_process_cpu_seconds_total')!) / seconds
    return {
      boards: clients.boards,
      connect: connected,
      seconds: Math.round(seconds),
      updatesPerBoardPerSec: {
        mean: Math.round((clients.updatesMean / seconds) * 100) / 100,
        min: Math.round((clients.updatesMin / seconds) * 100) / 100,
      },
      boardsLost: clients.lost,
      eventLoopDelay: { ...delayBetween(first, last), maxMs: Math.round(maxLagMs) },
      serverCpuPctOfOneCore: Math.round(cpu * 100),
      serverRssMB: maxRssMB,
      fanoutServerToBoard: percentilesMs(clients.fanout),
      trafficErrors: traffic.errors(),
    }
  } finally {
    traffic?.stop()
    await stopServer(server)
    await fleet.close()
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

/** Heap per board (after a full GC, with N boards minus with none), then N boards soaked for --minutes. */
async function memoryPhase(redisUrl: string) {
  const inspectPort = await freePort()
  const server = await startServer(redisUrl, `memory-${RUN}:`, { execArgv: [`--inspect=127.0.0.1:${inspectPort}`] })
  const fleet = new BoardFleet(CLIENT_PROCS)
  const inspector = await attachInspector(inspectPort)
  let traffic: ReturnType<typeof startTraffic> | null = null
  try {
    await seedQueues(server.base)
    traffic = startTraffic(server.base)
    const token = await displayToken(server.base, ADMIN_PASSWORD)
    await sleep(5_000)
    const idle = await inspector.memoryAfterGc()
    // What the boards' connections keep alive, by the code that allocated it (sampled every 4 KB).
    await inspector.startSampling(4096)
    const connected = await fleet.connect(server.base, token, BOARDS)
    await sleep(10_000)
    const retainedBy = await inspector.stopSampling(12, process.env['BENCH_HEAP_DETAIL'] === '1')
    const loaded = await inspector.memoryAfterGc()
    const n = connected.ok
    const perBoardKB = (key: 'heapUsed' | 'rss' | 'external' | 'arrayBuffers') =>
      Math.round(((loaded[key] - idle[key]) / n / 1024) * 100) / 100

    // The soak: heap after a full GC every 30 s.
    fleet.reset()
    const samples: Array<[number, number]> = [[0, loaded.heapUsed / MB]]
    const started = performance.now()
    let lastRss = loaded.rss
    while (performance.now() - started < SOAK_MINUTES * 60_000) {
      await sleep(Math.min(30_000, SOAK_MINUTES * 60_000 - (performance.now() - started)))
      const m = await inspector.memoryAfterGc()
      samples.push([(performance.now() - started) / 60_000, m.heapUsed / MB])
      lastRss = m.rss
      console.log(
        `  soak ${samples.at(-1)![0].toFixed(1)} min: heap ${samples.at(-1)![1].toFixed(1)} MB after GC, rss ${Math.round(m.rss / MB)} MB`,
      )
    }
    const minutes = (performance.now() - started) / 60_000
    const clients = await fleet.stats()
    const growthMB = samples.at(-1)![1] - samples[0]![1]
    return {
      boards: n,
      connect: connected,
      heapUsedMB: { noBoards: Math.round(idle.heapUsed / MB), withBoards: Math.round(loaded.heapUsed / MB) },
      perBoardKB: {
        heapUsed: perBoardKB('heapUsed'),
        external: perBoardKB('external'),
        arrayBuffers: perBoardKB('arrayBuffers'),
        rss: perBoardKB('rss'),
      },
      retainedKBByAllocator: Object.fromEntries(retainedBy.map((r) => [r.where, r.KB])),
      soak: {
        minutes: Math.round(minutes * 10) / 10,
        samples: samples.length,
        heapMBAfterGc: samples.map(([, y]) => Math.round(y * 10) / 10),
        slopeKBPerMin: Math.round(slope(samples) * 1024 * 10) / 10,
        growthMB: Math.round(growthMB * 10) / 10,
        growthPerBoardBytes: Math.round((growthMB * MB) / n),
        rssMB: { start: Math.round(loaded.rss / MB), end: Math.round(lastRss / MB) },
        updatesPerBoardPerSec: Math.round((clients.updatesMean / (minutes * 60)) * 100) / 100,
        boardsOpenAtEnd: clients.boards,
        boardsLost: clients.lost,
      },
      trafficErrors: traffic.errors(),
    }
  } finally {
    traffic?.stop()
    inspector.close()
    await stopServer(server)
    await fleet.close()
  }
}

/**
 * Single events of coherent calls at "now" (queued, then answered or abandoned, then ended or
 * surveyed), as `npm run bench` posts them: the calls waiting stay few, as in a real centre.
 */
function singleEvents(tag: string): () => string {
  let i = 0
  return () => {
    const n = i++
    const call = Math.floor(n / 3)
    const step = n % 3
    const base = {
      id: `${RUN}-${tag}-${n}`,
      ts: Date.now(),
      callId: `${RUN}-${tag}-${call}`,
      queue: QUEUES[call % QUEUES.length],
    }
    const agent = `${RUN}-agent-${call % 400}`
    if (step === 0) return JSON.stringify({ ...base, type: 'call.queued' })
    if (call % 10 === 0)
      return JSON.stringify(
        step === 1 ? { ...base, type: 'call.abandoned' } : { ...base, type: 'survey.response', csat: 4, nps: 9 },
      )
    return JSON.stringify(step === 1 ? { ...base, type: 'call.answered', agent } : { ...base, type: 'call.ended', agent })
  }
}

/** Closed loop, 64 connections: the requests per second answered with `status` (each one event). */
async function capacity(
  base: string,
  seconds: number,
  status = 200,
): Promise<{ perSec: number; p50Ms: number; p99Ms: number; otherStatus: number }> {
  const next = singleEvents(`capacity-${status}`)
  const result = await autocannon({
    url: base,
    connections: 64,
    duration: seconds,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/api/v1/events', setupRequest: (req) => ({ ...req, body: next() }) }],
  })
  const stats: Record<string, { count?: number } | undefined> = result.statusCodeStats ?? {}
  const answered = stats[String(status)]?.count ?? 0
  return {
    perSec: Math.round(answered / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    otherStatus: result.requests.total - answered,
  }
}

/** `rate` requests per second for OVERLOAD_SECONDS, with the server's RSS and /healthz watched each second. */
async function offer(server: ServerProcess, rate: number, tag: string) {
  const rss: number[] = [rssMB(server.child.pid!)]
  const health: number[] = []
  let healthFailures = 0
  const probe = async () => {
    const t = performance.now()
    try {
      const res = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(5_000) })
      if (res.status !== 200) healthFailures++
      health.push(performance.now() - t)
    } catch {
      healthFailures++
    }
  }
  const before = await scrape(server.base)
  const result = await openLoop({
    base: server.base,
    path: '/api/v1/events',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: singleEvents(tag),
    rate,
    seconds: OVERLOAD_SECONDS,
    connections: Number(args['overload-connections']),
    drainMs: 10_000,
    onSecond: () => {
      rss.push(rssMB(server.child.pid!))
      void probe()
    },
  })
  rss.push(rssMB(server.child.pid!))
  const after = await scrape(server.base)
  health.sort((a, b) => a - b)
  const { perSecond, ...summary } = result
  const shedBy = Object.fromEntries(
    [...after.entries()]
      .filter(([k]) => k.startsWith('wallboard_http_shed_total'))
      .map(([k, v]) => [/reason="(\w+)"/.exec(k)![1], v - (before.get(k) ?? 0)]),
  )
  return {
    ...summary,
    shedBy,
    eventLoopDelay: delayBetween(before, after),
    admittedEachSecond: perSecond.map((s) => s.admitted).join(' '),
    shedEachSecond: perSecond.map((s) => s.shed).join(' '),
    serverRssMB: { before: rss[0], max: Math.max(...rss), end: rss.at(-1), everySecond: rss.join(' ') },
    healthz: {
      answered: health.length,
      failed: healthFailures,
      maxMs: Math.round(health.at(-1) ?? NaN),
    },
  }
}

/** Closed loop, 64 connections, against a server that refuses everything: how many refusals a second one process can give. */
async function refusalCapacity(redisUrl: string): Promise<number> {
  const server = await startServer(redisUrl, `refusing-${RUN}:`, { env: { WALLBOARD_SHED_HEAP_MB: '1' } })
  try {
    await sleep(1_000)
    const refused = await capacity(server.base, 10, 503)
    return refused.perSec
  } finally {
    await stopServer(server)
  }
}

async function overloadPhase(redisUrl: string) {
  const server = await startServer(redisUrl, `overload-${RUN}:`)
  let result: Record<string, unknown>
  let rate: number
  try {
    const cap = await capacity(server.base, 10)
    rate = Math.round(cap.perSec * OVERLOAD_FACTOR)
    console.log(
      `  capacity (closed loop, 64 connections, 10 s): ${cap.perSec}/s, p50 ${cap.p50Ms} ms, p99 ${cap.p99Ms} ms; offering ${rate}/s`,
    )
    result = { capacity: cap, shedding: await offer(server, rate, 'shed') }
    await stopServer(server)
    result['refusalCapacityPerSec'] = await refusalCapacity(redisUrl)
  } finally {
    await stopServer(server)
  }
  if (!args['skip-unshed']) {
    // The same offer to a server that does not shed, for comparison.
    const unshed = await startServer(redisUrl, `unshed-${RUN}:`, {
      env: { WALLBOARD_SHED_EVENT_LOOP_DELAY_MS: '0', WALLBOARD_SHED_MAX_IN_FLIGHT: '0' },
    })
    try {
      result['withoutShedding'] = await offer(unshed, rate, 'unshed')
    } finally {
      await stopServer(unshed)
    }
  }
  return result
}

async function main() {
  const only = args.only as Phase | undefined
  if (only !== undefined && !PHASES.includes(only)) throw new Error(`--only: one of ${PHASES.join(', ')}`)
  // A bound on the whole run, whatever goes wrong.
  const watchdog = setTimeout(
    () => {
      console.error('scale bench: over its time bound, stopping')
      killAll()
      process.exit(1)
    },
    (SOAK_MINUTES + 15) * 60_000,
  )
  watchdog.unref()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-scale-'))
  let redis: LocalRedis | null = null
  try {
    redis = await startRedisServer({ dir })
    console.log(
      `wallboard scale bench · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )
    console.log('server, redis-server (AOF everysec) and load generator all on this machine\n')
    const run: Record<Phase, () => Promise<Record<string, unknown>>> = {
      boards: () => boardsPhase(redis!.url),
      memory: () => memoryPhase(redis!.url),
      overload: () => overloadPhase(redis!.url),
      fanout: () => fanoutPhase(redis!.url, { seconds: 15, clients: 1_000, processes: 2, rate: 1_000 }),
    }
    for (const phase of only ? [only] : PHASES) {
      console.log(`${phase} …`)
      console.dir(await run[phase](), { depth: 4, breakLength: 140 })
      console.log(`  (load ${os.loadavg()[0]!.toFixed(2)})\n`)
    }
  } finally {
    killAll()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
