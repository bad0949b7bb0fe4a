// Asterisk Manager Interface framing over TCP, written here rather than taken from npm (see README).
// The server greets with one line (`Asterisk Call Manager/9.0.0`), then sends messages of
// `Key: Value` lines, each message ended by a blank line; `\r\n` or `\n` both end a line, and a
// message may arrive split over any number of chunks. Actions carry an ActionID and are answered by
// a response with the same ActionID; a list action (QueueStatus) is answered by `Response: Success`
// with `EventList: start`, then its events (carrying the ActionID), then one with `EventList: Complete`.
//
// Messages are plain records: keys lower-cased (AMI keys are case-insensitive), the value after the
// first colon (values may hold colons). A repeated key (ChanVariable, Output) keeps every value,
// joined by a newline, so nothing is lost and a field that should be single cannot pass as one.
// A message larger than maxMessageBytes is skipped and counted, never buffered whole.
import net from 'node:net'
import { errorText } from '../client.js'

/** One AMI message: keys lower-cased; a repeated key's values joined by `\n`. */
export type AmiMessage = Record<string, string>

export type FrameProblem = 'too-large' | 'bad-line'

export type Frame =
  | { kind: 'greeting'; text: string }
  | { kind: 'message'; message: AmiMessage }
  | { kind: 'problem'; reason: FrameProblem; sample: string }

export const MAX_MESSAGE_BYTES = 64 * 1024
const SAMPLE_CHARS = 200
const CR = 13
const LF = 10

/** A message without a prototype, so that no key (`__proto__`) can reach Object.prototype. */
function emptyMessage(): AmiMessage {
  return Object.create(null) as AmiMessage
}

/** Cuts the byte stream into the greeting, messages and problems. Never throws. */
export class AmiFramer {
  private greeted: boolean
  /** the line being read, in pieces */
  private line: Buffer[] = []
  private lineBytes = 0
  private fields = emptyMessage()
  private fieldCount = 0
  /** bytes of the message so far, complete lines only */
  private messageBytes = 0
  private firstLine: string | null = null
  /** over the bound: lines are dropped until the blank line that ends the message */
  private skipping = false
  private skipLineBytes = 0
  private skipLineFirst = -1

  constructor(
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
    /** false: the first line is the greeting */
    greeted = false,
  ) {
    this.greeted = greeted
  }

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = []
    let from = 0
    for (;;) {
      const nl = chunk.indexOf(LF, from)
      if (nl < 0) break
      this.take(chunk.subarray(from, nl))
      this.endLine(out)
      from = nl + 1
    }
    if (from < chunk.length) this.take(chunk.subarray(from))
    return out
  }

  /** Bytes of the current line (no newline in them). */
  private take(piece: Buffer): void {
    if (piece.length === 0) return
    if (this.skipping) {
      if (this.skipLineBytes === 0) this.skipLineFirst = piece[0]!
      this.skipLineBytes += piece.length
      return
    }
    if (this.messageBytes + this.lineBytes + piece.length > this.maxMessageBytes) {
      const first = this.line[0] ?? piece
      this.startSkipping(Buffer.concat([...this.line, piece]).subarray(0, SAMPLE_CHARS))
      this.skipLineFirst = first[0]!
      this.skipLineBytes = this.lineBytes + piece.length
      this.line = []
      this.lineBytes = 0
      return
    }
    this.line.push(piece)
    this.lineBytes += piece.length
  }

  private startSkipping(head: Buffer): void {
    this.skipping = true
    this.firstLine ??= head.toString('utf8').replace(/\r$/, '')
    this.fields = emptyMessage()
    this.fieldCount = 0
  }

  private endLine(out: Frame[]): void {
    if (this.skipping) {
      // Only a blank line (nothing, or a lone CR) ends the oversized message.
      const blank = this.skipLineBytes === 0 || (this.skipLineBytes === 1 && this.skipLineFirst === CR)
      this.skipLineBytes = 0
      this.skipLineFirst = -1
      if (blank) {
        out.push({ kind: 'problem', reason: 'too-large', sample: (this.firstLine ?? '').slice(0, SAMPLE_CHARS) })
        this.skipping = false
        this.resetMessage()
      }
      return
    }
    const raw = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line, this.lineBytes)
    const bytes = this.lineBytes
    this.line = []
    this.lineBytes = 0
    let text = raw.toString('utf8')
    if (text.endsWith('\r')) text = text.slice(0, -1)
    if (!this.greeted) {
      // The greeting ends with its line, not with a blank line.
      this.greeted = true
      out.push({ kind: 'greeting', text })
      return
    }
    if (text === '') {
      if (this.fieldCount > 0) out.push({ kind: 'message', message: this.fields })
      this.resetMessage()
      return
    }
    this.messageBytes += bytes + 1
    this.firstLine ??= text.slice(0, SAMPLE_CHARS)
    const colon = text.indexOf(':')
    const key = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : ''
    if (key === '') {
      out.push({ kind: 'problem', reason: 'bad-line', sample: text.slice(0, SAMPLE_CHARS) })
      return
    }
    const value = text.slice(colon + 1).replace(/^[ \t]+/, '')
    const had = this.fields[key]
    this.fields[key] = had === undefined ? value : `${had}\n${value}`
    this.fieldCount++
  }

  private resetMessage(): void {
    this.fields = emptyMessage()
    this.fieldCount = 0
    this.messageBytes = 0
    this.firstLine = null
  }
}

