// A slow board (issue 9, scenario 10): one TV stops reading its socket (its TCP connection is
// paused, so the kernel's buffers fill and the server's writes back up) while events stream in at
// a fixed rate to a real server process. The server's buffer for it stays bounded (it is skipped,
// and counted, once more than WALLBOARD_SOCKET_BUFFER_KB waits for it), the other boards keep
// getting every update at once, and every board, the slow one too once it reads again (it gets a
// fresh snapshot in place of what it missed), ends equal to a fresh snapshot.
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { RawEvent } from '../../shared/events.js'
import type { SocketSnapshot } from '../../shared/socket.js'
import { displayToken, openTv, type Tv } from '../support/screens.js'
import { killAll, postBatch, startServer } from '../support/server-process.js'
import { until } from '../support/wait.js'

const KEY = `slow-board-key-${randomBytes(8).toString('hex')}`
const ADMIN_PASSWORD = `slow-board-${randomBytes(8).toString('hex')}`
const BOUND_KB = 16
const QUEUES = 100
/** requests per second, each of BATCH events (calls queued, answered, ended across the queues) */
const RATE = 40
const BATCH = 15
const THROTTLED_MS = 8_000

afterAll(killAll)

/** The WebSocket under a socket.io client (engine.io-client keeps it as `ws`, the `ws` package's in Node). */
function webSocketOf(tv: Tv): { pause(): void; resume(): void } {
  const transport = tv.socket.io.engine.transport as unknown as { name: string; ws?: { pause(): void; resume(): void } }
  if (transport.name !== 'websocket' || !transport.ws) throw new Error(`the TV is on ${transport.name}, not a WebSocket`)
  return transport.ws
}

/** One sample of the server's metrics this test reads. */
async function metrics(base: string): Promise<{ bufferedMax: number; skippedUpdates: number; rssMB: number }> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text()
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN)
  return {
    bufferedMax: value(/^wallboard_socket_buffered_bytes_max (\S+)$/m),
    skippedUpdates: value(/^wallboard_socket_sends_skipped_total\{message="update"\} (\S+)$/m) || 0,
    rssMB: Math.round(value(/^wallboard_process_resident_memory_bytes (\S+)$/m) / 2 ** 20),
  }
}

const ALL_QUEUES = Array.from({ length: QUEUES }, (_, q) => `slow-q${q}`)
const AGENT_STATES = ['available', 'paused', 'available', 'acw'] as const

/**
 * Calls at "now" across the queues (each queued, answered, then ended, a step per event), and
 * agents who are members of every queue changing state: each of those changes every queue's
 * figures, so every update carries every queue, as on a busy floor.
 */
