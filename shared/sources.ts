// Event sources' health: what the figures know of each source (the `source` its events name):
// when the server last stored an event from it, that event's own time, how many it sent, and the
// queues its events named. A source is quiet when nothing arrived from it for longer than its
// `quietAfterSec`; a board whose queues it feeds then says so and goes stale (figures may be
// missing its events). Its clock is judged too (shared/clock-offset.ts): a source whose clock is far
// from the server's is flagged, on the admin page and on the boards it feeds, which stay live (its
// figures follow its event times, as every figure does). Pure: the aggregator notes sources as it
// applies events, boards judge them on the server's clock.
import Type from 'typebox'
import { type ClockSlots, clockOffset, isClockSkewed, noteClock } from './clock-offset.js'

/** Events that name no source are one source of their own, shown as "no source named". */
export const UNNAMED_SOURCE = ''
/** At most this many queues are remembered per source (a source that names more feeds every board). */
export const MAX_SOURCE_QUEUES = 200

// ---------------------------------------------------------------------------------------------
// Links: a connector (the queue_log follower, the AMI connector) reports how its link to the phone
// system is doing, every few seconds, whether or not events flow. A link that says it is down, or
// that stopped reporting (its process died), makes the boards its source feeds stale, naming it.

export const LINK_KINDS = ['queue_log', 'ami'] as const
export type LinkKind = (typeof LINK_KINDS)[number]

/** Connectors report at least this often. */
export const LINK_REPORT_EVERY_MS = 10_000
/** A link not heard from for this long counts as down: its connector stopped (three reports missed). */
export const LINK_SILENT_AFTER_MS = 3 * LINK_REPORT_EVERY_MS + 5_000

const Count = Type.Integer({ minimum: 0 })
const CountsBy = (description: string) => Type.Record(Type.String({ maxLength: 64 }), Count, { description, maxProperties: 200 })

export const LinkReportSchema = Type.Object(
  {
    kind: Type.Enum([...LINK_KINDS], { description: 'what reads the phone system' }),
    connected: Type.Boolean({ description: 'the file is open and followed / the AMI session is logged in' }),
    target: Type.String({ maxLength: 300, description: 'the file path, or AMI host:port (never a secret)' }),
    since: Type.Number({ description: 'epoch ms `connected` last changed' }),
    lastEventAt: Type.Union([Type.Number(), Type.Null()], {
      description: "the newest line's / AMI event's own time, epoch ms (null: none read yet)",
    }),
    linesPerMin: Count,
    eventsPerMin: Count,
    lines: Type.Integer({ minimum: 0, description: 'lines (AMI: messages) read since the connector started' }),
    events: Type.Integer({ minimum: 0, description: 'events acknowledged by the wallboard since the connector started' }),
    pending: Type.Integer({ minimum: 0, description: 'events read and not yet acknowledged' }),
    skipped: CountsBy('lines read and deliberately not mapped, by verb / AMI event (QUEUESTART, DID, unknown verbs …)'),
    problems: CountsBy('lines that could not be used, by reason (truncated, bad-time, repeated …)'),
    recentProblems: Type.Array(
      Type.Object(
        { line: Type.String({ maxLength: 300 }), reason: Type.String({ maxLength: 64 }) },
        { additionalProperties: false },
      ),
      { maxItems: 20, description: 'the latest problem lines, oldest first' },
    ),
    error: Type.Union([Type.String({ maxLength: 500 }), Type.Null()], {
      description: 'why it is not connected, or the last delivery failure; null when all is well',
    }),
  },
  { additionalProperties: false },
)
export type LinkReport = Type.Static<typeof LinkReportSchema>

export const SourceLinkSchema = Type.Object({
  ...LinkReportSchema.properties,
  reportedAt: Type.Number({ description: 'epoch ms the server received this report' }),
})
export type SourceLink = Type.Static<typeof SourceLinkSchema>

