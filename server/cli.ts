// The `wallboard` command: connectors that feed a wallboard from a phone system, over its public API.
//   wallboard queue-log follow FILE --url URL --key KEY [options]   follow a queue_log live
//   wallboard queue-log import FILE… --url URL --key KEY [options]  backfill history (pipe or CSV)
//   wallboard ami --host HOST --user USER --url URL --key KEY       Asterisk Manager Interface
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { isValidTimeZone } from '../shared/figures/calendar.js'
import { WallboardClient, consoleLog } from './ingest/client.js'
import type { QueueLogOptions } from './ingest/queue-log/parse.js'

const USAGE = `Usage:
  wallboard queue-log follow FILE --url URL --key KEY [options]
  wallboard queue-log import FILE... --url URL --key KEY [options]
  wallboard ami --host HOST [--port 5038] --user USER --url URL --key KEY [options]

Feeds a wallboard from Asterisk (FreePBX, Issabel, VitalPBX …) over its API.

  follow   follows a queue_log as it grows (survives rotation and restarts: it
           resumes from a checkpoint); reports its link health every 10 s
  import   sends the history in queue_log files, in the order given (oldest
           first): the pipe file, or the queue_log table exported as CSV
           (time, callid, queuename, agent, event, data1..data5). Importing the
           same file again changes nothing.
  ami      connects to the Asterisk Manager Interface for live queue and member
           events, syncs with QueueStatus on connect, reconnects with backoff

Common options:
  --url URL            the wallboard, e.g. http://wallboard:3000 (or WALLBOARD_URL)
  --key KEY            an API key with the ingest scope (or WALLBOARD_API_KEY)
  --source NAME        the source its events name (default: asterisk for
                       queue_log, asterisk-ami for AMI); one per phone system,
                       the same for follow and import (it is part of event ids)
  --alias RAW=ID       agent alias (repeatable): "Local/2001@from-queue/n=2001"

queue-log options:
  --timezone ZONE      IANA zone of times written as YYYY-MM-DD HH:MM:SS (CSV)
  --format pipe|csv    the form of every line (default: each line says)
  --checkpoint FILE    follow: where the position is kept
                       (default: ~/.local/state/wallboard/queue-log-SOURCE.json)
  --from start|end     follow, without a checkpoint: from the file's start
                       (default; today's figures fill in) or only new lines
  --ring-attempts skip|ringing
                       import: also send ring attempts as call.ringing (default skip)

ami options:
  --host HOST --port PORT --user USER
  --secret SECRET      the AMI secret (better: WALLBOARD_AMI_SECRET, not shown by ps)
  --agents-only        send agent states only, when a queue_log follower on the
                       same PBX sends the calls (else they would count twice)

  -h, --help           show this help
`

function fail(message: string): never {
  process.stderr.write(`wallboard: ${message}\n\n${USAGE}`)
  process.exit(2)
}

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  source: { type: 'string' },
  alias: { type: 'string', multiple: true },
  timezone: { type: 'string' },
  format: { type: 'string' },
  checkpoint: { type: 'string' },
  from: { type: 'string' },
  'ring-attempts': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  user: { type: 'string' },
  secret: { type: 'string' },
  'agents-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined
  if (!(allowed as readonly string[]).includes(raw))
    fail(`--${name}: expected ${allowed.join(' or ')}, got ${JSON.stringify(raw)}`)
  return raw as T
}

