// The demo traffic simulator: a seeded contact centre makes valid, coherent events whose figures
// look like a real centre's, and the runner delivers them through the ingest API, retrying refused
// batches with the same ids and closing every call and shift on stop.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultDefinition } from '../../shared/definitions.js'
import { type CallEvent, type WallboardEvent, validateEvent } from '../../shared/events.js'
import {
  fixedDefinitions,
  type AggregateState,
  type Definitions,
  applyEvent,
  emptyState,
} from '../../shared/figures/aggregate.js'
import { computeFigures } from '../../shared/figures/compute.js'
import { COUNTER_FIELDS } from '../../shared/figures/counters.js'
import { checkCentre, demoCentre } from '../../server/ingest/simulator/centre.js'
import { trafficShare } from '../../server/ingest/simulator/curve.js'
import { createCentre } from '../../server/ingest/simulator/engine.js'
import { Random } from '../../server/ingest/simulator/random.js'
import { parseRetryAfter } from '../../server/ingest/client.js'
import { type SimulatorLog, startSimulator } from '../../server/ingest/simulator/runner.js'

const TZ = 'Asia/Shanghai'
const at = (local: string) => Date.parse(`${local}+08:00`)
const START_MS = at('2026-03-02T08:00:00')
const SIX_HOURS_MS = 6 * 3600_000
const END_MS = START_MS + SIX_HOURS_MS
const def = defaultDefinition(TZ)
const defs: Definitions = fixedDefinitions(def)

/** Runs the demo centre in steps, as the runner's ticks would. */
function simulate(seed: number, startMs: number, durationMs: number, stepMs = 60_000): WallboardEvent[] {
  const sim = createCentre(demoCentre(TZ), seed, startMs)
  const events: WallboardEvent[] = []
  for (let t = startMs; t < startMs + durationMs; t += stepMs) events.push(...sim.advanceTo(t))
  events.push(...sim.advanceTo(startMs + durationMs))
  return events
}

function reduce(events: WallboardEvent[], s: AggregateState = emptyState()): AggregateState {
  for (const e of events) {
    const v = validateEvent(e, e.ts)
    if (!v.ok) throw new Error(`${e.id}: ${v.field} ${v.error}`)
    applyEvent(s, v.event, defs)
  }
  return s
}

const visitKey = (e: { callId: string; queue: string }) => `${e.queue}|${e.callId}`
const isVisitEvent = (e: WallboardEvent): e is CallEvent => e.type.startsWith('call.') && e.type !== 'call.disposition'

describe('the demo centre', () => {
  it('has five queues in three teams and forty agents with Chinese and English names in one to three queues', () => {
    const c = demoCentre(TZ)
    expect(checkCentre(c)).toEqual([])
    expect(c.queues.map((q) => q.id)).toEqual(['Sales', 'VIP', 'Support', 'Billing', 'Chat'])
    expect(c.queues.find((q) => q.id === 'Chat')?.channel).toBe('chat')
    expect(new Set(c.agents.map((a) => a.team)).size).toBe(3)
    expect(c.agents).toHaveLength(40)
    for (const a of c.agents) {
      expect(a.queues.length).toBeGreaterThanOrEqual(1)
      expect(a.queues.length).toBeLessThanOrEqual(3)
    }
    expect(c.agents.some((a) => /[\u4e00-\u9fff]/.test(a.name))).toBe(true)
    expect(c.agents.some((a) => /^[A-Z][a-z]+ [A-Z]/.test(a.name))).toBe(true)
  })

  it('is quiet at night but never below about a quarter of the peak, with peaks mid-morning and mid-afternoon', () => {
    expect(trafficShare(3)).toBeGreaterThanOrEqual(0.25)
    expect(trafficShare(3)).toBeLessThan(0.35)
    expect(trafficShare(10.5)).toBeGreaterThan(0.95)
    expect(trafficShare(15)).toBeGreaterThan(0.8)
    expect(trafficShare(12.75)).toBeLessThan(trafficShare(15))
  })
})

describe('random draws', () => {
  it('give lognormal and exponential times with the requested means', () => {
    const rnd = new Random(7)
    const n = 20_000
    let logSum = 0
    let expSum = 0
    for (let i = 0; i < n; i++) {
      logSum += rnd.lognormal(180, 0.6)
      expSum += rnd.exponential(90)
    }
    expect(logSum / n).toBeGreaterThan(180 * 0.97)
    expect(logSum / n).toBeLessThan(180 * 1.03)
    expect(expSum / n).toBeGreaterThan(90 * 0.97)
    expect(expSum / n).toBeLessThan(90 * 1.03)
  })
})

