// Logging in and out. Logins are rate-limited per client address (Redis-backed, so the limit holds
// across processes), and a username with recent failures is answered slowly, success or not, so
// that neither guessing nor timing pays. Failures are logged with the username and address, never
// the password.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { CSRF_HEADER, LoginSchema, Password, type SessionInfo, SessionSchema, type User } from '../../shared/auth.js'
import { hashPassword, verifyPassword } from '../auth/passwords.js'
import { crossOrigin } from '../plugins/auth.js'
import { ErrorSchema } from './schemas.js'

export interface SessionRoutesOptions {
  loginRateLimit: number
}

/** Failed logins of a username are remembered this long. */
const FAILURE_WINDOW_MS = 15 * 60_000
/** From this many recent failures on, every attempt for the username waits. */
const SLOW_AFTER_FAILURES = 3
const MAX_DELAY_MS = 8_000

export function loginDelayMs(failures: number): number {
  return failures < SLOW_AFTER_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 500 * 2 ** (failures - SLOW_AFTER_FAILURES))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const session: FastifyPluginAsync<SessionRoutesOptions> = async (app, opts) => {
  // Unknown usernames are checked against this, so they take as long as known ones.
  const decoy = await hashPassword('decoy password for unknown users')

  const info = async (req: FastifyRequest, user: User): Promise<SessionInfo> => ({
    user,
    csrfToken: await app.csrfTokenFor(req),
    expiresAt: Date.now() + app.sessions.idleMs,
  })

  app.post(
    '/api/v1/session',
    {
      config: { rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        summary: 'Log in',
        description: `Sets an HttpOnly session cookie. Send the returned csrfToken in ${CSRF_HEADER} on every state-changing request.`,
        tags: ['session'],
        body: LoginSchema,
        response: { 200: SessionSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string }
      if (crossOrigin(req)) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'cross-site login refused' })
      }
      const failuresKey = app.keys.loginFailures(username.toLowerCase())
      const failures = Number((await app.redis.get(failuresKey)) ?? 0)
      await sleep(loginDelayMs(failures))
      const stored = await app.users.byUsername(username)
      const ok = await verifyPassword(password, stored?.passwordHash ?? decoy)
      const user = ok && stored && !stored.disabled ? await app.sessionUser({ userId: stored.id, createdAt: Date.now() }) : null
      if (!user) {
        const n = await app.redis.multi().incr(failuresKey).pexpire(failuresKey, FAILURE_WINDOW_MS).exec()
        req.log.warn({ username, ip: req.ip, failures: n?.[0]?.[1] }, 'login failed')
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'wrong username or password' })
      }
      await app.redis.del(failuresKey)
      // A new session id at login: a session id planted before login is worth nothing.
      await req.session.regenerate()
      req.session.options({ secure: req.protocol === 'https' })
      req.session.set('userId', user.id)
      req.session.set('createdAt', Date.now())
      req.log.info({ username: user.username, ip: req.ip }, 'login')
      return info(req, user)
    },
  )

  app.get(
    '/api/v1/session',
    {
      schema: {
        summary: 'Who is logged in',
        tags: ['session'],
        response: { 200: SessionSchema, 401: ErrorSchema },
      },
    },
    async (req, reply) => {
      const p = req.headers.authorization === undefined ? await app.principalOf(req) : null
      if (p?.kind !== 'user') return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'not logged in' })
      return info(req, p.user)
    },
  )

  app.delete(
    '/api/v1/session',
    {
      preHandler: app.guard({ roles: ['admin', 'supervisor', 'teamlead'] }),
      schema: { summary: 'Log out', tags: ['session'], response: { 204: Type.Null(), 401: ErrorSchema, 403: ErrorSchema } },
    },
    async (req, reply) => {
      const sessionId = req.session.sessionId
      await req.session.destroy()
      app.push.deny(`session:${sessionId}`, { code: 'session_ended', message: 'logged out' })
      return reply.code(204).send()
    },
  )

  app.put(
    '/api/v1/session/password',
    {
      preHandler: app.guard({ roles: ['admin', 'supervisor', 'teamlead'] }),
      schema: {
        summary: 'Change your own password',
        description: 'Ends every other session of the user.',
        tags: ['session'],
        body: Type.Object(
          { current: Type.String({ minLength: 1, maxLength: 256 }), password: Password },
          { additionalProperties: false },
        ),
        response: { 200: SessionSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (req, reply) => {
      const { current, password } = req.body as { current: string; password: string }
      const p = req.principal
      if (p?.kind !== 'user') return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'not logged in' })
      const stored = await app.users.get(p.user.id)
      if (!stored || !(await verifyPassword(current, stored.passwordHash))) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'body.current: wrong password' })
      }
      await app.users.update(p.user.id, { password })
      await app.audit.record({ type: 'user', id: p.user.id, name: p.user.username }, 'user.password', p.user.id)
      app.push.deny(`user:${p.user.id}`, { code: 'session_ended', message: 'the password was changed: log in again' })
      await req.session.regenerate()
      req.session.options({ secure: req.protocol === 'https' })
      req.session.set('userId', p.user.id)
      req.session.set('createdAt', Date.now())
      return info(req, p.user)
    },
  )
}

export default session
