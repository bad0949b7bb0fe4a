// `npm run bench`: sustained ingest throughput and event-to-client latency on this machine.
// The server runs as its own process against a local redis-server (AOF everysec); the load
// generator runs in this process and the socket clients in child processes (fanout.ts), all on the
// same machine, so every number below includes their cost too. Latency is measured at a fixed arrival rate (no coordinated
// omission). Then a board of 20 queues and 200 agents: its snapshot's size and its first paint in
// Chromium. Ingest is also reported as a fraction of the bare Redis write path measured in the
// same run (test/bench/redis-baseline.ts), so numbers compare across machines. Then the queue_log follower: lines appended at 20,000/s, lag from append to
// acknowledgement. Last, event → pixels: a board in Chromium, probes to painted figures (pixels.ts).
// After the batch phase, the aggregator's own baseline: the same traffic through the pure reducer
// alone (reducer.ts), to read the catch-up against. Bounded in time: about five minutes.
// `--only queue-log|latency|pixels|batch|reducer` runs that part alone.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { type Socket, io } from 'socket.io-client'
import type { FiguresSnapshot } from '../../shared/figures/schema.js'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js'
import { startRedisServer } from '../../server/store/redis-server.js'
import { displayToken } from '../support/screens.js'
import { type ServerProcess, startServer as startServerProcess } from '../support/server-process.js'
import { fanoutPhase } from './fanout.js'
import { pixelsPhase } from './pixels.js'
import { cpuMeter } from './cpu-time.js'
import { type FixedRateResult, fixedRate as runAtFixedRate } from './fixed-rate.js'
import { followerBench } from './queue-log.js'
import { redisBaseline } from './redis-baseline.js'
import { reducerBaseline } from './reducer.js'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    clients: { type: 'string', default: '200' },
    'background-rate': { type: 'string', default: '1000' },
    'queue-log-rate': { type: 'string', default: '20000' },
    only: { type: 'string' },
  },
})
const DURATION_SEC = Number(args.duration)
const CLIENTS = Number(args.clients)
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

