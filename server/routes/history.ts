// History by interval: the closed (and the current) 15- or 30-minute intervals of each queue, with
// the same field names as the live figures, in JSON or CSV. Every row names the definition version
// it was computed under; totals are recomputed from the summed counters (never averaged from
// ratios), one per run of intervals under the same version, so a change of basis shows as a break.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import Type from 'typebox'
import { definitionLabel } from '../../shared/definition-text.js'
import type { Definition } from '../../shared/definitions.js'
import { bucketKey } from '../../shared/figures/aggregate.js'
import { type Counters, addCounters, completeCounters, emptyCounters } from '../../shared/figures/counters.js'
import { computeRatios, fcrFigures, publicCounters } from '../../shared/figures/ratios.js'
import { FigureFields, HistoryDocSchema, type HistoryRow } from '../../shared/figures/schema.js'
import { visibleQueues } from '../auth/policy.js'
import { historyDayOf } from '../store/state-store.js'
import { ANY_USER, ErrorSchema, authErrors } from './schemas.js'

/** How long a span one query may ask for (closed intervals are kept WALLBOARD_HISTORY_DAYS, at least 35). */
export const MAX_HISTORY_DAYS = 400
const QUARTER_MS = 15 * 60_000

const HistoryDoc = HistoryDocSchema

const Instant = Type.String({ minLength: 1, maxLength: 40, description: 'ISO-8601 (with offset) or epoch ms' })

function parseInstant(v: string | undefined, fallback: number, field: string): number {
  if (v === undefined) return fallback
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v)
  if (!Number.isFinite(ms))
    throw Object.assign(new Error(`querystring.${field}: expected ISO-8601 or epoch ms`), { statusCode: 400 })
  return ms
}

function row(
  queue: string,
  from: number,
  to: number,
  def: Definition,
  c: Counters,
  fcrClosed: Counters,
  fcrOpen: Counters,
): HistoryRow {
  return {
    queue,
    from,
    to,
    definition: { version: def.version, label: definitionLabel(def) },
    ...publicCounters(c),
    ...computeRatios(c, def),
    ...fcrFigures(fcrClosed, fcrOpen),
  }
}

const COLUMNS = [
  'queue',
  'from',
  'to',
  'definitionVersion',
  'definitionLabel',
  ...Object.keys(FigureFields).filter((k) => k !== 'pausedMs'),
]

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function toCsv(rows: HistoryRow[]): string {
  const reasons = [...new Set(rows.flatMap((r) => Object.keys(r.pausedMs)))].sort()
  const header = [...COLUMNS, ...reasons.map((r) => `pausedMs.${r}`)]
  const lines = [header.join(',')]
  for (const r of rows) {
    const values = COLUMNS.map((c) =>
      c === 'from' || c === 'to'
        ? new Date(r[c]).toISOString()
        : c === 'definitionVersion'
          ? r.definition.version
          : c === 'definitionLabel'
            ? r.definition.label
            : (r as unknown as Record<string, unknown>)[c],
    )
    lines.push([...values, ...reasons.map((x) => r.pausedMs[x] ?? 0)].map(csvCell).join(','))
  }
  return `${lines.join('\n')}\n`
}