/**
 * An action as AMI expects it: `Action` first, each field on its line, a blank line at the end.
 * A line break in a key or value would smuggle in other fields: refused, naming the key only (the
 * value may be a secret).
 */
export function formatAction(fields: Readonly<Record<string, string>>): string {
  const entries = Object.entries(fields).sort(([a], [b]) => (a === 'Action' ? -1 : b === 'Action' ? 1 : 0))
  let text = ''
  for (const [key, value] of entries) {
    if (/[\r\n:]/.test(key) || /[\r\n]/.test(value))
      throw new TypeError(`AMI action field ${key.slice(0, 40)}: line breaks are not allowed`)
    text += `${key}: ${value}\r\n`
  }
  return `${text}\r\n`
}

/** The PBX answered an action with `Response: Error`. */
export class AmiActionError extends Error {
  constructor(
    readonly action: string,
    readonly response: AmiMessage,
  ) {
    super(`${action}: ${response['message'] || 'error'}`)
    this.name = 'AmiActionError'
  }
}

/** No answer in time. */
export class AmiTimeoutError extends Error {
  constructor(
    readonly action: string,
    timeoutMs: number,
  ) {
    super(`${action}: no answer within ${timeoutMs} ms`)
    this.name = 'AmiTimeoutError'
  }
}

export interface AmiConnectionOptions {
  host: string
  port: number
  /** TCP connect and greeting; default 10000 */
  connectTimeoutMs?: number
  /** an action without its answer (a list action: without its last event) for this long fails; default 10000 */
  actionTimeoutMs?: number
  maxMessageBytes?: number
  /** gives up connecting (the connector stops) */
  signal?: AbortSignal
  /** The events read from one chunk, in order (list items included), and how many messages it held in all. */
  onData(events: AmiMessage[], messages: number): void
  onProblem(reason: FrameProblem, sample: string): void
}

interface Pending {
  action: string
  list: boolean
  response: AmiMessage | null
  timeoutMs: number
  timer: ReturnType<typeof setTimeout> | null
  resolve(response: AmiMessage): void
  reject(err: Error): void
}

let connections = 0

/** One logged-in-or-not AMI session on one TCP connection; `closed` says why it ended. */
export class AmiConnection {
  /** resolves with the reason once the socket is closed */
  readonly closed: Promise<string>
  private readonly framer: AmiFramer
  private readonly pending = new Map<string, Pending>()
  private readonly prefix = `wb${++connections}-`
  private seq = 0
  private paused = false
  private closeReason: string | null = null
  private markClosed!: (why: string) => void

  private constructor(
    private readonly socket: net.Socket,
    readonly greeting: string,
    framer: AmiFramer,
    private readonly opts: AmiConnectionOptions,
  ) {
    this.framer = framer
    this.closed = new Promise((resolve) => (this.markClosed = resolve))
    socket.on('data', (chunk: Buffer) => this.read(chunk))
    socket.on('error', (err) => (this.closeReason ??= errorText(err)))
    socket.on('close', () => {
      const why = this.closeReason ?? 'the PBX closed the connection'
      for (const p of this.pending.values()) {
        if (p.timer) clearTimeout(p.timer)
        p.reject(new Error(`${p.action}: the connection closed (${why})`))
      }
      this.pending.clear()
      this.markClosed(why)
    })
  }

