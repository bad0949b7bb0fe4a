// Follows a growing queue_log file and sends its events to a wallboard, like `tail -F` that never
// loses a line:
// - the file is read from the checkpoint's inode and offset (a restart resumes where the last
//   acknowledged line ended; the parser's memory is saved with it);
// - rotation by rename + create: the old file is read to its end (even when the rotation happened
//   while the follower was stopped: the old inode is looked for beside the file), then the new one
//   from its start; copytruncate: a file shorter than the offset is read again from its start;
// - the wallboard down or refusing: the batch is retried with backoff, reading waits (the file is
//   the buffer), and the offset advances only past acknowledged lines;
// - event ids are hashed from each line, so whatever is read twice counts once.
import { type FileHandle, open, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { type FSWatcher, watch } from 'node:fs'
import path from 'node:path'
import type { WallboardEvent } from '../../../shared/events.js'
import { type SourceLog, type WallboardClient, DeliveryAborted, errorText } from '../client.js'
import { LinkMeter, LinkReporter, deliverReported } from '../link.js'
import { type QueueLogOptions, type QueueLogState, QueueLogParser } from './parse.js'

export interface FollowOptions {
  /** the queue_log file, e.g. /var/log/asterisk/queue_log */
  path: string
  /** the `source` of its events, e.g. pbx-shanghai-1 */
  source: string
  client: WallboardClient
  log: SourceLog
  /** where the position and the parser's memory are kept between runs */
  checkpointPath: string
  /** the parser's options (time zone, agent aliases …); `source` is the one above */
  parser?: Omit<QueueLogOptions, 'source'>
  /** with no checkpoint: read the file from its start (default; ids make it safe) or only what is appended */
  from?: 'start' | 'end'
  /** how often the file is checked when no change is signalled (rotation, file systems without inotify); default 1000 */
  pollMs?: number
  /** most bytes read (and lines sent in one request) at a time; default 64 KiB (about 700 lines) */
  chunkBytes?: number
  /** requests under way at once (each waits for its own acknowledgement, the offset for all before it); default 2 */
  maxInflight?: number
  /** most events per request; default 1000 */
  batchEvents?: number
  /** how often the checkpoint is written while lines flow; default 1000 ms (and always on rotation and stop) */
  checkpointEveryMs?: number
  /** link health reports; default LINK_REPORT_EVERY_MS */
  reportEveryMs?: number
  /** called after each acknowledged chunk with the file's inode and the offset now acknowledged */
  onAck?: (ino: number, offset: number) => void
}

export interface Checkpoint {
  version: 1
  path: string
  ino: number
  /** bytes of the file up to the end of the last acknowledged line */
  offset: number
  /** sha256 of the file's first bytes (up to HEAD_BYTES of the offset): a file rewritten under the same inode differs */
  head: string
  parser: QueueLogState
  savedAt: number
}

export interface Follower {
  readonly meter: LinkMeter
  /** where it is: the file's inode and the acknowledged offset */
  position(): { ino: number | null; offset: number }
  /** Resolves once everything the file holds now is acknowledged (for tests and the benchmark). */
  caughtUp(): Promise<void>
  stop(): Promise<void>
}

interface Reading {
  handle: FileHandle
  ino: number
  /** bytes read and sent */
  read: number
  /** bytes up to the end of the last acknowledged line */
  acked: number
  /** true while reading a rotated-away file: at its end, switch to the path */
  draining: boolean
}

/** Lines read and sent together. */
interface Chunk {
  ino: number
  /** the file offset after its last line */
  end: number
  /** the parser's memory after its last line, when a checkpoint is due at its end */
  snapshot: QueueLogState | null
  outcome: 'pending' | 'acked' | 'aborted' | Error
}

const HEAD_BYTES = 4096
/** On stop, requests under way have this long to be answered. */
const STOP_GRACE_MS = 2_000

/** The fingerprint of a file's first bytes, up to `offset`. */
async function headOf(handle: FileHandle, offset: number): Promise<string> {
  const buf = Buffer.alloc(Math.min(HEAD_BYTES, offset))
  const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
  return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex')
}

export async function loadCheckpoint(file: string): Promise<Checkpoint | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const cp = JSON.parse(text) as Partial<Checkpoint>
  if (
    cp.version !== 1 ||
    typeof cp.ino !== 'number' ||
    typeof cp.offset !== 'number' ||
    typeof cp.head !== 'string' ||
    !cp.parser
  ) {
    throw new Error(`${file}: not a queue_log checkpoint (delete it to start over)`)
  }
  return cp as Checkpoint
}

