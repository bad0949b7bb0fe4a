// The AMI connector against a small AMI server (test/support/ami-server.ts) and a real wallboard:
// a recorded session replayed over TCP gives the figures the PBX had; the PBX dropping the
// connection mid-session means a reconnect with backoff and a resync that counts nothing twice; a
// refused login, a keepalive Ping unanswered and the wallboard being down are each reported and
// survived. Link health is read from the meter (the link route may not take reports yet).
import { createServer } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { WallboardEvent } from '../../shared/events.js'
import { type SourceLog, WallboardClient } from '../../server/ingest/client.js'
import { type AmiConnector, type AmiConnectorOptions, startAmiConnector } from '../../server/ingest/ami/connector.js'
import { startConnectors } from '../../server/ingest/connectors.js'
import { loadConfig } from '../../server/config.js'
import { FakeAmi, amiFixture } from '../support/ami-server.js'
import { freePort, until as waitUntil } from '../support/wait.js'
import { TEST_KEY, auth, testApp } from './helpers.js'

const SOURCE = 'pbx-ami'
const USER = 'wallboard'
const SECRET = 'correct-horse-battery-staple'

/** A log that keeps every line, to check what it says (and that it never says the secret). */
function recording(): SourceLog & { lines: string[] } {
  const lines: string[] = []
  const keep = (level: string) => (obj: object, msg: string) => lines.push(`${level} ${msg} ${JSON.stringify(obj)}`)
  return { info: keep('info'), warn: keep('warn'), error: keep('error'), lines }
}

/** AMI sessions reconnect with backoff: a longer wait than the default. */
const until = (what: string, ok: () => unknown, timeoutMs = 15_000) => waitUntil(what, ok, timeoutMs)

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function wallboard(port = 0): Promise<{ app: FastifyInstance; url: string }> {
  const app = await testApp()
  await app.listen({ port, host: '127.0.0.1' })
  cleanups.push(() => app.close())
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

async function fakeAmi(queueStatus: (n: number) => string = () => amiFixture('queue-status.txt')): Promise<FakeAmi> {
  const ami = await FakeAmi.start({ username: USER, secret: SECRET, queueStatus })
  cleanups.push(() => ami.close())
  return ami
}

function connect(ami: FakeAmi, url: string, log: SourceLog, over: Partial<AmiConnectorOptions> = {}): AmiConnector {
  const connector = startAmiConnector({
    host: '127.0.0.1',
    port: ami.port,
    username: USER,
    secret: SECRET,
    source: SOURCE,
    client: new WallboardClient({ url, apiKey: TEST_KEY, log, retryBaseMs: 50, retryMaxMs: 300 }),
    log,
    reconnectBaseMs: 200,
    reconnectMaxMs: 1000,
    reportEveryMs: 200,
    agentAliases: { 'Chen Jie': '2003' },
    ...over,
  })
  cleanups.push(() => connector.stop())
  return connector
}

/** Everything the AMI server wrote has been read, and everything read acknowledged. */
async function caughtUp(ami: FakeAmi, connector: AmiConnector): Promise<void> {
  await until('the connector to read and send everything', () => {
    const r = connector.meter.report()
    return r.lines === ami.written && r.pending === 0
  })
}

async function stored(app: FastifyInstance): Promise<WallboardEvent[]> {
  await app.aggregator.drain()
  const out: WallboardEvent[] = []
  for await (const entries of app.eventLog.range('-', '+')) {
    for (const e of entries) out.push(JSON.parse(e.json) as WallboardEvent)
  }
  return out
}

/** Each call fact (type, call, queue) with how often it is stored, and the agent states in order. */
function summary(events: WallboardEvent[]) {
  const calls: Record<string, number> = {}
  const agents: string[] = []
  for (const e of events) {
    if (e.source !== SOURCE) throw new Error(`an event from ${e.source}`)
    if (e.type === 'agent.state')
      agents.push(`${e.agent} ${e.state}${e.reason ? ` (${e.reason})` : ''} [${(e.queues ?? []).join(',')}]`)
    else if (e.type !== 'call.ringing' && 'callId' in e) {
      const key = `${e.type} ${e.queue} ${e.callId}`
      calls[key] = (calls[key] ?? 0) + 1
    }
  }
  return { calls, agents, ringing: events.filter((e) => e.type === 'call.ringing').length }
}

const CALL_FACTS = {
  'call.queued sales 1772413190.11': 1,
  'call.answered sales 1772413190.11': 1,
  'call.ended sales 1772413190.11': 1,
  'call.queued support 1772413210.21': 1,
  'call.answered support 1772413210.21': 1,
  'call.ended support 1772413210.21': 1,
  'call.queued sales 1772413240.31': 1,
  'call.abandoned sales 1772413240.31': 1,
  'call.queued support 1772413312.41': 1,
  'call.answered support 1772413312.41': 1,
  'call.transferred support 1772413312.41': 1,
  'call.queued support 1772413320.61': 1,
  'call.answered support 1772413320.61': 1,
  'call.queued sales 1772413415.71': 1,
}

async function expectFiguresOfTheRecording(app: FastifyInstance): Promise<void> {
  await app.aggregator.drain()
  const metrics = async (queue: string) =>
    (await app.inject({ method: 'GET', url: `/api/v1/metrics?queue=${queue}`, headers: auth })).json().queues[0]
  expect(await metrics('sales')).toMatchObject({
    live: { waiting: 1 },
    windows: { today: { arrived: 3, offered: 2, answered: 1, abandoned: 1, handled: 1, overflowed: 0 } },
  })
  expect(await metrics('support')).toMatchObject({
    live: { waiting: 0 },
    windows: { today: { arrived: 3, offered: 3, answered: 3, abandoned: 0, handled: 2, overflowed: 0 } },
  })
  const res = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: auth })
  const agents = Object.fromEntries((res.json().agents as Array<{ id: string }>).map((a) => [a.id, a]))
  expect(agents['2001']).toMatchObject({ state: 'onCall', queues: ['sales', 'support'], callId: '1772413320.61' })
  expect(agents['2002']).toMatchObject({ state: 'offline', queues: [] })
  expect(agents['2003']).toMatchObject({ state: 'paused', reason: 'meeting', queues: ['support'] })
}

