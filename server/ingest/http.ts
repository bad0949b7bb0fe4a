// POST /api/v1/events: one event, a JSON array, or NDJSON. Each event is validated on its own:
// valid events are stored (once per id) even when a neighbour is rejected, and the answer says
// which were rejected and why. The answer is sent only after Redis has stored them, and within the
// store's per-command deadline of the request's arrival: a Redis that is down, stalled (SIGSTOP) or
// paused gets a 503 with Retry-After, never a hang and never a 200 for an event not confirmed stored.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import Type from 'typebox'
import { AnyEventSchema, validateEvent } from '../../shared/events.js'
import { ErrorSchema, authErrors } from '../routes/schemas.js'
import { StoreTimeoutError, commandTimeoutOf, isTimeout, isUnavailable, withDeadline } from '../store/redis.js'
import { CoalescedAppends } from './coalesced-appends.js'
import { ingestRateLimit } from './rate-limit.js'

/** The largest single event we store; the schema bounds every known field, this bounds extras. */
export const MAX_EVENT_BYTES = 16 * 1024

export const IngestResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'events stored now' }),
  duplicates: Type.Integer({ description: 'events whose id was already stored; they change nothing' }),
  rejected: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'position of the event in the body (0-based; NDJSON: non-empty line)' }),
      id: Type.Union([Type.String(), Type.Null()]),
      error: Type.String({ description: 'field and reason, e.g. events[3].ts: expected ISO-8601 …' }),
    }),
  ),
})
type IngestResult = Type.Static<typeof IngestResultSchema>

/** NDJSON lines parsed one by one, so one bad line rejects only itself. */
class NdjsonBody {
  constructor(readonly items: Array<{ value: unknown } | { error: string }>) {}
}

// Events are parsed with the plain JSON.parse, which never touches a prototype (a "__proto__" key
// becomes an ordinary property); validateEvent then refuses an event with such a key, on its own,
// so a poisoned event does not take its valid neighbours down with it.
function parseNdjson(text: string): NdjsonBody {
  const items: NdjsonBody['items'] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((line, lineNo) => {
    if (line.trim() === '') return
    try {
      items.push({ value: JSON.parse(line) as unknown })
    } catch (err) {
      items.push({ error: `line ${lineNo + 1} is not valid JSON (${err instanceof Error ? err.message : 'parse error'})` })
    }
  })
  return new NdjsonBody(items)
}

export interface IngestOptions {
  maxBatchEvents: number
  bodyLimitBytes: number
  /** requests per minute per API key */
  rateLimit: number
}

/**
 * The 503 of a store step that failed or missed the deadline: before the append (`count`: nothing
 * was sent to be stored) or the append itself, which when it timed out may still be carried out
 * once Redis resumes: the sender is told to resend the same ids, then found stored and not counted again.
 */
function storeRefusal(reply: FastifyReply, err: unknown, step: 'count' | 'append', deadlineMs: number): FastifyReply {
  const message = !isTimeout(err)
    ? (err as Error).message?.startsWith('MISCONF')
      ? 'event store refuses writes (Redis cannot write its append-only file: is its disk full?); nothing was stored, retry later'
      : 'event store unavailable; nothing was stored, retry later'
    : step === 'count'
      ? `event store did not answer within ${deadlineMs / 1000} s (Redis slow or stalled); nothing was stored, retry later`
      : `event store did not confirm the events within ${deadlineMs / 1000} s (Redis slow or stalled); they may still be stored: resend them with the same ids, an id already stored is not counted again`
  reply.log.warn({ err: (err as Error).message, step }, 'event store unavailable; ingest refused')
  return reply.code(503).header('Retry-After', '1').send({ statusCode: 503, error: 'Service Unavailable', message })
}

