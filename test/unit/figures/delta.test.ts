// Field-level deltas (shared/figures/delta.ts): applying diff(a, b) to a gives b, for any JSON and
// for real figures; nothing is mutated; and a board's replica applies a delta only to the revision
// it was made from. Then the figures service end to end: a socket snapshot followed by the deltas
// it emits is exactly the snapshot taken afterwards.
import { EventEmitter } from 'node:events'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { Aggregator, AppliedBatch } from '../../../server/aggregate/aggregator.js'
import { type FiguresChange, FiguresService } from '../../../server/aggregate/figures.js'
import { emptyState } from '../../../shared/figures/aggregate.js'
import { computeFigures } from '../../../shared/figures/compute.js'
import { type FiguresReplica, type PatchOp, apply, applyUpdate, diff, replicaOf } from '../../../shared/figures/delta.js'
import type { QueueFigures } from '../../../shared/figures/schema.js'
import type { FiguresUpdate, QueueDelta } from '../../../shared/socket.js'
import { LATER, abandoned, answered, at, definitions, ended, paused, queued, reduce } from '../fixtures.js'

/** What goes over the wire: JSON (undefined properties dropped, -0 written as 0). */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
    Object.freeze(v)
  }
  return v
}

/** apply(diff(a, b), a), with the patch sent as JSON as it is over the socket. */
function roundTrip(a: unknown, b: unknown): unknown {
  const op = diff(a, b)
  return op === undefined ? a : apply(wire(op), deepFreeze(structuredClone(a)))
}

