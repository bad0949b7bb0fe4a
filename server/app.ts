// buildApp(config): a ready Fastify instance, not yet listening. Plugins are registered in the
// order data flows: store → security and auth → configuration → ingest → aggregate → push → alerts
// → the read and admin APIs → web.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify'
import aggregate from './aggregate/plugin.js'
import type { Config, ServerRole } from './config.js'
import ingest from './ingest/http.js'
import auth from './plugins/auth.js'
import metrics from './plugins/metrics.js'
import loadShedding from './plugins/load-shedding.js'
import store from './plugins/store.js'
import storeWatch from './plugins/store-watch.js'
import web from './plugins/web.js'
import push from './push/socket.js'
import figures from './routes/figures.js'
import health from './routes/health.js'
import { isUnavailable } from './store/redis.js'
import { STATUS_CODES } from 'node:http'
import secureJson from 'secure-json-parse'
import admin from './admin/plugin.js'
import delivery from './alerts/delivery-plugin.js'
import alertEngine from './alerts/plugin.js'
import systemAlerts from './alerts/system-plugin.js'
import system from './routes/system.js'
import alertRules from './routes/alert-rules.js'
import alerts from './routes/alerts.js'
import channels from './routes/channels.js'
import security from './plugins/security.js'
import audit from './routes/audit.js'
import boards from './routes/boards.js'
import screens from './routes/screens.js'
import definitions from './routes/definitions.js'
import history from './routes/history.js'
import keys from './routes/keys.js'
import queues from './routes/queues.js'
import teams from './routes/teams.js'
import sources from './routes/sources.js'
import session from './routes/session.js'
import users from './routes/users.js'
import { formatValidationErrors, validatorCompiler } from './routes/validation.js'

/**
 * Sources post every second: per-request lines at info would drown the log. Requests are logged at
 * debug; refused ones at info, by path only (query strings may carry tokens).
 */
class QuietRequests extends LogController {
  override incomingRequest(req: FastifyRequest): void {
    req.log.debug({ method: req.method, url: req.url.split('?')[0] }, 'request')
  }

  override requestCompleted(err: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const entry = {
      method: req.method,
      url: req.url.split('?')[0],
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    }
    if (err || reply.statusCode >= 400) req.log.info(entry, 'request refused')
    else req.log.debug(entry, 'request completed')
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** what this process serves (WALLBOARD_ROLE) */
    role: ServerRole
  }
}

export interface AppOptions {
  config: Config
  /** the Redis to use; the launcher starts a local one when the config has none */
  redisUrl: string
  logger?: FastifyServerOptions['logger']
  /** the alert engine's clock (tests move it on); Date.now by default */
  alertClock?: () => number
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    forceCloseConnections: true,
    logController: new QuietRequests(),
    schemaErrorFormatter: formatValidationErrors,
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.decorate('role', config.role)
  if (config.role === 'ingest') {
    // Only what a source sends, and what operators and load balancers ask; this process holds no figures.
    const served = /^\/(api\/v1\/events|api\/v1\/sources\/[^/]+\/link|healthz|readyz|metrics)(\?|$)/
    app.addHook('onRequest', async (req, reply) => {
      if (served.test(req.url)) return
      return reply.code(404).send({
        statusCode: 404,
        error: 'Not Found',
        message: 'this server process takes ingest only (WALLBOARD_ROLE=ingest): boards, figures and admin are on the others',
      })
    })
  }
  // JSON bodies: parsed with prototype-poisoning protection, and errors that say what is wrong.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(Object.assign(new Error('body is empty'), { statusCode: 400 }))
    try {
      done(null, secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (err) {
      const message = err instanceof Error ? err.message : 'parse error'
      const forbidden = message.includes('forbidden prototype property')
      done(
        Object.assign(
          new Error(
            forbidden ? 'body has a forbidden key (__proto__ or constructor.prototype)' : `body is not valid JSON: ${message}`,
          ),
          { statusCode: 400 },
        ),
      )
    }
  })
  // Plain text is not a format of this API.
  app.removeContentTypeParser('text/plain')

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ statusCode: 413, error: 'Payload Too Large', message: `body larger than ${config.bodyLimitBytes} bytes` })
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: send application/json (or application/x-ndjson for events)`,
      })
    }
    if (isUnavailable(err)) {
      return reply
        .code(503)
        .header('Retry-After', '1')
        .send({ statusCode: 503, error: 'Service Unavailable', message: 'store unavailable, retry later' })
    }
    if (status < 500) {
      return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Bad Request', message: err.message })
    }
    req.log.error({ err }, 'request failed')
    // Never leak an internal message; the request id finds it in the log.
    return reply
      .code(500)
      .send({ statusCode: 500, error: 'Internal Server Error', message: `internal error (request ${req.id})` })
  })

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Wallboard API',
        version: '1',
        description: 'Events in, exact figures out. Every figure is computed under a named definition (see /api/v1/definitions).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'wb_session',
            description: 'login session (send x-csrf-token on changes)',
          },
        },
      },
    },
  })
  await app.register(metrics)
  // At the door, before any other work: an overloaded process refuses rather than queues.
  await app.register(loadShedding, config.loadShedding)
  await app.register(store, {
    redisUrl: opts.redisUrl,
    cluster: config.redisCluster,
    prefix: config.redisPrefix,
    historyDays: config.historyDays,
  })
  await app.register(storeWatch)
  await app.register(security)
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  await app.register(auth, {
    bootstrapKey: config.apiKey,
    sessionSecret: config.sessionSecret,
    sessionIdleMinutes: config.sessionIdleMinutes,
  })
  await app.register(admin, { timezone: config.timezone, sourceQuietSec: config.sourceQuietSec })
  await app.register(delivery, { delivery: config.delivery, publicUrl: config.publicUrl })
  await app.register(ingest, {
    maxBatchEvents: config.maxBatchEvents,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimit: config.ingestRateLimit,
  })
  await app.register(aggregate)
  await app.register(push, { trustProxy: config.trustProxy, socketBufferBytes: config.socketBufferBytes })
  await app.register(alertEngine, { now: opts.alertClock })
  await app.register(systemAlerts, { publicUrl: config.publicUrl })
  await app.register(session, { loginRateLimit: config.loginRateLimit })
  await app.register(figures)
  await app.register(definitions)
  await app.register(history)
  await app.register(queues)
  await app.register(teams)
  await app.register(boards)
  await app.register(screens)
  await app.register(sources)
  await app.register(users)
  await app.register(keys)
  await app.register(channels)
  await app.register(alertRules)
  await app.register(alerts)
  await app.register(audit)
  await app.register(system)
  await app.register(health)
  await app.register(web, { webDir: config.webDir })
  return app
}
