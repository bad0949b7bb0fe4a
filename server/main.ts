// The launcher behind `npm start`: reads the configuration, starts a local redis-server when no
// REDIS_URL is given, starts the server, the demo simulator (unless WALLBOARD_DEMO=0), and prints
// where to look. Stops everything in order on SIGINT/SIGTERM.
import path from 'node:path'
import { DEFAULT_BOARD_ID } from './admin/boards.js'
import { FIRST_ADMIN, bootstrap, bootstrapAfterReset } from './admin/bootstrap.js'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { startConnectors } from './ingest/connectors.js'
import { type LocalRedis, RedisNotInstalledError, startRedisServer } from './store/redis-server.js'

function fail(message: string): never {
  console.error(`\n  ✖ ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env, { demo: true })
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }

  let localRedis: LocalRedis | null = null
  let redisUrl = config.redisUrl
  if (redisUrl === null) {
    const dir = path.join(config.dataDir, 'redis')
    try {
      localRedis = await startRedisServer({ dir })
    } catch (err) {
      if (err instanceof RedisNotInstalledError) fail(err.message)
      throw err
    }
    redisUrl = localRedis.url
  }

  const pretty = process.stdout.isTTY && process.env['LOG_FORMAT'] !== 'json'
  const app = await buildApp({
    config,
    redisUrl,
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
        : {}),
    },
  })

  const firstStart = await bootstrap(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey })

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const anyHost = config.host === '0.0.0.0' || config.host === '::'
  const base = `http://${anyHost ? 'localhost' : config.host}:${port}`
  /** this process's own API, for the simulator and the connectors */
  const self = `http://${anyHost ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  let simulator: { stop(): Promise<void> } | null = null
  if (config.demo) {
    // Loaded only for the demo: a production start never runs simulator code.
    const { startSimulator } = await import('./ingest/simulator/runner.js')
    simulator = startSimulator({
      url: self,
      apiKey: app.apiKeys.mintInMemory('demo simulator', ['ingest', 'read']),
      timezone: config.timezone,
      log: app.log.child({ component: 'simulator' }),
      // A fresh store gets an hour of recent history so the board is not empty; a restart continues.
      warmUpMinutes: (await app.eventLog.length()) === 0 ? 60 : 0,
    })
  }

  // Connectors by configuration: they post to this server like any source, with a key of this process.
  const connectors = await startConnectors({
    config,
    url: self,
    apiKey: app.apiKeys.mintInMemory('phone-system connectors', ['ingest']),
    log: app.log,
  })

  if (localRedis) {
    localRedis.process.once('exit', (code, signal) => {
      app.log.fatal({ code, signal }, 'the local redis-server stopped; exiting')
      process.exit(1)
    })
  }

  const lines = [
    '',
    '  Wallboard is running',
    `    Boards:    ${base}/board   (after logging in)`,
    `    Team lead: ${base}/supervisor   (after logging in)`,
    `    API docs:  ${base}/docs`,
    `    Store:     ${localRedis ? `local redis-server (AOF) in ${path.relative(process.cwd(), path.join(config.dataDir, 'redis')) || '.'}` : 'REDIS_URL'}`,
    `    Time zone: ${config.timezone}`,
    `    Demo:      ${config.demo ? 'simulated traffic on (WALLBOARD_DEMO=0 turns it off)' : 'off'}`,
  ]
  if (config.role === 'ingest')
    lines.splice(
      2,
      3,
      `    Ingest:    ${base}/api/v1/events   (WALLBOARD_ROLE=ingest: this process takes events only; boards are on the others)`,
    )
  const { queueLog, ami } = config.connectors
  if (queueLog) lines.push(`    queue_log: following ${queueLog.path} as source "${queueLog.source}"`)
  if (ami) lines.push(`    AMI:       ${ami.host}:${ami.port} as user "${ami.username}", source "${ami.source}"`)
  if (config.demo && config.role !== 'ingest' && app.boards.get(DEFAULT_BOARD_ID)) {
    // A TV link for the demo that works until this process stops; real TVs get tokens from an admin.
    const token = app.displayTokens.mintInMemory(DEFAULT_BOARD_ID, 'demo TV')
    lines.splice(4, 0, `    TV link:   ${base}/board/${DEFAULT_BOARD_ID}?token=${token}   (demo: valid until this process stops)`)
  }
  if (config.role !== 'ingest') lines.push(`    Log in:    ${base}/login`)
  if (firstStart?.adminPassword) {
    lines.push(
      '',
      `    First start: log in as "${FIRST_ADMIN}" with this one-time password (shown once; change it):`,
      `      ${firstStart.adminPassword}`,
    )
  }
  if (firstStart?.apiKey) {
    lines.push('', '    API key (shown once; store it now, only its hash is kept):', `      ${firstStart.apiKey}`)
  } else if (config.apiKey === null && !firstStart) {
    lines.push('', '    API key: the one printed at the first start (or set WALLBOARD_API_KEY, or create one as admin)')
  }
  console.log(`${lines.join('\n')}\n`)

  // A data reset under this process: the first start again (the admin, the first key, the default board).
  app.storeWatch.on('reset', () => {
    bootstrapAfterReset(app, { adminPassword: config.adminPassword, bootstrapKey: config.apiKey }).then(
      (again) => {
        const out = ['', '  DATA RESET: the store came back empty; first-start steps done again']
        if (again?.adminPassword) out.push(`    Log in as "${FIRST_ADMIN}" with this one-time password: ${again.adminPassword}`)
        if (again?.apiKey) out.push(`    New API key (shown once): ${again.apiKey}`)
        if (again) console.log(`${out.join('\n')}\n`)
      },
      (err: unknown) => app.log.error({ err }, 'could not redo the first-start steps after a data reset'),
    )
  })

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1) // a second Ctrl-C: do not wait any longer
    stopping = true
    app.log.info({ signal }, 'shutting down')
    localRedis?.process.removeAllListeners('exit')
    try {
      await simulator?.stop()
      await connectors.stop()
      await app.close()
      await localRedis?.stop()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
