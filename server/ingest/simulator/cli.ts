// Command line for the demo traffic simulator, so it can feed any wallboard over its public API:
//   tsx server/ingest/simulator/cli.ts --url http://127.0.0.1:3000 --key KEY [--timezone Asia/Shanghai]
//     [--warm-up 60] [--seed N] [--tick-ms 1000]
import { parseArgs } from 'node:util'
import { isValidTimeZone } from '../../../shared/figures/calendar.js'
import { consoleLog } from '../client.js'
import { startSimulator } from './runner.js'

const USAGE = `Usage: tsx server/ingest/simulator/cli.ts --url URL --key KEY [options]

Sends realistic contact-centre traffic to a wallboard's ingest API (POST /api/v1/events).

  --url URL          base URL of the wallboard, e.g. http://127.0.0.1:3000
  --key KEY          ingest API key (or WALLBOARD_API_KEY)
  --timezone ZONE    IANA time zone of the simulated centre (default: TZ or this machine's zone)
  --warm-up MIN      minutes of recent past to simulate first (default 60)
  --seed N           replay the same traffic (default: random)
  --tick-ms MS       how often events are sent (default 1000)
  -h, --help         show this help
`

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`)
  process.exit(2)
}

function integer(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) fail(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(raw)}`)
  return n
}

function main(): void {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        timezone: { type: 'string' },
        'warm-up': { type: 'string' },
        seed: { type: 'string' },
        'tick-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err))
  }
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  const url = values.url ?? fail('--url is required')
  if (!/^https?:\/\//.test(url)) fail(`--url: expected http:// or https://, got ${JSON.stringify(url)}`)
  const apiKey = values.key ?? process.env['WALLBOARD_API_KEY'] ?? fail('--key (or WALLBOARD_API_KEY) is required')
  const timezone = values.timezone ?? (process.env['TZ']?.replace(/^:/, '') || Intl.DateTimeFormat().resolvedOptions().timeZone)
  if (!isValidTimeZone(timezone)) fail(`--timezone: unknown IANA time zone ${JSON.stringify(timezone)}`)

  const simulator = startSimulator({
    url,
    apiKey,
    timezone,
    log: consoleLog,
    warmUpMinutes: integer('warm-up', values['warm-up'], 60, 0),
    tickMs: integer('tick-ms', values['tick-ms'], 1000, 50),
    ...(values.seed !== undefined ? { seed: integer('seed', values.seed, 0, 0) } : {}),
  })

  let stopping = false
  const shutdown = () => {
    if (stopping) process.exit(1) // a second Ctrl-C: do not wait for the close-out
    stopping = true
    void simulator.stop().finally(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main()
