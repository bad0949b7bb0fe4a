// Fault scenario 12: a TV's tab hidden and frozen (as a browser freezes a background tab: no
// timers, no socket events) for 30 s and, in `npm run test:faults`, for 5 min while events stream
// in. The server drops the frozen page's connection meanwhile (no pongs), and the page wakes up
// with a clock that jumped and figures of minutes ago. On return the board must render exactly
// what a freshly opened board renders within 2 s; the server's figures are the ledger's.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { boardState, differing, openBoard, rendered, untilSame, useTvBrowser } from '../support/board-page.js'
import { ADMIN_PASSWORD, FULL, KEY, TZ, startFaultServer } from '../support/fault-server.js'
import { expectExact } from '../support/exact.js'
import { Ledger } from '../support/ledger.js'
import { displayToken, login, tvConnections } from '../support/screens.js'
import { killAll } from '../support/server-process.js'
import { deliveryOrder, generateTraffic } from '../support/traffic.js'

/** From the tab's return to figures equal to a fresh board's. */
const RESYNC_WITHIN_MS = 2_000

const tvs = useTvBrowser()
afterAll(killAll)

const pauses = FULL ? [30, 300] : [30]

describe.each(pauses)('a TV tab hidden and frozen for %i s while events stream in', (pauseSec) => {
  it(
    'equals a freshly opened board within 2 s of its return',
    async () => {
      const server = await startFaultServer(inject('redisUrl'), {
        prefix: `tab:${randomBytes(4).toString('hex')}:`,
        env: { WALLBOARD_WEB_DIR: tvs.web.dir },
      })
      try {
        const token = await displayToken(server.base, ADMIN_PASSWORD)
        const admin = await login(server.base, ADMIN_PASSWORD)
        const tv = await openBoard(tvs.browser.context, server.base, token)
        const [connection, ...others] = await tvConnections(server.base, admin.cookie)
        expect(others).toEqual([])
        const calls = pauseSec <= 30 ? 100 : 600
        const events = deliveryOrder(
          generateTraffic({ seed: 121, startMs: Date.now() - 60 * 60_000, calls, arrivalGapMs: 5_000 }),
          3,
        )
        // The sender runs from 2 s before the freeze to 10 s before its end, so the frozen tab misses a
        // stream of updates and the figures are quiet (every event applied) when it comes back.
        const sendSec = pauseSec - 8
        const ledger = new Ledger({
          bases: [server.base],
          key: KEY,
          events,
          ratePerSec: Math.ceil(events.length / 2 / sendSec),
          batch: 2,
        })
        ledger.start()
        await new Promise((r) => setTimeout(r, 2_000))
        const before = await rendered(tv)
        expect(before.length).toBeGreaterThan(0)

        await tvs.browser.freeze(tv)
        const frozenAt = Date.now()
        await ledger.settle(30_000, (sendSec + 30) * 1_000)
        expect(ledger.refused).toEqual([])
        expect(ledger.acknowledged.size).toBe(new Set(events.map((e) => e.id)).size)
        await expectExact({
          base: server.base,
          key: KEY,
          timezone: TZ,
          acknowledged: [...ledger.acknowledged.values()],
          offered: calls,
        })
        const fresh = await openBoard(tvs.browser.context, server.base, token)
        expect(Date.now() - frozenAt).toBeLessThan(pauseSec * 1_000)
        await new Promise((r) => setTimeout(r, pauseSec * 1_000 - (Date.now() - frozenAt)))

        // Still what it showed when it froze (nothing ran): the comparison below is not vacuous.
        const missed = differing(await rendered(tv), await rendered(fresh))
        expect(missed.length).toBeGreaterThan(0)
        // The server dropped the frozen page's connection (it answered no ping): the tab comes back to a closed socket.
        expect(await tvConnections(server.base, admin.cookie)).not.toContain(connection)
        await tvs.browser.resume(tv)
        const resumedAt = Date.now()
        await untilSame(tv, fresh, 30_000)
        const resyncedMs = Date.now() - resumedAt
        const state = await boardState(tv)
        console.log(
          `TV tab frozen ${pauseSec} s, ${missed.length} figures behind: equal to a fresh board ${resyncedMs} ms after its return (${state.state})`,
        )
        expect(state.state).toBe('live')
        expect(resyncedMs).toBeLessThanOrEqual(RESYNC_WITHIN_MS)
      } finally {
        for (const page of tvs.browser.context.pages()) await page.close()
        await server.kill()
      }
    },
    (pauseSec + 90) * 1_000,
  )
})
