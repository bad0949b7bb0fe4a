// The store watch on a real Redis: processes starting together agree on one epoch; a store emptied
// under them is a data reset, recorded once with what was known (the log length last read, what
// memory kept) and seen by every process; an admin's acknowledgement clears it for all; a fresh
// store is no reset.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import type { DataReset } from '../../shared/socket.js'
import { StoreWatch } from '../../server/store/epoch.js'
import { redisKeys } from '../../server/store/keys.js'

let redis: Redis
const logger = Fastify({ logger: false }).log
const watches: StoreWatch[] = []

beforeAll(() => {
  redis = new Redis(inject('redisUrl'))
})
afterAll(() => {
  for (const w of watches) w.stop()
  redis.disconnect()
})

/** A watch as one process has it, checking only when asked (a long period). */
async function watch(prefix: string, applied: number | null): Promise<{ w: StoreWatch; resets: Array<[DataReset, boolean]> }> {
  const w = new StoreWatch(redis, redisKeys(prefix), { logger, everyMs: 60_000 })
  w.memory = () => (applied === null ? null : { applied })
  const resets: Array<[DataReset, boolean]> = []
  w.on('reset', (r, here) => resets.push([r, here]))
  await w.start()
  watches.push(w)
  return { w, resets }
}

async function empty(prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
}

describe('the store watch', () => {
  it('agrees on one epoch, records a reset once with what was known, and clears it on acknowledgement', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    const a = await watch(prefix, 5)
    const b = await watch(prefix, 7)
    expect(a.w.epoch).not.toBeNull()
    expect(b.w.epoch).toEqual(a.w.epoch)
    expect(await a.w.check()).toBe(true)

    const keys = redisKeys(prefix)
    for (let i = 0; i < 3; i++) await redis.xadd(keys.events, '*', 'e', '{}')
    expect(await a.w.check()).toBe(true)
    expect(await b.w.check()).toBe(true)
    const before = a.w.epoch!

    await empty(prefix)
    expect(await a.w.check()).toBe(false)
    expect(a.resets).toHaveLength(1)
    const [record, here] = a.resets[0]!
    expect(here).toBe(true)
    expect(record).toMatchObject({ previousEpoch: before.id, logEntriesBefore: 3, eventsKeptFromMemory: 5, figuresKept: true })
    expect(record.epoch).not.toBe(before.id)
    expect(a.w.reset).toEqual(record)
    // The other process sees the same reset, recorded by the first: not a second one.
    expect(await b.w.check()).toBe(false)
    expect(b.resets).toEqual([[record, false]])
    expect(b.w.epoch).toEqual(a.w.epoch)
    // Once adopted, the new store is the one both know.
    expect(await a.w.check()).toBe(true)
    expect(await b.w.check()).toBe(true)
    expect(a.resets).toHaveLength(1)

    expect(await b.w.acknowledge()).toEqual(record)
    expect(await a.w.check()).toBe(true)
    expect(a.w.reset).toBeNull()
    expect(await b.w.acknowledge()).toBeNull()
  })

  it('takes an empty store for a fresh install: no reset without an epoch known before', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    const fresh = await watch(prefix, 0)
    expect(await fresh.w.check()).toBe(true)
    expect(fresh.w.reset).toBeNull()
    expect(fresh.resets).toEqual([])
  })

  it('leaves the record to a process with figures when it has none (ingest only)', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`
    const ingest = await watch(prefix, null)
    const aggregating = await watch(prefix, 4)
    await empty(prefix)
    expect(await ingest.w.check()).toBe(false)
    expect(ingest.resets[0]![1]).toBe(false)
    expect(await redis.get(redisKeys(prefix).dataReset)).toBeNull()
    expect(await aggregating.w.check()).toBe(false)
    expect(aggregating.resets[0]).toMatchObject([{ eventsKeptFromMemory: 4, figuresKept: true }, true])
    expect(await ingest.w.check()).toBe(true)
    expect(ingest.w.reset).toEqual(aggregating.w.reset)
  })
})
