// Board clients for the fan-out benchmark (fanout.ts), in a process of their own so that the load
// generator never waits behind them. Two kinds:
// - `full`: socket.io-client, as a TV's board connects; every update is parsed and its deltas
//   applied (a gap: a fresh snapshot, as a board asks).
// - `light`: a bare WebSocket speaking Engine.IO v4 / Socket.IO v5 (open packet, `40{auth}`
//   connect, `2` → `3` pings) that never parses an update: it finds the probe queue's waiting count
//   by searching the frame's bytes (in the probe queue's delta, when it changed), so hundreds of
//   them cost little more than the kernel's reads.
// Each client notes the instant (epoch ms, `performance.timeOrigin + performance.now()`, the same
// clock as the benchmark's on this machine) it first holds the state that includes probe i, and
// counts the update frames the server stamped within the measured stretch.
import { performance } from 'node:perf_hooks'
import { io } from 'socket.io-client'
import WebSocket from 'ws'
import { type FiguresReplica, applyUpdate, replicaOf } from '../../shared/figures/delta.js'
import type { QueueFigures } from '../../shared/figures/schema.js'
import type { FiguresUpdate, SocketSnapshot } from '../../shared/socket.js'

export interface ChildConfig {
  kind: 'full' | 'light'
  /** one server base URL per client */
  urls: string[]
  token: string
  probeQueue: string
}

export interface ClientReport {
  url: string
  /** per probe index: when this client first held a state including it (epoch ms), or null */
  receipts: Array<number | null>
  /** update frames stamped (serverNow) within the measured stretch */
  updates: number
  /** bytes of every update frame received, and how many frames (bare clients only) */
  bytes: number
  frames: number
  /** deltas that did not apply to what the client held, each answered by a fresh snapshot (full clients only) */
  gaps: number
}

export type ChildMessage = { connected: number } | { reports: ClientReport[] } | { error: string }

export type ParentMessage = { window: { from: number; to: number } } | { report: true } | { stop: true }

const clock = () => performance.timeOrigin + performance.now()

/** What every client does with the probe queue's waiting count: probe i is in every count above i. */
class Client {
  /** probes known applied, from the snapshot */
  private base: number | null = null
  private highest = 0
  readonly receipts: Array<number | null> = []
  updates = 0
  bytes = 0
  frames = 0
  gaps = 0
  constructor(readonly url: string) {}

  snapshot(waiting: number): void {
    // A reconnection's snapshot: whatever it holds was not delivered as an update, so it is not counted.
    if (this.base === null) this.base = waiting
    this.highest = Math.max(this.highest, waiting)
  }

  update(waiting: number | null, serverNow: number, bytes: number, window: { from: number; to: number }): void {
    this.bytes += bytes
    if (bytes > 0) this.frames++
    if (serverNow >= window.from && serverNow < window.to) this.updates++
    if (waiting === null || waiting <= this.highest) return
    const at = clock()
    for (let i = this.highest; i < waiting; i++) this.receipts[i - (this.base ?? 0)] = at
    this.highest = waiting
  }

  report(): ClientReport {
    return {
      url: this.url,
      receipts: [...this.receipts].map((r) => r ?? null),
      updates: this.updates,
      bytes: this.bytes,
      frames: this.frames,
      gaps: this.gaps,
    }
  }
}

const config = JSON.parse(process.argv[2]!) as ChildConfig
const send = (m: ChildMessage) => process.send!(m)
let window = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY }
let connected = 0
const closers: Array<() => void> = []