const history: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/history',
    {
      preHandler: app.guard({ key: 'read', roles: ANY_USER }),
      schema: {
        summary: 'Figures by interval, in JSON or CSV',
        description:
          'Rows per queue and interval (15 or 30 minutes, as the definition then said), with the same field names as the live figures, ' +
          'and totals per run of intervals under one definition version. CSV with `Accept: text/csv` or `format=csv`.',
        tags: ['figures'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: Type.Object(
          {
            queue: Type.Optional(
              Type.String({ minLength: 1, maxLength: 128, description: 'one queue (default: every queue you may see)' }),
            ),
            from: Type.Optional(Instant),
            to: Type.Optional(Instant),
            format: Type.Optional(Type.Enum(['json', 'csv'])),
          },
          { additionalProperties: false },
        ),
        response: { 200: HistoryDoc, ...authErrors, 400: ErrorSchema },
      },
    },
    async (req, reply: FastifyReply) => {
      const q = req.query as { queue?: string; from?: string; to?: string; format?: 'json' | 'csv' }
      // The saved state, read below, under the definitions it was saved under.
      await app.aggregator.settled()
      const now = Date.now()
      const book = app.aggregator.book
      const to = Math.min(parseInstant(q.to, now, 'to'), now)
      const from = parseInstant(q.from, to - 24 * 3600_000, 'from')
      if (from >= to)
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring.from: must be before to' })
      if (to - from > MAX_HISTORY_DAYS * 86_400_000) {
        return reply.code(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: `querystring.from: at most ${MAX_HISTORY_DAYS} days before to`,
        })
      }
      /**
       * The live rows of these intervals and their archived rows (from their days' hashes), in the
       * same order, read in one transaction: a state save moves counts from the live hash to the
       * archive, and reads on either side of it would count them twice or not at all.
       */
      const liveAndArchived = async (fields: string[]): Promise<[Array<string | null>, Array<string | null>]> => {
        const byDay = new Map<string, number[]>()
        starts.forEach((t, i) => {
          const day = historyDayOf(t)
          const idx = byDay.get(day)
          if (idx) idx.push(i)
          else byDay.set(day, [i])
        })
        const archived: Array<string | null> = new Array(fields.length).fill(null)
        const tx = app.redis.multi().hmget(app.keys.state.buckets, ...fields)
        const days = [...byDay]
        for (const [day, idx] of days) tx.hmget(app.keys.historyDay(day), ...idx.map((i) => fields[i]!))
        const results = (await tx.exec()) ?? []
        const valuesOf = (n: number): Array<string | null> => {
          const [err, values] = results[n] ?? [new Error('no reply')]
          if (err) throw err
          return values as Array<string | null>
        }
        days.forEach(([, idx], d) => {
          const values = valuesOf(d + 1)
          idx.forEach((i, j) => (archived[i] = values[j] ?? null))
        })
        return [valuesOf(0), archived]
      }
      const visible = visibleQueues(req.principal!, app.directory)
      const queues = q.queue === undefined ? [...visible].sort() : visible.has(q.queue) ? [q.queue] : []

      // Interval starts are 15-minute marks of the local clock (every zone's offset is a multiple of 15
      // minutes). Every interval that overlaps [from, to) is answered: a 30-minute one may start a
      // quarter before the quarter `from` falls in.
      const starts: number[] = []
      for (let t = Math.floor(from / QUARTER_MS) * QUARTER_MS - QUARTER_MS; t < to; t += QUARTER_MS) starts.push(t)
      const rows: HistoryRow[] = []
      const totals: HistoryRow[] = []
      for (const queue of queues) {
        const fields = starts.map((t) => bucketKey.interval(queue, t))
        // The live bucket (recent days) and the archived one (older) add up: a late event for an
        // archived interval waits in the live one until it is archived in turn.
        const [live, archived] = await liveAndArchived(fields)
        let run: {
          def: Definition
          from: number
          to: number
          counters: Counters
          fcrClosed: Counters
          fcrOpen: Counters
        } | null = null
        const flush = () => {
          if (run) totals.push(row(queue, run.from, run.to, run.def, run.counters, run.fcrClosed, run.fcrOpen))
          run = null
        }
        starts.forEach((start, i) => {
          const parts = [live[i], archived[i]].filter((x): x is string => x !== null && x !== undefined)
          if (parts.length === 0) return
          const c = emptyCounters()
          for (const p of parts) addCounters(c, completeCounters(JSON.parse(p) as Partial<Counters>))
          const def = book.forQueue(queue, start)
          const end = start + def.intervalMinutes * 60_000
          if (end <= from) return
          // An interval's FCR verdicts are final once the window after its last call has passed.
          const closed = end + def.fcrWindowHours * 3600_000 <= now
          const none = emptyCounters()
          rows.push(row(queue, start, end, def, c, closed ? c : none, closed ? none : c))
          if (run && run.def.version !== def.version) flush()
          run ??= { def, from: start, to: end, counters: emptyCounters(), fcrClosed: emptyCounters(), fcrOpen: emptyCounters() }
          addCounters(run.counters, c)
          addCounters(closed ? run.fcrClosed : run.fcrOpen, c)
          run.to = end
        })
        flush()
      }
      const wantsCsv = q.format === 'csv' || (q.format === undefined && /text\/csv/.test(req.headers.accept ?? ''))
      if (wantsCsv) {
        return reply
          .header('Content-Type', 'text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="history-${new Date(from).toISOString().slice(0, 10)}.csv"`)
          .serializer((payload: unknown) => payload as string)
          .send(toCsv(rows))
      }
      return { from, to, rows, totals }
    },
  )
}

export default history
