// Bearer API keys: `app.requireKey(scope)` is the preHandler that every integrator route uses.
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { ApiKeys, type ApiKeyInfo, type Scope } from '../auth/api-keys.js'

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeys
    requireKey(scope: Scope): preHandlerAsyncHookHandler
  }
  interface FastifyRequest {
    apiKey: ApiKeyInfo | null
  }
}

export interface AuthPluginOptions {
  /** WALLBOARD_API_KEY: a bootstrap key with every scope, never stored */
  bootstrapKey: string | null
}

function deny(reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="wallboard"')
  return reply.code(status).send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message })
}

export default fp<AuthPluginOptions>(
  async (app, opts) => {
    const apiKeys = new ApiKeys(app.redis, app.keys)
    if (opts.bootstrapKey)
      apiKeys.addInMemory(opts.bootstrapKey, { id: 'bootstrap', name: 'WALLBOARD_API_KEY', scopes: ['ingest', 'read'] })
    app.decorate('apiKeys', apiKeys)
    app.decorateRequest('apiKey', null)
    app.decorate('requireKey', (scope: Scope) => async (req: FastifyRequest, reply: FastifyReply) => {
      const header = req.headers.authorization
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
      if (!match) return deny(reply, 401, 'missing API key: send Authorization: Bearer <key>')
      const info = await apiKeys.verify(match[1]!)
      if (!info) return deny(reply, 401, 'unknown or revoked API key')
      if (!info.scopes.includes(scope)) return deny(reply, 403, `this API key lacks the ${scope} scope`)
      req.apiKey = info
    })
  },
  { name: 'auth', dependencies: ['store'] },
)
