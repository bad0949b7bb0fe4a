// An open-loop HTTP load generator: requests are due at a fixed rate whatever the server does, and
// each latency runs from the moment its request was DUE, not from when a connection was free to
// send it. A server that stalls therefore shows its stall in every request that waited behind it
// (no coordinated omission, as wrk2 does it). Keep-alive connections over raw sockets, one request
// in flight per connection, responses parsed just enough (status line and Content-Length): the
// generator must stay cheap, since it shares the machine with the server it measures.
import net from 'node:net'
import * as hdr from 'hdr-histogram-js'

export interface FixedRateOptions {
  /** http://host:port */
  base: string
  path: string
  headers: Record<string, string>
  /** the body of the next request */
  body: () => string
  /** requests per second */
  rate: number
  seconds: number
  connections: number
  /** requests still unanswered this long after the last one was due count as timeouts */
  drainMs?: number
}

export interface FixedRateResult {
  /** requests per second asked for, and answered per second over the schedule plus the drain */
  rate: number
  achievedPerSec: number
  sent: number
  ok: number
  non2xx: number
  /** connection errors and requests never answered */
  errors: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

interface Conn {
  socket: net.Socket
  /** when the request in flight was due; null when the connection is free */
  dueAt: number | null
  buffer: Buffer
}

/** The end of one HTTP response in `buf`, and its status; null while incomplete. */
function parseResponse(buf: Buffer): { status: number; length: number } | null {
  const headEnd = buf.indexOf('\r\n\r\n')
  if (headEnd < 0) return null
  const head = buf.toString('latin1', 0, headEnd)
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (!m) throw new Error(`response without Content-Length: ${head.split('\r\n')[0]}`)
  const length = headEnd + 4 + Number(m[1])
  if (buf.length < length) return null
  return { status: Number(head.slice(9, 12)), length }
}

export async function fixedRate(opts: FixedRateOptions): Promise<FixedRateResult> {
  const url = new URL(opts.base)
  const histogram = hdr.build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 })
  const head = Object.entries({ host: url.host, connection: 'keep-alive', ...opts.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const total = Math.round(opts.rate * opts.seconds)
  /** due times of requests no connection was free for, oldest first */
  const backlog: number[] = []
  let backlogHead = 0
  const free: Conn[] = []
  let sent = 0
  let answered = 0
  let ok = 0
  let non2xx = 0
  let errors = 0
  let onSettled: () => void = () => {}

  const send = (conn: Conn, dueAt: number) => {
    conn.dueAt = dueAt
    const body = opts.body()
    conn.socket.write(`POST ${opts.path} HTTP/1.1\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  const release = (conn: Conn) => {
    conn.dueAt = null
    if (backlogHead < backlog.length) send(conn, backlog[backlogHead++]!)
    else free.push(conn)
    if (answered === total) onSettled()
  }
  const settle = (conn: Conn, status: number | null) => {
    histogram.recordValue(Math.max(1, Math.round((performance.now() - conn.dueAt!) * 1000)))
    answered++
    if (status === null) errors++
    else if (status >= 200 && status < 300) ok++
    else non2xx++
  }

  const connect = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true })
      const conn: Conn = { socket, dueAt: null, buffer: Buffer.alloc(0) }
      socket.once('connect', () => resolve(conn))
      socket.once('error', reject)
      socket.on('data', (chunk: Buffer) => {
        conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk])
        let r: ReturnType<typeof parseResponse>
        try {
          r = parseResponse(conn.buffer)
        } catch {
          // Not an answer this generator can read: the request counts as an error (on close).
          return socket.destroy()
        }
        if (!r) return
        conn.buffer = conn.buffer.subarray(r.length)
        // An answer nobody asked for (the server closing an idle connection) is dropped.
        if (conn.dueAt === null) return
        settle(conn, r.status)
        release(conn)
      })
      socket.on('close', () => {
        // A request lost with its connection is an error; the schedule goes on without this one.
        if (conn.dueAt !== null) {
          settle(conn, null)
          if (answered === total) onSettled()
        }
      })
    })
  const conns = await Promise.all(Array.from({ length: opts.connections }, connect))
  for (const c of conns) c.socket.on('error', () => {})
  free.push(...conns)

  const interval = 1000 / opts.rate
  const start = performance.now()
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (sent < total && start + sent * interval <= now) {
        const dueAt = start + sent * interval
        const conn = free.pop()
        if (conn) send(conn, dueAt)
        else backlog.push(dueAt)
        sent++
      }
      if (sent < total) setTimeout(tick, 1)
      else resolve()
    }
    tick()
  })
  await new Promise<void>((resolve) => {
    if (answered === total) return resolve()
    onSettled = resolve
    setTimeout(resolve, opts.drainMs ?? 10_000)
  })
  const elapsedSec = (performance.now() - start) / 1000
  for (const c of conns) c.socket.destroy()
  const ms = (us: number) => Math.round(us / 10) / 100
  return {
    rate: opts.rate,
    achievedPerSec: Math.round(answered / elapsedSec),
    sent,
    ok,
    non2xx,
    errors: errors + (total - answered),
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    p999Ms: ms(histogram.getValueAtPercentile(99.9)),
    maxMs: ms(histogram.maxValue),
  }
}
