// Who is asking: an API key (Authorization: Bearer), or a logged-in user (a signed, HttpOnly,
// SameSite=Strict session cookie backed by Redis). `app.guard(rule)` is the preHandler every
// protected route uses; it also checks the CSRF token on state-changing requests made with a
// cookie, and the Origin of those requests when the browser sends one.
import { randomBytes } from 'node:crypto'
import fastifyCookie from '@fastify/cookie'
import Tokens from '@fastify/csrf'
import fastifySession, { type FastifySessionOptions } from '@fastify/session'
import type { FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { CSRF_HEADER, type Role, SESSION_COOKIE, type User } from '../../shared/auth.js'
import { ApiKeys, DisplayTokens, type Scope } from '../auth/api-keys.js'
import type { Principal } from '../auth/policy.js'
import { RedisSessionStore, type StoredSession } from '../auth/session-store.js'
import { Users, publicUser } from '../auth/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeys
    displayTokens: DisplayTokens
    users: Users
    sessions: RedisSessionStore
    /** preHandler: lets through an API key with `key` scope, or a user with one of `roles` */
    guard(rule: GuardRule): preHandlerAsyncHookHandler
    /** the principal of a request, when it carries a valid credential */
    principalOf(req: FastifyRequest): Promise<Principal | null>
    csrfTokenFor(req: FastifyRequest): Promise<string>
    /** unsigns a session cookie's value: the session id, or null when forged */
    sessionIdFromCookie(value: string): string | null
    /** the user a stored session belongs to, if the session may still be used */
    sessionUser(session: StoredSession | null): Promise<User | null>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** requests with an Authorization header get no session here (see sessionsWhereUsed) */
    keyWithoutSession?: boolean
  }
  interface Session {
    userId?: string
    createdAt?: number
    csrfSecret?: string
  }
}

export interface GuardRule {
  key?: Scope
  roles?: readonly Role[]
}

export interface AuthPluginOptions {
  /** WALLBOARD_API_KEY: a bootstrap key with every scope, never stored */
  bootstrapKey: string | null
  sessionSecret: string | null
  sessionIdleMinutes: number
}

/** Sessions also end this long after login, however busy. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 3600_000
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function deny(reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="wallboard"')
  return reply.code(status).send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message })
}

type Hook = (this: unknown, req: FastifyRequest, ...rest: unknown[]) => unknown

/**
 * @fastify/session, except on requests that would never use their session. The plugin gives every
 * request without a session cookie a new, unsaved one (a random id, an HMAC signature and a hash
 * of its contents): about 5 % of a single-event ingest request's CPU time, profiled. A request with an
 * Authorization header to a route marked `config.keyWithoutSession` is authenticated by its key
 * alone, so the plugin's hooks pass it by: its `req.session` stays null and nothing is sent.
 */
const sessionsWhereUsed = fp<FastifySessionOptions>(
  (app, opts, done) => {
    const unused = (req: FastifyRequest) =>
      req.routeOptions.config.keyWithoutSession === true && req.headers.authorization !== undefined
    const filtered = new Proxy(app, {
      get(target, prop, receiver) {
        if (prop !== 'addHook') return Reflect.get(target, prop, receiver) as unknown
        // The plugin adds an onRequest and an onSend hook, both taking a callback as their last
        // argument (typed as onRequest only to pick one of addHook's overloads).
        return (name: 'onRequest', hook: Hook) =>
          target.addHook(name, function (this: unknown, req: FastifyRequest, ...rest: unknown[]) {
            if (unused(req)) return (rest[rest.length - 1] as () => void)()
            return hook.call(this, req, ...rest)
          } as unknown as onRequestHookHandler)
      },
    })
    fastifySession(filtered, opts, done)
  },
  { name: '@fastify/session' },
)

/** A cross-site request carries an Origin that does not match the Host it was sent to. */
export function crossOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin
  if (!origin) return false
  try {
    return new URL(origin).host !== req.headers.host
  } catch {
    return true
  }
}

