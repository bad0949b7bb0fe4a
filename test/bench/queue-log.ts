// The queue_log follower's benchmark: a writer appends realistic lines at a fixed rate (in 10 ms
// ticks, as a busy Asterisk does), the follower runs as its own process, and each line's lag is
// the time from its append to the wallboard's acknowledgement of the request that carried it.
import { fork } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as hdr from 'hdr-histogram-js'

const TICK_MS = 10

/** Lines of whole calls at "now": ENTERQUEUE, a ring that was not answered (skipped), CONNECT, COMPLETEAGENT. */
function lineSource(run: string) {
  let n = 0
  return (epochSec: number): string => {
    const i = n++
    const call = Math.floor(i / 4)
    const id = `${epochSec}.${run}${call}`
    const queue = `bench-q${call % 20}`
    const agent = `PJSIP/${2000 + (call % 400)}`
    switch (i % 4) {
      case 0:
        return `${epochSec}|${id}|${queue}|NONE|ENTERQUEUE||1380013${String(call % 10000).padStart(4, '0')}|1`
      case 1:
        return `${epochSec}|${id}|${queue}|${agent}|RINGNOANSWER|15000`
      case 2:
        return `${epochSec}|${id}|${queue}|${agent}|CONNECT|3|${id}9|2`
      default:
        return `${epochSec}|${id}|${queue}|${agent}|COMPLETEAGENT|3|60|1`
    }
  }
}

export async function followerBench(base: string, key: string, opts: { seconds: number; linesPerSec: number; run: string }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wallboard-ql-bench-'))
  const file = path.join(dir, 'queue_log')
  writeFileSync(file, '')
  const child = fork(path.join(import.meta.dirname, 'follower-child.ts'), [file, base, key, path.join(dir, 'checkpoint.json')], {
    execArgv: [
      ...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []),
      '--import',
      'tsx',
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })
  /** appended ticks not yet acknowledged: end offset, lines, append time */
  const pending: Array<{ end: number; lines: number; at: number }> = []
  let acked = 0
  let lastAckAt = 0
  child.on('message', (m: { offset?: number; at?: number }) => {
    if (m.offset === undefined || m.at === undefined) return
    acked = m.offset
    lastAckAt = m.at
    while (pending.length > 0 && pending[0]!.end <= m.offset) {
      const t = pending.shift()!
      histogram.recordValueWithCount(Math.max(1, Math.round((m.at - t.at) * 1000)), t.lines)
    }
  })
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`follower exited (${code})`)))
  })

  const next = lineSource(opts.run)
  const perTick = opts.linesPerSec * (TICK_MS / 1000)
  const started = performance.now()
  let written = 0
  let offset = 0
  // Fixed arrival rate: each tick appends what is due by now, however late the tick itself runs.
  while (performance.now() - started < opts.seconds * 1000) {
    const elapsed = performance.now() - started
    const due = Math.floor((elapsed / TICK_MS + 1) * perTick)
    const count = due - written
    if (count > 0) {
      const sec = Math.floor(Date.now() / 1000)
      const text = `${Array.from({ length: count }, () => next(sec)).join('\n')}\n`
      appendFileSync(file, text)
      offset += Buffer.byteLength(text)
      written += count
      pending.push({ end: offset, lines: count, at: performance.timeOrigin + performance.now() })
    }
    await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - ((performance.now() - started) % TICK_MS))))
  }
  const writeSec = (performance.now() - started) / 1000
  const deadline = Date.now() + 60_000
  while (acked < offset && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  const drainedAfterMs = Math.max(0, Math.round(lastAckAt - (performance.timeOrigin + started + writeSec * 1000)))
  child.send({ stop: true })
  await new Promise((r) => child.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
  return {
    linesPerSec: Math.round(written / writeSec),
    lines: written,
    eventsPerSec: Math.round((written * 3) / 4 / writeSec),
    allAcknowledged: acked === offset,
    lastAckAfterWriterStoppedMs: drainedAfterMs,
    lagP50Ms: histogram.getValueAtPercentile(50) / 1000,
    lagP99Ms: histogram.getValueAtPercentile(99) / 1000,
    lagMaxMs: histogram.maxValue / 1000,
  }
}