function startServer(redisUrl: string, prefix = 'wb:', role = 'all'): Promise<ServerProcess> {
  // BENCH_CPU_PROF=DIR writes a CPU profile of each server process there (open it in Chrome's DevTools).
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []
  return startServerProcess({
    redisUrl,
    prefix,
    key: KEY,
    execArgv: profile,
    showErrors: true,
    env: { WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD, WALLBOARD_MAX_BATCH: '1000', WALLBOARD_ROLE: role },
  })
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

/** The target for one event per request: this rate, every request 2xx, p99 at most this. */
const SINGLE_EVENT_TARGET = { rate: 10_000, p99Ms: 25 }

interface ClosedLoopIngest {
  eventsPerSec: number
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  catchUpAfterMs: number
}
type FixedRateIngest = FixedRateResult & {
  deployment: string
  cpu: Record<string, string>
  target: string
  met: boolean
  catchUpAfterMs: number
}

/**
 * Ingest as fast as it goes: `connections` requests always outstanding (closed loop), which finds
 * the throughput but hides latency behind the generator's own waiting. With `fixedRate` (one event
 * per request), latency as sources see it too: requests due at a fixed rate, each timed from when
 * it was due (fixed-rate.ts, no coordinated omission), first against the `all` process, then
 * against a WALLBOARD_ROLE=ingest process on the same prefix while the `all` process aggregates (the
 * deployment the README gives for busy sources). A deployment that misses the target is measured
 * once more at 70 % of the closed-loop throughput, reported as such.
 */
async function ingest(
  base: string,
  batch: number,
  connections: number,
  tag: string,
  fixedRate?: { server: ServerProcess; redisUrl: string; rate: number; p99Ms: number },
  /** the process that aggregates, when `base` only takes ingest: the catch-up is read there */
  aggregating = base,
): Promise<ClosedLoopIngest & { atFixedRate?: FixedRateIngest[] }> {
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
  const lagMs = await waitCaughtUp(aggregating)
  const closedLoop: ClosedLoopIngest = {
    eventsPerSec: Math.round(result.requests.average * batch),
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    catchUpAfterMs: lagMs,
  }
  if (!fixedRate) return closedLoop

  const atRate = async (target: ServerProcess, deployment: string, rate: number): Promise<FixedRateIngest> => {
    const cpu = cpuMeter({ server: target.child.pid, 'this process (load generator)': process.pid })
    const r = await runAtFixedRate({
      base: target.base,
      path: '/api/v1/events',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: () => JSON.stringify(next()),
      rate,
      seconds: DURATION_SEC,
      connections: 128,
    })
    const met = r.achievedPerSec >= 0.99 * rate && r.ok === r.sent && r.p99Ms <= fixedRate.p99Ms
    return {
      deployment,
      ...r,
      cpu: cpu().shares,
      target: `${rate}/s, all 2xx, p99 ≤ ${fixedRate.p99Ms} ms: ${met ? 'met' : 'MISSED'}`,
      met,
      catchUpAfterMs: await waitCaughtUp(base),
    }
  }
  const fallbackRate = Math.floor((0.7 * Math.min(fixedRate.rate, closedLoop.eventsPerSec)) / 100) * 100
  const measure = async (target: ServerProcess, deployment: string) => {
    const first = await atRate(target, deployment, fixedRate.rate)
    return first.met ? [first] : [first, await atRate(target, deployment, fallbackRate)]
  }
  const all = await measure(fixedRate.server, 'the all process')
  const taking = await startServer(fixedRate.redisUrl, 'wb:', 'ingest')
  try {
    return { ...closedLoop, atFixedRate: [...all, ...(await measure(taking, 'an ingest process, the all process aggregating'))] }
  } finally {
    taking.child.kill('SIGTERM')
    await new Promise((r) => taking.child.once('exit', r))
  }
}

/**
 * A board with 20 queues and 200 agents (each a member of two queues, with a morning of calls):
 * the snapshot's size as sent, and the first paint of the TV page in Chromium (a fresh profile
 * each time, so nothing is cached), from navigation to all 20 cards showing live figures.
 */
async function firstPaint(base: string) {
  const queues = Array.from({ length: 20 }, (_, i) => `paint-q${i}`)
  const now = Date.now()
  const events: object[] = []
  for (let a = 0; a < 200; a++) {
    events.push({
      id: `paint-a${a}`,
      type: 'agent.state',
      ts: now - 3 * 3_600_000,
      agent: `paint-agent-${a}`,
      name: `Agent ${a}`,
      team: `T${a % 5}`,
      state: 'available',
      queues: [queues[a % 20]!, queues[(a + 7) % 20]!],
    })
  }
  for (let c = 0; c < 2_000; c++) {
    const queue = queues[c % 20]!
    const at = now - 3 * 3_600_000 + c * 5_000
    const agent = `paint-agent-${c % 200}`
    const call = { callId: `paint-c${c}`, queue }
    events.push(
      { id: `paint-c${c}-q`, type: 'call.queued', ts: at, caller: `138${c % 700}`, ...call },
      c % 9 === 0
        ? { id: `paint-c${c}-x`, type: 'call.abandoned', ts: at + 40_000, ...call }
        : { id: `paint-c${c}-a`, type: 'call.answered', ts: at + (c % 30) * 1_000, agent, ...call },
    )
    if (c % 9 !== 0) events.push({ id: `paint-c${c}-e`, type: 'call.ended', ts: at + 200_000, agent, ...call })
  }
  for (let i = 0; i < events.length; i += 1_000) {
    const res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(events.slice(i, i + 1_000)),
    })
    if (res.status !== 200) throw new Error(`seeding the first-paint board: ${res.status}`)
  }
  await waitCaughtUp(base)
  const token = await displayToken(base, ADMIN_PASSWORD)

  // The snapshot as a TV receives it.
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    forceNew: true,
    auth: { token },
  })
  const snapshot = await new Promise<FiguresSnapshot>((resolve) => s.once('snapshot', resolve))
  s.disconnect()
  const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot))

  const { launchBrowser } = await import('../e2e/browser.js')
  const paints: number[] = []
  let cardsShown = 0
  for (let run = 0; run < 5; run++) {
    const browser = await launchBrowser()
    try {
      const page = await browser.context.newPage()
      await page.goto(`${base}/board/floor?token=${token}`, { waitUntil: 'commit' })
      // A function, not a string: the board's CSP (rightly) refuses eval.
      await page.waitForFunction(
        (n: number) => {
          const d = (
            globalThis as unknown as {
              document: { querySelector(q: string): unknown; querySelectorAll(q: string): ArrayLike<unknown> }
            }
          ).document
          // every queue, or (when they do not fit legibly) the first page of them
          const cards = d.querySelectorAll('article[data-testid^="queue-"]').length
          return (
            d.querySelector('[data-testid="board"][data-state="live"]') !== null &&
            cards > 0 &&
            (cards === n || d.querySelector('[data-testid="page"]') !== null)
          )
        },
        queues.length,
        { timeout: 15_000, polling: 'raf' },
      )
      // From the start of navigation, on the page's own clock.
      paints.push(await page.evaluate(() => performance.now()))
      cardsShown = await page.locator('article[data-testid^="queue-"]').count()
    } finally {
      await browser.close()
    }
  }
  paints.sort((a, b) => a - b)
  return {
    queues: snapshot.queues.length,
    agents: 200,
    snapshotKB: Math.round(snapshotBytes / 102.4) / 10,
    cardsOnFirstPage: cardsShown,
    firstPaintMsMedian: Math.round(paints[2]!),
    firstPaintMsMax: Math.round(paints[4]!),
  }
}

