// Event → socket client latency with many boards: `processes` server processes on one Redis (same
// prefix and key, as README "Several processes on one Redis"), every board watching `floor` (every
// queue), connected round robin to the processes; events at a fixed total rate, round robin too.
// A probe is a `call.queued` to a queue of its own: probe i is delivered to a client once the
// client holds a state whose waiting count for that queue exceeds i, and its latency runs from the
// instant it was due to be sent (a fixed arrival rate: a stalled sender cannot hide latency) to
// that moment. Times are epoch ms from `performance.timeOrigin + performance.now()` in every
// process: one clock, since all of them run on this machine.
//
// The clients run in child processes (fanout-child.ts), so the load generator here never waits
// behind them: up to MEASURING real socket.io clients that parse every update, the rest bare
// WebSockets that only search the frames' bytes. The server sends each of them every update all
// the same, and each counts the update frames it got, so a client that missed one shows.
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as hdr from 'hdr-histogram-js'
import { displayToken } from '../support/screens.js'
import { type ServerProcess, startServer } from '../support/server-process.js'
import type { ChildConfig, ChildMessage, ClientReport, ParentMessage } from './fanout-child.js'

/** Real socket.io clients among the boards (they parse every update, so they cost the most). */
const MEASURING = 20
/** Bare WebSocket clients per child process. */
const LIGHT_PER_PROCESS = 500
const PROBE_RATE = 20
const BATCH = 10

export const clock = () => performance.timeOrigin + performance.now()

export const histogram = () =>
  hdr.build({
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })

/** p50/p99/max in ms of a histogram of microseconds. */
export function percentiles(h: hdr.Histogram): { p50Ms: number; p99Ms: number; maxMs: number } {
  const ms = (us: number) => Math.round(us / 100) / 10
  return { p50Ms: ms(h.getValueAtPercentile(50)), p99Ms: ms(h.getValueAtPercentile(99)), maxMs: ms(h.maxValue) }
}

/** Probe `i`: one more call waiting in the probe queue, so a board's waiting count says which probes it has seen. */
export function probeEvent(run: string, i: number, queue: string) {
  return { id: `${run}-probe-${i}`, type: 'call.queued', ts: Date.now(), callId: `${run}-probe-${i}`, queue }
}

/** Coherent traffic at "now" on `queues` queues: each call is queued, then answered (or abandoned), then ended. */
export function trafficSource(run: string, tag: string, queues = 20) {
  let n = 0
  return () => {
    const i = n++
    const call = Math.floor(i / 3)
    const step = i % 3
    const queue = `bench-q${call % queues}`
    const callId = `${run}-${tag}-${call}`
    const base = { id: `${run}-${tag}-${i}`, ts: Date.now(), callId, queue }
    const agent = `agent-${call % 400}`
    if (step === 0) return { ...base, type: 'call.queued' }
    if (call % 10 === 0)
      return step === 1 ? { ...base, type: 'call.abandoned' } : { ...base, type: 'survey.response', csat: 4, nps: 9 }
    return step === 1 ? { ...base, type: 'call.answered', agent } : { ...base, type: 'call.ended', agent }
  }
}

export interface Servers {
  bases: string[]
  key: string
  password: string
  stop(): Promise<void>
}

