// `npm run bench:history`: what one queue's archived intervals cost in Redis per day. A simulated
// day of traffic goes through the same reducer as live, is archived by prune into the history
// table, and saved by the state store into a local redis-server; MEMORY USAGE of the day hashes
// divided by the queues gives the cost per queue and day. Two centres: the demo (five queues,
// forty agents) and one hotline with a thousand seats.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { DefinitionBook, firstDefinitionSet } from '../../shared/definitions.js'
import { applyEvent, emptyState, prune } from '../../shared/figures/aggregate.js'
import { type CentreConfig, DEFAULT_BEHAVIOUR, demoCentre } from '../../server/ingest/simulator/centre.js'
import { createCentre } from '../../server/ingest/simulator/engine.js'
import { redisKeys } from '../../server/store/keys.js'
import { startRedisServer } from '../../server/store/redis-server.js'
import { StateStore, historyDayOf } from '../../server/store/state-store.js'

const ZONE = 'UTC'
const DAY_MS = 86_400_000
/** A whole UTC day, so that one day hash holds the day. */
const DAY = Date.UTC(2026, 10, 2)

function hotline(): CentreConfig {
  const base = demoCentre(ZONE)
  const queue = { ...base.queues[0]!, id: 'Hotline', team: 'Hotline', peakPerHour: 9_000, transferTo: [], overflowTo: undefined }
  return {
    timezone: ZONE,
    source: 'bench',
    queues: [queue],
    agents: Array.from({ length: 1_000 }, (_, i) => ({ id: `h${i}`, name: `Agent ${i}`, team: 'Hotline', queues: ['Hotline'] })),
    behaviour: { ...DEFAULT_BEHAVIOUR },
  }
}

async function measure(name: string, centre: CentreConfig, intervalMinutes: 15 | 30, redis: Redis): Promise<void> {
  const first = firstDefinitionSet(ZONE, DAY - DAY_MS)
  const book = new DefinitionBook([{ ...first, defaults: { ...first.defaults, intervalMinutes } }])
  const prefix = `bench:${name}:${intervalMinutes}:`
  const keys = redisKeys(prefix)
  const store = new StateStore(redis, keys, 400)
  const state = emptyState()
  const sim = createCentre(centre, 7, DAY - 2 * 3600_000)
  let events = 0
  for (let t = DAY; t <= DAY + DAY_MS; t += 3600_000) {
    for (const e of t < DAY + DAY_MS ? sim.advanceTo(t) : sim.closeAll(t)) {
      applyEvent(state, e, book)
      events++
    }
  }
  // Three days later every interval of the day has left memory for the history table.
  prune(state, DAY + 4 * DAY_MS)
  const changes = store.takeChanges(state)
  await store.save(changes, { position: '0-1', applied: events, definitions: 1, writer: 'bench' })
  const day = keys.historyDay(historyDayOf(DAY))
  const bytes = Number(await redis.call('MEMORY', 'USAGE', day, 'SAMPLES', '0'))
  const rows = await redis.hlen(day)
  const queues = centre.queues.length
  const perQueue = bytes / queues
  console.log(
    `${name.padEnd(28)} ${String(intervalMinutes).padStart(2)} min  ${String(events).padStart(9)} events  ` +
      `${String(rows / queues).padStart(3)} rows/queue/day  ${(perQueue / 1024).toFixed(1).padStart(7)} KiB/queue/day  ` +
      `${((perQueue * 400) / 1024 / 1024).toFixed(1).padStart(6)} MiB/queue over 400 days`,
  )
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-history-'))
  const local = await startRedisServer({ dir })
  const redis = new Redis(local.url)
  try {
    console.log('history cost: one simulated day archived, MEMORY USAGE of the day hash per queue\n')
    for (const minutes of [30, 15] as const) {
      await measure('demo centre (5 queues, 40)', demoCentre(ZONE), minutes, redis)
      await measure('hotline (1 queue, 1,000)', hotline(), minutes, redis)
    }
  } finally {
    redis.disconnect()
    await local.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
