// Load shedding: when this process has too many requests under way, falls behind (its event loop
// runs late) or outgrows a memory bound, HTTP requests are refused at the door with 503 and
// Retry-After instead of being queued, so that the requests it does admit keep a short latency
// and memory stays bounded. The health, readiness and metrics routes are never refused: an
// operator must still see why. Boards' socket.io connections do not pass through Fastify's
// routes and are not shed here.
import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import type { LoadSheddingConfig } from '../config.js'

/** Routes that answer whatever the load: load balancers and Prometheus ask them. */
const NEVER_SHED = new Set(['/healthz', '/readyz', '/metrics'])

/**
 * How often under-pressure re-assesses: the mean event-loop delay over this window decides the
 * next one. Short enough that a saturated loop is noticed within a fraction of a second, long
 * enough that one slow task (a large snapshot, a GC) is averaged out rather than shedding a window.
 */
const SAMPLE_INTERVAL_MS = 500

/** At most one log line per this long while shedding: the counter has the numbers. */
const WARN_EVERY_MS = 10_000

const REASONS = {
  inFlight: 'requests in progress',
  eventLoopDelay: 'event-loop delay',
  heapUsedBytes: 'heap used',
  rssBytes: 'resident memory',
} as const
type Reason = keyof typeof REASONS

export default fp<LoadSheddingConfig>(
  async (app, opts) => {
    const shed = new Counter({
      name: 'wallboard_http_shed_total',
      help: 'HTTP requests refused with 503 because the process was under pressure, by reason',
      labelNames: ['reason'] as const,
      registers: [app.promRegistry],
    })
    const exempt = (req: FastifyRequest) => NEVER_SHED.has(req.routeOptions.url ?? '')
    // Encoded once: under overload the refusals are most of the work, so each must cost little.
    const answers = new Map(
      Object.entries(REASONS).map(([reason, what]) => [
        reason,
        JSON.stringify({
          statusCode: 503,
          error: 'Service Unavailable',
          message: `server overloaded (${what} over its limit): retry after ${opts.retryAfterSec} s`,
        }),
      ]),
    )
    let lastWarnAt = 0
    let unreported = 0
    /** Answers 503 straight on the socket: no serialisation, no onSend hooks, no per-request log line. */
    const refuse = (reply: FastifyReply, reason: Reason) => {
      shed.inc({ reason })
      unreported++
      const now = Date.now()
      if (now - lastWarnAt >= WARN_EVERY_MS) {
        app.log.warn({ reason, refused: unreported }, 'overloaded: refusing requests with 503')
        lastWarnAt = now
        unreported = 0
      }
      const body = answers.get(reason)!
      reply.hijack()
      reply.raw.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'retry-after': String(opts.retryAfterSec),
      })
      reply.raw.end(body)
    }

    // A bound on requests under way: past it a request waits for nothing, it is refused at once.
    // This is what keeps a burst from queueing: the event loop stays prompt while requests wait
    // on Redis, so its delay alone would let thousands pile up first.
    if (opts.maxInFlight > 0) {
      let inFlight = 0
      app.registerGauge(
        'wallboard_http_requests_in_flight',
        'HTTP requests under way, as load shedding counts them',
        () => inFlight,
      )
      app.addHook('onRequest', (req, reply, done) => {
        if (exempt(req)) return done()
        if (inFlight >= opts.maxInFlight) return refuse(reply, 'inFlight')
        inFlight++
        // 'close' comes once a response is sent or its connection is lost, whichever it is.
        reply.raw.once('close', () => inFlight--)
        done()
      })
    }

    await app.register(underPressure, {
      // 0 turns a check off, in under-pressure as in our configuration.
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      maxHeapUsedBytes: opts.maxHeapUsedMB * 1024 * 1024,
      maxRssBytes: opts.maxRssMB * 1024 * 1024,
      sampleInterval: SAMPLE_INTERVAL_MS,
      // A hijacked reply ends the request's hooks: under-pressure's next() then runs nothing more.
      pressureHandler: (req, reply, type) => {
        if (!exempt(req)) refuse(reply, type as Reason)
      },
    })
  },
  { name: 'load-shedding', dependencies: ['metrics'] },
)