/** `n` server processes sharing one prefix of the Redis; BENCH_CPU_PROF=DIR profiles each. */
export async function startServers(redisUrl: string, n: number): Promise<Servers> {
  const run = randomBytes(4).toString('hex')
  const key = `bench-${randomBytes(12).toString('hex')}`
  const password = `bench-${randomBytes(12).toString('hex')}`
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []
  const started: ServerProcess[] = []
  const stop = async () => {
    for (const s of started) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) continue
      const gone = new Promise((r) => s.child.once('exit', r))
      s.child.kill('SIGTERM')
      await gone
    }
  }
  try {
    // One after the other: the first takes the aggregator's lease, the others start as replicas.
    for (let i = 0; i < n; i++) {
      started.push(
        await startServer({
          redisUrl,
          prefix: `fanout-${run}:`,
          key,
          execArgv: profile,
          showErrors: true,
          env: { WALLBOARD_ADMIN_PASSWORD: password },
        }),
      )
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { bases: started.map((s) => s.base), key, password, stop }
}

export interface Load {
  /** resolves once every request is sent and answered */
  done: Promise<{ requests: number; failed: number }>
}

/**
 * Sends `perSec` requests a second for `seconds`, each due at a fixed instant (from `start`), to
 * the bases in turn; `body(i)` builds request i, and `answered(i, at)` hears its acknowledgement.
 */
export function fixedRate(
  s: Servers,
  opts: {
    start: number
    perSec: number
    seconds: number
    body: (i: number) => unknown
    answered?: (i: number, at: number) => void
  },
): Load {
  const total = Math.round(opts.perSec * opts.seconds)
  const inFlight: Array<Promise<void>> = []
  let failed = 0
  const post = (i: number) =>
    fetch(`${s.bases[i % s.bases.length]!}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(opts.body(i)),
    })
      .then(async (res) => {
        await res.arrayBuffer()
        if (res.status !== 200) failed++
        else opts.answered?.(i, clock())
      })
      .catch(() => void failed++)
  const done = (async () => {
    for (let i = 0; i < total; i++) {
      const wait = opts.start + (i * 1000) / opts.perSec - clock()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      inFlight.push(post(i))
    }
    await Promise.all(inFlight)
    return { requests: total, failed }
  })()
  return { done }
}

interface Child {
  process: ChildProcess
  kind: ChildConfig['kind']
  clients: number
  /** the last report it sent */
  reports: Promise<ClientReport[]>
  tell(m: ParentMessage): void
}

function startChild(config: ChildConfig, onConnected: () => void): Child {
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []
  const child = fork(path.join(import.meta.dirname, 'fanout-child.ts'), [JSON.stringify(config)], {
    execArgv: [...profile, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let resolveReports: (r: ClientReport[]) => void = () => undefined
  const reports = new Promise<ClientReport[]>((r) => (resolveReports = r))
  child.on('message', (m: ChildMessage) => {
    if ('connected' in m) onConnected()
    else if ('reports' in m) resolveReports(m.reports)
    else console.error(`fanout client (${config.kind}): ${m.error}`)
  })
  return { process: child, kind: config.kind, clients: config.urls.length, reports, tell: (m) => child.send(m) }
}

/** The server's own timings (prom-client histograms): percentiles from the buckets, upper bounds. */
async function serverTimings(base: string, key: string): Promise<Record<string, string>> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text()
  const out: Record<string, string> = {}
  for (const name of ['wallboard_event_apply_seconds', 'wallboard_update_send_seconds']) {
    const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map(
      (m) => [Number(m[1] === '+Inf' ? Infinity : m[1]), Number(m[2])] as const,
    )
    const count = buckets[buckets.length - 1]?.[1] ?? 0
    if (count === 0) continue
    const at = (p: number) => buckets.find(([, c]) => c >= p * count)?.[0] ?? Infinity
    out[name.replace('wallboard_', '')] = `p50 ≤ ${at(0.5) * 1000} ms, p99 ≤ ${at(0.99) * 1000} ms (${count})`
  }
  return out
}

export async function fanoutPhase(
  redisUrl: string,
  opts: { seconds: number; clients: number; processes: number; rate: number },
): Promise<Record<string, unknown>> {
  const run = randomBytes(4).toString('hex')
  // Sorted before the background queues' names: first in every update, where a bare client finds it soonest.
  const probeQueue = `a-probe-${run}`
  const servers = await startServers(redisUrl, opts.processes)
  const children: Child[] = []
  try {
    const token = await displayToken(servers.bases[0]!, servers.password)
    const urls = Array.from({ length: opts.clients }, (_, c) => servers.bases[c % servers.bases.length]!)
    const full = Math.min(opts.clients, MEASURING)
    let connected = 0
    const groups: Array<[ChildConfig['kind'], string[]]> = [['full', urls.slice(0, full)]]
    for (let c = full; c < urls.length; c += LIGHT_PER_PROCESS) groups.push(['light', urls.slice(c, c + LIGHT_PER_PROCESS)])
    for (const [kind, group] of groups) {
      if (group.length === 0) continue
      children.push(startChild({ kind, urls: group, token, probeQueue }, () => connected++))
    }
    const deadline = Date.now() + 60_000
    while (connected < opts.clients) {
      if (Date.now() > deadline) throw new Error(`${connected} of ${opts.clients} clients connected`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // Snapshots sent, the connections' first bursts over.
    await new Promise((r) => setTimeout(r, 1_000))

    const start = clock() + 200
    const probes = PROBE_RATE * opts.seconds
    const due = (i: number) => start + (i * 1000) / PROBE_RATE
    for (const c of children) c.tell({ window: { from: Math.floor(start), to: Math.ceil(start + opts.seconds * 1000) } })
    const ack = histogram()
    const probing = fixedRate(servers, {
      start,
      perSec: PROBE_RATE,
      seconds: opts.seconds,
      body: (i) => probeEvent(run, i, probeQueue),
      answered: (i, at) => ack.recordValue(Math.max(1, Math.round((at - due(i)) * 1000))),
    })
    const next = trafficSource(run, 'bg')
    const background = fixedRate(servers, {
      start,
      perSec: Math.max(0, opts.rate - PROBE_RATE) / BATCH,
      seconds: opts.seconds,
      body: () => Array.from({ length: BATCH }, next),
    })
    const [probed, loaded] = await Promise.all([probing.done, background.done])
    // The last probes' updates are on their way.
    await new Promise((r) => setTimeout(r, 2_000))

    const all = histogram()
    const byKind = { full: histogram(), light: histogram() }
    const delivered = { full: 0, light: 0 }
    const expected = { full: 0, light: 0 }
    const frames = new Map<string, number[]>()
    let bytes = 0
    let bareFrames = 0
    let gaps = 0
    for (const c of children) c.tell({ report: true })
    for (const c of children) {
      for (const r of await c.reports) {
        expected[c.kind] += probes
        for (let i = 0; i < probes; i++) {
          const at = r.receipts[i]
          if (at === null || at === undefined) continue
          const us = Math.max(1, Math.round((at - due(i)) * 1000))
          all.recordValue(us)
          byKind[c.kind].recordValue(us)
          delivered[c.kind]++
        }
        frames.set(r.url, [...(frames.get(r.url) ?? []), r.updates])
        bytes += r.bytes
        bareFrames += r.frames
        gaps += r.gaps
      }
    }
    const light = opts.clients - full
    return {
      processes: opts.processes,
      clients: `${full} socket.io + ${light} bare WebSocket`,
      eventsPerSec: opts.rate,
      probes,
      ...percentiles(all),
      delivered: `${delivered.full + delivered.light}/${expected.full + expected.light}`,
      socketIo: { delivered: `${delivered.full}/${expected.full}`, ...percentiles(byKind.full) },
      bareWebSocket: light > 0 ? { delivered: `${delivered.light}/${expected.light}`, ...percentiles(byKind.light) } : null,
      // Every client of a process must have had the same update frames: min = max.
      updateFramesPerClient: servers.bases.map((b) => {
        const n = frames.get(b) ?? []
        return `${Math.min(...n)}–${Math.max(...n)}`
      }),
      updateKBPerBareClientPerSec: light > 0 ? Math.round(bytes / light / opts.seconds / 102.4) / 10 : null,
      updateBytesPerFrame: bareFrames > 0 ? Math.round(bytes / bareFrames) : null,
      // deltas that did not apply to what a socket.io client held (each answered by a fresh snapshot): 0 expected
      gaps,
      probeAck: percentiles(ack),
      failedRequests: probed.failed + loaded.failed,
      server: await Promise.all(servers.bases.map((b) => serverTimings(b, servers.key))),
    }
  } finally {
    for (const c of children) {
      const gone = new Promise((r) => c.process.once('exit', r))
      if (c.process.connected) c.tell({ stop: true })
      else c.process.kill()
      await gone
    }
    await servers.stop()
  }
}
