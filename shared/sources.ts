// Event sources' health: what the figures know of each source (the `source` its events name):
// when the server last stored an event from it, that event's own time, how many it sent, and the
// queues its events named. A source is quiet when nothing arrived from it for longer than its
// `quietAfterSec`; a board whose queues it feeds then says so and goes stale (figures may be
// missing its events). Pure: the aggregator notes sources as it applies events, boards judge them
// on the server's clock.
import Type from 'typebox'

/** Events that name no source are one source of their own, shown as "no source named". */
export const UNNAMED_SOURCE = ''
/** At most this many queues are remembered per source (a source that names more feeds every board). */
export const MAX_SOURCE_QUEUES = 200

export interface SourceRow {
  /** epoch ms the server stored its newest event (the log position's time) */
  lastReceivedAt: number
  /** that source's own time of its newest event, epoch ms */
  lastEventAt: number
  events: number
  /** queues its events named; `all` once more than MAX_SOURCE_QUEUES */
  queues: string[] | 'all'
}

/** Notes one event of `source`, stored at `receivedAt`; returns the row to keep. */
export function noteSource(
  row: SourceRow | undefined,
  e: { ts: number; queue?: string | undefined },
  receivedAt: number,
): SourceRow {
  const out: SourceRow = row ?? { lastReceivedAt: receivedAt, lastEventAt: e.ts, events: 0, queues: [] }
  out.events++
  if (receivedAt > out.lastReceivedAt) out.lastReceivedAt = receivedAt
  if (e.ts > out.lastEventAt) out.lastEventAt = e.ts
  const q = e.queue
  if (q !== undefined && out.queues !== 'all' && !out.queues.includes(q)) {
    if (out.queues.length >= MAX_SOURCE_QUEUES) out.queues = 'all'
    else out.queues.push(q)
  }
  return out
}

export const SourceHealthSchema = Type.Object({
  id: Type.String({ description: 'the `source` events name; "" for events that name none' }),
  lastReceivedAt: Type.Number({ description: 'epoch ms the server stored its newest event' }),
  lastEventAt: Type.Number({ description: "its newest event's own time (`ts`), epoch ms" }),
  events: Type.Integer({ description: 'events applied from it' }),
  queues: Type.Union([Type.Array(Type.String()), Type.Literal('all')], { description: 'queues its events named' }),
  quietAfterSec: Type.Union([Type.Integer(), Type.Null()], {
    description: 'quiet (boards go stale) after this long without an event; null: never',
  }),
})
export type SourceHealth = Type.Static<typeof SourceHealthSchema>

export const SourceSettingsSchema = Type.Object(
  {
    quietAfterSec: Type.Union([Type.Integer({ minimum: 1, maximum: 7 * 86_400 }), Type.Null()], {
      description: 'seconds without an event before the source counts as quiet; null: never (a source that may rest)',
    }),
  },
  { additionalProperties: false },
)
export type SourceSettings = Type.Static<typeof SourceSettingsSchema>

/**
 * A source is judged once it has sent this many events: a few events sent by hand (a test with
 * curl, an import) must not leave a "source" that turns every board stale minutes later. A phone
 * system sends this many within minutes of going live.
 */
export const JUDGED_AFTER_EVENTS = 20

/** Quiet: an established source sent nothing for longer than it may stay silent, on the server's clock. */
export function isQuiet(s: SourceHealth, serverNow: number): boolean {
  return s.events >= JUDGED_AFTER_EVENTS && s.quietAfterSec !== null && serverNow - s.lastReceivedAt > s.quietAfterSec * 1000
}

/**
 * The sources that feed any of these queues, by id: those whose events named one of them, and
 * those that named no queue at all (agent states count for every queue) or too many to list.
 */
export function sourcesOf(sources: readonly SourceHealth[], queues: readonly string[]): SourceHealth[] {
  const wanted = new Set(queues)
  return sources
    .filter((s) => s.queues === 'all' || s.queues.length === 0 || s.queues.some((q) => wanted.has(q)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
