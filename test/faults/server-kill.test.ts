// The durability promise, tested the hard way: the real server process is killed with SIGKILL
// twice while events stream in (out of order, some late, retried after every failure). After a
// restart the stored log and every figure must equal what the pure functions compute from the
// acknowledged events, sorted and deduplicated: nothing lost, nothing counted twice.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { RawEvent } from '../../shared/events.js'
import { expectExact } from '../support/exact.js'
import { killAll, postBatch, startServer as startProcess } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'

const KEY = `crash-test-key-${randomBytes(8).toString('hex')}`
const TZ = 'Asia/Shanghai'

afterAll(killAll)

const startServer = (prefix: string) => startProcess({ redisUrl: inject('redisUrl'), prefix, key: KEY, timezone: TZ })
const post = (base: string, batch: RawEvent[]) => postBatch(base, KEY, batch)

describe('a server killed with SIGKILL mid-ingest', () => {
  it('restarts with exactly the figures of the acknowledged events, none lost and none counted twice', async () => {
    const prefix = `crash:${randomBytes(4).toString('hex')}:`
    const events = generateTraffic({ seed: 7, startMs: Date.now() - 90 * 60_000, calls: 900, arrivalGapMs: 5_000 })
    const order = deliveryOrder(events, 11)
    const batches: RawEvent[][] = []
    for (let i = 0; i < order.length; i += 40) batches.push(order.slice(i, i + 40))
    const killAt = new Set([Math.floor(batches.length / 3), Math.floor((2 * batches.length) / 3)])

    let server = await startServer(prefix)
    const acknowledged = new Set<string>()
    let unacknowledged: RawEvent[][] = []
    let kills = 0
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!
      if (killAt.has(i)) {
        // Kill while this batch is in flight and the aggregator is busy with the previous ones.
        const inFlight = post(server.base, batch).then(
          () => batch.forEach((e) => acknowledged.add(e.id)),
          () => unacknowledged.push(batch),
        )
        await new Promise((r) => setTimeout(r, 2))
        await server.kill()
        await inFlight
        kills++
        server = await startServer(prefix)
        // The sender retries what was not acknowledged, with the same ids.
        for (const retry of unacknowledged) {
          const r = await post(server.base, retry)
          expect(r.rejected).toEqual([])
          retry.forEach((e) => acknowledged.add(e.id))
        }
        unacknowledged = []
        continue
      }
      const r = await post(server.base, batch)
      expect(r.rejected).toEqual([])
      batch.forEach((e) => acknowledged.add(e.id))
    }
    expect(kills).toBe(2)
    expect(acknowledged.size).toBe(events.length)

    // Once the restarted aggregator has applied everything (not merely within readiness's lag): the
    // log holds each event once, and the figures are those of the acknowledged events, deduplicated,
    // in event-time order, through the pure functions.
    await expectExact({
      base: server.base,
      key: KEY,
      timezone: TZ,
      acknowledged: events.filter((e) => acknowledged.has(e.id)),
      offered: 900,
      log: { redisUrl: inject('redisUrl'), prefix },
    })

    await server.kill()
  }, 120_000)
})
