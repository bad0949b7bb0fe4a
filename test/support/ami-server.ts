// A small Asterisk Manager Interface server for the tests, on 127.0.0.1 and a free port: it greets,
// checks Login, answers Ping, QueueStatus (from a fixture, with the action's ActionID) and Logoff,
// and replays recorded sessions (test/fixtures/ami/) over the real socket, paced faster than real
// time and each event's Timestamp set to when it is sent, as Asterisk stamps events when they happen.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { AmiFramer, type AmiMessage } from '../../server/ingest/ami/protocol.js'

/** A fixture as Asterisk sends it: the `#` comment lines at its top removed. */
export function amiFixture(name: string): string {
  const text = readFileSync(new URL(`../fixtures/ami/${name}`, import.meta.url), 'utf8')
  return text.replace(/^(#[^\n]*\n)*\n*/, '')
}

/** The messages of a text in AMI framing (keys lower-cased), as the connector reads them. */
export function messagesOf(text: string): AmiMessage[] {
  return new AmiFramer(undefined, true).push(Buffer.from(text)).flatMap((f) => (f.kind === 'message' ? [f.message] : []))
}

/** A text's messages as written, each its `Key: Value` lines. */
function blocksOf(text: string): string[][] {
  return text
    .split(/\n\s*\n/)
    .map((b) => b.split('\n').filter((l) => l !== ''))
    .filter((b) => b.length > 0)
}

export interface FakeAmiOptions {
  username: string
  secret: string
  /** the reply to the nth QueueStatus (1 for the first), a fixture text */
  queueStatus(n: number): string
}

export class FakeAmi {
  /** every Login: who, and whether it was accepted */
  readonly logins: Array<{ username: string; ok: boolean }> = []
  /** every action received, in order */
  readonly actions: AmiMessage[] = []
  /** epoch ms of each accepted connection */
  readonly connectedAt: number[] = []
  /** messages written whole to the connector (responses and events), across connections */
  written = 0
  queueStatuses = 0
  answerPing = true
  private socket: net.Socket | null = null
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly opts: FakeAmiOptions,
  ) {}

  static async start(opts: FakeAmiOptions): Promise<FakeAmi> {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const ami = new FakeAmi(server, (server.address() as net.AddressInfo).port, opts)
    server.on('connection', (socket) => ami.accept(socket))
    return ami
  }

  private accept(socket: net.Socket): void {
    this.connectedAt.push(Date.now())
    this.sockets.add(socket)
    this.socket = socket
    socket.on('close', () => {
      this.sockets.delete(socket)
      if (this.socket === socket) this.socket = null
    })
    socket.on('error', () => undefined)
    const framer = new AmiFramer(undefined, true)
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) if (f.kind === 'message') this.answer(socket, f.message)
    })
    socket.write('Asterisk Call Manager/9.0.0\r\n')
  }

  private send(socket: net.Socket, lines: string[]): void {
    if (socket.destroyed) return
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    this.written++
  }

  private answer(socket: net.Socket, m: AmiMessage): void {
    this.actions.push(m)
    const id = `ActionID: ${m['actionid'] ?? ''}`
    switch ((m['action'] ?? '').toLowerCase()) {
      case 'login': {
        const ok = m['username'] === this.opts.username && m['secret'] === this.opts.secret
        this.logins.push({ username: m['username'] ?? '', ok })
        if (!ok) {
          this.send(socket, ['Response: Error', id, 'Message: Authentication failed'])
          setTimeout(() => socket.destroy(), 50)
          return
        }
        this.send(socket, ['Response: Success', id, 'Message: Authentication accepted'])
        this.send(socket, [
          'Event: FullyBooted',
          'Privilege: system,all',
          'Uptime: 3600',
          'LastReload: 3600',
          'Status: Fully Booted',
        ])
        return
      }
      case 'ping':
        if (this.answerPing)
          this.send(socket, ['Response: Success', id, 'Ping: Pong', `Timestamp: ${(Date.now() / 1000).toFixed(6)}`])
        return
      case 'queuestatus':
        for (const block of blocksOf(this.opts.queueStatus(++this.queueStatuses))) {
          this.send(
            socket,
            block.map((l) => (/^ActionID:/i.test(l) ? id : l)),
          )
        }
        return
      case 'logoff':
        this.send(socket, ['Response: Goodbye', id, 'Message: Thanks for all the fish.'])
        socket.end()
        return
      default:
        this.send(socket, ['Response: Error', id, 'Message: Invalid/unknown command'])
    }
  }

  /**
   * Replays a recorded text to the connection now open: the gaps between Timestamps shortened
   * `speedup` times, each Timestamp set to the time of sending, each message written in two pieces
   * split inside a line. Resolves with the messages written.
   */
  async play(text: string, speedup = 100): Promise<number> {
    const socket = this.socket
    if (socket === null) throw new Error('no AMI connection to play to')
    let previous: number | null = null
    let n = 0
    for (const block of blocksOf(text)) {
      const stamp = block.find((l) => /^Timestamp:/i.test(l))
      const at = stamp === undefined ? null : Number(stamp.slice(stamp.indexOf(':') + 1))
      if (at !== null && previous !== null && at > previous)
        await new Promise((r) => setTimeout(r, ((at - previous!) * 1000) / speedup))
      if (at !== null) previous = at
      const lines = block.map((l) => (/^Timestamp:/i.test(l) ? `Timestamp: ${(Date.now() / 1000).toFixed(6)}` : l))
      const whole = `${lines.join('\r\n')}\r\n\r\n`
      const cut = Math.floor(whole.length / 2)
      if (socket.destroyed) break
      socket.write(whole.slice(0, cut))
      await new Promise((r) => setImmediate(r))
      socket.write(whole.slice(cut))
      this.written++
      n++
    }
    return n
  }

  /** Writes raw bytes to the connection (half a message, a huge one …), not counted as a message. */
  writeRaw(text: string): void {
    this.socket?.write(text)
  }

  /** Drops the connection the way a PBX restart or a network fault does. */
  drop(): void {
    this.socket?.destroy()
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
