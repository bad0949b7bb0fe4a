// The benchmarks' open-loop HTTP load generator: POSTs due at a fixed rate whatever the server
// does, each timed from the moment it was DUE (not from when a connection was free to send it), so
// a server that stalls shows its stall in every request behind it (no coordinated omission, as
// wrk2 does it). It sorts the answers: admitted (2xx) latency on its own, refusals by status, and
// whether each refusal said when to come back (Retry-After); fixed-rate.ts reports the same run
// as one latency. Keep-alive raw sockets, one request in flight per connection, responses parsed
// just enough: the generator shares the machine with the server it measures.
import net from 'node:net'
import * as hdr from 'hdr-histogram-js'

export interface OpenLoopOptions {
  /** http://host:port */
  base: string
  path: string
  headers: Record<string, string>
  body: () => string
  /** requests per second */
  rate: number
  seconds: number
  connections: number
  /** how long answers are awaited after the last request was due; still unanswered then: timeouts */
  drainMs: number
  /** called once a second while the schedule runs */
  onSecond?: (second: number) => void
}

export interface OpenLoopResult {
  offeredPerSec: number
  sent: number
  /** requests answered (any status), and the seconds from the first due time to the end of the drain */
  answered: number
  elapsedSec: number
  admitted: number
  admittedPerSec: number
  admittedP50Ms: number
  admittedP99Ms: number
  admittedMaxMs: number
  /** every answer, admitted or refused */
  allP50Ms: number
  allP99Ms: number
  allP999Ms: number
  allMaxMs: number
  refused429: number
  refused429WithRetryAfter: number
  refused503: number
  refused503WithRetryAfter: number
  otherStatus: Record<string, number>
  /** connections lost with a request on them */
  errors: number
  /** requests not answered within the drain */
  timeouts: number
  /** admitted and 503 answers in each second of the schedule */
  perSecond: Array<{ admitted: number; shed: number }>
}

interface Conn {
  socket: net.Socket
  /** when the request in flight was due; null when the connection is free */
  dueAt: number | null
  buffer: Buffer
}

interface Answer {
  status: number
  retryAfter: boolean
  length: number
}

/** One whole response at the start of `buf`, or null while it is incomplete. */
function parseAnswer(buf: Buffer): Answer | null {
  const headEnd = buf.indexOf('\r\n\r\n')
  if (headEnd < 0) return null
  const head = buf.toString('latin1', 0, headEnd)
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (!m) throw new Error(`response without Content-Length: ${head.split('\r\n')[0]}`)
  const length = headEnd + 4 + Number(m[1])
  if (buf.length < length) return null
  return { status: Number(head.slice(9, 12)), retryAfter: /\r\nretry-after:\s*\d+/i.test(head), length }
}

const histogram = () => hdr.build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 })

export async function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(opts.base)
  const head = Object.entries({ host: url.host, connection: 'keep-alive', ...opts.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const total = Math.round(opts.rate * opts.seconds)
  const admittedLatency = histogram()
  const allLatency = histogram()
  const perSecond = Array.from({ length: Math.ceil(opts.seconds) }, () => ({ admitted: 0, shed: 0 }))
  const r = { sent: 0, answered: 0, admitted: 0, s429: 0, s429ra: 0, s503: 0, s503ra: 0, errors: 0 }
  const otherStatus: Record<string, number> = {}
  /** due times no connection was free for, oldest first */
  const backlog: number[] = []
  let backlogHead = 0
  const free: Conn[] = []
  const all = new Set<Conn>()
  let scheduling = true
  let start = 0
  let onSettled = () => {}

  const send = (conn: Conn, dueAt: number) => {
    conn.dueAt = dueAt
    const body = opts.body()
    conn.socket.write(`POST ${opts.path} HTTP/1.1\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  const release = (conn: Conn) => {
    conn.dueAt = null
    if (backlogHead < backlog.length) send(conn, backlog[backlogHead++]!)
    else free.push(conn)
  }
  const settle = (conn: Conn, a: Answer | null) => {
    const latencyUs = Math.max(1, Math.round((performance.now() - conn.dueAt!) * 1000))
    const second = perSecond[Math.floor((performance.now() - start) / 1000)]
    r.answered++
    if (a === null) r.errors++
    else {
      allLatency.recordValue(latencyUs)
      if (a.status >= 200 && a.status < 300) {
        r.admitted++
        admittedLatency.recordValue(latencyUs)
        if (second) second.admitted++
      } else if (a.status === 503) {
        r.s503++
        if (a.retryAfter) r.s503ra++
        if (second) second.shed++
      } else if (a.status === 429) {
        r.s429++
        if (a.retryAfter) r.s429ra++
      } else otherStatus[a.status] = (otherStatus[a.status] ?? 0) + 1
    }
    if (r.answered === total) onSettled()
  }

  const connect = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true })
      const conn: Conn = { socket, dueAt: null, buffer: Buffer.alloc(0) }
      all.add(conn)
      socket.once('connect', () => resolve(conn))
      socket.on('error', reject)
      socket.on('data', (chunk: Buffer) => {
        conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk])
        let a: Answer | null
        try {
          a = parseAnswer(conn.buffer)
        } catch {
          // Not an answer this generator can read: the request counts as an error (on close).
          return socket.destroy()
        }
        if (!a || conn.dueAt === null) return
        conn.buffer = conn.buffer.subarray(a.length)
        settle(conn, a)
        release(conn)
      })
      socket.on('close', () => {
        all.delete(conn)
        if (conn.dueAt !== null) settle(conn, null)
        // The pool keeps its size while the schedule runs.
        if (scheduling) void connect().then(release, () => {})
      })
    })
  const conns = await Promise.all(Array.from({ length: opts.connections }, connect))
  free.push(...conns)

  const interval = 1000 / opts.rate
  start = performance.now()
  let lastSecond = -1
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (r.sent < total && start + r.sent * interval <= now) {
        const dueAt = start + r.sent * interval
        const conn = free.pop()
        if (conn) send(conn, dueAt)
        else backlog.push(dueAt)
        r.sent++
      }
      const second = Math.floor((now - start) / 1000)
      if (second !== lastSecond) opts.onSecond?.((lastSecond = second))
      if (r.sent < total) setTimeout(tick, 1)
      else resolve()
    }
    tick()
  })
  scheduling = false
  await new Promise<void>((resolve) => {
    if (r.answered === total) return resolve()
    onSettled = resolve
    setTimeout(resolve, opts.drainMs)
  })
  const elapsedSec = (performance.now() - start) / 1000
  for (const c of all) c.socket.destroy()
  const ms = (us: number) => Math.round(us / 10) / 100
  return {
    offeredPerSec: opts.rate,
    sent: r.sent,
    answered: r.answered,
    elapsedSec,
    admitted: r.admitted,
    admittedPerSec: Math.round(r.admitted / opts.seconds),
    admittedP50Ms: ms(admittedLatency.getValueAtPercentile(50)),
    admittedP99Ms: ms(admittedLatency.getValueAtPercentile(99)),
    admittedMaxMs: ms(admittedLatency.maxValue),
    allP50Ms: ms(allLatency.getValueAtPercentile(50)),
    allP99Ms: ms(allLatency.getValueAtPercentile(99)),
    allP999Ms: ms(allLatency.getValueAtPercentile(99.9)),
    allMaxMs: ms(allLatency.maxValue),
    refused429: r.s429,
    refused429WithRetryAfter: r.s429ra,
    refused503: r.s503,
    refused503WithRetryAfter: r.s503ra,
    otherStatus,
    errors: r.errors,
    timeouts: total - r.answered,
    perSecond,
  }
}
