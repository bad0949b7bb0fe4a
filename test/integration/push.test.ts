// The socket contract over a real connection: snapshot first, then pushed updates of the queues
// an event touched, a health heartbeat, and a fresh snapshot on request.
import type { FastifyInstance } from 'fastify'
import { type Socket, io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyUpdate, replicaOf } from '../../shared/figures/delta.js'
import type {
  Ack,
  ClientToServerEvents,
  FiguresUpdate,
  Health,
  ServerToClientEvents,
  SocketSnapshot,
} from '../../shared/socket.js'
import { auth, testApp } from './helpers.js'

let app: FastifyInstance
let base: string
const sockets: Socket[] = []

let token: string

beforeAll(async () => {
  app = await testApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  // The default board shows every queue; a TV watches it with a display token.
  token = (await app.displayTokens.create({ name: 'push test', boardId: 'floor', createdBy: 'test' })).secret
})
afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await app.close()
})

function connect(): Socket<ServerToClientEvents, ClientToServerEvents> {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token },
  })
  sockets.push(s)
  return s
}

function next<E extends keyof ServerToClientEvents>(
  s: Socket<ServerToClientEvents, ClientToServerEvents>,
  event: E,
  accept: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs)
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!accept(payload)) return
      clearTimeout(timer)
      s.off(event, handler as never)
      resolve(payload)
    }
    s.on(event, handler as never)
  })
}

const postEvents = (events: unknown[]) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: JSON.stringify(events),
  })

describe('socket push', () => {
  it('sends a snapshot on connect, then an update within a fraction of a second of an event', async () => {
    const s = connect()
    const snapshot = (await next(s, 'snapshot')) as SocketSnapshot
    expect(snapshot.queues.find((q) => q.id === 'push-q')).toBeUndefined()
    const sentAt = Date.now()
    const updated = next(s, 'update', (u) => (u as FiguresUpdate).queues.some((q) => q.id === 'push-q'))
    await postEvents([{ id: 'push-1', type: 'call.queued', ts: sentAt - 5_000, callId: 'p1', queue: 'push-q' }])
    const update = (await updated) as FiguresUpdate
    const elapsed = Date.now() - sentAt
    // A queue new to the board comes whole, on no base.
    expect(update.queues.find((x) => x.id === 'push-q')?.base).toBe(0)
    const q = applyUpdate(replicaOf(snapshot), update).replica.queues.find((x) => x.id === 'push-q')!
    expect(q.live.waiting).toBe(1)
    expect(q.live.oldestQueuedAt).toBe(sentAt - 5_000)
    // Not a performance test (that is npm run bench): only that it is pushed, not polled.
    expect(elapsed).toBeLessThan(1_000)
  })

  it('sends only the queues that changed', async () => {
    await postEvents([{ id: 'push-2', type: 'call.queued', ts: Date.now() - 1_000, callId: 'p2', queue: 'push-other' }])
    await app.aggregator.drain()
    await new Promise((r) => setTimeout(r, 100)) // its own update has gone out
    const s = connect()
    const snapshot = (await next(s, 'snapshot')) as SocketSnapshot
    const updated = next(s, 'update', (u) => (u as FiguresUpdate).queues.some((q) => q.id === 'push-q'))
    await postEvents([{ id: 'push-3', type: 'call.abandoned', ts: Date.now(), callId: 'p1', queue: 'push-q' }])
    const update = (await updated) as FiguresUpdate
    expect(update.queues.map((q) => q.id)).toEqual(['push-q'])
    // Only the fields that changed, on the revision the snapshot holds; applied, they give the figures now.
    const delta = update.queues[0]!
    expect(delta.base).toBe(snapshot.revs[snapshot.queues.findIndex((q) => q.id === 'push-q')])
    expect(delta.rev).toBeGreaterThan(delta.base)
    expect(delta.patch).not.toHaveProperty('definition')
    expect(delta.patch).not.toHaveProperty('name')
    const applied = applyUpdate(replicaOf(snapshot), update)
    expect(applied.gap).toBe(false)
    const fresh: Ack<SocketSnapshot> = await s.timeout(5_000).emitWithAck('snapshot:get')
    if (!fresh.ok) throw new Error(fresh.error)
    const at = fresh.data.queues.findIndex((q) => q.id === 'push-q')
    expect(fresh.data.revs[at]).toBe(delta.rev)
    expect(applied.replica.queues.find((q) => q.id === 'push-q')).toEqual(fresh.data.queues[at])
  })

  it('sends a board on another process (another epoch) no delta it would apply', async () => {
    const s = connect()
    const snapshot = (await next(s, 'snapshot')) as SocketSnapshot
    const updated = next(s, 'update', (u) => (u as FiguresUpdate).queues.some((q) => q.id === 'push-q'))
    await postEvents([{ id: 'push-4', type: 'call.queued', ts: Date.now(), callId: 'p4', queue: 'push-q' }])
    const update = (await updated) as FiguresUpdate
    // The same revisions from another process's stream: a gap, nothing applied.
    const foreign = applyUpdate(replicaOf({ ...snapshot, epoch: `${snapshot.epoch}-other` }), update)
    expect(foreign.gap).toBe(true)
    expect(foreign.changed).toEqual([])
  })

  it('sends a health heartbeat saying how fresh the figures are', async () => {
    const s = connect()
    const h = (await next(s, 'health', () => true, 5_000)) as Health
    expect(h.ok).toBe(true)
    expect(h.asOf).not.toBeNull()
    expect(h.serverNow - h.asOf!).toBeLessThan(3_000)
    expect(h.lagEvents).toBe(0)
  })

  it('answers snapshot:get with a fresh snapshot', async () => {
    const s = connect()
    await next(s, 'snapshot')
    const res: Ack<SocketSnapshot> = await s.timeout(5_000).emitWithAck('snapshot:get')
    expect(res.ok).toBe(true)
    if (res.ok) expect(res.data.queues.map((q) => q.id)).toEqual(expect.arrayContaining(['push-q', 'push-other']))
  })
})