const ingest: FastifyPluginAsync<IngestOptions> = async (app, opts) => {
  const appends = new CoalescedAppends(app.eventLog)
  // Every store step of a request shares one deadline from its arrival, the connection's per-command
  // one: steps in a row must not add up (a rate-limit count that took 4.9 s, then an append of 5 s).
  const deadlineMs = commandTimeoutOf(app.redis)
  const rateLimit = ingestRateLimit({
    redis: app.redis,
    prefix: app.keys.rateLimit,
    max: opts.rateLimit,
    windowMs: 60_000,
    route: 'POST/api/v1/events',
    deadlineMs,
  })
  // This plugin's own JSON parser (encapsulated: other routes keep the strict one).
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: opts.bodyLimitBytes }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string) as unknown)
    } catch (err) {
      done(
        Object.assign(new Error(`body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}`), {
          statusCode: 400,
        }),
      )
    }
  })
  for (const type of ['application/x-ndjson', 'application/ndjson', 'application/jsonl']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: opts.bodyLimitBytes }, (_req, body, done) => {
      done(null, parseNdjson(body as string))
    })
  }

  app.post(
    '/api/v1/events',
    {
      bodyLimit: opts.bodyLimitBytes,
      // The rate limit: per key (or per address for requests without one), Redis-backed, so it
      // holds across processes.
      // A source's key is its only credential: no session for its requests (see plugins/auth.ts).
      config: { keyWithoutSession: true },
      onRequest: async (req, reply) => {
        try {
          await rateLimit.call(app, req, reply)
        } catch (err) {
          if (!isUnavailable(err)) throw err
          return storeRefusal(reply, err, 'count', deadlineMs)
        }
      },
      preHandler: app.guard({ key: 'ingest' }),
      schema: {
        summary: 'Ingest events',
        description:
          'One event, a JSON array of events, or NDJSON (Content-Type: application/x-ndjson). Each event is validated ' +
          'on its own; valid events are stored even when others are rejected. Resending an id changes nothing.',
        tags: ['ingest'],
        security: [{ bearer: [] }],
        body: Type.Union([AnyEventSchema, Type.Array(AnyEventSchema)]),
        response: {
          200: IngestResultSchema,
          400: Type.Union([IngestResultSchema, ErrorSchema]),
          ...authErrors,
          413: ErrorSchema,
          503: ErrorSchema,
        },
      },
      // The body schema documents the contract; the handler validates event by event, so that
      // one bad event does not reject its valid neighbours.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      const body: unknown = req.body
      const items: NdjsonBody['items'] =
        body instanceof NdjsonBody ? body.items : Array.isArray(body) ? body.map((value) => ({ value })) : [{ value: body }]
      if (items.length === 0) {
        return reply
          .code(400)
          .send({ accepted: 0, duplicates: 0, rejected: [{ index: 0, id: null, error: 'the body holds no events' }] })
      }
      if (items.length > opts.maxBatchEvents) {
        return reply.code(413).send({
          statusCode: 413,
          error: 'Payload Too Large',
          message: `${items.length} events in one request; the limit is ${opts.maxBatchEvents}: split the batch`,
        })
      }
      const now = Date.now()
      const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] }
      const valid: Array<{ id: string; json: string }> = []
      items.forEach((item, index) => {
        if ('error' in item) {
          result.rejected.push({ index, id: null, error: `events[${index}]: ${item.error}` })
          return
        }
        const rawId = (item.value as { id?: unknown } | null)?.id
        const id = typeof rawId === 'string' ? rawId.slice(0, 128) : null
        const v = validateEvent(item.value, now)
        if (!v.ok) {
          result.rejected.push({ index, id, error: `events[${index}]${v.field ? `.${v.field}` : ''}: ${v.error}` })
          return
        }
        const json = JSON.stringify(v.event)
        if (json.length > MAX_EVENT_BYTES) {
          result.rejected.push({ index, id, error: `events[${index}]: larger than ${MAX_EVENT_BYTES / 1024} KiB` })
          return
        }
        valid.push({ id: v.event.id, json })
      })
      // What the count (and a key lookup) left of the deadline; none left: the events are not sent.
      const left = deadlineMs - reply.elapsedTime
      if (valid.length > 0 && left <= 0)
        return storeRefusal(reply, new StoreTimeoutError('Redis answered too late'), 'count', deadlineMs)
      try {
        const stored = await withDeadline(appends.append(valid), left, 'the append')
        result.accepted = stored.accepted
        result.duplicates = stored.duplicates
      } catch (err) {
        if (isUnavailable(err)) return storeRefusal(reply, err, 'append', deadlineMs)
        throw err
      }
      app.ingestStats.record(result.accepted, result.duplicates, result.rejected.length)
      return reply.code(valid.length === 0 ? 400 : 200).send(result)
    },
  )
}

export default ingest
