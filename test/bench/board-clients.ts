// A child process of the scale bench (test/bench/scale.ts) holding thousands of TV connections.
// socket.io-client costs too much per connection for 10,000 in a few processes sharing the
// server's two cores, so each board is a raw `ws` connection speaking just enough of engine.io v4
// and socket.io v5: the open packet, a `40{auth}` connect to the main namespace, `3` for every
// ping. Messages are recognised by their first bytes, never parsed, except the `serverNow` of an
// update (its first field after `asOf`), read to time the server's fan-out: from the moment it
// built the update to the moment this board had it, on the same machine's clock.
import * as hdr from 'hdr-histogram-js'
import WebSocket from 'ws'

export type ClientsCommand =
  | { cmd: 'connect'; url: string; token: string; count: number; concurrency: number }
  | { cmd: 'reset' }
  | { cmd: 'stats' }
  | { cmd: 'close' }

export interface ClientsStats {
  open: number
  /** updates per board since the last reset: each board's count, summarised */
  updatesMin: number
  updatesMean: number
  updatesMax: number
  snapshots: number
  healths: number
  /** connections the server closed, or that failed, since they were opened */
  lost: number
  /** server's update → this board, compressed hdr histogram of microseconds */
  fanoutUs: string
}

export type ClientsReport =
  { type: 'connected'; ok: number; failed: number; firstError: string | null } | { type: 'stats'; stats: ClientsStats }

const send = (m: ClientsReport) => process.send!(m)

const UPDATE = Buffer.from('42["update",')
const SNAPSHOT = Buffer.from('42["snapshot",')
const HEALTH = Buffer.from('42["health",')
const SERVER_NOW = /"serverNow":(\d+)/

let boards: WebSocket[] = []
let updates = new Uint32Array(0)
let snapshots = 0
let healths = 0
let lost = 0
let fanout = newHistogram()

function newHistogram() {
  return hdr.build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 })
}

const startsWith = (data: Buffer, prefix: Buffer) =>
  data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0

/** One board: resolves once socket.io accepted it (or fails with the server's reason). */
function openBoard(url: string, token: string, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    let accepted = false
    ws.on('message', (raw: Buffer) => {
      const first = raw[0]
      if (first === 0x32 /* 2: ping */ && raw.length === 1) return ws.send('3')
      if (startsWith(raw, UPDATE)) {
        updates[index]!++
        const m = SERVER_NOW.exec(raw.toString('latin1', UPDATE.length, UPDATE.length + 80))
        if (m) fanout.recordValue(Math.max(1, Math.round((Date.now() - Number(m[1])) * 1000)))
      } else if (startsWith(raw, HEALTH)) healths++
      else if (startsWith(raw, SNAPSHOT)) snapshots++
      else if (first === 0x30 /* 0: engine.io open */) ws.send(`40${JSON.stringify({ token })}`)
      else if (raw[0] === 0x34 && raw[1] === 0x30 /* 40: connected */ && !accepted) {
        accepted = true
        resolve(ws)
      } else if (raw[0] === 0x34 && raw[1] === 0x34 /* 44: refused */) reject(new Error(raw.toString()))
    })
    ws.on('error', (err) => {
      if (!accepted) reject(err)
    })
    ws.on('close', () => {
      if (accepted) lost++
      else reject(new Error('closed before socket.io accepted the board'))
    })
  })
}

async function connect(c: Extract<ClientsCommand, { cmd: 'connect' }>): Promise<void> {
  updates = new Uint32Array(c.count)
  let next = 0
  let failed = 0
  let firstError: string | null = null
  const worker = async () => {
    while (next < c.count) {
      const i = next++
      try {
        boards.push(await openBoard(c.url, c.token, i))
      } catch (err) {
        failed++
        firstError ??= err instanceof Error ? err.message : String(err)
      }
    }
  }
  await Promise.all(Array.from({ length: c.concurrency }, worker))
  send({ type: 'connected', ok: boards.length, failed, firstError })
}

function stats(): ClientsStats {
  let min = Infinity
  let max = 0
  let sum = 0
  for (const n of updates) {
    min = Math.min(min, n)
    max = Math.max(max, n)
    sum += n
  }
  return {
    open: boards.filter((b) => b.readyState === WebSocket.OPEN).length,
    updatesMin: updates.length ? min : 0,
    updatesMean: updates.length ? sum / updates.length : 0,
    updatesMax: max,
    snapshots,
    healths,
    lost,
    fanoutUs: hdr.encodeIntoCompressedBase64(fanout),
  }
}

process.on('message', (m: ClientsCommand) => {
  if (m.cmd === 'connect') void connect(m)
  else if (m.cmd === 'reset') {
    updates.fill(0)
    snapshots = healths = 0
    fanout = newHistogram()
  } else if (m.cmd === 'stats') send({ type: 'stats', stats: stats() })
  else if (m.cmd === 'close') {
    for (const b of boards) b.terminate()
    boards = []
    process.exit(0)
  }
})