/** Written to a temporary file and renamed over the old one: a crash leaves the old or the new, whole. */
export async function saveCheckpoint(file: string, cp: Checkpoint): Promise<void> {
  const tmp = `${file}.tmp`
  await writeFile(tmp, JSON.stringify(cp))
  await rename(tmp, file)
}

export async function startFollower(opts: FollowOptions): Promise<Follower> {
  const pollMs = opts.pollMs ?? 1000
  const chunkBytes = opts.chunkBytes ?? 64 * 1024
  const maxInflight = opts.maxInflight ?? 2
  const batchEvents = opts.batchEvents ?? 1000
  const checkpointEveryMs = opts.checkpointEveryMs ?? 1000
  const { log, client } = opts
  const file = path.resolve(opts.path)
  const stopped = new AbortController()

  const checkpoint = await loadCheckpoint(opts.checkpointPath)
  const usable = checkpoint !== null && checkpoint.path === file ? checkpoint : null
  if (checkpoint !== null && usable === null) {
    log.warn(
      { checkpoint: opts.checkpointPath, was: checkpoint.path, now: file },
      'the checkpoint is for another file; ignoring it',
    )
  }
  const parser = new QueueLogParser({ ...opts.parser, source: opts.source }, usable?.parser)
  const meter = new LinkMeter('queue_log', file, () => parser.stats)
  const reporter = new LinkReporter(client, opts.source, meter, log, opts.reportEveryMs)

  let reading: Reading | null = null
  /** chunks sent and not yet acknowledged, oldest first; the offset advances as the oldest are acknowledged */
  const inflight: Chunk[] = []
  let lastSnapshot = 0
  /** where to reopen after a read error */
  let reopenAt: { ino: number; offset: number } | null = null
  /** stop() was called: read nothing more */
  let closing = false
  let wake: (() => void) | null = null
  let changed = true
  let caughtUpWaiters: Array<() => void> = []

  const signal = () => {
    changed = true
    const w = wake
    wake = null
    w?.()
  }
  stopped.signal.addEventListener('abort', signal, { once: true })
  const waitForChange = () =>
    new Promise<void>((resolve) => {
      if (changed || stopped.signal.aborted) return resolve()
      const timer = setTimeout(signal, pollMs)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  // Changes to any file in the directory (writes, a rotation's rename and create) wake the loop;
  // the poll covers file systems without change notification.
  let watcher: FSWatcher | null = null
  try {
    watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (name === null || name.toString().startsWith(path.basename(file))) signal()
    })
    watcher.on('error', () => undefined)
  } catch (err) {
    log.warn({ dir: path.dirname(file), err: errorText(err) }, 'cannot watch the directory; polling instead')
  }

  function openAt(ino: number, offset: number, draining: boolean, handle: FileHandle): void {
    reading = { handle, ino, read: offset, acked: offset, draining }
    meter.setConnected(true)
    log.info({ file, ino, offset, draining }, draining ? 'reading the rotated file to its end' : 'following')
  }

  /** Opens the file at `path`; false (and the link down, saying why) when it cannot be opened. */
  async function openPath(
    offsetOf: (handle: FileHandle, ino: number, size: number) => number | Promise<number>,
  ): Promise<boolean> {
    let handle: FileHandle
    try {
      handle = await open(file, 'r')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const why =
        code === 'ENOENT'
          ? `${file} does not exist (yet)`
          : code === 'EACCES'
            ? `permission denied reading ${file}: run the follower as a user in the file's group (asterisk)`
            : `cannot open ${file}: ${errorText(err)}`
      if (meter.connected || meter.error !== why) log.warn({ file }, why)
      meter.setConnected(false, why)
      return false
    }
    const st = await handle.stat()
    openAt(st.ino, await offsetOf(handle, st.ino, st.size), false, handle)
    return true
  }

  /** The rotated file with this inode beside the followed one (queue_log.1, queue_log-20261124 …). */
  async function findRotated(ino: number): Promise<string | null> {
    const dir = path.dirname(file)
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      if (!name.startsWith(path.basename(file)) || path.join(dir, name) === file) continue
      const st = await stat(path.join(dir, name)).catch(() => null)
      if (st?.ino === ino) return path.join(dir, name)
    }
    return null
  }

  async function resume(): Promise<void> {
    if (usable === null) {
      const from = opts.from ?? 'start'
      await openPath((_handle, _ino, size) => (from === 'end' ? size : 0))
      return
    }
    const st = await stat(file).catch(() => null)
    if (st?.ino === usable.ino) {
      await openPath(async (handle, _ino, size) => {
        if (size >= usable.offset && (await headOf(handle, usable.offset)) === usable.head) return usable.offset
        log.warn(
          { file, offset: usable.offset, size },
          'the file was truncated while the follower was stopped (copytruncate); reading it from its start',
        )
        return 0
      })
      return
    }
    const rotated = await findRotated(usable.ino)
    if (rotated !== null) {
      const handle = await open(rotated, 'r')
      openAt(usable.ino, usable.offset, true, handle)
      return
    }
    log.warn(
      { file, ino: usable.ino },
      'the file was rotated while the follower was stopped and the old file is gone (compressed or deleted); lines written to it after the checkpoint are lost to the wallboard',
    )
    await openPath(() => 0)
  }

  async function write(r: Reading, offset: number, state: QueueLogState): Promise<void> {
    await saveCheckpoint(opts.checkpointPath, {
      version: 1,
      path: file,
      ino: r.ino,
      offset,
      head: await headOf(r.handle, offset),
      parser: state,
      savedAt: Date.now(),
    })
  }

  /** A checkpoint now: only when nothing is in flight, so the parser's memory is that of the acknowledged offset. */
  async function save(): Promise<void> {
    const r = reading
    if (r === null || inflight.length > 0 || r.read !== r.acked) return
    lastSnapshot = Date.now()
    await write(r, r.acked, parser.exportState())
  }

  /** Sends a chunk's events in order until acknowledged; false when stopped first. */
  async function deliver(events: WallboardEvent[]): Promise<boolean> {
    for (let i = 0; i < events.length; i += batchEvents) {
      const batch = events.slice(i, i + batchEvents)
      try {
        await deliverReported(client, batch, stopped.signal, meter, log, 'the queue_log')
      } catch (err) {
        if (err instanceof DeliveryAborted) return false
        throw err
      }
      meter.pending -= batch.length
    }
    return true
  }

  /** Sends a parsed chunk; with a snapshot of the parser's memory when a checkpoint is due. */
  function dispatch(r: Reading, end: number, events: WallboardEvent[]): void {
    const now = Date.now()
    const due = now - lastSnapshot >= checkpointEveryMs
    if (due) lastSnapshot = now
    const chunk: Chunk = { ino: r.ino, end, snapshot: due ? parser.exportState() : null, outcome: 'pending' }
    meter.pending += events.length
    inflight.push(chunk)
    deliver(events).then(
      (ok) => {
        chunk.outcome = ok ? 'acked' : 'aborted'
        signal()
      },
      (err: unknown) => {
        chunk.outcome = err instanceof Error ? err : new Error(String(err))
        signal()
      },
    )
  }

  /** Takes the acknowledged chunks off the front: the offset moves past them, a due checkpoint is written. */
  async function settle(): Promise<void> {
    while (inflight.length > 0 && inflight[0]!.outcome !== 'pending') {
      const c = inflight[0]!
      if (c.outcome === 'aborted') return
      if (c.outcome instanceof Error) throw c.outcome
      inflight.shift()
      const r = reading
      if (r === null || r.ino !== c.ino) continue
      r.acked = c.end
      opts.onAck?.(c.ino, c.end)
      if (c.snapshot !== null) await write(r, c.end, c.snapshot)
    }
  }

  async function inflightSettled(): Promise<void> {
    while (inflight.some((c) => c.outcome === 'pending')) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  function parse(lines: string[]): WallboardEvent[] {
    const events: WallboardEvent[] = []
    let newest: number | null = null
    for (const line of lines) {
      for (const e of parser.parseLine(line)) {
        events.push(e)
        if (newest === null || e.ts > newest) newest = e.ts
      }
    }
    meter.read(lines.length, newest)
    return events
  }

  /** Reads and sends the next chunk of complete lines. */
  async function readMore(r: Reading): Promise<'read' | 'nothing' | 'truncated'> {
    const st = await r.handle.stat()
    if (st.size < r.read) return 'truncated'
    if (st.size === r.read) return 'nothing'
    const want = Math.min(chunkBytes, st.size - r.read)
    const buf = Buffer.allocUnsafe(want)
    const { bytesRead } = await r.handle.read(buf, 0, want, r.read)
    let end = buf.lastIndexOf(10, bytesRead - 1) + 1
    if (end === 0) {
      // No newline yet: a line being written. Wait for its end, unless it fills a whole chunk (a
      // line that long is not a queue_log line: it is taken as one and refused as too long).
      if (bytesRead < chunkBytes) return 'nothing'
      end = bytesRead
    }
    const lines = buf.toString('utf8', 0, end).split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    r.read += end
    dispatch(r, r.read, parse(lines))
    return 'read'
  }

  /** Nothing in flight, at the end of the file: has it been rotated away? Then finish it and follow the new one. */
  async function rotated(r: Reading): Promise<boolean> {
    if (!r.draining) {
      const st = await stat(file).catch(() => null)
      // Renamed and the new file not created yet (st null): keep reading the old one until it is.
      if (st === null || st.ino === r.ino) return false
    }
    // The old file is done growing once the new one exists; read its last bytes, even an unfinished last line.
    const rest = await r.handle.stat()
    if (rest.size > r.read) {
      const buf = Buffer.allocUnsafe(rest.size - r.read)
      await r.handle.read(buf, 0, buf.length, r.read)
      const lines = buf.toString('utf8').split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      const events = parse(lines)
      meter.pending += events.length
      if (!(await deliver(events))) return true
      r.read = r.acked = rest.size
      opts.onAck?.(r.ino, r.acked)
    }
    await r.handle.close()
    reading = null
    log.info({ file }, 'the file was rotated; following the new one')
    if (await openPath(() => 0)) await save()
    return true
  }

  /** One turn of the loop; true when there may be more to do at once. */
  async function turn(): Promise<boolean> {
    await settle()
    const r = reading
    if (r === null) {
      // After a read error: the same file where it stood, or a new one from its start.
      const at = reopenAt
      if (await openPath((_h, ino, size) => (at !== null && at.ino === ino && size >= at.offset ? at.offset : 0))) reopenAt = null
      return false
    }
    if (inflight.length >= maxInflight) return false
    const got = await readMore(r)
    if (got === 'read') return true
    if (inflight.length > 0) return false // wait for them before judging truncation or rotation
    if (got === 'truncated') {
      // copytruncate: the file was copied away and emptied; what was appended since starts at 0.
      log.warn({ file, offset: r.read }, 'the file was truncated (copytruncate rotation); reading it from its start')
      r.read = r.acked = 0
      await save()
      return true
    }
    if (await rotated(r)) return true
    const waiters = caughtUpWaiters
    caughtUpWaiters = []
    for (const w of waiters) w()
    return false
  }

  async function loop(): Promise<void> {
    await resume()
    reporter.start()
    while (!stopped.signal.aborted && !closing) {
      changed = false
      try {
        if (await turn()) {
          changed = true
          continue
        }
      } catch (err) {
        if (stopped.signal.aborted) break
        // A read error (the file vanished under us, a disk error): say so, reopen after the poll.
        const why = `reading ${file} failed: ${errorText(err)}`
        log.error({ err: errorText(err) }, why)
        meter.setConnected(false, why)
        await inflightSettled()
        await settle().catch(() => undefined)
        const r = reading
        if (r !== null) {
          reopenAt = { ino: r.ino, offset: r.acked }
          await r.handle.close().catch(() => undefined)
        }
        reading = null
      }
      await waitForChange()
    }
  }
  const loopDone = loop()

  return {
    meter,
    position: () => ({ ino: reading?.ino ?? null, offset: reading?.acked ?? 0 }),
    caughtUp: () =>
      new Promise<void>((resolve) => {
        caughtUpWaiters.push(resolve)
        signal()
      }),
    async stop() {
      // Nothing more is read; requests under way get a moment to be answered, then are abandoned.
      closing = true
      signal()
      watcher?.close()
      await loopDone.catch((err: unknown) => log.error({ err: errorText(err) }, 'the follower failed'))
      const grace = setTimeout(() => stopped.abort(), STOP_GRACE_MS)
      await inflightSettled()
      clearTimeout(grace)
      stopped.abort()
      await settle().catch(() => undefined)
      // Saved only when nothing read is unacknowledged; otherwise the last checkpoint (at most a second old) stands.
      await save().catch((err: unknown) => log.error({ err: errorText(err) }, 'could not save the checkpoint'))
      await reporter.stop(() => meter.setConnected(false, 'the follower stopped'))
      await reading?.handle.close().catch(() => undefined)
    },
  }
}