export default fp<AuthPluginOptions>(
  async (app, opts) => {
    // The cookie-signing key: given, or generated once and shared by every process through Redis.
    let secret = opts.sessionSecret
    if (secret === null) {
      await app.redis.hsetnx(app.keys.secrets, 'session', randomBytes(48).toString('base64url'))
      secret = (await app.redis.hget(app.keys.secrets, 'session'))!
    }
    const sessions = new RedisSessionStore(app.redis, app.keys, opts.sessionIdleMinutes * 60_000)
    await app.register(fastifyCookie, { secret })
    await app.register(sessionsWhereUsed, {
      secret,
      cookieName: SESSION_COOKIE,
      store: sessions,
      saveUninitialized: false,
      rolling: false,
      // Secure is decided per login (HTTPS or not): the plugin's 'auto' would also weaken SameSite.
      cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: false, maxAge: SESSION_MAX_AGE_MS },
    })

    const apiKeys = new ApiKeys(app.redis, app.keys)
    if (opts.bootstrapKey) {
      apiKeys.addInMemory(opts.bootstrapKey, {
        id: 'bootstrap',
        name: 'WALLBOARD_API_KEY',
        scopes: ['ingest', 'read'],
        createdBy: 'system',
      })
    }
    const users = new Users(app.redis, app.keys)
    const csrf = Tokens()
    app.decorate('apiKeys', apiKeys)
    app.decorate('displayTokens', new DisplayTokens(app.redis, app.keys))
    app.decorate('users', users)
    app.decorate('sessions', sessions)
    app.decorateRequest('principal', null)
    app.decorate('sessionIdFromCookie', (value: string) => {
      const r = app.unsignCookie(value)
      return r.valid ? r.value : null
    })

    async function principalOf(req: FastifyRequest): Promise<Principal | null> {
      const header = req.headers.authorization
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
        const key = match ? await apiKeys.verify(match[1]!) : null
        return key ? { kind: 'key', id: key.id, name: key.name, scopes: key.scopes } : null
      }
      if (!req.session?.get('userId')) return null
      const user = await sessionUser({ userId: req.session.get('userId'), createdAt: req.session.get('createdAt') })
      if (!user) {
        await req.session.destroy()
        return null
      }
      return { kind: 'user', user, sessionId: req.session.sessionId }
    }

    /** The user a stored session belongs to, if the session may still be used. */
    async function sessionUser(session: StoredSession | null): Promise<User | null> {
      if (!session?.userId) return null
      const createdAt = session.createdAt ?? 0
      const user = await users.get(session.userId)
      if (!user || user.disabled || createdAt < user.passwordChangedAt || Date.now() - createdAt > SESSION_MAX_AGE_MS) return null
      return publicUser(user)
    }
    app.decorate('sessionUser', sessionUser)
    app.decorate('principalOf', principalOf)

    app.decorate('csrfTokenFor', async (req: FastifyRequest) => {
      let s = req.session.get('csrfSecret')
      if (!s) {
        s = await csrf.secret()
        req.session.set('csrfSecret', s)
      }
      return csrf.create(s)
    })

    app.decorate('guard', (rule: GuardRule) => async (req: FastifyRequest, reply: FastifyReply) => {
      const p = await principalOf(req)
      if (!p) {
        return deny(
          reply,
          401,
          req.headers.authorization !== undefined
            ? 'unknown or revoked API key'
            : 'log in, or send Authorization: Bearer <API key>',
        )
      }
      if (p.kind === 'key') {
        if (!rule.key) return deny(reply, 403, 'API keys may not use this route: it needs a logged-in user')
        if (!p.scopes.includes(rule.key)) return deny(reply, 403, `this API key lacks the ${rule.key} scope`)
      } else if (p.kind === 'user') {
        if (!rule.roles?.includes(p.user.role)) return deny(reply, 403, `your role (${p.user.role}) may not do this`)
        if (MUTATING.has(req.method)) {
          if (crossOrigin(req)) return deny(reply, 403, 'cross-site request refused')
          const secret = req.session.get('csrfSecret')
          const token = req.headers[CSRF_HEADER]
          if (!secret || typeof token !== 'string' || !csrf.verify(secret, token)) {
            return deny(reply, 403, `missing or invalid CSRF token: send the csrfToken of GET /api/v1/session in ${CSRF_HEADER}`)
          }
        }
      }
      req.principal = p
    })
  },
  { name: 'auth', dependencies: ['store'] },
)
