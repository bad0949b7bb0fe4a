// The figures service's pacing (server/aggregate/figures.ts): an update goes out as soon as a batch
// is applied when the process is not busy sending, and batches applied while an update's cost is
// being paid back go out together afterwards, with the last state, never an older one.
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import type { Aggregator, AppliedBatch } from '../../server/aggregate/aggregator.js'
import { type FiguresChange as FiguresUpdate, FiguresService } from '../../server/aggregate/figures.js'
import { emptyState } from '../../shared/figures/aggregate.js'
import type { QueueFigures } from '../../shared/figures/schema.js'
import { at, definitions, queued, reduce } from './fixtures.js'

const defs = definitions()
const NOW = at(600)

/** What the service reads of the aggregator: its state, asOf, and its `applied` batches. */
class FakeAggregator extends EventEmitter {
  state = emptyState()
  asOf: number | null = NOW
  /** applies one call queued to `queue` and says so, as a step of the aggregator does */
  apply(n: number, queue = 'q1'): void {
    reduce([queued(`c${n}`, at(n), { queue })], NOW, defs, this.state)
    const batch: AppliedBatch = { queues: new Set([queue]), agents: new Set(), events: 1, surveys: [] }
    this.emit('applied', batch)
  }
}

let service: FiguresService | null = null
afterEach(() => service?.stop())

function start(onUpdate: (u: FiguresUpdate) => void): FakeAggregator {
  const aggregator = new FakeAggregator()
  // The service reads only state, asOf and the applied events of the real Aggregator.
  service = new FiguresService(aggregator as unknown as Aggregator, () => defs, { now: () => NOW, tickMs: 60_000 })
  service.on('update', onUpdate)
  service.start()
  return aggregator
}

const busy = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // a fan-out to many boards, in miniature
  }
}

const waiting = (u: FiguresUpdate | undefined, queue = 'q1') => u?.queues.find((q) => q.id === queue)?.live.waiting

describe('figures service pacing', () => {
  it('sends an update at once when it is not busy sending', () => {
    const updates: FiguresUpdate[] = []
    const aggregator = start((u) => updates.push(u))
    aggregator.apply(1)
    expect(updates).toHaveLength(1)
    expect(waiting(updates[0])).toBe(1)
  })

  it('coalesces the batches applied while a slow update is paid back, and sends the last state', async () => {
    const updates: FiguresUpdate[] = []
    // Each update takes 20 ms to send: the next may not start for a while after it.
    const aggregator = start((u) => {
      updates.push(u)
      busy(20)
    })
    aggregator.apply(1)
    expect(updates).toHaveLength(1)
    for (let n = 2; n <= 30; n++) aggregator.apply(n, n % 2 === 0 ? 'q1' : 'q2')
    expect(updates).toHaveLength(1)
    await expect.poll(() => updates.length, { timeout: 2_000, interval: 5 }).toBe(2)
    // One update for 29 batches, with both queues in their last state...
    expect(waiting(updates[1], 'q1')).toBe(16)
    expect(waiting(updates[1], 'q2')).toBe(14)
    // ...equal to a fresh snapshot: nothing applied was left unsent.
    const fresh = service!.snapshot().queues
    const byId = (qs: QueueFigures[]) => Object.fromEntries(qs.map((q) => [q.id, q]))
    expect(byId(updates[1]!.queues)).toEqual(byId(fresh))
    await new Promise((r) => setTimeout(r, 100))
    expect(updates).toHaveLength(2)
  })

  it('starts no update while a listener is still sending the last one, then sends the last state', async () => {
    const updates: FiguresUpdate[] = []
    let finish: (ms: number) => void = () => undefined
    const aggregator = start((u) => {
      updates.push(u)
      // The rest of this update goes out in later turns of the event loop.
      service!.sending(new Promise<number>((resolve) => (finish = resolve)))
    })
    aggregator.apply(1)
    for (let n = 2; n <= 10; n++) aggregator.apply(n)
    await new Promise((r) => setTimeout(r, 50))
    expect(updates).toHaveLength(1)
    finish(1)
    await expect.poll(() => updates.length, { timeout: 1_000, interval: 1 }).toBe(2)
    expect(waiting(updates[1])).toBe(10)
    finish(0)
  })

  it('does not wait longer than the share allows after a cheap update', async () => {
    const sentAt: number[] = []
    const aggregator = start(() => sentAt.push(performance.now()))
    aggregator.apply(1)
    aggregator.apply(2)
    await expect.poll(() => sentAt.length, { timeout: 1_000, interval: 1 }).toBe(2)
    // A cheap update holds the next back about as long as it took, not a fixed interval (25 ms before).
    expect(sentAt[1]! - sentAt[0]!).toBeLessThan(20)
  })
})