describe('six simulated hours from 08:00 (the morning peak and lunch)', () => {
  let events: WallboardEvent[]
  let state: AggregateState

  beforeAll(() => {
    events = simulate(42, START_MS, SIX_HOURS_MS)
    state = reduce(events)
  })

  it('makes only events that pass the contract, with unique ids, in time order', () => {
    expect(events.length).toBeGreaterThan(5000)
    const ids = new Set<string>()
    let lastTs = 0
    for (const e of events) {
      const v = validateEvent(e, e.ts)
      expect(v.ok ? null : `${e.id}: ${v.field} ${v.error}`).toBeNull()
      expect(e.ts).toBeGreaterThanOrEqual(lastTs)
      expect(e.source).toBe('simulator')
      lastTs = e.ts
      ids.add(e.id)
    }
    expect(ids.size).toBe(events.length)
    expect(lastTs).toBeLessThanOrEqual(END_MS)
  })

  it('gives each visit a coherent lifecycle: queued first, one outcome, an end only after the answer', () => {
    const visits = new Map<string, WallboardEvent['type'][]>()
    for (const e of events) {
      if (!isVisitEvent(e)) continue
      const list = visits.get(visitKey(e)) ?? []
      list.push(e.type)
      visits.set(visitKey(e), list)
    }
    expect(visits.size).toBeGreaterThan(1000)
    for (const [key, types] of visits) {
      expect(types[0], key).toBe('call.queued')
      expect(
        types.filter((t) => t === 'call.queued'),
        key,
      ).toHaveLength(1)
      const outcomes = types.filter((t) => t === 'call.answered' || t === 'call.abandoned' || t === 'call.overflowed')
      // Calls still waiting or ringing at the end of the run have no outcome yet.
      expect(outcomes.length, key).toBeLessThanOrEqual(1)
      const answeredAt = types.indexOf('call.answered')
      const ends = types.flatMap((t, i) => (t === 'call.ended' || t === 'call.transferred' ? [i] : []))
      expect(ends.length, key).toBeLessThanOrEqual(1)
      if (ends.length === 1) {
        expect(answeredAt, key).toBeGreaterThanOrEqual(0)
        expect(ends[0], key).toBeGreaterThan(answeredAt)
      }
      if (answeredAt >= 0) expect(types.slice(0, answeredAt), key).toContain('call.ringing')
      const after = types.slice(
        types.findIndex((t) => t === 'call.answered' || t === 'call.abandoned' || t === 'call.overflowed') + 1,
      )
      if (outcomes.length === 1)
        expect(
          after.filter((t) => t === 'call.ringing'),
          key,
        ).toEqual([])
    }
  })

  it('offers calls only to available agents and never gives an agent two calls at once', () => {
    const own = new Map<string, string>()
    const ringing = new Map<string, string>() // agent → visit
    const talking = new Map<string, string>()
    const ringAgentOf = new Map<string, string>() // visit → agent
    const busy = (agent: string) => ringing.has(agent) || talking.has(agent)
    events.forEach((e, i) => {
      switch (e.type) {
        case 'agent.state':
          expect(busy(e.agent), `${e.id} ${e.agent} changes state while busy`).toBe(false)
          own.set(e.agent, e.state)
          break
        case 'call.ringing': {
          const previous = ringAgentOf.get(visitKey(e))
          if (previous !== undefined) ringing.delete(previous) // rang out: the next agent is tried
          expect(own.get(e.agent), `${e.id} rings ${e.agent}`).toBe('available')
          expect(busy(e.agent), `${e.id} rings ${e.agent} who is busy`).toBe(false)
          ringing.set(e.agent, visitKey(e))
          ringAgentOf.set(visitKey(e), e.agent)
          break
        }
        case 'call.answered':
          expect(ringing.get(e.agent), e.id).toBe(visitKey(e))
          ringing.delete(e.agent)
          talking.set(e.agent, visitKey(e))
          break
        case 'call.abandoned':
        case 'call.overflowed': {
          const agent = ringAgentOf.get(visitKey(e))
          if (agent !== undefined && ringing.get(agent) === visitKey(e)) ringing.delete(agent)
          break
        }
        case 'call.ended':
        case 'call.transferred':
          expect(talking.get(e.agent), e.id).toBe(visitKey(e))
          talking.delete(e.agent)
          expect(events[i + 1], `${e.id} is followed by ACW`).toMatchObject({
            type: 'agent.state',
            agent: e.agent,
            state: 'acw',
            ts: e.ts,
          })
          break
      }
    })
  })

  it('gives plausible figures per queue: service level near target, a few abandons, no negative counters', () => {
    const figures = computeFigures(state, defs, END_MS)
    expect(figures.map((q) => q.id)).toEqual(['Billing', 'Chat', 'Sales', 'Support', 'VIP'])
    let offered = 0
    let abandonedNet = 0
    for (const q of figures) {
      const today = q.windows.today!
      expect(today.offered, q.id).toBeGreaterThan(50)
      expect(today.serviceLevelPct, q.id).toBeGreaterThanOrEqual(50)
      expect(today.serviceLevelPct, q.id).toBeLessThanOrEqual(100)
      expect(today.abandonRatePct, q.id).toBeLessThanOrEqual(20)
      expect(today.avgTalkSec, q.id).toBeGreaterThan(120)
      expect(today.avgTalkSec, q.id).toBeLessThan(420)
      expect(today.avgAcwSec, q.id).toBeGreaterThan(10)
      expect(today.avgAcwSec, q.id).toBeLessThan(70)
      offered += today.offeredNet
      abandonedNet += today.abandoned - today.shortAbandoned
    }
    expect(abandonedNet / offered).toBeGreaterThan(0.01)
    expect(abandonedNet / offered).toBeLessThan(0.2)
    const negative = [...state.buckets.rows].flatMap(([key, c]) =>
      COUNTER_FIELDS.filter((f) => c[f] < 0).map((f) => `${key} ${f}`),
    )
    expect(negative).toEqual([])
  })

  it('lets service level swing around the target over the day', () => {
    const rollingSl: number[] = []
    const replay = emptyState()
    let i = 0
    for (let t = START_MS + 30 * 60_000; t <= END_MS; t += 15 * 60_000) {
      while (i < events.length && events[i]!.ts <= t) applyEvent(replay, events[i++]!, defs)
      for (const q of computeFigures(replay, defs, t)) {
        const sl = q.windows.rolling?.serviceLevelPct
        if (sl !== null && sl !== undefined) rollingSl.push(sl)
      }
    }
    expect(rollingSl.some((sl) => sl < 80)).toBe(true)
    expect(rollingSl.some((sl) => sl >= 80)).toBe(true)
    expect(rollingSl.filter((sl) => sl >= 80).length).toBeGreaterThan(rollingSl.length / 3)
  })

  it('has agents take breaks and lunch, and log on and off with the traffic', () => {
    const pauses = events.flatMap((e) => (e.type === 'agent.state' && e.state === 'paused' ? [e] : []))
    const reasons = new Set(pauses.map((e) => e.reason))
    expect(reasons).toContain('break')
    expect(reasons).toContain('lunch')
    // Planned in the lunch window; an agent on a call goes when the call and its ACW are over.
    for (const p of pauses.filter((e) => e.reason === 'lunch')) {
      expect(p.ts).toBeGreaterThanOrEqual(at('2026-03-02T11:15:00'))
      expect(p.ts).toBeLessThan(at('2026-03-02T14:30:00'))
    }
    const logins = events.filter(
      (e) => e.type === 'agent.state' && e.queues !== undefined && e.state === 'available' && e.ts > START_MS,
    )
    const logoffs = events.filter((e) => e.type === 'agent.state' && e.state === 'offline' && e.ts > START_MS)
    expect(logins.length).toBeGreaterThan(0)
    expect(logoffs.length).toBeGreaterThan(0)
    const first = events.find((e) => e.type === 'agent.state' && e.queues !== undefined)
    expect(first?.type === 'agent.state' && first.name && first.team).toBeTruthy()
  })

  it('sends surveys for about a quarter of handled calls, happier after short waits', () => {
    const queuedAt = new Map<string, number>()
    const waitMs = new Map<string, number>()
    let ended = 0
    const csatByWait = { short: [] as number[], long: [] as number[] }
    for (const e of events) {
      if (e.type === 'call.queued') queuedAt.set(visitKey(e), e.ts)
      if (e.type === 'call.answered') waitMs.set(visitKey(e), e.ts - queuedAt.get(visitKey(e))!)
      if (e.type === 'call.ended') ended++
      if (e.type === 'survey.response' && e.csat !== undefined && e.callId !== undefined && e.queue !== undefined) {
        const w = waitMs.get(`${e.queue}|${e.callId}`)!
        if (w <= 20_000) csatByWait.short.push(e.csat)
        if (w > 45_000) csatByWait.long.push(e.csat)
        expect(e.nps).toBeGreaterThanOrEqual(0)
      }
    }
    const surveys = events.filter((e) => e.type === 'survey.response').length
    expect(surveys / ended).toBeGreaterThan(0.18)
    expect(surveys / ended).toBeLessThan(0.32)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(csatByWait.long.length).toBeGreaterThan(5)
    expect(mean(csatByWait.short)).toBeGreaterThan(mean(csatByWait.long) + 0.4)
    const dispositions = events.filter((e) => e.type === 'call.disposition')
    expect(dispositions.length / ended).toBeGreaterThan(0.5)
    expect(dispositions.some((e) => e.type === 'call.disposition' && e.resolved === false)).toBe(true)
  })

  it('closes the day: after closeAll nobody waits, rings, talks or stays logged in', () => {
    const sim = createCentre(demoCentre(TZ), 42, START_MS)
    const all = sim.advanceTo(at('2026-03-02T10:30:00'))
    const open = computeFigures(reduce(all), defs, at('2026-03-02T10:30:00'))
    expect(open.reduce((n, q) => n + q.live.agentsLoggedIn, 0)).toBeGreaterThan(0)
    const closing = sim.closeAll(at('2026-03-02T10:30:00'))
    expect(closing.some((e) => e.type === 'call.ended')).toBe(true)
    const s = reduce([...all, ...closing])
    for (const q of computeFigures(s, defs, at('2026-03-02T10:30:00'))) {
      expect(q.live.waiting, q.id).toBe(0)
      expect(q.live.agents.onCall, q.id).toBe(0)
      expect(q.live.agents.ringing, q.id).toBe(0)
      expect(q.live.agentsLoggedIn, q.id).toBe(0)
    }
    expect(sim.advanceTo(at('2026-03-02T11:00:00'))).toEqual([])
  })
})

