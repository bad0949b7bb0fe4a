// Field-level deltas between two JSON values, for figures updates: a queue's figures change in a
// few fields per event (a count, a ratio, the window's end), so an update carries those fields
// rather than the whole queue. The format is our own, small and exact:
//
//   op := number | string | boolean | null   the value becomes this
//       | [value]                             the value becomes `value` (an object or array, whole)
//       | []                                  the key is removed
//       | { key: op, … }                      the value is an object: apply each op to its key
//
// So `{"live":{"waiting":3},"windows":{"today":{"asaSec":null,"to":1767000000000}}}` sets three
// fields and keeps every other. Arrays are replaced whole (the figures' arrays are short lists);
// an `undefined` property counts as absent, as in JSON. Applying never mutates its input: objects
// along a changed path are new, the rest is shared, so a view keyed on identity redraws only what changed.
//
// On top of it, the sync of a board's queues with a server process (applyUpdate): each queue has a
// revision there, an update's delta for a queue applies only to the revision it was made from.
import type { FiguresUpdate, SocketSnapshot } from '../socket.js'
import type { QueueFigures } from './schema.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type PatchOp = null | boolean | number | string | [] | [Json] | { [key: string]: PatchOp }

function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false
    return true
  }
  if (!isObject(a) || !isObject(b)) return false
  let n = 0
  for (const k of Object.keys(a)) {
    if (a[k] === undefined) continue
    n++
    if (!Object.hasOwn(b, k) || !equal(a[k], b[k])) return false
  }
  for (const k of Object.keys(b)) if (b[k] !== undefined) n--
  return n === 0
}

/** `b` as an op that sets it whole: a primitive as itself, an object or array wrapped. */
function setOp(b: unknown): PatchOp {
  if (b === null || typeof b === 'boolean' || typeof b === 'number' || typeof b === 'string') return b
  return [b as Json]
}

/**
 * The op that turns `a` into `b`, or undefined when they are equal (as JSON, key order included).
 * `a` undefined: `b` whole. `b` must be JSON (no undefined, functions or non-finite numbers at the top).
 * The server diffs every changed queue of every update: one pass over both objects, no copies.
 */
export function diff(a: unknown, b: unknown): PatchOp | undefined {
  if (a === b) return undefined
  if (!isObject(a) || !isObject(b)) return equal(a, b) ? undefined : setOp(b)
  const aKeys = Object.keys(a)
  let out: { [key: string]: PatchOp } | undefined
  const put = (k: string, op: PatchOp) => {
    out ??= {}
    // A key such as `__proto__` (a pause reason is free text) must stay an own property.
    if (k === '__proto__') Object.defineProperty(out, k, { value: op, enumerable: true, writable: true, configurable: true })
    else out[k] = op
  }
  const kept = (k: string) => a[k] !== undefined && Object.hasOwn(b, k) && b[k] !== undefined
  // Applying keeps a's keys in their order and appends new ones: b in another order (a record
  // whose new key sorts first, or the same entries in another order) is sent whole, so the
  // result is b to the byte, as JSON. `next` walks a's keys that b keeps, in step with b's.
  let next = 0
  let added = false
  for (const k in b) {
    if (!Object.hasOwn(b, k)) continue
    const bv = b[k]
    if (bv === undefined) continue
    const av = Object.hasOwn(a, k) ? a[k] : undefined
    if (av === undefined) {
      added = true
      put(k, setOp(bv))
      continue
    }
    while (next < aKeys.length && !kept(aKeys[next]!)) next++
    if (added || aKeys[next] !== k) return setOp(b)
    next++
    if (av === bv) continue
    const op = typeof bv === 'object' ? diff(av, bv) : bv
    if (op !== undefined) put(k, op as PatchOp)
  }
  for (const k of aKeys) if (a[k] !== undefined && (!Object.hasOwn(b, k) || b[k] === undefined)) put(k, [])
  return out
}

/** `base` with `op` applied; undefined when the op removes it. Never mutates `base`. */
export function apply(op: PatchOp, base: unknown): unknown {
  if (!Array.isArray(op) && !isObject(op)) return op
  if (Array.isArray(op)) return op.length === 0 ? undefined : op[0]
  // An object op patches an object; on anything else (a corrupt base) it starts from an empty one.
  // A copy keeps the base's keys in their order (a changed one its place); new ones follow in
  // the op's. Spreading defines own properties, so a `__proto__` key stays a key.
  const out: { [key: string]: unknown } = isObject(base) ? { ...base } : {}
  for (const k in op) {
    if (!Object.hasOwn(op, k)) continue
    const held = Object.hasOwn(out, k) ? out[k] : undefined
    const next = apply(op[k]!, held)
    // A key held as undefined is absent (as in JSON): set, it goes last, as diff expects.
    if (next === undefined || held === undefined) delete out[k]
    if (next === undefined) continue
    if (k === '__proto__') Object.defineProperty(out, k, { value: next, enumerable: true, writable: true, configurable: true })
    else out[k] = next
  }
  return out
}

/**
 * What a board holds of a server process's figures: the queues in the server's order, and for each
 * the revision it is at. `epoch` names the process (and its start): revisions of another mean nothing.
 */
export interface FiguresReplica {
  epoch: string
  queues: QueueFigures[]
  revs: ReadonlyMap<string, number>
}

export function replicaOf(snapshot: Pick<SocketSnapshot, 'epoch' | 'queues' | 'revs'>): FiguresReplica {
  return {
    epoch: snapshot.epoch,
    queues: snapshot.queues,
    revs: new Map(snapshot.queues.map((q, i) => [q.id, snapshot.revs[i] ?? 0])),
  }
}

export interface Applied {
  replica: FiguresReplica
  /** the ids of the queues whose figures changed */
  changed: string[]
  /**
   * a delta did not apply to what the board holds (another process, an update missed): those
   * queues were left as they were, and only a fresh snapshot can bring them back in line
   */
  gap: boolean
}

/**
 * Applies an update's deltas: a delta applies to a queue at revision `base` (base 0, the queue's
 * first update, carries it whole: it applies to a queue the board does not hold, or holds at 0
 * from a snapshot), one the board already has (`rev` not above its own) is skipped, any other is
 * a gap. Changed queues are new objects; the others are kept as they were, and so is the order
 * (a queue new to the board goes last).
 */
export function applyUpdate(replica: FiguresReplica, update: Pick<FiguresUpdate, 'epoch' | 'queues'>): Applied {
  if (update.epoch !== replica.epoch) return { replica, changed: [], gap: true }
  let gap = false
  const next = new Map<string, QueueFigures>()
  const revs = new Map(replica.revs)
  for (const d of update.queues) {
    const have = revs.get(d.id)
    if (have !== undefined && d.rev <= have) continue
    if ((have ?? 0) !== d.base) {
      gap = true
      continue
    }
    const current = next.get(d.id) ?? replica.queues.find((q) => q.id === d.id)
    const figures = apply(d.patch, current)
    if (!isObject(figures) || figures['id'] !== d.id) {
      gap = true
      continue
    }
    next.set(d.id, figures as QueueFigures)
    revs.set(d.id, d.rev)
  }
  if (next.size === 0) return { replica, changed: [], gap }
  const queues = replica.queues.map((q) => {
    const n = next.get(q.id)
    if (n === undefined) return q
    next.delete(q.id)
    return n
  })
  const changed = [...queues.filter((q, i) => q !== replica.queues[i]).map((q) => q.id), ...next.keys()]
  return { replica: { epoch: replica.epoch, queues: queues.concat([...next.values()]), revs }, changed, gap }
}