function fullClient(url: string): Client {
  const c = new Client(url)
  const s = io(url, { transports: ['websocket'], forceNew: true, auth: { token: config.token }, reconnection: true })
  const waitingOf = (queues: QueueFigures[]) => queues.find((q) => q.id === config.probeQueue)?.live.waiting ?? null
  let replica: FiguresReplica | null = null
  const take = (snap: SocketSnapshot) => {
    replica = replicaOf(snap)
    c.snapshot(waitingOf(snap.queues) ?? 0)
  }
  s.once('connect', () => send({ connected: ++connected }))
  s.on('snapshot', take)
  // socket.io-client has parsed the frame already; its size is measured by the bare clients.
  s.on('update', (u: FiguresUpdate) => {
    if (replica === null) return
    const applied = applyUpdate(replica, u)
    replica = applied.replica
    c.update(applied.changed.includes(config.probeQueue) ? waitingOf(replica.queues) : null, u.serverNow, 0, window)
    if (!applied.gap) return
    c.gaps++
    s.timeout(5_000)
      .emitWithAck('snapshot:get')
      .then((r) => r.ok && take(r.data))
      .catch(() => undefined)
  })
  closers.push(() => s.disconnect())
  return c
}

const UPDATE = Buffer.from('42["update",')
const SNAPSHOT = Buffer.from('42["snapshot",')
const SERVER_NOW = Buffer.from('"serverNow":')
const WAITING = Buffer.from('"live":{"waiting":')
const NEXT_QUEUE = Buffer.from('{"id":')
const PATCH = Buffer.from('"patch":')

/** The integer right after `marker` in `frame` (from `start`, before `end`), or null. */
function numberAfter(frame: Buffer, marker: Buffer, start = 0, end = frame.length): number | null {
  const at = frame.indexOf(marker, start)
  if (at < 0 || at >= end) return null
  let n = 0
  let i = at + marker.length
  for (; i < frame.length && frame[i]! >= 48 && frame[i]! <= 57; i++) n = n * 10 + frame[i]! - 48
  return i === at + marker.length ? null : n
}

function lightClient(url: string): Client {
  const c = new Client(url)
  const probe = Buffer.from(`"id":${JSON.stringify(config.probeQueue)}`)
  const waitingIn = (frame: Buffer): number | null => {
    const at = frame.indexOf(probe)
    if (at < 0) return null
    // Within the probe queue's entry only: its delta holds `live.waiting` only when that changed
    // (a delta's patch may be the whole queue, `[{"id":…`, when the queue is new to the stream).
    const patch = frame.indexOf(PATCH, at)
    const next = frame.indexOf(NEXT_QUEUE, patch < 0 ? at + 1 : patch + PATCH.length + 2)
    return numberAfter(frame, WAITING, at, next < 0 ? frame.length : next)
  }
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: false,
    // The server's frames are JSON it encoded itself; checking their UTF-8 is work a board's browser does, not this bench's.
    skipUTF8Validation: true,
  })
  ws.on('message', (data: Buffer) => {
    const type = data[0]
    if (type === 0x30 /* 0 open */) ws.send(`40${JSON.stringify({ token: config.token })}`)
    else if (type === 0x32 /* 2 ping */) ws.send('3')
    else if (data.subarray(0, UPDATE.length).equals(UPDATE))
      c.update(waitingIn(data), numberAfter(data, SERVER_NOW) ?? 0, data.length, window)
    else if (data.subarray(0, SNAPSHOT.length).equals(SNAPSHOT)) c.snapshot(waitingIn(data) ?? 0)
    else if (data[0] === 0x34 && data[1] === 0x30 /* 40 connected */) send({ connected: ++connected })
    else if (data[0] === 0x34 && data[1] === 0x34 /* 44 connect error */) send({ error: data.toString() })
  })
  ws.on('error', (err) => send({ error: err.message }))
  closers.push(() => ws.close())
  return c
}

const clients = config.urls.map((url) => (config.kind === 'full' ? fullClient(url) : lightClient(url)))

process.on('message', (m: ParentMessage) => {
  if ('window' in m) window = m.window
  else if ('report' in m) send({ reports: clients.map((c) => c.report()) })
  else {
    for (const close of closers) close()
    setTimeout(() => process.exit(0), 100).unref()
  }
})
