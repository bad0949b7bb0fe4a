// Appends of requests that arrive together share one call of the event log, and each request is
// still answered from its own events, only after that call stored them.
import { describe, expect, it } from 'vitest'
import { CoalescedAppends, type EventToStore } from '../../server/ingest/coalesced-appends.js'
import type { AppendResult } from '../../server/store/event-log.js'

/** An event log as the append script behaves (each id once, in order), whose calls finish when the test says. */
function heldLog() {
  const stored = new Set<string>()
  const calls: Array<{ events: EventToStore[]; finish(): void; fail(err: Error): void }> = []
  const log = {
    append(events: EventToStore[]): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        calls.push({
          events,
          finish: () => {
            const appended = events.map((e) => {
              const isNew = !stored.has(e.id)
              stored.add(e.id)
              return isNew
            })
            const accepted = appended.filter(Boolean).length
            resolve({ accepted, duplicates: events.length - accepted, appended })
          },
          fail: reject,
        })
      })
    },
  }
  return { log, calls, stored }
}

const event = (id: string): EventToStore => ({ id, json: JSON.stringify({ id }) })
const turn = () => new Promise((r) => setImmediate(r))

describe('CoalescedAppends', () => {
  it('stores requests made in one turn with one call, answering each only once that call returned', async () => {
    const { log, calls } = heldLog()
    const appends = new CoalescedAppends(log)
    const answered: string[] = []
    const requests = ['a', 'b', 'c'].map((id) => appends.append([event(id)]).then((r) => (answered.push(id), r)))
    await turn()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.events.map((e) => e.id)).toEqual(['a', 'b', 'c'])
    await turn()
    expect(answered).toEqual([])
    calls[0]!.finish()
    expect(await Promise.all(requests)).toEqual([
      { accepted: 1, duplicates: 0, appended: [true] },
      { accepted: 1, duplicates: 0, appended: [true] },
      { accepted: 1, duplicates: 0, appended: [true] },
    ])
  })

  it('gives each request the flags of its own events, a duplicate inside the shared call included', async () => {
    const { log, calls } = heldLog()
    const appends = new CoalescedAppends(log)
    const first = appends.append([event('x'), event('y')])
    const retry = appends.append([event('x')])
    const mixed = appends.append([event('z'), event('y'), event('z')])
    await turn()
    expect(calls).toHaveLength(1)
    calls[0]!.finish()
    expect(await first).toEqual({ accepted: 2, duplicates: 0, appended: [true, true] })
    expect(await retry).toEqual({ accepted: 0, duplicates: 1, appended: [false] })
    expect(await mixed).toEqual({ accepted: 1, duplicates: 2, appended: [true, false, false] })
  })

  it('fails every request of a call that failed, with its error', async () => {
    const { log, calls } = heldLog()
    const appends = new CoalescedAppends(log)
    const requests = ['a', 'b'].map((id) => appends.append([event(id)]).catch((err: Error) => err.message))
    await turn()
    calls[0]!.fail(new Error('Connection is closed.'))
    expect(await Promise.all(requests)).toEqual(['Connection is closed.', 'Connection is closed.'])
  })

  it('sends a batch as large as the limit on its own, and starts a new call when the next request would pass it', async () => {
    const { log, calls } = heldLog()
    const appends = new CoalescedAppends(log, 4)
    void appends.append([event('big1'), event('big2'), event('big3'), event('big4')])
    void appends.append([event('a'), event('b')])
    void appends.append([event('c'), event('d')])
    void appends.append([event('e')])
    await turn()
    expect(calls.map((c) => c.events.map((e) => e.id).join())).toEqual(['big1,big2,big3,big4', 'a,b,c,d', 'e'])
  })

  it('keeps the calls of later turns apart', async () => {
    const { log, calls } = heldLog()
    const appends = new CoalescedAppends(log)
    void appends.append([event('a')])
    await turn()
    void appends.append([event('b')])
    await turn()
    expect(calls.map((c) => c.events.map((e) => e.id).join())).toEqual(['a', 'b'])
  })
})
