// The durability promise, tested the hard way: the real server process is killed with SIGKILL
// twice while events stream in (out of order, some late, retried after every failure). After a
// restart the stored log and every figure must equal what the pure functions compute from the
// acknowledged events, sorted and deduplicated: nothing lost, nothing counted twice.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { defaultDefinition } from '../../shared/definitions.js'
import { type RawEvent, validateEvent } from '../../shared/events.js'
import { fixedDefinitions, applyEvent, emptyState } from '../../shared/figures/aggregate.js'
import { computeAgentFigures, computeFigures } from '../../shared/figures/compute.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'

const KEY = `crash-test-key-${randomBytes(8).toString('hex')}`
const TZ = 'Asia/Shanghai'
const children: ChildProcess[] = []

afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
})

async function startServer(prefix: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      WALLBOARD_REDIS_PREFIX: prefix,
      WALLBOARD_DEMO: '0',
      WALLBOARD_API_KEY: KEY,
      WALLBOARD_TIMEZONE: TZ,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /Boards?:\s+(http:\/\/\S+)\/board/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)))
  })
  return { child, base }
}

async function post(base: string, batch: RawEvent[]): Promise<{ accepted: number; duplicates: number; rejected: unknown[] }> {
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  })
  if (res.status !== 200) throw new Error(`status ${res.status}`)
  return (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] }
}

async function get<T>(base: string, url: string): Promise<T> {
  const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${KEY}` } })
  return (await res.json()) as T
}

describe('a server killed with SIGKILL mid-ingest', () => {
  it('restarts with exactly the figures of the acknowledged events, none lost and none counted twice', async () => {
    const prefix = `crash:${randomBytes(4).toString('hex')}:`
    const events = generateTraffic({ seed: 7, startMs: Date.now() - 90 * 60_000, calls: 900, arrivalGapMs: 5_000 })
    const order = deliveryOrder(events, 11)
    const batches: RawEvent[][] = []
    for (let i = 0; i < order.length; i += 40) batches.push(order.slice(i, i + 40))
    const killAt = new Set([Math.floor(batches.length / 3), Math.floor((2 * batches.length) / 3)])

    let server = await startServer(prefix)
    const acknowledged = new Set<string>()
    let unacknowledged: RawEvent[][] = []
    let kills = 0
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!
      if (killAt.has(i)) {
        // Kill while this batch is in flight and the aggregator is busy with the previous ones.
        const inFlight = post(server.base, batch).then(
          () => batch.forEach((e) => acknowledged.add(e.id)),
          () => unacknowledged.push(batch),
        )
        await new Promise((r) => setTimeout(r, 2))
        server.child.kill('SIGKILL')
        await inFlight
        if (server.child.exitCode === null && server.child.signalCode === null)
          await new Promise((r) => server.child.once('exit', r))
        kills++
        server = await startServer(prefix)
        // The sender retries what was not acknowledged, with the same ids.
        for (const retry of unacknowledged) {
          const r = await post(server.base, retry)
          expect(r.rejected).toEqual([])
          retry.forEach((e) => acknowledged.add(e.id))
        }
        unacknowledged = []
        continue
      }
      const r = await post(server.base, batch)
      expect(r.rejected).toEqual([])
      batch.forEach((e) => acknowledged.add(e.id))
    }
    expect(kills).toBe(2)
    expect(acknowledged.size).toBe(events.length)

    // Wait until the restarted aggregator has applied everything.
    const deadline = Date.now() + 30_000
    while ((await fetch(`${server.base}/readyz`)).status !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    const actual = await get<{ serverNow: number; queues: unknown[] }>(server.base, '/api/v1/metrics')
    const agents = await get<{ serverNow: number; agents: unknown[] }>(server.base, '/api/v1/agents')

    // The reference: the acknowledged events, deduplicated, in event-time order, through the pure functions.
    const def = defaultDefinition(TZ)
    const defs = fixedDefinitions(def)
    const state = emptyState()
    const sorted = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) => (a.ts as number) - (b.ts as number))
    for (const e of sorted) {
      const v = validateEvent(e, Number.MAX_SAFE_INTEGER)
      if (!v.ok) throw new Error(v.error)
      applyEvent(state, v.event, defs)
    }
    expect(actual.queues).toEqual(computeFigures(state, defs, actual.serverNow))
    expect(agents.agents).toEqual(computeAgentFigures(state, defs, agents.serverNow))
    // Not a vacuous comparison: the reference counted the whole run.
    let offered = 0
    for (const [key, c] of state.buckets.rows) if (key.startsWith('q|')) offered += c.offered
    expect(offered).toBe(900)

    server.child.kill('SIGKILL')
  }, 120_000)
})