/** Down: the connector says it is not connected, or it stopped reporting. */
export function isLinkDown(link: SourceLink | null, serverNow: number): boolean {
  return link !== null && (!link.connected || serverNow - link.reportedAt > LINK_SILENT_AFTER_MS)
}

export interface SourceRow {
  /** epoch ms the server stored its newest event (the log position's time) */
  lastReceivedAt: number
  /** that source's own time of its newest event, epoch ms */
  lastEventAt: number
  events: number
  /** queues its events named; `all` once more than MAX_SOURCE_QUEUES */
  queues: string[] | 'all'
  /** its recent events' ts − stored time, by slot (see clock-offset.ts); absent in rows saved before clocks were judged */
  clock?: ClockSlots
}

/** Notes one event of `source`, stored at `receivedAt`; returns the row to keep. */
export function noteSource(
  row: SourceRow | undefined,
  e: { ts: number; queue?: string | undefined },
  receivedAt: number,
): SourceRow {
  const out: SourceRow = row ?? { lastReceivedAt: receivedAt, lastEventAt: e.ts, events: 0, queues: [], clock: [] }
  out.events++
  out.clock = noteClock(out.clock ?? [], e.ts, receivedAt)
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
  lastReceivedAt: Type.Union([Type.Number(), Type.Null()], {
    description: 'epoch ms the server stored its newest event (null: a link that sent no event yet)',
  }),
  lastEventAt: Type.Union([Type.Number(), Type.Null()], { description: "its newest event's own time (`ts`), epoch ms" }),
  events: Type.Integer({ description: 'events applied from it' }),
  queues: Type.Union([Type.Array(Type.String()), Type.Literal('all')], { description: 'queues its events named' }),
  quietAfterSec: Type.Union([Type.Integer(), Type.Null()], {
    description: 'quiet (boards go stale) after this long without an event; null: never',
  }),
  link: Type.Union([SourceLinkSchema, Type.Null()], {
    description: "its connector's latest link report (queue_log follower, AMI); null for a source that posts events itself",
  }),
  clockOffsetMs: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "its clock minus the server's, ms (positive: ahead), estimated from its recent events' ts against when they were stored; null until its events were stored in three different 5-second stretches, and after 10 minutes without one",
  }),
  clockSkewed: Type.Boolean({
    description: "its clock is more than 60 s from the server's: live durations of its calls and agents are off by the offset",
  }),
})
export type SourceHealth = Type.Static<typeof SourceHealthSchema>

/** What a source's row says in its health at `serverNow`: the clock estimate instead of the slots it comes from. */
export function rowHealth(
  row: SourceRow,
  serverNow: number,
): Pick<SourceHealth, 'lastReceivedAt' | 'lastEventAt' | 'events' | 'queues' | 'clockOffsetMs' | 'clockSkewed'> {
  const clockOffsetMs = clockOffset(row.clock ?? [], serverNow)
  return {
    lastReceivedAt: row.lastReceivedAt,
    lastEventAt: row.lastEventAt,
    events: row.events,
    queues: row.queues === 'all' ? 'all' : [...row.queues],
    clockOffsetMs,
    clockSkewed: isClockSkewed(clockOffsetMs),
  }
}

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
  return (
    s.events >= JUDGED_AFTER_EVENTS &&
    s.quietAfterSec !== null &&
    s.lastReceivedAt !== null &&
    serverNow - s.lastReceivedAt > s.quietAfterSec * 1000
  )
}

/** A source the boards it feeds name as the reason they are stale: quiet, or its link is down. */
export function isFailing(s: SourceHealth, serverNow: number): boolean {
  return isQuiet(s, serverNow) || isLinkDown(s.link, serverNow)
}

/** The sources among these whose clock is flagged, for a notice on the boards they feed. */
export function skewedSources(sources: readonly SourceHealth[]): SourceHealth[] {
  return sources.filter((s) => s.clockSkewed)
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