describe('diff and apply', () => {
  it('gives b from a for any JSON values, the patch sent as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(JSON.stringify(wire(roundTrip(a, b)))).toBe(JSON.stringify(wire(b)))
      }),
      { numRuns: 500 },
    )
  })

  it('gives b from a for objects that share keys, with nulls, arrays, undefined and removed keys', () => {
    const leaf = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.string({ maxLength: 3 }), fc.constant(undefined))
    const keys = fc.constantFrom('a', 'b', 'c', 'live', 'today', '__proto__', 'constructor')
    const { tree } = fc.letrec((t) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(t('tree'), { maxLength: 3 }),
        fc.dictionary(keys, t('tree'), { maxKeys: 5, noNullPrototype: true }),
      ),
    }))
    // b is often a with a few changes, so the patch recurses rather than replacing whole.
    const root = tree.filter((v) => v !== undefined)
    const pair = root.chain((a) => fc.tuple(fc.constant(a), fc.oneof(root, fc.constant(structuredClone(a)), mutated(a))))
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const result = roundTrip(a, b)
        // To the byte: key order included.
        expect(JSON.stringify(wire(result))).toBe(JSON.stringify(wire(b)))
        // `__proto__` from the data stays a key: nothing reaches a prototype.
        if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
          expect([Object.prototype, null]).toContain(Object.getPrototypeOf(result))
        }
      }),
      { numRuns: 1_000 },
    )
  })

  it('is undefined for equal values, and sets a primitive as itself', () => {
    expect(diff({ a: 1, b: [1, { c: null }] }, { a: 1, b: [1, { c: null }] })).toBeUndefined()
    expect(diff({ a: 1, gone: undefined }, { a: 1 })).toBeUndefined()
    expect(diff({ a: 1, b: 2 }, { a: 1, b: null })).toEqual({ b: null })
    expect(diff({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } })).toEqual({ a: { y: 3 } })
    expect(diff({ a: { x: 1 } }, { a: [1] })).toEqual({ a: [[1]] })
    expect(diff({ a: 1, b: 2 }, { a: 1 })).toEqual({ b: [] })
    expect(diff(undefined, { a: 1 })).toEqual([{ a: 1 }])
    // A record whose keys came in another order is sent whole, so the JSON is the same to the byte.
    expect(diff({ p: { training: 1 } }, { p: { lunch: 2, training: 1 } })).toEqual({ p: [{ lunch: 2, training: 1 }] })
    expect(diff({ p: { training: 1 } }, { p: { training: 1, lunch: 2 } })).toEqual({ p: { lunch: 2 } })
    expect(diff({ p: { training: 1, lunch: 2 } }, { p: { lunch: 2, training: 1 } })).toEqual({ p: [{ lunch: 2, training: 1 }] })
  })

  it('never mutates the base, and keeps what did not change', () => {
    const a = deepFreeze({
      live: { waiting: 1, agents: { paused: 0 } },
      windows: { today: { offered: 3 }, rolling: { offered: 1 } },
    })
    const b = { live: { waiting: 2, agents: { paused: 0 } }, windows: { today: { offered: 3 }, rolling: { offered: 2 } } }
    const out = apply(diff(a, b)!, a) as typeof a
    expect(out).toEqual(b)
    expect(out.live.agents).toBe(a.live.agents)
    expect(out.windows.today).toBe(a.windows.today)
    expect(out.windows.rolling).not.toBe(a.windows.rolling)
    // In the same key order, as the server's JSON has it.
    expect(JSON.stringify(out)).toBe(JSON.stringify(b))
    expect(Object.keys(apply({ b: 5, d: 1 }, { a: 1, b: 2, c: 3 }) as object)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('gives b from a for figures computed from generated traffic', () => {
    const defs = definitions()
    const call = fc.record({
      queue: fc.constantFrom('q1', 'q2'),
      queuedSec: fc.integer({ min: 0, max: 3000 }),
      waitSec: fc.integer({ min: 0, max: 120 }),
      talkSec: fc.option(fc.integer({ min: 1, max: 600 })),
      outcome: fc.constantFrom('answered', 'abandoned', 'waiting'),
      pause: fc.option(fc.constantFrom('lunch', 'training', '__proto__')),
    })
    const figuresOf = (calls: Array<(typeof call extends fc.Arbitrary<infer C> ? C : never) & { n: number }>) => {
      const events = calls.flatMap((c) => {
        const id = `c${c.n}`
        const opts = { queue: c.queue, agent: `a${c.n % 3}` }
        const out = [queued(id, at(c.queuedSec), { queue: c.queue })]
        if (c.outcome === 'answered') {
          out.push(answered(id, at(c.queuedSec + c.waitSec), opts))
          if (c.talkSec !== null) out.push(ended(id, at(c.queuedSec + c.waitSec + c.talkSec), opts))
        } else if (c.outcome === 'abandoned') out.push(abandoned(id, at(c.queuedSec + c.waitSec), { queue: c.queue }))
        if (c.pause !== null) out.push(paused(`a${c.n % 3}`, at(c.queuedSec), c.pause, { queues: [c.queue] }))
        return out
      })
      return computeFigures(reduce(events, LATER, defs), defs, LATER)
    }
    const traffic = fc.array(call, { maxLength: 30 }).map((cs) => cs.map((c, n) => ({ ...c, n })))
    fc.assert(
      fc.property(traffic, traffic, (x, y) => {
        const before = figuresOf(x)
        // The second state mostly grows from the first, as figures do between updates.
        const after = figuresOf([...x, ...y.map((c) => ({ ...c, n: c.n + x.length }))])
        for (const b of after) {
          const a = before.find((q) => q.id === b.id)
          expect(JSON.stringify(roundTrip(a, b))).toBe(JSON.stringify(b))
        }
      }),
      { numRuns: 60 },
    )
  })
})

/** a with some leaves changed, removed, or added. */
function mutated(a: unknown): fc.Arbitrary<unknown> {
  return fc.integer({ min: 0, max: 2 ** 31 }).map((seed) => {
    let s = seed
    const walk = (v: unknown): unknown => {
      s = (s * 1103515245 + 12345) % 2 ** 31
      if (Array.isArray(v)) return s % 5 === 0 ? [...v, s % 7] : v.map(walk)
      if (typeof v === 'object' && v !== null) {
        const entries = Object.entries(v).filter(() => (s = (s * 48271) % 2147483647) % 6 !== 0)
        if (s % 4 === 0) entries.push([`k${s % 3}`, s % 2 === 0 ? null : s % 10])
        return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]))
      }
      return s % 3 === 0 ? (typeof v === 'number' ? v + 1 : null) : v
    }
    return walk(a)
  })
}

