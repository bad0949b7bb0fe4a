// The simulation's agenda: things due at a time, taken earliest first. A binary heap ordered by
// (time, insertion number), so that two things due at the same millisecond happen in the order
// they were planned and a run never depends on heap internals.

interface Entry<T> {
  atMs: number
  seq: number
  item: T
}

export class Agenda<T> {
  private heap: Entry<T>[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  add(atMs: number, item: T): void {
    const heap = this.heap
    heap.push({ atMs, seq: this.seq++, item })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      swap(heap, i, parent)
      i = parent
    }
  }

  /** When the earliest entry is due; undefined when nothing is planned. */
  nextAt(): number | undefined {
    return this.heap[0]?.atMs
  }

  take(): { atMs: number; item: T } | undefined {
    const heap = this.heap
    const top = heap[0]
    if (!top) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        swap(heap, i, m)
        i = m
      }
    }
    return { atMs: top.atMs, item: top.item }
  }

  clear(): void {
    this.heap = []
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)
}

function swap<T>(heap: Entry<T>[], i: number, j: number): void {
  const t = heap[i]!
  heap[i] = heap[j]!
  heap[j] = t
}