/** Event → pixels (pixels.ts): one board in Chromium, 5 probes a second among BACKGROUND_RATE events. */
function pixels(redisUrl: string) {
  return pixelsPhase(redisUrl, { seconds: DURATION_SEC, probeRate: 5, rate: BACKGROUND_RATE })
}

/**
 * Event → socket client (fanout.ts): CLIENTS boards on a server process of its own (a fresh key
 * prefix of the same Redis), events at BACKGROUND_RATE a second, 20 of them probes.
 */
function latency(redisUrl: string) {
  return fanoutPhase(redisUrl, { seconds: DURATION_SEC, clients: CLIENTS, processes: 1, rate: BACKGROUND_RATE })
}

/**
 * The follower posts to a server process of its own, on a fresh key prefix of the same Redis, that
 * takes ingest only (WALLBOARD_ROLE=ingest); a second process on that prefix aggregates and would
 * serve the boards, at a lower CPU priority (nice 10): the deployment the README gives for a busy
 * phone system on a small machine, where acknowledgements never wait behind aggregation. The
 * aggregator's lag once the writer stops shows it kept up all the same.
 */
async function queueLogPhase(redisUrl: string): Promise<void> {
  const aggregating = await startServer(redisUrl, 'follow:')
  await waitCaughtUp(aggregating.base)
  os.setPriority(aggregating.child.pid!, 19)
  const taking = await startServer(redisUrl, 'follow:', 'ingest')
  try {
    const ql = await followerBench(taking.base, KEY, {
      seconds: DURATION_SEC,
      linesPerSec: Number(args['queue-log-rate']),
      run: RUN,
    })
    console.log('queue_log follower (ingest process)', {
      ...ql,
      aggregatorCaughtUpAfterMs: await waitCaughtUp(aggregating.base),
    })
  } finally {
    for (const s of [taking, aggregating]) {
      s.child.kill('SIGTERM')
      await new Promise((r) => s.child.once('exit', r))
    }
  }
}

const fraction = (ingested: number, bare: number) => `${Math.round((100 * ingested) / bare)} % of the bare Redis write path`

/**
 * Batches of 100, closed loop: to the `all` process, then to an ingest process while the `all`
 * process aggregates (the deployment the README gives for busy sources; the catch-up is read at the
 * aggregating process); then as many events of the same traffic through the pure reducer alone.
 */