describe('applyUpdate', () => {
  const q = (id: string, waiting: number) => ({ id, live: { waiting } }) as unknown as QueueFigures
  const delta = (id: string, base: number, rev: number, from: QueueFigures | undefined, to: QueueFigures): QueueDelta => ({
    id,
    base,
    rev,
    patch: diff(from, to) as PatchOp,
  })
  const start = (): FiguresReplica => replicaOf({ epoch: 'e1', queues: [q('a', 1), q('b', 2)], revs: [3, 5] })

  it('applies a delta on the revision held, replacing only that queue', () => {
    const r = start()
    const out = applyUpdate(r, { epoch: 'e1', queues: [delta('b', 5, 6, q('b', 2), q('b', 7))] })
    expect(out.gap).toBe(false)
    expect(out.changed).toEqual(['b'])
    expect(out.replica.queues).toEqual([q('a', 1), q('b', 7)])
    expect(out.replica.queues[0]).toBe(r.queues[0])
    expect(out.replica.revs.get('b')).toBe(6)
    // The replica it was applied to is left as it was.
    expect(r.queues[1]).toEqual(q('b', 2))
    expect(r.revs.get('b')).toBe(5)
  })

  it('leaves a queue alone and reports a gap when the base is not the revision held', () => {
    const r = start()
    const out = applyUpdate(r, {
      epoch: 'e1',
      queues: [delta('a', 2, 7, q('a', 0), q('a', 9)), delta('b', 5, 7, q('b', 2), q('b', 3))],
    })
    expect(out.gap).toBe(true)
    expect(out.replica.queues).toEqual([q('a', 1), q('b', 3)])
    expect(out.replica.revs.get('a')).toBe(3)
  })

  it('skips a delta it already holds (a replay), and applies deltas of one queue in order', () => {
    const r = start()
    const replay = applyUpdate(r, { epoch: 'e1', queues: [delta('a', 1, 3, q('a', 0), q('a', 1))] })
    expect(replay).toEqual({ replica: r, changed: [], gap: false })
    const twice = applyUpdate(r, {
      epoch: 'e1',
      queues: [delta('a', 3, 8, q('a', 1), q('a', 4)), delta('a', 8, 9, q('a', 4), q('a', 5))],
    })
    expect(twice.gap).toBe(false)
    expect(twice.replica.queues[0]).toEqual(q('a', 5))
  })

  it('adds a queue new to the stream (base 0) at the end, and refuses one it cannot build', () => {
    const r = start()
    const added = applyUpdate(r, { epoch: 'e1', queues: [delta('c', 0, 10, undefined, q('c', 1))] })
    expect(added.replica.queues.map((x) => x.id)).toEqual(['a', 'b', 'c'])
    expect(added.changed).toEqual(['c'])
    const unknown = applyUpdate(r, { epoch: 'e1', queues: [delta('d', 4, 10, q('d', 1), q('d', 2))] })
    expect(unknown.gap).toBe(true)
    expect(unknown.replica.queues.map((x) => x.id)).toEqual(['a', 'b'])
  })

  it("applies nothing from another process's stream", () => {
    const r = start()
    const out = applyUpdate(r, { epoch: 'e2', queues: [delta('a', 3, 4, q('a', 1), q('a', 2))] })
    expect(out.gap).toBe(true)
    expect(out.replica).toBe(r)
  })
})

// The service, fed by the reducer: what the push layer sends boards.
const defs = definitions()
const NOW = at(3600)

class FakeAggregator extends EventEmitter {
  state = emptyState()
  asOf: number | null = NOW
  apply(events: unknown[], queues: string[]): void {
    reduce(events, NOW, defs, this.state)
    const batch: AppliedBatch = { queues: new Set(queues), agents: new Set(), events: events.length, surveys: [] }
    this.emit('applied', batch)
  }
}

