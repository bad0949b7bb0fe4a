// `tsx test/bench/fanout-cli.ts --clients 1000 --processes 2`: the fan-out phase (fanout.ts) alone,
// against a redis-server of its own (AOF everysec) on this machine.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startRedisServer } from '../../server/store/redis-server.js'
import { fanoutPhase } from './fanout.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
  },
})

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-fanout-'))
  const redis = await startRedisServer({ dir })
  try {
    console.log(
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )
    const result = await fanoutPhase(redis.url, {
      seconds: Number(args.seconds),
      clients: Number(args.clients),
      processes: Number(args.processes),
      rate: Number(args.rate),
    })
    console.log('event → socket client latency', result)
  } finally {
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