async function batchPhases(redisUrl: string, server: ServerProcess, bareBatchPerSec: number): Promise<void> {
  const batched = await ingest(server.base, 100, 16, 'batch')
  console.log('ingest, batches of 100            ', { ...batched, vsRedis: fraction(batched.eventsPerSec, bareBatchPerSec) })
  const taking = await startServer(redisUrl, 'wb:', 'ingest')
  try {
    const split = await ingest(taking.base, 100, 16, 'batch-split', undefined, server.base)
    console.log('  to an ingest process, the all process aggregating', {
      ...split,
      vsRedis: fraction(split.eventsPerSec, bareBatchPerSec),
    })
  } finally {
    taking.child.kill('SIGTERM')
    await new Promise((r) => taking.child.once('exit', r))
  }
  // Nothing else runs meanwhile: the aggregator's own baseline, to read the catch-ups against.
  console.log(
    'aggregation alone (pure reducer)  ',
    reducerBaseline(trafficSource('reducer'), batched.eventsPerSec * DURATION_SEC),
  )
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-bench-'))
  const redis = await startRedisServer({ dir })
  const server = await startServer(redis.url)
  console.log(
    `wallboard bench · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · ${DURATION_SEC} s per phase`,
  )
  console.log('server, redis-server (AOF everysec) and load generator all on this machine\n')
  try {
    if (args.only === 'queue-log') {
      await queueLogPhase(redis.url)
      return
    }
    if (args.only === 'latency') {
      console.log('event → socket client latency     ', await latency(redis.url))
      return
    }
    if (args.only === 'batch') {
      const baseBatch = await redisBaseline(redis.url, {
        seconds: DURATION_SEC,
        batch: 100,
        outstanding: 16,
        prefix: 'baseline-batch:',
        next: trafficSource('base-batch'),
      })
      console.log('bare Redis write path, 100 events ', baseBatch)
      await batchPhases(redis.url, server, baseBatch.eventsPerSec)
      return
    }
    if (args.only === 'reducer') {
      console.log('aggregation alone (pure reducer)  ', reducerBaseline(trafficSource('reducer'), 50_000 * DURATION_SEC))
      return
    }
    if (args.only === 'pixels') {
      console.log('event → pixels (Chromium)         ', await pixels(redis.url))
      return
    }
    // The baseline first, on its own keys of the same redis-server, while the server idles.
    const base = (batch: number, outstanding: number, tag: string) =>
      redisBaseline(redis.url, {
        seconds: DURATION_SEC,
        batch,
        outstanding,
        prefix: `baseline-${tag}:`,
        next: trafficSource(`base-${tag}`),
      })
    const baseSingle = await base(1, 64, 'single')
    const baseBatch = await base(100, 16, 'batch')
    console.log('bare Redis write path, 1 event    ', baseSingle)
    console.log('bare Redis write path, 100 events ', baseBatch)
    const { atFixedRate = [], ...single } = await ingest(server.base, 1, 64, 'single', {
      server,
      redisUrl: redis.url,
      ...SINGLE_EVENT_TARGET,
    })
    console.log('ingest, one event per request     ', {
      ...single,
      vsRedis: fraction(single.eventsPerSec, baseSingle.eventsPerSec),
    })
    for (const { deployment, rate, ...r } of atFixedRate) console.log(`  at a fixed ${rate}/s, ${deployment}`.padEnd(35), r)
    await batchPhases(redis.url, server, baseBatch.eventsPerSec)
    const lat = await latency(redis.url)
    console.log('event → socket client latency     ', lat)
    await queueLogPhase(redis.url)
    // A board of its own, on a fresh key prefix of the same Redis.
    const paintServer = await startServer(redis.url, 'paint:')
    try {
      console.log('board first paint (Chromium)      ', await firstPaint(paintServer.base))
    } finally {
      paintServer.child.kill('SIGTERM')
      await new Promise((r) => paintServer.child.once('exit', r))
    }
    console.log('event → pixels (Chromium)         ', await pixels(redis.url))
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