describe('the simulated centre over time', () => {
  it('replays the same events for the same seed, however time is advanced', () => {
    const oneStep = createCentre(demoCentre(TZ), 9, START_MS).advanceTo(START_MS + 3600_000)
    expect(simulate(9, START_MS, 3600_000, 7_000)).toEqual(oneStep)
    expect(simulate(10, START_MS, 3600_000).map((e) => e.id)).not.toEqual(oneStep.map((e) => e.id))
  })

  it('keeps the board moving at night', () => {
    const night = simulate(3, at('2026-03-02T02:00:00'), 2 * 3600_000)
    const peak = simulate(3, at('2026-03-02T10:00:00'), 3600_000)
    const arrivals = (es: WallboardEvent[]) => es.filter((e) => e.type === 'call.queued').length
    expect(arrivals(night) / 2 / arrivals(peak)).toBeGreaterThan(0.18)
    expect(arrivals(night) / 2 / arrivals(peak)).toBeLessThan(0.5)
    const answered = night.filter((e) => e.type === 'call.answered').length
    expect(answered / arrivals(night)).toBeGreaterThan(0.7)
  })
})

// ---- the runner against a real HTTP server ------------------------------------------------------

interface Received {
  status: number
  authorization: string | undefined
  contentType: string | undefined
  events: WallboardEvent[]
}

