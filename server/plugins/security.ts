// Security headers with a strict Content-Security-Policy on every response (no inline scripts,
// no inline styles, nothing from other origins, no framing), and the rate limiter (Redis-backed,
// so that limits hold across server processes) that login and ingest opt into.
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { helmetHeadersOnce } from './helmet-once.js'

export default fp(
  async (app) => {
    await app.register(helmet, {
      // Not helmet's own per-request hook, which rebuilds its middleware each time: see helmet-once.ts.
      global: false,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Display tokens travel in TV URLs: never leak them to another site through the referrer.
      referrerPolicy: { policy: 'no-referrer' },
      // Served over plain HTTP inside many centres; HSTS is the TLS-terminating proxy's job.
      strictTransportSecurity: false,
    })
    app.addHook('onRequest', helmetHeadersOnce())
    await app.register(rateLimit, {
      global: false,
      redis: app.redis,
      nameSpace: app.keys.rateLimit,
      // Without Redis nothing works anyway; do not turn its outage into 500s here.
      skipOnError: true,
    })
  },
  { name: 'security', dependencies: ['store'] },
)