let service: FiguresService | null = null
afterEach(() => service?.stop())

describe('figures service revisions', () => {
  it('emits deltas that, applied to an earlier socket snapshot, give the snapshot taken after', async () => {
    const aggregator = new FakeAggregator()
    service = new FiguresService(aggregator as unknown as Aggregator, () => defs, { now: () => NOW, tickMs: 60_000 })
    const changes: FiguresChange[] = []
    service.on('update', (c) => changes.push(c))
    service.start()
    aggregator.apply([queued('c0', at(10), { queue: 'q1' })], ['q1'])
    const first = service.socketSnapshot()
    expect(first.epoch).toBe(service.epoch)
    let replica = replicaOf(wire(first))
    for (let n = 1; n <= 20; n++) {
      const queue = n % 3 === 0 ? 'q2' : 'q1'
      const events = [queued(`c${n}`, at(10 + n), { queue })]
      if (n % 4 === 0) events.push(answered(`c${n - 1}`, at(20 + n), { queue: n % 3 === 1 ? 'q2' : 'q1' }))
      aggregator.apply(events, ['q1', 'q2'])
    }
    // Batches applied while an update is paid back go out together a moment later.
    await new Promise((r) => setTimeout(r, 100))
    expect(changes.length).toBeGreaterThan(1)
    // Each change has one delta per changed queue, on that queue's previous revision.
    for (const c of changes) expect(c.deltas.map((d) => d.id)).toEqual(c.queues.map((q) => q.id))
    for (const c of changes) {
      const update: FiguresUpdate = wire({ asOf: c.asOf, serverNow: c.serverNow, epoch: c.epoch, queues: c.deltas })
      const applied = applyUpdate(replica, update)
      replica = applied.replica
    }
    const last = service.socketSnapshot()
    expect(replica.queues).toEqual(last.queues)
    expect([...replica.revs.values()]).toEqual(last.revs)
    // ...and those are the figures now: nothing published was left behind.
    expect(last.queues).toEqual(service.snapshot().queues)
  })

  it('sends a queue not yet in an update at revision 0, which its first update (whole) applies to', () => {
    const aggregator = new FakeAggregator()
    service = new FiguresService(aggregator as unknown as Aggregator, () => defs, { now: () => NOW, tickMs: 60_000 })
    const changes: FiguresChange[] = []
    service.on('update', (c) => changes.push(c))
    // Applied before the service listens: nothing sent yet.
    reduce([queued('c0', at(10), { queue: 'q1' })], NOW, defs, aggregator.state)
    const early = service.socketSnapshot()
    expect(early.queues.map((q) => q.id)).toEqual(['q1'])
    expect(early.revs).toEqual([0])
    // A board that holds it, and one that connected before it existed.
    let holding = replicaOf(wire(early))
    let without = replicaOf({ epoch: service.epoch, queues: [], revs: [] })
    service.start()
    aggregator.apply([queued('c1', at(11), { queue: 'q1' })], ['q1'])
    expect(changes).toHaveLength(1)
    expect(changes[0]!.deltas[0]!.base).toBe(0)
    const update: FiguresUpdate = wire({ ...changes[0]!, queues: changes[0]!.deltas })
    for (const r of [holding, without]) expect(applyUpdate(r, update).gap).toBe(false)
    holding = applyUpdate(holding, update).replica
    without = applyUpdate(without, update).replica
    expect(holding.queues).toEqual(service.socketSnapshot().queues)
    expect(without.queues).toEqual(service.socketSnapshot().queues)
  })

  it('starts every process on its own stream', () => {
    const a = new FiguresService(new FakeAggregator() as unknown as Aggregator, () => defs)
    const b = new FiguresService(new FakeAggregator() as unknown as Aggregator, () => defs)
    expect(a.epoch).not.toBe(b.epoch)
  })
})