/** A stand-in for the ingest API: records each POST and answers like the real one (dedupe by id). */
async function ingestServer(answer: (n: number) => 'ok' | 'unavailable' | 'reject-first') {
  const received: Received[] = []
  const stored = new Map<string, WallboardEvent>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WallboardEvent[]
      const mode = answer(received.length)
      const status = mode === 'unavailable' ? 503 : 200
      received.push({ status, authorization: req.headers.authorization, contentType: req.headers['content-type'], events })
      if (mode === 'unavailable') {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '0' })
        res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'try later' }))
        return
      }
      let accepted = 0
      let duplicates = 0
      const rejected: Array<{ index: number; id: string; error: string }> = []
      events.forEach((e, index) => {
        if (mode === 'reject-first' && index === 0) rejected.push({ index, id: e.id, error: `events[0].ts: test rejection` })
        else if (stored.has(e.id)) duplicates++
        else {
          stored.set(e.id, e)
          accepted++
        }
      })
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ accepted, duplicates, rejected }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stored,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function recordingLog() {
  const lines: Array<{ level: 'info' | 'warn' | 'error'; msg: string; obj: object }> = []
  const log: SimulatorLog = {
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  }
  return { log, lines }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('startSimulator', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  it('retries a refused batch with the same ids, delivers every event, and closes everything on stop', async () => {
    const server = await ingestServer((n) => (n === 0 ? 'unavailable' : 'ok'))
    cleanups.push(server.close)
    const { log, lines } = recordingLog()
    // A clock that runs from mid-morning, so the warm-up holds the same traffic whenever the test runs.
    const startedAt = at('2026-03-02T10:30:00')
    const realStart = Date.now()
    const now = () => startedAt + (Date.now() - realStart)
    const sim = startSimulator({
      now,
      url: `${server.url}/`,
      apiKey: 'test-key-0123456789',
      timezone: TZ,
      log,
      seed: 11,
      tickMs: 20,
      warmUpMinutes: 30,
      batchSize: 300,
      retryBaseMs: 10,
    })
    await until(() => server.received.filter((r) => r.status === 200).length >= 3)
    await sim.stop()

    const [refused, retried] = server.received
    expect(refused?.status).toBe(503)
    expect(retried?.events.map((e) => e.id)).toEqual(refused?.events.map((e) => e.id))
    for (const r of server.received) {
      expect(r.authorization).toBe('Bearer test-key-0123456789')
      expect(r.contentType).toBe('application/json')
      expect(r.events.length).toBeLessThanOrEqual(300)
    }
    expect(lines.some((l) => l.level === 'warn' && /HTTP 503/.test(l.msg))).toBe(true)

    // Every event sent in a 200 batch was new: only the refused batch was ever sent twice.
    const okEvents = server.received.filter((r) => r.status === 200).flatMap((r) => r.events)
    expect(server.stored.size).toBe(okEvents.length)
    const events = [...server.stored.values()].sort((a, b) => a.ts - b.ts)
    expect(events[0]!.ts).toBeLessThanOrEqual(startedAt - 29 * 60_000)
    expect(events.filter((e) => e.type === 'call.queued').length).toBeGreaterThan(50)
    for (const e of events) expect(validateEvent(e, now()).ok).toBe(true)

    const end = now()
    for (const q of computeFigures(reduce(events), defs, end)) {
      expect(q.live.waiting, q.id).toBe(0)
      expect(q.live.agents.onCall, q.id).toBe(0)
      expect(q.live.agentsLoggedIn, q.id).toBe(0)
    }
  })

  it('logs events the wallboard rejects and goes on', async () => {
    const server = await ingestServer(() => 'reject-first')
    cleanups.push(server.close)
    const { log, lines } = recordingLog()
    const sim = startSimulator({ url: server.url, apiKey: 'k', timezone: TZ, log, seed: 1, tickMs: 20 })
    await until(() => server.received.length >= 1)
    await sim.stop()
    const rejection = lines.find((l) => l.level === 'error' && /rejected/.test(l.msg))
    expect(rejection?.obj).toMatchObject({ index: 0, error: 'events[0].ts: test rejection' })
    expect(server.stored.size).toBeGreaterThan(0)
  })

  it('stops within its timeout when the wallboard stays unavailable', async () => {
    const server = await ingestServer(() => 'unavailable')
    cleanups.push(server.close)
    const { log, lines } = recordingLog()
    const sim = startSimulator({
      url: server.url,
      apiKey: 'k',
      timezone: TZ,
      log,
      seed: 2,
      tickMs: 20,
      retryBaseMs: 10,
      stopTimeoutMs: 200,
    })
    await until(() => server.received.length >= 2)
    const t0 = Date.now()
    await sim.stop()
    expect(Date.now() - t0).toBeLessThan(1_500)
    expect(lines.some((l) => l.level === 'warn' && /before the wallboard acknowledged/.test(l.msg))).toBe(true)
    expect(server.stored.size).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-03-02T08:00:00Z')
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter('Mon, 02 Mar 2026 08:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('soon', now)).toBeNull()
  })
})
