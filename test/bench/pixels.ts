// Event → pixels: a real board (the `floor` board in headless Chromium, through a TV link) under
// background load, and probes posted at a fixed rate: each a `call.queued` to a queue of its own,
// whose card's waiting figure the page watches. In the page a MutationObserver notes when the
// figure's text changes, then the next animation frame (the frame that will paint it), then a task
// queued from that frame (it runs once the frame is produced: the common stand-in for "presented").
// Latency runs from the instant a probe was due to be sent (fixed arrival rate) to that moment.
// The page's clock (`performance.timeOrigin + performance.now()`) and this process's are both the
// machine's wall clock at their start plus a monotonic clock; their offset is measured (half a
// round trip of page.evaluate at most) and taken out.
import { randomBytes } from 'node:crypto'
import { launchBrowser } from '../e2e/browser.js'
import { displayToken } from '../support/screens.js'
import { clock, fixedRate, histogram, percentiles, probeEvent, startServers, trafficSource } from './fanout.js'

/** Background queues: with the probe's, every card fits on the board's first page (no paging). */
const QUEUES = 8
const BATCH = 10

interface Paint {
  waiting: number
  /** epoch ms (page clock): the DOM changed, the next frame began, that frame was produced */
  mutated: number
  frame: number
  painted: number
}

/** The page's clock minus ours, from the round trip with the least uncertainty. */
async function clockOffset(read: () => Promise<number>): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  let best = { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY }
  for (let i = 0; i < 20; i++) {
    const before = clock()
    const page = await read()
    const after = clock()
    if ((after - before) / 2 < best.uncertaintyMs)
      best = { offsetMs: page - (before + after) / 2, uncertaintyMs: (after - before) / 2 }
  }
  return best
}

export async function pixelsPhase(
  redisUrl: string,
  opts: { seconds: number; probeRate: number; rate: number },
): Promise<Record<string, unknown>> {
  const run = randomBytes(4).toString('hex')
  // Sorted before the background queues' names: first on the board.
  const probeQueue = `a-probe-${run}`
  const servers = await startServers(redisUrl, 1)
  const base = servers.bases[0]!
  const browser = await launchBrowser()
  try {
    const token = await displayToken(base, servers.password)
    // Every queue known before the board opens: one waiting call each (the probe queue's stays waiting).
    const seed = [probeQueue, ...Array.from({ length: QUEUES }, (_, q) => `bench-q${q}`)].map((queue) => ({
      id: `${run}-seed-${queue}`,
      type: 'call.queued',
      ts: Date.now(),
      callId: `${run}-seed-${queue}`,
      queue,
    }))
    const res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${servers.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(seed),
    })
    if (res.status !== 200) throw new Error(`seeding the pixels board: ${res.status}`)

    const page = await browser.context.newPage()
    await page.goto(`${base}/board/floor?token=${token}`)
    const figure = page.locator(`article[data-testid="queue-${probeQueue}"] [data-testid="waiting"]`)
    await figure.waitFor({ timeout: 15_000 })
    // Functions, not strings: the board's CSP (rightly) refuses eval. No named functions inside:
    // tsx would wrap them in a helper the page does not have.
    const baseline = await page.evaluate((id: string) => {
      type El = { textContent: string | null }
      const g = globalThis as unknown as {
        document: { querySelector(q: string): El | null; body: unknown }
        MutationObserver: new (cb: () => void) => { observe(target: unknown, o: object): void }
        requestAnimationFrame(cb: () => void): void
        __paints: Paint[]
      }
      const selector = `article[data-testid="queue-${id}"] [data-testid="waiting"]`
      let last = Number((g.document.querySelector(selector)?.textContent ?? '').replace(/\D/g, '') || NaN)
      g.__paints = []
      // The whole board is watched: the card may be re-created, its figure with it.
      new g.MutationObserver(() => {
        const waiting = Number((g.document.querySelector(selector)?.textContent ?? '').replace(/\D/g, '') || NaN)
        if (!(waiting > last)) return
        last = waiting
        const paint = { waiting, mutated: performance.timeOrigin + performance.now(), frame: 0, painted: 0 }
        g.__paints.push(paint)
        g.requestAnimationFrame(() => {
          paint.frame = performance.timeOrigin + performance.now()
          setTimeout(() => (paint.painted = performance.timeOrigin + performance.now()), 0)
        })
      }).observe(g.document.body, { childList: true, characterData: true, subtree: true })
      return last
    }, probeQueue)
    if (baseline !== 1) throw new Error(`the probe card shows ${baseline} waiting, not 1`)
    const offset = await clockOffset(() => page.evaluate(() => performance.timeOrigin + performance.now()))

    const start = clock() + 200
    const due = (i: number) => start + (i * 1000) / opts.probeRate
    const probes = Math.round(opts.probeRate * opts.seconds)
    const next = trafficSource(run, 'px', QUEUES)
    const [probed, loaded] = await Promise.all([
      fixedRate(servers, {
        start,
        perSec: opts.probeRate,
        seconds: opts.seconds,
        body: (i) => probeEvent(run, i, probeQueue),
      }).done,
      fixedRate(servers, {
        start,
        perSec: Math.max(0, opts.rate - opts.probeRate) / BATCH,
        seconds: opts.seconds,
        body: () => Array.from({ length: BATCH }, next),
      }).done,
    ])
    await new Promise((r) => setTimeout(r, 2_000))

    const paints = await page.evaluate(() => (globalThis as unknown as { __paints: Paint[] }).__paints)
    const painted = histogram()
    const mutated = histogram()
    let seen = 0
    for (let i = 0; i < probes; i++) {
      // Probe i is on screen once the figure shows more than the seed's call and the i probes before it.
      const p = paints.find((x) => x.waiting > baseline + i && x.painted > 0)
      if (!p) continue
      seen++
      const us = (at: number) => Math.max(1, Math.round((at - offset.offsetMs - due(i)) * 1000))
      painted.recordValue(us(p.painted))
      mutated.recordValue(us(p.mutated))
    }
    return {
      eventsPerSec: opts.rate,
      probesPerSec: opts.probeRate,
      ...percentiles(painted),
      seen: `${seen}/${probes}`,
      domChanged: percentiles(mutated),
      frames: paints.length,
      pageClockOffsetMs: Math.round(offset.offsetMs * 10) / 10,
      offsetUncertaintyMs: Math.round(offset.uncertaintyMs * 10) / 10,
      failedRequests: probed.failed + loaded.failed,
    }
  } finally {
    await browser.close()
    await servers.stop()
  }
}