  /** Connects and waits for the greeting; rejects with a reason a person can act on. */
  static open(opts: AmiConnectionOptions): Promise<AmiConnection> {
    const timeoutMs = opts.connectTimeoutMs ?? 10_000
    const target = `${opts.host}:${opts.port}`
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: opts.host, port: opts.port })
      const framer = new AmiFramer(opts.maxMessageBytes)
      let settled = false
      const onAbort = () => fail('stopped')
      const fail = (why: string) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        socket.destroy()
        reject(new Error(why))
      }
      const timer = setTimeout(
        () =>
          fail(
            socket.connecting
              ? `cannot connect to ${target}: no answer within ${timeoutMs} ms`
              : `no AMI greeting from ${target} within ${timeoutMs} ms: is it the manager port (5038)?`,
          ),
        timeoutMs,
      )
      socket.once('error', (err) => fail(`cannot connect to ${target}: ${errorText(err)}`))
      socket.once('close', () => fail(`${target} closed the connection before greeting`))
      if (opts.signal?.aborted) return fail('stopped')
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      const onData = (chunk: Buffer) => {
        if (settled) return
        const frames = framer.push(chunk)
        const greeting = frames.find((f) => f.kind === 'greeting')
        if (greeting === undefined) return
        if (!/^Asterisk Call Manager\//i.test(greeting.text)) {
          fail(`${target} is not an Asterisk Manager Interface (it greeted with ${JSON.stringify(greeting.text.slice(0, 80))})`)
          return
        }
        settled = true
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        socket.removeListener('data', onData)
        socket.removeAllListeners('error')
        socket.removeAllListeners('close')
        socket.setKeepAlive(true, 30_000)
        const conn = new AmiConnection(socket, greeting.text, framer, opts)
        // Anything after the greeting in the same chunk was framed already: hand it on.
        conn.dispatch(frames.filter((f) => f !== greeting))
        resolve(conn)
      }
      socket.on('data', onData)
    })
  }

  /**
   * Sends an action and resolves with its response; a list action (`list`) resolves once its last
   * event (`EventList: Complete`) was handed to onData. Rejects with AmiActionError on
   * `Response: Error`, AmiTimeoutError when unanswered (time counts only while reading).
   */
  action(fields: Readonly<Record<string, string>>, opts: { list?: boolean; timeoutMs?: number } = {}): Promise<AmiMessage> {
    const actionId = `${this.prefix}${++this.seq}`
    const action = fields['Action'] ?? 'action'
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new Error(`${action}: the connection is closed`))
      let text: string
      try {
        text = formatAction({ ...fields, ActionID: actionId })
      } catch (err) {
        return reject(err as Error)
      }
      const p: Pending = {
        action,
        list: opts.list ?? false,
        response: null,
        timeoutMs: opts.timeoutMs ?? this.opts.actionTimeoutMs ?? 10_000,
        timer: null,
        resolve,
        reject,
      }
      this.pending.set(actionId, p)
      this.arm(actionId, p)
      this.socket.write(text)
    })
  }

  private arm(actionId: string, p: Pending): void {
    p.timer = setTimeout(() => {
      // A paused connection reads nothing: its answers wait in the socket, they are not late.
      if (this.paused) return this.arm(actionId, p)
      this.pending.delete(actionId)
      p.reject(new AmiTimeoutError(p.action, p.timeoutMs))
    }, p.timeoutMs)
    p.timer.unref()
  }

  /** Stops reading (backpressure): the PBX's writes wait in TCP buffers. */
  pause(): void {
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    this.paused = false
    this.socket.resume()
  }

  /** Closes at once; `why` becomes the reason `closed` resolves with. */
  destroy(why?: string): void {
    if (why !== undefined) this.closeReason ??= why
    this.socket.destroy()
  }

  /** Logs off politely (without waiting long), then closes. */
  async logoff(why: string): Promise<void> {
    this.closeReason ??= why
    await this.action({ Action: 'Logoff' }, { timeoutMs: 1000 }).catch(() => undefined)
    this.socket.destroy()
  }

  private read(chunk: Buffer): void {
    this.dispatch(this.framer.push(chunk))
  }

  private dispatch(frames: Frame[]): void {
    const events: AmiMessage[] = []
    const done: Array<() => void> = []
    let messages = 0
    for (const f of frames) {
      if (f.kind === 'problem') {
        this.opts.onProblem(f.reason, f.sample)
        continue
      }
      if (f.kind !== 'message') continue
      messages++
      const m = f.message
      if (m['event'] !== undefined) {
        events.push(m)
        const p = m['actionid'] !== undefined ? this.pending.get(m['actionid']) : undefined
        if (p?.list && m['eventlist']?.toLowerCase() === 'complete') {
          this.settle(m['actionid']!, p)
          done.push(() => p.resolve(p.response ?? m))
        }
      } else if (m['response'] !== undefined) {
        this.respond(m, done)
      }
    }
    if (messages > 0) this.opts.onData(events, messages)
    // After onData: whoever awaits a list action sees all its events handled.
    for (const d of done) d()
  }

  private respond(m: AmiMessage, done: Array<() => void>): void {
    const id = m['actionid']
    // A response without its ActionID (never from a current Asterisk) answers the oldest action.
    const entry = id !== undefined ? ([id, this.pending.get(id)] as const) : [...this.pending][0]
    const p = entry?.[1]
    if (!entry || !p) return
    if ((m['response'] ?? '').toLowerCase() === 'error') {
      this.settle(entry[0], p)
      done.push(() => p.reject(new AmiActionError(p.action, m)))
      return
    }
    if (p.list && (m['eventlist'] ?? '').toLowerCase() === 'start') {
      p.response = m
      return
    }
    this.settle(entry[0], p)
    done.push(() => p.resolve(m))
  }

  private settle(actionId: string, p: Pending): void {
    if (p.timer) clearTimeout(p.timer)
    this.pending.delete(actionId)
  }
}
