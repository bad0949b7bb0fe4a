// Updates under a burst: the figures service coalesces what is applied while an update's cost is
// paid back (server/aggregate/figures.ts), so boards get fewer updates than batches, but never
// miss the last state, whichever slice of the fan-out it is in: after the burst, each board's figures (its snapshot, then every update
// merged in) equal a fresh snapshot.
import type { FastifyInstance } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FiguresReplica, applyUpdate, replicaOf } from '../../shared/figures/delta.js'
import type { QueueFigures } from '../../shared/figures/schema.js'
import type { Ack, ClientToServerEvents, FiguresUpdate, ServerToClientEvents, SocketSnapshot } from '../../shared/socket.js'
import { auth, testApp } from './helpers.js'

let app: FastifyInstance
let base: string
let token: string
const sockets: Socket[] = []

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  token = (await app.displayTokens.create({ name: 'burst test', boardId: 'floor', createdBy: 'test' })).secret
})
afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await app.close()
})

/** A board: its snapshot, with every update's deltas applied as the board app does; a gap is noted. */
async function board(): Promise<{
  socket: Socket<ServerToClientEvents, ClientToServerEvents>
  queues: Map<string, QueueFigures>
  gaps: () => number
}> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token },
  })
  sockets.push(socket)
  const queues = new Map<string, QueueFigures>()
  let replica: FiguresReplica | null = null
  let gaps = 0
  socket.on('update', (u: FiguresUpdate) => {
    if (replica === null) return gaps++
    const applied = applyUpdate(replica, u)
    replica = applied.replica
    if (applied.gap) gaps++
    for (const q of replica.queues) queues.set(q.id, q)
  })
  const snapshot = await new Promise<SocketSnapshot>((resolve) => socket.once('snapshot', resolve))
  replica = replicaOf(snapshot)
  for (const q of snapshot.queues) queues.set(q.id, q)
  return { socket, queues, gaps: () => gaps }
}

/** The figures without what moves with the clock alone (the window ends, the longest wait, the rolling window's start). */
function settled(q: QueueFigures | undefined): unknown {
  return JSON.parse(
    JSON.stringify(q, (key, value: unknown) =>
      key === 'to' || key === 'longestWaitSec' || (key === 'from' && value !== q?.windows.today?.from) ? undefined : value,
    ),
  )
}

describe('updates under a burst', () => {
  it('leaves every board equal to a fresh snapshot', async () => {
    // More boards than one slice of the fan-out (socket.ts writes 50 at a time).
    const boards = await Promise.all(Array.from({ length: 120 }, board))
    // Each update costs 20 ms more, as a fan-out to many boards would: batches applied meanwhile coalesce.
    let updates = 0
    const fanOut = () => {
      updates++
      const until = performance.now() + 20
      while (performance.now() < until) {
        // sending
      }
    }
    app.figures.on('update', fanOut)
    const queues = ['burst-a', 'burst-b', 'burst-c', 'burst-d']
    const now = Date.now()
    // 40 requests of 10 events: calls queued, half of them answered, in four queues.
    const requests = Array.from({ length: 40 }, (_, r) =>
      Array.from({ length: 10 }, (_, i) => {
        const n = r * 10 + i
        const call = { callId: `burst-${Math.floor(n / 2)}`, queue: queues[Math.floor(n / 2) % queues.length]! }
        return n % 2 === 0
          ? { id: `burst-${n}`, type: 'call.queued', ts: now - 60_000 + n, ...call }
          : { id: `burst-${n}`, type: 'call.answered', ts: now - 30_000 + n, agent: `burst-agent-${n % 7}`, ...call }
      }),
    )
    // One after the other, as fast as they are answered: most are applied while an update is paid back.
    for (const events of requests) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      })
      expect(res.statusCode).toBe(200)
    }
    await app.aggregator.drain()
    // The last coalesced update is written, its last slices included (the boards parse in this
    // process too), well before the one-second tick would resend anything.
    await new Promise((r) => setTimeout(r, 300))
    app.figures.off('update', fanOut)
    expect(updates).toBeGreaterThan(0)
    expect(updates).toBeLessThan(requests.length)

    for (const { socket, queues: seen, gaps } of boards) {
      // Every delta applied to the revision the board held: none was missed or out of order.
      expect(gaps()).toBe(0)
      const fresh: Ack<SocketSnapshot> = await socket.timeout(5_000).emitWithAck('snapshot:get')
      if (!fresh.ok) throw new Error(fresh.error)
      for (const q of queues) {
        const want = fresh.data.queues.find((x) => x.id === q)
        expect(want?.windows.today?.arrived).toBe(50)
        expect(settled(seen.get(q))).toEqual(settled(want))
      }
    }
  })
})