function traffic(run: string): () => RawEvent[] {
  let n = 0
  let m = 0
  return () => [
    ...Array.from({ length: BATCH - 1 }, () => {
      const i = n++
      const call = Math.floor(i / 3)
      const base = { id: `${run}-${i}`, ts: Date.now(), callId: `${run}-c${call}`, queue: ALL_QUEUES[call % QUEUES]! }
      const agent = `slow-a${call % 25}`
      if (i % 3 === 0) return { ...base, type: 'call.queued' } as RawEvent
      if (i % 3 === 1) return { ...base, type: 'call.answered', agent } as RawEvent
      return { ...base, type: 'call.ended', agent } as RawEvent
    }),
    (() => {
      const j = m++
      const state = AGENT_STATES[j % AGENT_STATES.length]!
      return {
        id: `${run}-s${j}`,
        type: 'agent.state',
        ts: Date.now(),
        agent: `slow-floor-${j % 5}`,
        state,
        queues: ALL_QUEUES,
        ...(state === 'paused' ? { reason: `break-${j % 3}` } : {}),
      } as RawEvent
    })(),
  ]
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Number.NaN

describe('a slow board', () => {
  it('has a bounded buffer on the server, leaves the other boards unaffected, and catches up with a snapshot', async () => {
    const prefix = `slow:${randomBytes(4).toString('hex')}:`
    const server = await startServer({
      redisUrl: inject('redisUrl'),
      prefix,
      key: KEY,
      env: { WALLBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD, WALLBOARD_SOCKET_BUFFER_KB: String(BOUND_KB) },
    })
    const run = randomBytes(3).toString('hex')
    const next = traffic(run)
    // Every queue known before the boards connect, so their snapshots hold them all.
    for (let i = 0; i < QUEUES; i += BATCH / 3) await postBatch(server.base, KEY, next())

    // The default board shows every queue.
    const token = await displayToken(server.base, ADMIN_PASSWORD)
    const normal = await Promise.all(Array.from({ length: 3 }, () => openTv(server.base, token)))
    const slow = await openTv(server.base, token)
    const tvs = [...normal, slow]
    try {
      // The other boards' updates: how long after the server built them they arrived (one machine, one clock).
      const lagMs: number[] = []
      const received = normal.map(() => 0)
      let bytes = 0
      normal.forEach((tv, i) =>
        tv.socket.on('update', (u) => {
          lagMs.push(Date.now() - u.serverNow)
          received[i]!++
          if (i === 0) bytes += JSON.stringify(u).length
        }),
      )
      const before = await metrics(server.base)
      const slowSnapshots = slow.snapshots
      // Before the traffic: a connection that has carried little keeps the kernel's small buffers.
      webSocketOf(slow).pause()

      let sending = true
      let failed = 0
      const sender = (async () => {
        const started = Date.now()
        for (let sent = 0; sending;) {
          const due = Math.floor(((Date.now() - started) / 1000) * RATE)
          for (; sent < due; sent++) void postBatch(server.base, KEY, next()).catch(() => failed++)
          await new Promise((r) => setTimeout(r, 10))
        }
      })()

      const slowUpdatesAtPause = slow.updates.length
      const samples: Array<Awaited<ReturnType<typeof metrics>>> = []
      const throttledUntil = Date.now() + THROTTLED_MS
      while (Date.now() < throttledUntil) {
        await new Promise((r) => setTimeout(r, 500))
        samples.push(await metrics(server.base))
      }
      const during = { lagP99Ms: p99(lagMs), updates: [...received] }
      const skipped = samples[samples.length - 1]!.skippedUpdates - before.skippedUpdates
      console.log('slow board', {
        boundKB: BOUND_KB,
        bufferedMaxKB: Math.round(Math.max(...samples.map((s) => s.bufferedMax)) / 1024),
        skippedUpdates: skipped,
        updateKB: Math.round(bytes / 1024),
        slowUpdatesWhilePaused: slow.updates.length - slowUpdatesAtPause,
        rssMB: [before.rssMB, ...samples.map((s) => s.rssMB)].join(' '),
        ...during,
      })
      // The slow board was skipped once its buffer passed the bound, so it never held much more:
      // at most the bound plus the one message that took it over (an update of every queue, a snapshot).
      expect(skipped).toBeGreaterThan(0)
      for (const s of samples) expect(s.bufferedMax).toBeLessThanOrEqual(BOUND_KB * 1024 + 192 * 1024)
      // The others had their updates as they were sent, all along.
      expect(during.lagP99Ms).toBeLessThan(500)
      for (const n of during.updates) expect(n).toBeGreaterThan(THROTTLED_MS / 1000 / 2)

      webSocketOf(slow).resume()
      sending = false
      await sender
      expect(failed).toBe(0)
      // Back in line with a fresh snapshot, not the updates it missed.
      await until('the slow board resynced', () => slow.snapshots > slowSnapshots, 10_000)

      // Every board, the slow one included, ends with exactly the figures of a fresh snapshot.
      await until(
        'every board equal to a fresh snapshot',
        async () => {
          const fresh = await normal[0]!.socket.timeout(5_000).emitWithAck('snapshot:get')
          if (!fresh.ok) throw new Error(fresh.error)
          return tvs.every((tv) => sameFigures(tv, fresh.data))
        },
        15_000,
      )
    } finally {
      for (const tv of tvs) tv.socket.disconnect()
      await server.kill()
    }
  })
})

function sameFigures(tv: Tv, snapshot: SocketSnapshot): boolean {
  if (tv.queues.size !== snapshot.queues.length) return false
  return snapshot.queues.every((q) => isDeepStrictEqual(tv.queues.get(q.id), q))
}