function clientOf(values: Values): WallboardClient {
  const url = values.url ?? process.env['WALLBOARD_URL'] ?? fail('--url (or WALLBOARD_URL) is required')
  if (!/^https?:\/\//.test(url)) fail(`--url: expected http:// or https://, got ${JSON.stringify(url)}`)
  const apiKey = values.key ?? process.env['WALLBOARD_API_KEY'] ?? fail('--key (or WALLBOARD_API_KEY) is required')
  return new WallboardClient({ url, apiKey, log: consoleLog })
}

function aliasesOf(values: Values): Record<string, string> | undefined {
  if (!values.alias) return undefined
  const out: Record<string, string> = {}
  for (const a of values.alias) {
    const eq = a.lastIndexOf('=')
    if (eq <= 0 || eq === a.length - 1) fail(`--alias: expected RAW=ID, got ${JSON.stringify(a)}`)
    out[a.slice(0, eq)] = a.slice(eq + 1)
  }
  return out
}

function parserOf(values: Values, source: string): QueueLogOptions {
  const timeZone = values.timezone
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) fail(`--timezone: unknown IANA time zone ${JSON.stringify(timeZone)}`)
  const format = oneOf('format', values.format, ['pipe', 'csv'] as const)
  const ringAttempts = oneOf('ring-attempts', values['ring-attempts'], ['skip', 'ringing'] as const)
  const agentAliases = aliasesOf(values)
  return {
    source,
    ...(timeZone !== undefined ? { timeZone } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(ringAttempts !== undefined ? { ringAttempts } : {}),
    ...(agentAliases !== undefined ? { agentAliases } : {}),
  }
}

/** Stops `stop` on the first Ctrl-C or SIGTERM; a second one exits at once. */
function onSignals(stop: () => Promise<void>): void {
  let stopping = false
  const shutdown = () => {
    if (stopping) process.exit(1)
    stopping = true
    void stop().finally(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

function stateDir(): string {
  return process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state')
}

async function follow(file: string, values: Values): Promise<void> {
  const { startFollower } = await import('./ingest/queue-log/follow.js')
  const source = values.source ?? 'asterisk'
  const checkpointPath = values.checkpoint ?? path.join(stateDir(), 'wallboard', `queue-log-${source}.json`)
  await mkdir(path.dirname(checkpointPath), { recursive: true })
  const from = oneOf('from', values.from, ['start', 'end'] as const)
  const { source: _s, ...parser } = parserOf(values, source)
  const follower = await startFollower({
    path: file,
    source,
    client: clientOf(values),
    log: consoleLog,
    checkpointPath,
    parser,
    ...(from !== undefined ? { from } : {}),
  })
  consoleLog.info({ file, source, checkpoint: checkpointPath }, 'queue_log follower started')
  onSignals(() => follower.stop())
}

async function importFiles(files: string[], values: Values): Promise<void> {
  const { importQueueLog } = await import('./ingest/queue-log/import.js')
  const parser = parserOf(values, values.source ?? 'asterisk')
  const started = Date.now()
  let lastShown = 0
  const summary = await importQueueLog({
    files,
    client: clientOf(values),
    parser,
    onProgress: (s) => {
      if (Date.now() - lastShown < 2000) return
      lastShown = Date.now()
      consoleLog.info({ lines: s.stats.lines, accepted: s.accepted, duplicates: s.duplicates }, 'importing')
    },
    onRetry: (failures, why, delayMs) =>
      consoleLog.warn({ attempt: failures, retryInMs: Math.round(delayMs) }, `sending failed (${why})`),
  })
  const s = summary.stats
  const lines = [
    `Imported ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s as source "${parser.source}"`,
    `  lines read:       ${s.lines}`,
    `  events:           ${s.events} (stored now ${summary.accepted}, already stored ${summary.duplicates}, refused ${summary.refused})`,
    `  unchanged lines:  ${s.unchanged} (e.g. a per-queue PAUSE after its PAUSEALL)`,
    `  skipped by verb:  ${formatCounts(s.skipped)}`,
    `  problems:         ${formatCounts(s.problems)}`,
  ]
  for (const p of s.recentProblems.slice(-5)) lines.push(`    ${p.reason}: ${p.line.slice(0, 120)}`)
  for (const r of summary.refusals.slice(0, 5)) lines.push(`  refused: ${r}`)
  console.log(lines.join('\n'))
  if (summary.refused > 0) process.exitCode = 1
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ')
}

async function ami(values: Values): Promise<void> {
  const { startAmiConnector } = await import('./ingest/ami/connector.js')
  const host = values.host ?? fail('--host is required')
  const port = Number(values.port ?? '5038')
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port: expected a TCP port, got ${JSON.stringify(values.port)}`)
  const username = values.user ?? fail('--user is required')
  const secret = values.secret ?? process.env['WALLBOARD_AMI_SECRET'] ?? fail('--secret (or WALLBOARD_AMI_SECRET) is required')
  const source = values.source ?? 'asterisk-ami'
  const agentAliases = aliasesOf(values)
  const connector = startAmiConnector({
    host,
    port,
    username,
    secret,
    source,
    client: clientOf(values),
    log: consoleLog,
    ...(agentAliases !== undefined ? { agentAliases } : {}),
    agentsOnly: values['agents-only'] === true,
  })
  consoleLog.info({ host, port, source }, 'AMI connector started')
  onSignals(() => connector.stop())
}

async function main(argv: string[]): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err))
  }
  const { values, positionals } = parsed
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE)
    return
  }
  const [command, sub, ...rest] = positionals
  if (command === 'queue-log' && sub === 'follow') {
    if (rest.length !== 1) fail('queue-log follow takes one FILE')
    await follow(rest[0]!, values)
  } else if (command === 'queue-log' && sub === 'import') {
    if (rest.length === 0) fail('queue-log import takes one or more FILEs')
    await importFiles(rest, values)
  } else if (command === 'ami') {
    if (sub !== undefined) fail(`ami takes no argument, got ${JSON.stringify(sub)}`)
    await ami(values)
  } else {
    fail(`unknown command ${JSON.stringify(positionals.join(' '))}`)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`wallboard: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