describe('AMI connector', () => {
  it('replays a recorded session into the figures the PBX had, each fact stored once', async () => {
    const { app, url } = await wallboard()
    const ami = await fakeAmi()
    const log = recording()
    const connector = connect(ami, url, log)
    await connector.synced()
    await ami.play(amiFixture('session-1.txt'))
    await ami.play(amiFixture('gap.txt'))
    await ami.play(amiFixture('session-2.txt'))
    await caughtUp(ami, connector)

    const events = await stored(app)
    expect(summary(events)).toEqual({
      calls: CALL_FACTS,
      ringing: 5,
      agents: [
        '2001 available [sales,support]',
        '2002 paused (lunch) [sales]',
        '2003 available [support]',
        '2001 paused (break) [sales,support]',
        '2002 paused (lunch) [sales,support]',
        '2003 paused (meeting) [support]',
        '2001 available [sales,support]',
        '2002 offline [sales,support]',
        '2002 offline [sales]',
        '2002 offline []',
      ],
    })
    await expectFiguresOfTheRecording(app)

    expect(ami.logins).toEqual([{ username: USER, ok: true }])
    expect(ami.actions.map((a) => a['action'])).toEqual(['Login', 'QueueStatus'])
    expect(ami.actions[0]).toMatchObject({ events: 'on' })
    const report = connector.meter.report()
    expect(report).toMatchObject({
      kind: 'ami',
      connected: true,
      target: `127.0.0.1:${ami.port}`,
      error: null,
      events: events.length,
      pending: 0,
      skipped: { FullyBooted: 1, QueueParams: 2, Newchannel: 1, AgentRingNoAnswer: 1, VarSet: 1, UserEvent: 1 },
      problems: {},
    })
    expect(report.lastEventAt).toBeGreaterThan(Date.now() - 60_000)
    expect(log.lines.some((l) => l.includes('AMI logged in'))).toBe(true)
    expect(JSON.stringify(report) + log.lines.join('\n')).not.toContain(SECRET)
  })

  it('runs inside the server process by configuration (WALLBOARD_AMI_*), the secret never in the link report', async () => {
    const { app, url } = await wallboard()
    const ami = await fakeAmi()
    const { connectors } = loadConfig({
      WALLBOARD_AMI_HOST: '127.0.0.1',
      WALLBOARD_AMI_PORT: String(ami.port),
      WALLBOARD_AMI_USER: USER,
      WALLBOARD_AMI_SECRET: SECRET,
      WALLBOARD_AMI_SOURCE: SOURCE,
    })
    const log = recording()
    const running = await startConnectors({
      config: { connectors, dataDir: '.' },
      url,
      apiKey: app.apiKeys.mintInMemory('connectors', ['ingest']),
      log: { ...log, child: () => log },
    })
    cleanups.push(() => running.stop())
    await until('the sync asked', () => ami.actions.some((x) => x['action'] === 'QueueStatus'))
    await ami.play(amiFixture('session-1.txt'))
    await until('the link reported and events stored', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: auth })
      const source = (res.json().sources as Array<{ id: string; events: number; link: { connected: boolean } | null }>).find(
        (x) => x.id === SOURCE,
      )
      return source?.link?.connected === true && source.events > 0
    })
    const res = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: auth })
    expect(res.body).toContain(`127.0.0.1:${ami.port}`)
    expect(res.body + log.lines.join('\n')).not.toContain(SECRET)
  })

  it('sends agent states only with agentsOnly (a queue_log follower sends the calls)', async () => {
    const { app, url } = await wallboard()
    const ami = await fakeAmi()
    const connector = connect(ami, url, recording(), { agentsOnly: true })
    await connector.synced()
    await ami.play(amiFixture('session-1.txt'))
    await caughtUp(ami, connector)
    const events = await stored(app)
    expect(events.length).toBeGreaterThan(3)
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['agent.state']))
    expect(connector.meter.report().events).toBe(events.length)
  })

  it('reconnects with backoff when the PBX drops the connection mid-message, resyncs, and counts nothing twice', async () => {
    const { app, url } = await wallboard()
    const ami = await fakeAmi((n) => amiFixture(n === 1 ? 'queue-status.txt' : 'queue-status-resync.txt'))
    const log = recording()
    const connector = connect(ami, url, log)
    await connector.synced()
    await ami.play(amiFixture('session-1.txt'))
    await caughtUp(ami, connector)

    const resynced = connector.synced()
    ami.writeRaw('Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/2001-0000') // cut by the drop
    const droppedAt = Date.now()
    ami.drop()
    await until('the link to be reported down', () => !connector.meter.connected)
    expect(connector.meter.report()).toMatchObject({ connected: false, error: 'the PBX closed the connection' })
    // meanwhile on the PBX (unseen): Chen Jie pauses, a caller joins support (gap.txt)
    await resynced
    expect(ami.connectedAt).toHaveLength(2)
    expect(ami.connectedAt[1]! - droppedAt).toBeGreaterThanOrEqual(100) // reconnectBaseMs 200, jitter down to half
    expect(ami.logins).toEqual([
      { username: USER, ok: true },
      { username: USER, ok: true },
    ])
    expect(connector.meter.report()).toMatchObject({ connected: true, error: null })

    await ami.play(amiFixture('session-2.txt'))
    await caughtUp(ami, connector)
    const events = await stored(app)
    expect(summary(events)).toEqual({
      calls: CALL_FACTS, // the caller who joined in the gap once, from the resync's QueueEntry
      ringing: 5,
      agents: [
        '2001 available [sales,support]',
        '2002 paused (lunch) [sales]',
        '2003 available [support]',
        '2001 paused (break) [sales,support]',
        '2002 paused (lunch) [sales,support]',
        '2003 paused (meeting) [support]', // from the resync
        '2001 available [sales,support]',
        '2002 offline [sales,support]',
        '2002 offline [sales]',
        '2002 offline []',
      ],
    })
    await expectFiguresOfTheRecording(app)
    expect(
      log.lines.filter((l) => l.startsWith('warn AMI link down (the PBX closed the connection); reconnecting')),
    ).toHaveLength(1)
  })

  it('reports a refused login as authentication failed and does not keep trying', async () => {
    const { url } = await wallboard()
    const ami = await fakeAmi()
    const log = recording()
    const connector = connect(ami, url, log, { secret: 'not-the-secret' })
    await until('the refusal', () => connector.meter.error !== null)
    const report = connector.meter.report()
    expect(report).toMatchObject({ kind: 'ami', connected: false, target: `127.0.0.1:${ami.port}` })
    expect(report.error).toMatch(/^authentication failed for AMI user "wallboard": check the user, its secret/)
    await new Promise((r) => setTimeout(r, 1500)) // past reconnectMaxMs: no second attempt
    expect(ami.logins).toEqual([{ username: USER, ok: false }])
    expect(ami.actions.map((a) => a['action'])).toEqual(['Login'])
    expect(log.lines.filter((l) => l.startsWith('error authentication failed'))).toHaveLength(1)
    expect(JSON.stringify(report) + log.lines.join('\n')).not.toContain('not-the-secret')
  })

  it('reconnects when a keepalive Ping goes unanswered', async () => {
    const { url } = await wallboard()
    const ami = await fakeAmi()
    const log = recording()
    const connector = connect(ami, url, log, { pingEveryMs: 100, actionTimeoutMs: 300 })
    await connector.synced()
    await until('a ping answered', () => ami.actions.some((a) => a['action'] === 'Ping'))
    const resynced = connector.synced()
    ami.answerPing = false
    await until('the link to be reported down', () => !connector.meter.connected)
    expect(connector.meter.error).toBe('keepalive: Ping unanswered for 300 ms')
    ami.answerPing = true
    await resynced
    expect(ami.connectedAt).toHaveLength(2)
    expect(connector.meter.connected).toBe(true)
  })

  it('says when the port is not AMI, and stops at once even while waiting for a greeting', async () => {
    const { url } = await wallboard()
    const greetings = ['SSH-2.0-OpenSSH_9.6\r\n', null]
    for (const greeting of greetings) {
      const server = createServer((socket) => {
        if (greeting !== null) socket.write(greeting)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as { port: number }).port
      const connector = startAmiConnector({
        host: '127.0.0.1',
        port,
        username: USER,
        secret: SECRET,
        source: SOURCE,
        client: new WallboardClient({ url, apiKey: TEST_KEY, log: recording() }),
        log: recording(),
        reconnectBaseMs: 5000,
      })
      if (greeting !== null) {
        await until('the refusal', () => connector.meter.error !== null)
        expect(connector.meter.error).toBe(
          `127.0.0.1:${port} is not an Asterisk Manager Interface (it greeted with "SSH-2.0-OpenSSH_9.6")`,
        )
      } else {
        await new Promise((r) => setTimeout(r, 200))
      }
      const started = Date.now()
      await connector.stop()
      expect(Date.now() - started).toBeLessThan(1000)
      expect(connector.meter.report()).toMatchObject({ connected: false, error: 'the connector stopped' })
      server.close()
    }
  })

  it('keeps what it read while the wallboard is down, pausing the PBX, and sends it all once it is back', async () => {
    const port = await freePort()
    const ami = await fakeAmi()
    const log = recording()
    const connector = connect(ami, `http://127.0.0.1:${port}`, log, { maxPending: 5 })
    await until('the login', () => connector.meter.connected)
    await ami.play(amiFixture('session-1.txt'), 1000)
    await ami.play(amiFixture('gap.txt'), 1000)
    await ami.play(amiFixture('session-2.txt'), 1000)
    await new Promise((r) => setTimeout(r, 300))
    const held = connector.meter.report()
    expect(held.lines).toBeLessThan(ami.written) // reading paused: the rest waits in TCP buffers
    expect(held.pending).toBeGreaterThanOrEqual(5)
    expect(held.error).toMatch(/^the wallboard did not take the events: /)
    expect(log.lines.some((l) => l.startsWith('warn the wallboard is behind: reading from AMI paused'))).toBe(true)

    const { app } = await wallboard(port)
    await caughtUp(ami, connector)
    const events = await stored(app)
    expect(summary(events).calls).toEqual(CALL_FACTS)
    await expectFiguresOfTheRecording(app)
    expect(connector.meter.report()).toMatchObject({ connected: true, error: null, pending: 0 })
  })
})
