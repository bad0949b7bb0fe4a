// The Asterisk Manager Interface connector: logs in, syncs with QueueStatus, maps every event of
// the session (map.ts) and sends the events to the wallboard in order, until stopped.
// - Nothing read is dropped: events wait in a queue until acknowledged. Past maxPending the socket
//   is paused (the PBX's writes wait in TCP buffers); a PBX that gives up on us meanwhile is
//   reconnected once the queue has room, and resynced.
// - The link lost (the socket closes or fails, a keepalive Ping goes unanswered): reconnect with
//   exponential backoff and jitter, log in, resync with QueueStatus; event ids make what is seen
//   twice count once.
// - A refused login is reported as "authentication failed" and not pursued: it is retried every
//   5 minutes only, as intrusion guards (fail2ban) ban a client that keeps trying.
// - Its health goes to the wallboard (LinkReporter): `target` is host:port; the secret is never
//   logged nor reported.
import type { WallboardEvent } from '../../../shared/events.js'
import { type SourceLog, type WallboardClient, DeliveryAborted, backoffMs, errorText, sleep } from '../client.js'
import { LinkMeter, LinkReporter, deliverReported } from '../link.js'
import { AmiMapper } from './map.js'
import { AmiActionError, AmiConnection, AmiTimeoutError } from './protocol.js'

export interface AmiConnectorOptions {
  host: string
  /** the manager port, usually 5038 */
  port: number
  username: string
  secret: string
  /** the `source` of its events, e.g. pbx-shanghai-1-ami */
  source: string
  client: WallboardClient
  log: SourceLog
  /** first reconnect delay; it doubles per failed attempt up to reconnectMaxMs (defaults 1000 and 60000) */
  reconnectBaseMs?: number
  reconnectMaxMs?: number
  /** link health reports; default LINK_REPORT_EVERY_MS */
  reportEveryMs?: number
  /** member names or interfaces → agent id (see AmiMapper) */
  agentAliases?: Readonly<Record<string, string>>
  /** the Login's `Events` mask: `on` (default: all the AMI user may read) or classes, e.g. `agent` */
  events?: string
  /** a keepalive Ping this often (default 20000); one unanswered within actionTimeoutMs drops the link */
  pingEveryMs?: number
  /** an action (Login, Ping) unanswered for this long fails; QueueStatus gets 6 times as long; default 10000 */
  actionTimeoutMs?: number
  /** events read and not yet acknowledged past which reading pauses; default 10000 */
  maxPending?: number
  /**
   * Send agent states only (default false): with a queue_log follower on the same PBX for the calls.
   * Its call events would otherwise be counted beside the follower's, under other ids.
   */
  agentsOnly?: boolean
}

export interface AmiConnector {
  readonly meter: LinkMeter
  /** Resolves after the next QueueStatus sync completes and every event read up to its end is acknowledged. */
  synced(): Promise<void>
  stop(): Promise<void>
}

const AUTH_RETRY_MS = 5 * 60_000
/** A session that lasted this long resets the backoff. */
const STABLE_AFTER_MS = 60_000
const BATCH_EVENTS = 1000
/** On stop, what was read has this long to reach the wallboard. */
const STOP_FLUSH_MS = 5_000

interface SessionEnd {
  why: string
  /** the login was refused */
  auth: boolean
  /** when the login succeeded; null when it did not */
  upSince: number | null
}

