// The queue_log follower against a real wallboard and real files: every line's events stored
// exactly once through rotation by rename + create (while running and while stopped),
// copytruncate, its own restart (checkpoint), and the wallboard being down; its link health on
// GET /api/v1/sources. Also the importer: the pipe file and the CSV table, twice, storing once.
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SourceHealth } from '../../shared/sources.js'
import { type SourceLog, WallboardClient } from '../../server/ingest/client.js'
import { type Follower, type FollowOptions, loadCheckpoint, startFollower } from '../../server/ingest/queue-log/follow.js'
import { importQueueLog } from '../../server/ingest/queue-log/import.js'
import { startConnectors } from '../../server/ingest/connectors.js'
import { loadConfig } from '../../server/config.js'
import { parseQueueLog } from '../../server/ingest/queue-log/parse.js'
import { freePort, until } from '../support/wait.js'
import { TEST_KEY, auth, testApp, testConfig } from './helpers.js'

const quiet: SourceLog = { info: () => undefined, warn: () => undefined, error: () => undefined }
/** A log that keeps its warnings. */
function recording(): SourceLog & { warnings: string[] } {
  const warnings: string[] = []
  return { ...quiet, warn: (_obj, msg) => warnings.push(msg), warnings }
}
const SOURCE = 'pbx-follow'

let app: FastifyInstance
let url: string
let dir: string
const config = testConfig()
const followers: Follower[] = []

let port: number
beforeAll(async () => {
  port = await freePort()
  app = await testApp(config)
  await app.listen({ port, host: '127.0.0.1' })
  url = `http://127.0.0.1:${port}`
  dir = mkdtempSync(path.join(tmpdir(), 'wb-follow-'))
})
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()))
})
afterAll(async () => {
  await app?.close()
  rmSync(dir, { recursive: true, force: true })
})

let seq = 0
/** `n` whole calls (ENTERQUEUE, CONNECT, COMPLETEAGENT) in the last hour, each with its own call id. */
function calls(n: number): string {
  const lines: string[] = []
  const base = Math.floor(Date.now() / 1000) - 3600
  for (let i = 0; i < n; i++) {
    const id = `${base}.${++seq}`
    const t = base + (seq % 3000)
    lines.push(`${t}|${id}|sales|NONE|ENTERQUEUE||1380013${String(seq).padStart(4, '0')}|1`)
    lines.push(`${t + 5}|${id}|sales|PJSIP/2001|CONNECT|5|${id}9|2`)
    lines.push(`${t + 65}|${id}|sales|PJSIP/2001|COMPLETEAGENT|5|60|1`)
  }
  return `${lines.join('\n')}\n`
}

/** The ids these lines must store, as a fresh parser sees them. */
function idsOf(text: string): string[] {
  return parseQueueLog(text, { source: SOURCE }).events.map((e) => e.id)
}

/** How many times each id is in the stored log. */
async function storedCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for await (const entries of app.eventLog.range('-', '+')) {
    for (const e of entries) {
      const id = (JSON.parse(e.json) as { id: string }).id
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
  }
  return counts
}

async function expectStoredOnce(ids: string[]): Promise<void> {
  const counts = await storedCounts()
  const missing = ids.filter((id) => !counts.has(id))
  expect(missing, `${missing.length} of ${ids.length} events missing`).toEqual([])
  expect([...counts.values()].every((n) => n === 1)).toBe(true)
}

function client(target = url): WallboardClient {
  return new WallboardClient({ url: target, apiKey: TEST_KEY, log: quiet, retryBaseMs: 50, retryMaxMs: 300 })
}

async function follow(file: string, over: Partial<FollowOptions> = {}): Promise<Follower> {
  const f = await startFollower({
    path: file,
    source: SOURCE,
    client: client(),
    log: quiet,
    checkpointPath: `${file}.checkpoint.json`,
    pollMs: 100,
    reportEveryMs: 200,
    ...over,
  })
  followers.push(f)
  return f
}

/** Waits until the follower has acknowledged the file up to the end of `text`. */
async function followedTo(f: Follower, text: string, what: string): Promise<void> {
  await until(what, async () => {
    await f.caughtUp()
    return f.position().offset === Buffer.byteLength(text)
  })
}

/** Waits until every event of these lines is stored. */
async function stored(lines: string, timeoutMs = 10_000): Promise<void> {
  await until(
    'the lines stored',
    async () => {
      const counts = await storedCounts()
      return idsOf(lines).every((id) => counts.has(id))
    },
    timeoutMs,
  )
}

async function stop(f: Follower): Promise<void> {
  followers.splice(followers.indexOf(f), 1)
  await f.stop()
}

