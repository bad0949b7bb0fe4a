// A TCP proxy between a browser and a server process, for the network faults a TV meets: a pulled
// cable or a dead Wi-Fi (`blackHole`: every connection stays open, nothing gets through either way,
// new connections get no answer) and a reset (`cut`: every connection ends with RST both ways).
//
// A black hole holds bytes rather than dropping them, as TCP does: a segment lost on the wire is
// sent again, so whatever an end wrote (and its close) arrives, late and in order, once the link is
// back. Nothing is read meanwhile, so a sender's buffers fill and its writes queue up in the process
// (the server sees a slow board), as behind a pulled cable. An end that gave up meanwhile (socket.io's
// ping timeout) has closed its connection by then, and the other end learns so only after whatever
// was sent before it.
import { type Socket, connect, createServer } from 'node:net'

export interface Proxy {
  /** http://127.0.0.1:<port>: what the browser is pointed at */
  base: string
  /** stops forwarding both ways; connections stay open, and new ones are accepted and held */
  blackHole(): void
  /** forwards again: what was held is delivered, then held new connections reach the server */
  restore(): void
  /** resets every connection now (RST both ways), held or not */
  cut(): void
  close(): Promise<void>
}

/** One direction of a connection: what its sender wrote that has not been passed on yet, and how it ended. */
interface Held {
  chunks: Buffer[]
  ended: boolean
  reset: boolean
  /** the end (or reset) was passed on */
  closed: boolean
}

interface Link {
  client: Socket
  /** null until the link lets the connection through to the server */
  server: Socket | null
  toServer: Held
  toClient: Held
}

const held = (): Held => ({ chunks: [], ended: false, reset: false, closed: false })

/** Proxies connections to a loopback port of its own to `target` (http://host:port). */
export async function startProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target)
  const links = new Set<Link>()
  let down = false

  /** Passes on what `from` holds, when the link is up and the other side exists. */
  const pass = (from: Held, to: Socket | null): void => {
    if (down || to === null || from.closed) return
    if (to.destroyed) {
      from.chunks = []
      from.closed = true
      return
    }
    for (const c of from.chunks) to.write(c)
    from.chunks = []
    if (from.reset) to.resetAndDestroy()
    else if (from.ended) to.end()
    from.closed = from.reset || from.ended
  }

  const forget = (link: Link): void => {
    if (link.client.destroyed && (link.server === null || link.server.destroyed)) links.delete(link)
  }

  /** Wires `socket`'s events into `from` (what it sends), passed on to `other()` while the link is up. */
  const wire = (link: Link, socket: Socket, from: Held, other: () => Socket | null): void => {
    socket.setNoDelay(true)
    socket.on('data', (c: Buffer) => {
      from.chunks.push(c)
      pass(from, other())
    })
    socket.on('end', () => {
      from.ended = true
      pass(from, other())
    })
    socket.on('error', () => {
      from.reset = true
    })
    socket.on('close', () => {
      // A socket destroyed without an end (a browser closing a tab) closes its side all the same.
      from.ended = true
      pass(from, other())
      forget(link)
    })
  }

  const reach = (link: Link): void => {
    // Half-open allowed both ways, as on the browser's side: each end's close is passed on when the link lets it.
    const server = connect({ port: Number(port), host: hostname, allowHalfOpen: true })
    link.server = server
    wire(link, server, link.toClient, () => link.client)
    pass(link.toServer, server)
  }

  const cut = (): void => {
    for (const link of [...links]) {
      for (const s of [link.client, link.server]) if (s !== null && !s.destroyed) s.resetAndDestroy()
      links.delete(link)
    }
  }

  const proxy = createServer({ allowHalfOpen: true }, (client) => {
    const link: Link = { client, server: null, toServer: held(), toClient: held() }
    links.add(link)
    wire(link, client, link.toServer, () => link.server)
    if (down) client.pause()
    else reach(link)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address()
  if (address === null || typeof address === 'string') throw new Error('proxy: no port')

  return {
    base: `http://127.0.0.1:${address.port}`,
    blackHole() {
      down = true
      for (const link of links) {
        link.client.pause()
        link.server?.pause()
      }
    },
    restore() {
      down = false
      for (const link of [...links]) {
        // A connection made while the link was down reaches the server now, as its SYN sent again would.
        if (link.server === null) reach(link)
        else pass(link.toServer, link.server)
        pass(link.toClient, link.client)
        link.client.resume()
        link.server?.resume()
        forget(link)
      }
    },
    cut,
    async close() {
      cut()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    },
  }
}
