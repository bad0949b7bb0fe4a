// `tsx test/bench/ingest-profile.ts [--seconds 10] [--rate 0] [--role all|ingest] [--batch 1] [--prof DIR]`:
// single-event ingest (or --batch events per request) against a server process of its own (and a local redis-server with AOF
// everysec), for profiling and quick before/after checks. --rate 0 runs closed-loop (autocannon, 64
// connections, as fast as it goes); --rate N runs at a fixed arrival rate (fixed-rate.ts). --prof
// writes the server's CPU profile into DIR (summarise it with cpuprofile-summary.ts). With
// --role ingest, an `all` process on the same prefix aggregates beside the ingest process, at the
// CPU priority --nice gives it.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import { startRedisServer } from '../../server/store/redis-server.js'
import { type ServerProcess, startServer } from '../support/server-process.js'
import { cpuMeter } from './cpu-time.js'
import { fixedRate } from './fixed-rate.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    connections: { type: 'string', default: '64' },
    role: { type: 'string', default: 'all' },
    warmup: { type: 'string', default: '3' },
    nice: { type: 'string', default: '0' },
    batch: { type: 'string', default: '1' },
    prof: { type: 'string' },
  },
})
const KEY = `bench-${randomBytes(12).toString('hex')}`
const RUN = randomBytes(4).toString('hex')

/** Queued, answered, ended calls over 20 queues and 400 agents, as the bench sends them. */
function nextEvent(): () => string {
  let n = 0
  return () => {
    const i = n++
    const call = Math.floor(i / 3)
    const step = i % 3
    const base = { id: `${RUN}-${i}`, ts: Date.now(), callId: `${RUN}-c${call}`, queue: `q${call % 20}` }
    const type = step === 0 ? 'call.queued' : step === 1 ? 'call.answered' : 'call.ended'
    return JSON.stringify(step === 0 ? { ...base, type } : { ...base, type, agent: `agent-${call % 400}` })
  }
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-profile-'))
  const redis = await startRedisServer({ dir })
  const servers: ServerProcess[] = []
  const start = (role: string, profile: boolean) =>
    startServer({
      redisUrl: redis.url,
      prefix: 'prof:',
      key: KEY,
      showErrors: true,
      execArgv: profile && args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : [],
      env: { WALLBOARD_ROLE: role },
    })
  try {
    if (args.role === 'ingest') {
      servers.push(await start('all', false))
      os.setPriority(servers[0]!.child.pid!, Number(args.nice))
    }
    const target = await start(args.role!, true)
    servers.push(target)
    const event = nextEvent()
    const batch = Number(args.batch)
    const body = batch === 1 ? event : () => `[${Array.from({ length: batch }, event).join(',')}]`
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
    const seconds = Number(args.seconds)
    const rate = Number(args.rate)
    // A warm server (JIT, connections, caches), as in production, before anything is measured.
    await autocannon({
      url: target.base,
      connections: 16,
      duration: Number(args.warmup),
      headers,
      requests: [{ method: 'POST', path: '/api/v1/events', setupRequest: (req) => ({ ...req, body: body() }) }],
    })
    const serverName = `server (${args.role})`
    const cpu = cpuMeter({
      [serverName]: target.child.pid,
      ...(servers.length > 1 ? { 'server (all, aggregating)': servers[0]!.child.pid } : {}),
      'redis-server': redis.process.pid,
      'load generator': process.pid,
    })
    let requests: number
    if (rate > 0) {
      const r = await fixedRate({
        base: target.base,
        path: '/api/v1/events',
        headers,
        body,
        rate,
        seconds,
        connections: Number(args.connections),
      })
      console.log(`fixed rate, role ${args.role}`, r)
      requests = r.sent
    } else {
      const r = await autocannon({
        url: target.base,
        connections: Number(args.connections),
        duration: seconds,
        headers,
        requests: [{ method: 'POST', path: '/api/v1/events', setupRequest: (req) => ({ ...req, body: body() }) }],
      })
      console.log(`closed loop, role ${args.role}`, {
        requestsPerSec: Math.round(r.requests.average),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        maxMs: r.latency.max,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      })
      requests = r.requests.total
    }
    const used = cpu()
    console.log('CPU, share of one core', used.shares, `load average before: ${used.loadBefore.toFixed(2)}`)
    console.log(`${serverName}: ${Math.round((1e6 * used.seconds[serverName]!) / requests)} µs of CPU per request`)
    // How many Redis calls the requests cost, from Redis's own counters.
    const probe = new Redis(redis.url)
    const stats = (await probe.info('commandstats')).split('\n').filter((l) => /cmdstat_(evalsha|eval|exec|incrby):/.test(l))
    console.log(
      'redis calls',
      stats.map((l) => l.replace(/,usec_per_call.*/, '').trim()),
    )
    probe.disconnect()
  } finally {
    for (const s of servers.reverse()) {
      // SIGTERM: the server closes and exits, which writes the CPU profile.
      s.child.kill('SIGTERM')
      await new Promise((r) => s.child.once('exit', r))
    }
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