describe('queue_log follow', () => {
  it('sends what the file holds and what is appended, one line at a time or in bursts, a half-written line once complete', async () => {
    const file = path.join(dir, 'live_log')
    const first = calls(50)
    writeFileSync(file, first)
    const f = await follow(file)
    await f.caughtUp()
    const more = calls(2000)
    appendFileSync(file, more)
    const tail = calls(1)
    const cut = tail.indexOf('|ENTERQUEUE') // a line being written
    appendFileSync(file, tail.slice(0, cut))
    await f.caughtUp()
    expect(f.position().offset).toBe(Buffer.byteLength(first + more))
    appendFileSync(file, tail.slice(cut))
    await f.caughtUp()
    await expectStoredOnce(idsOf(first + more + tail))
    expect(f.meter.report()).toMatchObject({ kind: 'queue_log', connected: true, events: (50 + 2000 + 1) * 3, pending: 0 })
  })

  it('survives rotation by rename + create: the old file is read to its end, then the new one', async () => {
    const file = path.join(dir, 'rename_log')
    const a = calls(20)
    writeFileSync(file, a)
    const f = await follow(file)
    await f.caughtUp()
    renameSync(file, `${file}.1`)
    // Asterisk may still write to the old file until it reopens its log.
    const late = calls(5)
    appendFileSync(`${file}.1`, late)
    const b = calls(20)
    writeFileSync(file, b)
    await followedTo(f, b, 'the new file')
    await expectStoredOnce(idsOf(a + late + b))
  })

  it('survives copytruncate: a file shorter than the offset is read from its start', async () => {
    const file = path.join(dir, 'copytruncate_log')
    const a = calls(30)
    writeFileSync(file, a)
    const log = recording()
    const f = await follow(file, { log })
    await f.caughtUp()
    copyFileSync(file, `${file}.1`)
    truncateSync(file, 0)
    const b = calls(3)
    appendFileSync(file, b)
    await followedTo(f, b, 'the truncated file')
    await expectStoredOnce(idsOf(a + b))
    expect(log.warnings).toEqual([expect.stringMatching(/truncated \(copytruncate rotation\)/)])
  })

  it('notices a copytruncate while stopped even when the new content is already longer than the checkpoint', async () => {
    const file = path.join(dir, 'copytruncate_stopped_log')
    const a = calls(5)
    writeFileSync(file, a)
    const f1 = await follow(file)
    await f1.caughtUp()
    await stop(f1)
    truncateSync(file, 0)
    const b = calls(20)
    appendFileSync(file, b)
    expect(Buffer.byteLength(b)).toBeGreaterThan(Buffer.byteLength(a))
    const log = recording()
    const f = await follow(file, { log })
    await followedTo(f, b, 'the rewritten file')
    await expectStoredOnce(idsOf(a + b))
    expect(log.warnings).toEqual([expect.stringMatching(/truncated while the follower was stopped/)])
  })

  it('resumes from its checkpoint after a restart, sending nothing twice, even when the file rotated meanwhile', async () => {
    const file = path.join(dir, 'restart_log')
    const a = calls(40)
    writeFileSync(file, a)
    const f1 = await follow(file)
    await f1.caughtUp()
    await stop(f1)
    const cp = await loadCheckpoint(`${file}.checkpoint.json`)
    expect(cp).toMatchObject({ offset: Buffer.byteLength(a) })

    // Stopped: lines appended, then the file rotated and a new one started.
    const b = calls(10)
    appendFileSync(file, b)
    renameSync(file, `${file}-20261124`)
    const c = calls(10)
    writeFileSync(file, c)

    const f2 = await follow(file)
    await followedTo(f2, c, 'the new file after the rotated one')
    // Only the lines after the checkpoint were sent: none came back as a duplicate.
    expect(f2.meter.report().events).toBe((10 + 10) * 3)
    await expectStoredOnce(idsOf(a + b + c))
  })

  it('keeps every line while the wallboard is down and sends them when it is back', async () => {
    const file = path.join(dir, 'outage_log')
    const a = calls(10)
    writeFileSync(file, a)
    const f = await follow(file)
    await f.caughtUp()
    await app.close()
    const b = calls(25)
    appendFileSync(file, b)
    await until('a failed delivery', () => f.meter.error !== null)
    expect(f.position().offset).toBe(Buffer.byteLength(a))
    app = await testApp(config)
    await app.listen({ port, host: '127.0.0.1' })
    await followedTo(f, a + b, 'the backlog')
    await expectStoredOnce(idsOf(a + b))
    expect(f.meter.error).toBeNull()
  })

  it('reports its link: connected with rates and skipped verbs, down when the file is missing or the follower stops', async () => {
    const file = path.join(dir, 'health_log')
    writeFileSync(file, `${calls(5)}${Math.floor(Date.now() / 1000)}|NONE|NONE|NONE|QUEUESTART|\n`)
    const f = await follow(file)
    await f.caughtUp()
    const link = async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: auth })
      return (res.json().sources as Array<SourceHealth & { down: boolean }>).find((s) => s.id === SOURCE)
    }
    await until('a link report', async () => (await link())?.link?.lines === 16)
    const up = (await link())!
    expect(up.down).toBe(false)
    expect(up.link).toMatchObject({
      kind: 'queue_log',
      connected: true,
      target: file,
      eventsPerMin: 15,
      skipped: { QUEUESTART: 1 },
    })
    await stop(f)
    await until('the link down', async () => (await link())?.down === true)
    expect((await link())?.link).toMatchObject({ connected: false, error: 'the follower stopped' })

    const missing = await follow(path.join(dir, 'no_such_log'), { source: 'pbx-missing' })
    await until('the missing file reported', () => missing.meter.error !== null)
    expect(missing.meter.report()).toMatchObject({ connected: false })
    expect(missing.meter.error).toMatch(/does not exist/)
  })
})