export function startAmiConnector(opts: AmiConnectorOptions): AmiConnector {
  const { client, log, source } = opts
  const target = `${opts.host}:${opts.port}`
  const reconnectBaseMs = opts.reconnectBaseMs ?? 1000
  const reconnectMaxMs = opts.reconnectMaxMs ?? 60_000
  const pingEveryMs = opts.pingEveryMs ?? 20_000
  const actionTimeoutMs = opts.actionTimeoutMs ?? 10_000
  const maxPending = opts.maxPending ?? 10_000

  const mapper = new AmiMapper({ source, ...(opts.agentAliases ? { agentAliases: opts.agentAliases } : {}) })
  const meter = new LinkMeter('ami', target, () => mapper.stats)
  const reporter = new LinkReporter(client, source, meter, log, opts.reportEveryMs)
  /** ends the sessions */
  const stopped = new AbortController()
  /** ends the deliveries, after the stop's flush */
  const abandoned = new AbortController()

  /** read and not yet acknowledged, in order */
  const queue: WallboardEvent[] = []
  let enqueued = 0
  let acked = 0
  let pumping: Promise<void> | null = null
  let conn: AmiConnection | null = null
  let readPaused = false
  const roomWaiters: Array<() => void> = []
  /** synced() callers waiting for the next sync to complete */
  const syncCallers: Array<() => void> = []
  /** completed syncs waiting for their events' acknowledgement */
  let syncsDone: Array<{ seq: number; resolve: () => void }> = []

  // ——— delivery ———

  function enqueue(mapped: WallboardEvent[]): void {
    const events = opts.agentsOnly ? mapped.filter((e) => e.type === 'agent.state') : mapped
    if (events.length === 0) return
    for (const e of events) queue.push(e)
    enqueued += events.length
    meter.pending = queue.length
    if (queue.length >= maxPending && !readPaused) {
      readPaused = true
      conn?.pause()
      log.warn({ pending: queue.length }, 'the wallboard is behind: reading from AMI paused')
    }
    kick()
  }

  function kick(): void {
    if (pumping !== null || queue.length === 0 || abandoned.signal.aborted) return
    pumping = pump().finally(() => {
      pumping = null
      kick()
    })
  }

  async function pump(): Promise<void> {
    while (queue.length > 0 && !abandoned.signal.aborted) {
      const batch = queue.slice(0, BATCH_EVENTS)
      try {
        await deliverReported(client, batch, abandoned.signal, meter, log, 'AMI')
      } catch (err) {
        if (err instanceof DeliveryAborted) return
        log.error({ err: errorText(err) }, 'sending failed; retrying')
        await sleep(reconnectBaseMs, abandoned.signal)
        continue
      }
      queue.splice(0, batch.length)
      acked += batch.length
      meter.pending = queue.length
      if (readPaused && queue.length <= maxPending / 2) {
        readPaused = false
        conn?.resume()
        for (const w of roomWaiters.splice(0)) w()
      }
      settleSyncs()
    }
  }

  /** Resolves once the queue has room to read again (or the connector stops). */
  function room(): Promise<void> {
    if (!readPaused || stopped.signal.aborted) return Promise.resolve()
    return new Promise((resolve) => roomWaiters.push(resolve))
  }

  function settleSyncs(): void {
    const due = syncsDone.filter((s) => acked >= s.seq)
    syncsDone = syncsDone.filter((s) => acked < s.seq)
    for (const s of due) s.resolve()
  }

  function onSynced(): void {
    const seq = enqueued
    for (const resolve of syncCallers.splice(0)) syncsDone.push({ seq, resolve })
    settleSyncs()
  }

  // ——— reading ———

  function onData(events: Array<Record<string, string>>, messages: number): void {
    const now = Date.now()
    const out: WallboardEvent[] = []
    let newest: number | null = null
    for (const m of events) {
      for (const e of mapper.map(m, now)) {
        out.push(e)
        if (newest === null || e.ts > newest) newest = e.ts
      }
    }
    meter.read(messages, newest)
    enqueue(out)
  }

  // Callers that left with no outcome become overflows even when the PBX is quiet.
  const expiry = setInterval(() => enqueue(mapper.expire(Date.now())), 1000)
  expiry.unref()

  // ——— the link ———

  async function session(): Promise<SessionEnd> {
    let c: AmiConnection
    try {
      c = await AmiConnection.open({
        host: opts.host,
        port: opts.port,
        connectTimeoutMs: actionTimeoutMs,
        actionTimeoutMs,
        signal: stopped.signal,
        onData,
        onProblem: (reason, sample) => mapper.noteProblem(sample, reason),
      })
    } catch (err) {
      return { why: errorText(err), auth: false, upSince: null }
    }
    if (stopped.signal.aborted) {
      c.destroy()
      return { why: 'the connector stopped', auth: false, upSince: null }
    }
    conn = c
    if (readPaused) c.pause()
    try {
      await c.action({ Action: 'Login', Username: opts.username, Secret: opts.secret, Events: opts.events ?? 'on' })
    } catch (err) {
      conn = null
      if (err instanceof AmiActionError) {
        const said = (err.response['message'] ?? '').trim()
        const detail = said !== '' && !/^authentication failed\.?$/i.test(said) ? ` (${said.slice(0, 200)})` : ''
        const why = `authentication failed for AMI user "${opts.username}"${detail}: check the user, its secret and permit= in manager.conf`
        c.destroy(why)
        return { why, auth: true, upSince: null }
      }
      c.destroy()
      return { why: `login failed: ${errorText(err)}`, auth: false, upSince: null }
    }
    const upSince = Date.now()
    meter.setConnected(true)
    log.info({ target, greeting: c.greeting }, 'AMI logged in; syncing with QueueStatus')

    const pinger = setInterval(() => {
      if (readPaused) return
      c.action({ Action: 'Ping' }).catch((err: unknown) => {
        if (err instanceof AmiTimeoutError) c.destroy(`keepalive: Ping unanswered for ${actionTimeoutMs} ms`)
      })
    }, pingEveryMs)
    pinger.unref()
    mapper.beginSync()
    const started = Date.now()
    c.action({ Action: 'QueueStatus' }, { list: true, timeoutMs: actionTimeoutMs * 6 }).then(
      () => {
        log.info({ target, ms: Date.now() - started }, 'AMI synced')
        onSynced()
      },
      (err: unknown) => {
        if (err instanceof AmiActionError) {
          log.error({ err: err.message }, 'QueueStatus refused: waiting calls and agent states may be wrong until the next sync')
        } else if (err instanceof AmiTimeoutError) {
          c.destroy(`QueueStatus unanswered within ${actionTimeoutMs * 6} ms`)
        }
      },
    )
    const why = await c.closed
    clearInterval(pinger)
    conn = null
    return { why, auth: false, upSince }
  }

  async function run(): Promise<void> {
    let failures = 0
    while (!stopped.signal.aborted) {
      await room()
      if (stopped.signal.aborted) break
      const end = await session()
      if (stopped.signal.aborted) break
      meter.setConnected(false, end.why)
      if (end.upSince !== null && Date.now() - end.upSince >= STABLE_AFTER_MS) failures = 0
      failures++
      const delayMs = end.auth
        ? Math.max(AUTH_RETRY_MS, reconnectMaxMs)
        : backoffMs(failures, reconnectBaseMs, reconnectMaxMs, null)
      if (end.auth) log.error({ target, retryInMs: delayMs }, end.why)
      else if (failures === 1 || failures % 10 === 0) {
        log.warn({ target, attempt: failures, retryInMs: Math.round(delayMs) }, `AMI link down (${end.why}); reconnecting`)
      }
      await sleep(delayMs, stopped.signal)
    }
  }

  reporter.start()
  const loop = run().catch((err: unknown) => log.error({ err: errorText(err) }, 'the AMI connector failed'))
  let stopping: Promise<void> | null = null

  return {
    meter,
    synced: () => new Promise<void>((resolve) => syncCallers.push(resolve)),
    stop() {
      stopping ??= (async () => {
        stopped.abort()
        clearInterval(expiry)
        for (const w of roomWaiters.splice(0)) w()
        await conn?.logoff('the connector stopped')
        await loop
        const deadline = Date.now() + STOP_FLUSH_MS
        while (queue.length > 0 && Date.now() < deadline) await sleep(20)
        abandoned.abort()
        await pumping
        if (queue.length > 0) {
          log.warn(
            { unsent: queue.length },
            'stopped before the wallboard acknowledged every event read; the next sync restores waiting calls and agent states',
          )
        }
        await reporter.stop(() => meter.setConnected(false, 'the connector stopped'))
      })()
      return stopping
    },
  }
}
