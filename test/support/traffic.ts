// Deterministic test traffic: coherent call lifecycles and agent states from a seed, plus a
// delivery order with shuffled neighbours and late stragglers, as several PBXs and retries give.
import type { RawEvent } from '../../shared/events.js'

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface TrafficOptions {
  seed: number
  startMs: number
  calls: number
  queues?: string[]
  agents?: number
  /** mean gap between arrivals */
  arrivalGapMs?: number
}

export function generateTraffic(opts: TrafficOptions): RawEvent[] {
  const rnd = prng(opts.seed)
  const queues = opts.queues ?? ['sales', 'support', 'billing']
  const agentCount = opts.agents ?? 12
  const gap = opts.arrivalGapMs ?? 4_000
  const events: RawEvent[] = []
  let n = 0
  const id = (kind: string) => `t${opts.seed}-${kind}-${n++}`
  const agents = Array.from({ length: agentCount }, (_, i) => ({
    id: `agent-${i}`,
    queues: queues.filter((_, qi) => (i + qi) % 2 === 0 || qi === i % queues.length),
    busyUntil: opts.startMs,
  }))
  for (const a of agents) {
    events.push({
      id: id('login'),
      type: 'agent.state',
      ts: opts.startMs - 60_000,
      agent: a.id,
      state: 'available',
      queues: a.queues,
      name: a.id.toUpperCase(),
      team: 'T1',
    })
  }
  let t = opts.startMs
  for (let c = 0; c < opts.calls; c++) {
    t += Math.round(-Math.log(1 - rnd()) * gap)
    const queue = queues[Math.floor(rnd() * queues.length)]!
    const callId = `call-${opts.seed}-${c}`
    const patienceMs = Math.round(1_000 + rnd() * 90_000)
    events.push({ id: id('q'), type: 'call.queued', ts: t, callId, queue, caller: `1380000${String(c).padStart(4, '0')}` })
    const agent = agents.filter((a) => a.queues.includes(queue)).sort((x, y) => x.busyUntil - y.busyUntil)[0]
    const answerAt = agent ? Math.max(t + 2_000 + Math.round(rnd() * 10_000), agent.busyUntil + 1_000) : Number.POSITIVE_INFINITY
    if (agent && answerAt - t <= patienceMs) {
      events.push({ id: id('r'), type: 'call.ringing', ts: answerAt - 1_500, callId, queue, agent: agent.id })
      events.push({ id: id('a'), type: 'call.answered', ts: answerAt, callId, queue, agent: agent.id })
      const endAt = answerAt + 20_000 + Math.round(rnd() * 200_000)
      events.push({
        id: id('e'),
        type: 'call.ended',
        ts: endAt,
        callId,
        queue,
        agent: agent.id,
        by: rnd() < 0.5 ? 'agent' : 'caller',
      })
      const acwEnd = endAt + 5_000 + Math.round(rnd() * 30_000)
      events.push({ id: id('w'), type: 'agent.state', ts: endAt, agent: agent.id, state: 'acw' })
      events.push({ id: id('v'), type: 'agent.state', ts: acwEnd, agent: agent.id, state: 'available' })
      agent.busyUntil = acwEnd
      if (rnd() < 0.3)
        events.push({
          id: id('s'),
          type: 'survey.response',
          ts: acwEnd,
          callId,
          csat: 1 + Math.floor(rnd() * 5),
          nps: Math.floor(rnd() * 11),
        })
    } else if (rnd() < 0.85) {
      events.push({ id: id('x'), type: 'call.abandoned', ts: t + patienceMs, callId, queue })
    } else {
      events.push({
        id: id('o'),
        type: 'call.overflowed',
        ts: t + Math.min(patienceMs, 60_000),
        callId,
        queue,
        reason: 'timeout',
      })
    }
  }
  return events.sort((a, b) => (a.ts as number) - (b.ts as number))
}

/**
 * A delivery order: neighbours within `shuffleMs` of event time swapped at random, and a
 * `lateShare` of events held back by up to `maxLateMs` of event time.
 */
export function deliveryOrder(
  events: RawEvent[],
  seed: number,
  shuffleMs = 5_000,
  lateShare = 0.05,
  maxLateMs = 10 * 60_000,
): RawEvent[] {
  const rnd = prng(seed)
  const keyed = events.map((e) => {
    const ts = e.ts as number
    const late = rnd() < lateShare ? rnd() * maxLateMs : 0
    return { e, at: ts + rnd() * shuffleMs + late }
  })
  return keyed.sort((a, b) => a.at - b.at).map((k) => k.e)
}

/**
 * Repeats a share of the events `times` times in all (a sender's retries and a PBX's replays):
 * each copy goes a random number of places later, up to `spread`.
 */
export function withRepeats(order: RawEvent[], seed: number, share = 0.1, times = 3, spread = 200): RawEvent[] {
  const rnd = prng(seed)
  const slots: Array<{ e: RawEvent; at: number }> = order.map((e, i) => ({ e, at: i }))
  for (let i = 0; i < order.length; i++) {
    if (rnd() >= share) continue
    for (let copy = 1; copy < times; copy++) slots.push({ e: order[i]!, at: i + rnd() * spread })
  }
  return slots.sort((a, b) => a.at - b.at).map((s) => s.e)
}