describe('queue_log import', () => {
  it('imports the pipe file and the CSV table; importing again stores nothing new', async () => {
    const pipe = path.join(dir, 'history_log')
    const history = calls(300)
    writeFileSync(pipe, history)
    const csv = path.join(dir, 'history.csv')
    writeFileSync(
      csv,
      'time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n' +
        '2026-11-20 09:00:00,1763600400.1,support,NONE,ENTERQUEUE,,13900139000,1,,\n' +
        '2026-11-20 09:00:20,1763600400.1,support,PJSIP/2002,CONNECT,20,1763600418.2,2,,\n' +
        '2026-11-20 09:03:20,1763600400.1,support,PJSIP/2002,COMPLETECALLER,20,180,1,,\n',
    )
    const options = { client: client(), parser: { source: SOURCE, timeZone: 'Asia/Shanghai' } }
    const first = await importQueueLog({ files: [pipe, csv], ...options })
    expect(first).toMatchObject({ files: 2, accepted: 903, duplicates: 0, refused: 0 })
    expect(first.stats).toMatchObject({ lines: 904, headers: 1, events: 903 })
    const again = await importQueueLog({ files: [pipe, csv], ...options })
    expect(again).toMatchObject({ accepted: 0, duplicates: 903, refused: 0 })
    await expectStoredOnce(idsOf(history))
  })
})

describe('queue_log followed inside the server process', () => {
  it('follows WALLBOARD_QUEUE_LOG as its source, with its checkpoint in the data directory', async () => {
    const file = path.join(dir, 'in_process_log')
    const lines = calls(10)
    writeFileSync(file, lines)
    const { connectors } = loadConfig({ WALLBOARD_QUEUE_LOG: file, WALLBOARD_QUEUE_LOG_SOURCE: SOURCE })
    const running = await startConnectors({
      config: { connectors, dataDir: dir },
      url,
      apiKey: app.apiKeys.mintInMemory('connectors', ['ingest']),
      log: { ...quiet, child: () => quiet },
    })
    const checkpoint = path.join(dir, `queue-log-${SOURCE}.json`)
    try {
      await stored(lines)
    } finally {
      await running.stop()
    }
    await expectStoredOnce(idsOf(lines))
    expect(await loadCheckpoint(checkpoint)).toMatchObject({
      path: file,
      offset: Buffer.byteLength(lines),
    })
  })
})

describe('the wallboard command', () => {
  const bin = path.resolve('server/bin.mjs')

  it('imports a file twice: stored once, then all already stored', async () => {
    const file = path.join(dir, 'cli_history_log')
    writeFileSync(file, calls(20))
    const run = () =>
      promisify(execFile)(process.execPath, [
        bin,
        'queue-log',
        'import',
        file,
        '--url',
        url,
        '--key',
        TEST_KEY,
        '--source',
        SOURCE,
      ])
    expect((await run()).stdout).toContain('events:           60 (stored now 60, already stored 0, refused 0)')
    expect((await run()).stdout).toContain('events:           60 (stored now 0, already stored 60, refused 0)')
  })

  it('follows a file until stopped, then keeps its checkpoint; a wrong option is named', async () => {
    const file = path.join(dir, 'cli_follow_log')
    const lines = calls(10)
    writeFileSync(file, lines)
    const checkpoint = path.join(dir, 'cli.checkpoint.json')
    const child = spawn(
      process.execPath,
      [bin, 'queue-log', 'follow', file, '--url', url, '--key', TEST_KEY, '--source', SOURCE, '--checkpoint', checkpoint],
      { stdio: 'ignore' },
    )
    try {
      await stored(lines, 20_000)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
    expect(await loadCheckpoint(checkpoint)).toMatchObject({ offset: Buffer.byteLength(lines) })

    const wrong = await promisify(execFile)(process.execPath, [bin, 'queue-log', 'follow', file, '--from', 'middle']).catch(
      (err: { code: number; stderr: string }) => err,
    )
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining('--from: expected start or end, got "middle"') })
  }, 30_000)
})
