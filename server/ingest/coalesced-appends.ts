// Appends from requests that arrive together share one call of the event log's append script.
// A source sending one event per request would otherwise cost Redis, ioredis and the kernel one
// script call, one socket write and one reply each (the largest share of a single-event request's
// CPU time, profiled). The script takes events in order and checks each id against every id
// stored before it, earlier events of the same call included, so duplicate detection stays exact
// across the requests of one call; each request is answered from its own events' flags, only once
// the call that stored them has returned, and a failed call fails every request in it.
import type { AppendResult, EventLog } from '../store/event-log.js'

export interface EventToStore {
  id: string
  json: string
}

interface Waiting {
  events: EventToStore[]
  resolve(result: AppendResult): void
  reject(err: unknown): void
}

export class CoalescedAppends {
  private waiting: Waiting[] = []
  private waitingEvents = 0
  private flushScheduled = false

  /**
   * @param maxEvents events per shared call. A request of this many events goes on its own, as it
   *   did before: its call's cost is spread over its events already, and separate calls let Node
   *   prepare the next request while Redis runs this one (gathering batches of 100 into calls of
   *   1,000 made batch ingest no faster, and its latency longer).
   */
  constructor(
    private readonly log: Pick<EventLog, 'append'>,
    private readonly maxEvents = 100,
  ) {}

  /** Stores the events whose id is new; resolves once Redis has them, as EventLog.append does. */
  append(events: EventToStore[]): Promise<AppendResult> {
    if (events.length === 0 || events.length >= this.maxEvents) return this.log.append(events)
    if (this.waitingEvents + events.length > this.maxEvents) this.flush()
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject })
      this.waitingEvents += events.length
      // After the poll phase: every request whose bytes came in with this one is gathered.
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(() => {
          this.flushScheduled = false
          this.flush()
        })
      }
    })
  }

  private flush(): void {
    const batch = this.waiting
    if (batch.length === 0) return
    this.waiting = []
    this.waitingEvents = 0
    if (batch.length === 1) {
      this.log.append(batch[0]!.events).then(batch[0]!.resolve, batch[0]!.reject)
      return
    }
    const all: EventToStore[] = []
    for (const w of batch) for (const e of w.events) all.push(e)
    this.log.append(all).then(
      (stored) => {
        let at = 0
        for (const w of batch) {
          const appended = stored.appended.slice(at, at + w.events.length)
          at += w.events.length
          let accepted = 0
          for (const a of appended) if (a) accepted++
          w.resolve({ accepted, duplicates: appended.length - accepted, appended })
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err)
      },
    )
  }
}
