// Serves the built browser app: hashed assets cached for good, index.html for every view route.
import { existsSync } from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

export interface WebPluginOptions {
  webDir: string
}

const VIEW_ROUTES = ['/board', '/board/*', '/login', '/supervisor', '/admin/*']

const web: FastifyPluginAsync<WebPluginOptions> = async (app, opts) => {
  const built = existsSync(path.join(opts.webDir, 'index.html'))
  if (!built) app.log.warn({ webDir: opts.webDir }, 'browser app not built: run `npm run build`')
  await app.register(fastifyStatic, {
    root: opts.webDir,
    prefix: '/',
    index: false,
    wildcard: true,
    setHeaders(res, file) {
      res.header(
        'Cache-Control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/board'))
  for (const url of VIEW_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      if (!built) return reply.code(503).type('text/plain').send('The board is not built yet: run `npm run build` and restart.')
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html')
    })
  }
}

export default web
