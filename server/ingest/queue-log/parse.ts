// Asterisk queue_log → wallboard events (design: events.md, "Mapping from Asterisk queue_log").
// Pure: lines in, events out, no file and no clock. The follower and the importer feed it lines
// and keep its state (exportState) with their checkpoint, so a restart resumes where it stopped.
//
// Two input forms: the file Asterisk writes (`epoch|callid|queue|agent|EVENT|data1|data2|…`) and
// the realtime table exported as CSV (`time, callid, queuename, agent, event, data1..data5`, time as
// epoch or `YYYY-MM-DD HH:MM:SS[.ffffff]` in a time zone). A bad line is counted with a reason and
// skipped; no line ever throws.
import { createHash } from 'node:crypto'
import type { AgentOwnState, OverflowReason, WallboardEvent } from '../../../shared/events.js'
import { isValidTimeZone, zoneOffsetMs } from '../../../shared/figures/calendar.js'
import {
  CONTROL,
  type Draft,
  type MapperCounts,
  type ProblemLine,
  MAX_TS,
  MIN_TS,
  clean,
  countProblem,
  countSkipped,
  sameList,
  withQueue,
  withoutQueue,
} from '../mapping.js'

export type QueueLogFormat = 'pipe' | 'csv'

export interface QueueLogOptions {
  /** the `source` of every event, e.g. `pbx-shanghai-1`; also part of each event id */
  source: string
  /** IANA zone of wall-clock times (`2026-03-02 09:30:00`); lines with one are refused without it */
  timeZone?: string
  /** the form of every line; by default each line says (its first separator: `|` or `,`) */
  format?: QueueLogFormat
  /**
   * RINGNOANSWER / RINGCANCELED: `skip` (the default) counts them; `ringing` also sends a
   * `call.ringing` at the ring's start (line time minus the ring time in ms), for a history import.
   * A live follower should skip them: the line comes when the ring is over, and the contract has no
   * event that ends a ring, so the board would show the agent ringing until the call's outcome.
   */
  ringAttempts?: 'skip' | 'ringing'
  /** agent names or interfaces (raw, or as normalised) → agent id, where the rule below is not enough */
  agentAliases?: Readonly<Record<string, string>>
  /** how many problem lines to keep for display (the counts by reason are always whole); default 100 */
  keepProblems?: number
  /** how many recent lines to remember to recognise a repeated one; default 10,000 */
  rememberLines?: number
}

export type ProblemReason =
  | 'blank'
  | 'too-long'
  | 'truncated'
  | 'bad-time'
  | 'no-time-zone'
  | 'missing-call-id'
  | 'missing-queue'
  | 'missing-agent'
  | 'bad-data'
  | 'repeated'
  | 'out-of-order'

export type Problem = ProblemLine<ProblemReason>

/**
 * Unchanged: a per-queue PAUSE after its PAUSEALL, a second UNPAUSE …; skipped: QUEUESTART, DID,
 * unknown verbs, OUT* …; an `out-of-order` problem line is still mapped, the others are dropped.
 */
export interface QueueLogStats extends MapperCounts<ProblemReason> {
  lines: number
  /** CSV header rows */
  headers: number
}

/** One line, split and checked. */
export interface QueueLogRecord {
  /** event time, epoch ms */
  ts: number
  callId: string
  queue: string
  agent: string
  verb: string
  /** the event's data fields, trailing empty ones dropped */
  data: string[]
  /** the line in the file's own form with whole epoch seconds: the input of the event id */
  canonical: string
}

/** What the parser remembers between lines; plain JSON, so a checkpoint can hold it. */
export interface QueueLogState {
  version: 1
  agents: Array<[id: string, memory: AgentMemory]>
  /** hashes of the latest lines, oldest first */
  recentLines: string[]
  /** the newest line time seen, epoch ms */
  maxTs: number | null
  /** CSV column positions from the last header row (null: the documented order) */
  csvColumns: CsvColumns | null
}

export interface AgentMemory {
  /** time of the newest line applied, epoch ms */
  ts: number
  state: AgentOwnState | null
  reason: string | null
  /** the queues it belongs to, as far as its lines tell, sorted */
  queues: string[]
  /** true once a membership line (ADDMEMBER, REMOVEMEMBER …) named one: only then are `queues` sent */
  explicit: boolean
  /** queues it is paused in (PAUSE, ADDMEMBER …|PAUSED), and whether a PAUSEALL paused it everywhere */
  pausedIn: string[]
  pausedAll: boolean
}

interface CsvColumns {
  time: number
  callId: number
  queue: number
  agent: number
  verb: number
  /** data1..data5 (or more) */
  data: number[]
  /** a single `data` column holding `data1|data2|…` (the non-adaptive table) */
  joined: number | null
}

const MAX_LINE_CHARS = 8192

/**
 * The call verbs: the data fields every Asterisk version writes (fewer: the line was cut), and
 * which of them are integers (negative: counted from the end). Data per current app_queue.c:
 * ENTERQUEUE url|callerid|position; CONNECT holdtime|member uniqueid|ringtime (s);
 * COMPLETE* holdtime|calltime|origposition; BLINDTRANSFER and the older TRANSFER
 * exten|context|holdtime|calltime|origposition; ATTENDEDTRANSFER BRIDGE|bridge or APP|app or
 * LINK|chan1|chan2, then holdtime|calltime|origposition; ABANDON, EXITWITHTIMEOUT, EXITEMPTY
 * position|origposition|waittime; EXITWITHKEY key|position|origposition|waittime; WITHDRAW
 * position|origposition|waittime|info; RINGNOANSWER and RINGCANCELED ringtime (ms).
 */
const CALL_VERBS: Record<string, { min: number; numeric: number[]; agent: boolean }> = {
  ENTERQUEUE: { min: 2, numeric: [2], agent: false },
  CONNECT: { min: 1, numeric: [0, 2], agent: true },
  COMPLETEAGENT: { min: 3, numeric: [0, 1, 2], agent: true },
  COMPLETECALLER: { min: 3, numeric: [0, 1, 2], agent: true },
  TRANSFER: { min: 2, numeric: [2, 3, 4], agent: true },
  BLINDTRANSFER: { min: 5, numeric: [2, 3, 4], agent: true },
  ATTENDEDTRANSFER: { min: 5, numeric: [-3, -2, -1], agent: true },
  ABANDON: { min: 3, numeric: [0, 1, 2], agent: false },
  EXITWITHTIMEOUT: { min: 3, numeric: [0, 1, 2], agent: false },
  EXITWITHKEY: { min: 2, numeric: [1, 2, 3], agent: false },
  EXITEMPTY: { min: 3, numeric: [0, 1, 2], agent: false },
  WITHDRAW: { min: 3, numeric: [0, 1, 2], agent: false },
  RINGNOANSWER: { min: 1, numeric: [0], agent: true },
  RINGCANCELED: { min: 1, numeric: [0], agent: true },
}

const OVERFLOW: Record<string, OverflowReason> = {
  EXITWITHTIMEOUT: 'timeout',
  EXITWITHKEY: 'key',
  EXITEMPTY: 'empty',
  WITHDRAW: 'withdrawn',
}

/**
 * Agent verbs; `queue`: the line must name a real queue. PAUSEALL and the logins name NONE; a
 * PAUSE or UNPAUSE naming NONE (written by some dialplans with QueueLog) counts as everywhere.
 */
const AGENT_VERBS: Record<string, { queue: boolean }> = {
  ADDMEMBER: { queue: true },
  REMOVEMEMBER: { queue: true },
  AGENTLOGIN: { queue: false },
  AGENTCALLBACKLOGIN: { queue: false },
  AGENTLOGOFF: { queue: false },
  AGENTCALLBACKLOGOFF: { queue: false },
  PAUSE: { queue: false },
  PAUSEALL: { queue: false },
  UNPAUSE: { queue: false },
  UNPAUSEALL: { queue: false },
}

const isNone = (field: string) => field === '' || field.toUpperCase() === 'NONE'
const INTEGER = /^-?\d+$/

// ——— agent ids ————————————————————————————————————————————————————————————————————————————

/** Channel technologies of member interfaces (chan_sip, chan_pjsip, chan_iax2, Local, app_agent_pool …). */
const INTERFACE = /^(SIP|PJSIP|IAX2?|Local|Agent|DAHDI|Zap|Skinny|MGCP|H323|OOH323|Motif|UNISTIM|WebSocket)\/(.+)$/i

/**
 * The agent id for a queue_log agent field, or null for none (`NONE`, empty). The rule: an
 * interface `Tech/resource` (a channel technology Asterisk queues use, see INTERFACE) becomes its
 * resource without `@context` and without the `/n` of a Local channel, so `SIP/2001`,
 * `PJSIP/2001`, `IAX2/2001`, `Agent/2001` and `Local/2001@from-queue/n` are all agent `2001`
 * (one person per extension number, as FreePBX's device and user mode has it); any other name
 * (a member name such as `Alice`) is the id as written, trimmed. An alias (by the raw field or by
 * the id) wins over the rule; an empty alias means no agent.
 */
export function agentIdOf(raw: string, aliases?: Readonly<Record<string, string>>): string | null {
  const field = raw.trim()
  if (isNone(field)) return null
  const byRaw = aliases && Object.hasOwn(aliases, field) ? aliases[field] : undefined
  if (byRaw !== undefined) return byRaw.trim() || null
  let id = field
  const m = INTERFACE.exec(field)
  if (m) {
    const resource = m[2]!
    const at = resource.indexOf('@')
    id = (at >= 0 ? resource.slice(0, at) : resource.replace(/\/n$/, '')).trim() || field
  }
  const byId = aliases && Object.hasOwn(aliases, id) ? aliases[id] : undefined
  return byId === undefined ? id : byId.trim() || null
}

// ——— times ————————————————————————————————————————————————————————————————————————————————

const EPOCH = /^(\d{9,13})(?:\.(\d{1,9}))?$/
const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/**
 * Epoch ms of a wall-clock time in a zone. Across a clock change it behaves like Temporal's
 * `compatible`: a time that occurs twice (clocks go back) is the earlier one, a time that does not
 * exist (clocks go forward) is read with the offset before the change, so it lands after the gap.
 */
export function wallTimeToEpochMs(wallAsUtcMs: number, timeZone: string): number {
  const day = 86_400_000
  const before = wallAsUtcMs - zoneOffsetMs(wallAsUtcMs - day, timeZone)
  const after = wallAsUtcMs - zoneOffsetMs(wallAsUtcMs + day, timeZone)
  const fits = (t: number) => t + zoneOffsetMs(t, timeZone) === wallAsUtcMs
  const fitsBefore = fits(before)
  const fitsAfter = fits(after)
  if (fitsBefore && fitsAfter) return Math.min(before, after)
  if (fitsAfter) return after
  return before
}

type TimeResult = { ok: true; ms: number } | { ok: false; reason: 'bad-time' | 'no-time-zone' }

/**
 * A queue_log time: epoch seconds as Asterisk writes them (`1772413200`), with a fraction
 * (`1772413200.250`) or in milliseconds (13 digits), as some exports hold them; or a date and time
 * (`2026-03-02 09:00:00[.ffffff]`, as the realtime table stores it) with an offset, or else in the
 * zone given.
 */
export function parseQueueLogTime(text: string, timeZone: string | undefined): TimeResult {
  const t = text.trim()
  const epoch = EPOCH.exec(t)
  let ms: number
  if (epoch) {
    const [, whole = '', frac = ''] = epoch
    ms = whole.length >= 12 && frac === '' ? Number(whole) : Number(whole) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3))
  } else {
    const w = WALL_TIME.exec(t)
    if (!w) return { ok: false, reason: 'bad-time' }
    const [, y, mo, d, h, mi, s, frac = '', offset] = w
    const f = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const
    const wall = Date.UTC(f[0], f[1], f[2], f[3], f[4], f[5], Number(frac.padEnd(3, '0').slice(0, 3)))
    const check = new Date(wall)
    if (check.getUTCFullYear() !== f[0] || check.getUTCMonth() !== f[1] || check.getUTCDate() !== f[2]) {
      return { ok: false, reason: 'bad-time' }
    }
    if (f[3] > 23 || f[4] > 59 || f[5] > 59) return { ok: false, reason: 'bad-time' }
    if (offset !== undefined) {
      const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)
      const offsetMin = o ? (Number(o[2]) * 60 + Number(o[3] ?? '0')) * (o[1] === '-' ? -1 : 1) : 0
      if (o && (Number(o[2]) > 18 || Number(o[3] ?? '0') > 59)) return { ok: false, reason: 'bad-time' }
      ms = wall - offsetMin * 60_000
    } else {
      if (timeZone === undefined) return { ok: false, reason: 'no-time-zone' }
      ms = wallTimeToEpochMs(wall, timeZone)
    }
  }
  if (!Number.isFinite(ms) || ms < MIN_TS || ms >= MAX_TS) return { ok: false, reason: 'bad-time' }
  return { ok: true, ms }
}

// ——— splitting lines ————————————————————————————————————————————————————————————————————

/** Splits one CSV row (RFC 4180 quoting); null when a quote is left open (the row was cut). */
export function splitCsvRow(line: string): string[] | null {
  const out: string[] = []
  let i = 0
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++
    let field: string
    if (line[i] === '"') {
      field = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q < 0) return null
        field += line.slice(i, q)
        i = q + 1
        if (line[i] !== '"') break
        field += '"'
        i++
      }
      // Anything between the closing quote and the comma belongs to the field, as lenient readers do.
      const comma = line.indexOf(',', i)
      const end = comma < 0 ? line.length : comma
      field += line.slice(i, end).trimEnd()
      i = end
    } else {
      const comma = line.indexOf(',', i)
      const end = comma < 0 ? line.length : comma
      field = line.slice(i, end).trim()
      i = end
    }
    out.push(field)
    if (i >= line.length) return out
    i++
  }
}

const DEFAULT_COLUMNS: CsvColumns = { time: 0, callId: 1, queue: 2, agent: 3, verb: 4, data: [5, 6, 7, 8, 9], joined: null }

/** Column positions from a header row (`time,callid,queuename,agent,event,data1,…`); null: the documented order. */
function columnsOf(header: string[]): CsvColumns | null {
  const names = header.map((h) => h.trim().toLowerCase())
  const at = (...candidates: string[]) => names.findIndex((n) => candidates.includes(n))
  const cols = {
    time: at('time'),
    callId: at('callid', 'call_id', 'uniqueid'),
    queue: at('queuename', 'queue', 'queue_name'),
    agent: at('agent'),
    verb: at('event', 'verb'),
  }
  if (Object.values(cols).some((i) => i < 0)) return null
  const data: number[] = []
  for (let n = 1; ; n++) {
    const i = names.indexOf(`data${n}`)
    if (i < 0) break
    data.push(i)
  }
  const joined = names.indexOf('data')
  return { ...cols, data, joined: joined >= 0 ? joined : null }
}

/** The data fields of a CSV row: data1..dataN, or the single `data` column split on `|`. */
function csvData(fields: string[], cols: CsvColumns, headerless: boolean): string[] {
  const separate = cols.data.map((i) => fields[i] ?? '')
  const known = Math.max(cols.time, cols.callId, cols.queue, cols.agent, cols.verb, cols.joined ?? -1, ...cols.data)
  // Without a header, columns past data5 are data too (an export with more data columns).
  if (headerless) separate.push(...fields.slice(known + 1))
  if (cols.joined !== null && separate.every((d) => d === '')) return (fields[cols.joined] ?? '').split('|')
  return separate
}

function trimTrailingEmpty(data: string[]): string[] {
  let n = data.length
  while (n > 0 && data[n - 1] === '') n--
  return data.slice(0, n)
}

type RecordResult = { kind: 'record'; record: QueueLogRecord } | { kind: 'problem'; reason: ProblemReason } | { kind: 'header' }

function formatOf(line: string): QueueLogFormat {
  const pipe = line.indexOf('|')
  const comma = line.indexOf(',')
  if (pipe < 0) return 'csv'
  return comma >= 0 && comma < pipe ? 'csv' : 'pipe'
}

// ——— the parser —————————————————————————————————————————————————————————————————————————

function emptyStats(): QueueLogStats {
  return { lines: 0, events: 0, headers: 0, unchanged: 0, skipped: {}, problems: {}, recentProblems: [] }
}

function newMemory(ts: number): AgentMemory {
  return { ts, state: null, reason: null, queues: [], explicit: false, pausedIn: [], pausedAll: false }
}

/**
 * Turns queue_log lines into events, one line at a time, remembering what the mapping needs
 * across lines: each agent's state, membership and pauses, the latest lines (to recognise a
 * repeated one), and the CSV header.
 */
export class QueueLogParser {
  private readonly options: Required<Omit<QueueLogOptions, 'timeZone' | 'format' | 'agentAliases'>> &
    Pick<QueueLogOptions, 'timeZone' | 'format' | 'agentAliases'>
  private readonly agents = new Map<string, AgentMemory>()
  private readonly recent = new Set<string>()
  private recentOrder: string[] = []
  private recentHead = 0
  private maxTs: number | null = null
  private csvColumns: CsvColumns | null = null
  private counts: QueueLogStats = emptyStats()

  constructor(options: QueueLogOptions, state?: QueueLogState) {
    if (options.timeZone !== undefined && !isValidTimeZone(options.timeZone)) {
      throw new RangeError(`unknown time zone ${options.timeZone}`)
    }
    this.options = {
      ringAttempts: 'skip',
      keepProblems: 100,
      rememberLines: 10_000,
      ...options,
    }
    if (state) {
      for (const [id, memory] of state.agents) this.agents.set(id, { ...memory })
      for (const hash of state.recentLines) this.remember(hash)
      this.maxTs = state.maxTs
      this.csvColumns = state.csvColumns
    }
  }

  /** Counters since this parser was made (not carried in the state). */
  get stats(): QueueLogStats {
    const c = this.counts
    return { ...c, skipped: { ...c.skipped }, problems: { ...c.problems }, recentProblems: [...c.recentProblems] }
  }

  /** Everything the parser remembers, as plain JSON: give it back to the constructor to resume. */
  exportState(): QueueLogState {
    return {
      version: 1,
      agents: [...this.agents].map(([id, m]) => [id, { ...m }]),
      recentLines: this.recentOrder.slice(this.recentHead),
      maxTs: this.maxTs,
      csvColumns: this.csvColumns,
    }
  }

  /**
   * Every line of a text. A last line without its newline is read too: a caller following a
   * growing file should hand over only complete lines.
   */
  parseText(text: string): WallboardEvent[] {
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    const out: WallboardEvent[] = []
    for (const line of lines) out.push(...this.parseLine(line))
    return out
  }

  /** One line (without its newline): the events it means, often none. Never throws. */
  parseLine(input: string): WallboardEvent[] {
    this.counts.lines++
    const line = input.replace(/^\uFEFF/, '').replace(/\s+$/, '')
    if (line.trim() === '') return this.problem(input, 'blank')
    if (line.length > MAX_LINE_CHARS) return this.problem(line, 'too-long')
    const parsed = this.recordOf(line)
    if (parsed.kind === 'header') {
      this.counts.headers++
      return []
    }
    if (parsed.kind === 'problem') return this.problem(line, parsed.reason)
    const r = parsed.record
    const hash = createHash('sha256').update(`${this.options.source}\n${r.canonical}`).digest('hex').slice(0, 32)
    if (this.recent.has(hash)) return this.problem(line, 'repeated')
    this.remember(hash)
    if (this.maxTs !== null && r.ts < this.maxTs) this.problem(line, 'out-of-order')
    else this.maxTs = r.ts
    const mapped = this.map(r)
    if (mapped === 'skipped') {
      this.skip(r.verb)
      return []
    }
    if (typeof mapped === 'string') return this.problem(line, mapped)
    if (mapped.length === 0) {
      this.counts.unchanged++
      return []
    }
    const events = mapped.map(
      ([draft, ts], i) =>
        ({
          ...draft,
          id: `ql-${hash}${mapped.length > 1 ? `-${i + 1}` : ''}`,
          ts,
          source: this.options.source,
        }) as WallboardEvent,
    )
    this.counts.events += events.length
    return events
  }

  // ——— lines → records ———

  private recordOf(line: string): RecordResult {
    const format = this.options.format ?? formatOf(line)
    let time: string, callId: string, queue: string, agent: string, verb: string, data: string[]
    if (format === 'pipe') {
      const fields = line.split('|')
      if (fields.length < 5) return { kind: 'problem', reason: 'truncated' }
      ;[time, callId, queue, agent, verb] = fields as [string, string, string, string, string]
      data = fields.slice(5)
    } else {
      const fields = splitCsvRow(line)
      if (fields === null) return { kind: 'problem', reason: 'truncated' }
      if ((fields[0] ?? '').toLowerCase() === 'time') {
        this.csvColumns = columnsOf(fields)
        return { kind: 'header' }
      }
      const cols = this.csvColumns ?? DEFAULT_COLUMNS
      if (fields.length <= Math.max(cols.time, cols.callId, cols.queue, cols.agent, cols.verb)) {
        return { kind: 'problem', reason: 'truncated' }
      }
      time = fields[cols.time]!
      callId = fields[cols.callId]!
      queue = fields[cols.queue]!
      agent = fields[cols.agent]!
      verb = fields[cols.verb]!
      data = csvData(fields, cols, this.csvColumns === null)
    }
    const ts = parseQueueLogTime(time, this.options.timeZone)
    if (!ts.ok) return { kind: 'problem', reason: ts.reason }
    callId = callId.trim()
    queue = queue.trim()
    agent = agent.trim()
    verb = verb.trim().toUpperCase()
    if (verb === '') return { kind: 'problem', reason: 'truncated' }
    if ([callId, queue, agent, verb].some((f) => CONTROL.test(f) || f.length > 128)) {
      return { kind: 'problem', reason: 'bad-data' }
    }
    data = trimTrailingEmpty(data)
    const canonical = [Math.floor(ts.ms / 1000), callId, queue, agent, verb, ...data].join('|')
    return { kind: 'record', record: { ts: ts.ms, callId, queue, agent, verb, data, canonical } }
  }

  // ——— records → events ———

  /** Drafts with their times; 'skipped' for a verb not mapped; a problem's reason. */
  private map(r: QueueLogRecord): Array<[Draft, number]> | 'skipped' | ProblemReason {
    const call = CALL_VERBS[r.verb]
    if (call) return this.mapCall(r, call)
    if (AGENT_VERBS[r.verb]) return this.mapAgent(r, AGENT_VERBS[r.verb]!.queue)
    return 'skipped'
  }

  private mapCall(r: QueueLogRecord, spec: (typeof CALL_VERBS)[string]): Array<[Draft, number]> | 'skipped' | ProblemReason {
    if (isNone(r.callId)) return 'missing-call-id'
    if (isNone(r.queue)) return 'missing-queue'
    if (r.data.length < spec.min) return 'truncated'
    for (const n of spec.numeric) {
      const field = r.data[n < 0 ? r.data.length + n : n]
      if (field !== undefined && field !== '' && !INTEGER.test(field.trim())) return 'bad-data'
    }
    const agent = spec.agent ? agentIdOf(r.agent, this.options.agentAliases) : null
    if (spec.agent && agent === null) return 'missing-agent'
    if (agent !== null && agent.length > 128) return 'bad-data'
    // A member offered or connected to a queue's call belongs to that queue: the membership sent
    // with its next agent.state includes it (static members never get an ADDMEMBER line).
    if (agent !== null) this.learnQueue(agent, r.queue)
    const { callId, queue } = r
    const one = (d: Draft): Array<[Draft, number]> => [[d, r.ts]]
    switch (r.verb) {
      case 'ENTERQUEUE': {
        const caller = clean(r.data[1] ?? '', 128)
        return one({ type: 'call.queued', callId, queue, channel: 'voice', ...(caller ? { caller } : {}) })
      }
      case 'CONNECT':
        return one({ type: 'call.answered', callId, queue, agent: agent! })
      case 'COMPLETEAGENT':
      case 'COMPLETECALLER':
        return one({ type: 'call.ended', callId, queue, agent: agent!, by: r.verb === 'COMPLETEAGENT' ? 'agent' : 'caller' })
      case 'TRANSFER':
      case 'BLINDTRANSFER': {
        const [exten = '', context = ''] = r.data
        const to = clean(context ? `${exten}@${context}` : exten, 128)
        return one({ type: 'call.transferred', callId, queue, agent: agent!, ...(to ? { to } : {}) })
      }
      case 'ATTENDEDTRANSFER': {
        // method|target…: BRIDGE|<bridge id>, APP|<application>, LINK|<channel>|<channel>
        const to = clean(r.data[1] ?? '', 128)
        return one({ type: 'call.transferred', callId, queue, agent: agent!, ...(to ? { to } : {}) })
      }
      case 'ABANDON':
        // Some versions and vendors name the member that was ringing: still the caller's hang-up.
        return one({ type: 'call.abandoned', callId, queue })
      case 'RINGNOANSWER':
      case 'RINGCANCELED': {
        const ringMs = Number(r.data[0])
        // A zero ring time is an attempt that never rang (the member was busy or unreachable).
        if (this.options.ringAttempts !== 'ringing' || !(ringMs > 0)) return 'skipped'
        const start = r.ts - ringMs
        if (start < MIN_TS) return 'bad-data'
        return [[{ type: 'call.ringing', callId, queue, agent: agent! }, start]]
      }
      default:
        return one({ type: 'call.overflowed', callId, queue, reason: OVERFLOW[r.verb]! })
    }
  }

  private learnQueue(agent: string, queue: string): void {
    const m = this.agents.get(agent)
    // Its time stays 0: a call line says nothing about the agent's own state.
    if (!m) this.agents.set(agent, { ...newMemory(0), queues: [queue] })
    else m.queues = withQueue(m.queues, queue)
  }

  /**
   * Agent lines change the agent's remembered state; an agent.state is sent only when its state,
   * pause reason or (on a membership line) its queues change. So PAUSEALL and the per-queue PAUSE
   * lines that follow it make one `paused`, and UNPAUSEALL with its UNPAUSE lines one `available`.
   * The agent is paused while it is paused everywhere (PAUSEALL) or in any queue, and offline after
   * a logoff or when its last queue is removed.
   */
  private mapAgent(r: QueueLogRecord, needsQueue: boolean): Array<[Draft, number]> | ProblemReason {
    const id = agentIdOf(r.agent, this.options.agentAliases)
    if (id === null) return 'missing-agent'
    if (id.length > 128) return 'bad-data'
    const queue = isNone(r.queue) ? null : r.queue
    if (needsQueue && queue === null) return 'missing-queue'
    const name = clean(r.agent, 200)
    // Only pause lines carry a reason (ADDMEMBER's data is `PAUSED`, a logoff's is its channel).
    const pauseReason = r.verb === 'PAUSE' || r.verb === 'PAUSEALL' ? clean(r.data[0] ?? '', 64).toLowerCase() : ''
    const was = this.agents.get(id)
    // A line older than the agent's newest one is history: it is sent as the line says, without
    // queues, and changes nothing remembered (the newest line already decided the state now).
    if (was && r.ts < was.ts && was.state !== null) return this.lateAgentLine(r, id, name, pauseReason)

    const m: AgentMemory = was ? { ...was } : newMemory(r.ts)
    m.ts = Math.max(m.ts, r.ts)
    let membershipLine = false
    let offline = false
    switch (r.verb) {
      case 'ADDMEMBER':
        m.queues = withQueue(m.queues, queue!)
        m.explicit = membershipLine = true
        if ((r.data[0] ?? '').toUpperCase() === 'PAUSED') m.pausedIn = withQueue(m.pausedIn, queue!)
        else m.pausedIn = withoutQueue(m.pausedIn, queue!)
        break
      case 'REMOVEMEMBER':
        m.queues = withoutQueue(m.queues, queue!)
        m.pausedIn = withoutQueue(m.pausedIn, queue!)
        m.explicit = membershipLine = true
        offline = m.queues.length === 0
        break
      case 'AGENTLOGIN':
      case 'AGENTCALLBACKLOGIN':
        if (queue !== null) {
          m.queues = withQueue(m.queues, queue)
          m.explicit = membershipLine = true
        }
        m.pausedIn = []
        m.pausedAll = false
        break
      case 'AGENTLOGOFF':
      case 'AGENTCALLBACKLOGOFF':
        if (queue !== null) {
          m.queues = withoutQueue(m.queues, queue)
          m.pausedIn = withoutQueue(m.pausedIn, queue)
          m.explicit = membershipLine = true
        }
        offline = queue === null || m.queues.length === 0
        break
      case 'PAUSE':
      case 'PAUSEALL':
        if (queue === null) m.pausedAll = true
        else {
          m.queues = withQueue(m.queues, queue)
          m.pausedIn = withQueue(m.pausedIn, queue)
        }
        break
      case 'UNPAUSE':
      case 'UNPAUSEALL':
        if (queue === null) m.pausedIn = []
        else {
          m.queues = withQueue(m.queues, queue)
          m.pausedIn = withoutQueue(m.pausedIn, queue)
        }
        m.pausedAll = false
        break
    }
    if (offline) {
      m.pausedIn = []
      m.pausedAll = false
    }
    const paused = m.pausedAll || m.pausedIn.length > 0
    m.state = offline ? 'offline' : paused ? 'paused' : 'available'
    // A pause line's reason replaces the reason; an empty one keeps the reason of a pause going on.
    m.reason = m.state !== 'paused' ? null : pauseReason || (was?.state === 'paused' ? was.reason : null)
    this.agents.set(id, m)

    const changed =
      !was ||
      was.state !== m.state ||
      was.reason !== m.reason ||
      (membershipLine && (!was.explicit || !sameList(was.queues, m.queues)))
    if (!changed) return []
    return [
      [
        {
          type: 'agent.state',
          agent: id,
          state: m.state,
          ...(m.reason !== null ? { reason: m.reason } : {}),
          ...(m.explicit ? { queues: [...m.queues] } : {}),
          name,
        },
        r.ts,
      ],
    ]
  }

  private lateAgentLine(r: QueueLogRecord, id: string, name: string, reason: string): Array<[Draft, number]> {
    let state: AgentOwnState
    switch (r.verb) {
      case 'REMOVEMEMBER':
        return [] // whether it left the agent in other queues then is not known
      case 'AGENTLOGOFF':
      case 'AGENTCALLBACKLOGOFF':
        if (!isNone(r.queue)) return []
        state = 'offline'
        break
      case 'PAUSE':
      case 'PAUSEALL':
        state = 'paused'
        break
      case 'ADDMEMBER':
        state = (r.data[0] ?? '').toUpperCase() === 'PAUSED' ? 'paused' : 'available'
        break
      default:
        state = 'available'
    }
    const withReason = reason ? { reason } : {}
    return [[{ type: 'agent.state', agent: id, state, ...withReason, name }, r.ts]]
  }

  // ——— bookkeeping ———

  private remember(hash: string): void {
    this.recent.add(hash)
    this.recentOrder.push(hash)
    while (this.recent.size > this.options.rememberLines) {
      this.recent.delete(this.recentOrder[this.recentHead++]!)
    }
    if (this.recentHead > 4096 && this.recentHead * 2 > this.recentOrder.length) {
      this.recentOrder = this.recentOrder.slice(this.recentHead)
      this.recentHead = 0
    }
  }

  private skip(verb: string): void {
    countSkipped(this.counts, verb)
  }

  private problem(line: string, reason: ProblemReason): [] {
    countProblem(this.counts, line, reason, this.options.keepProblems)
    return []
  }
}

/** Parses a whole text with a new parser: its events and its counters. */
export function parseQueueLog(text: string, options: QueueLogOptions): { events: WallboardEvent[]; stats: QueueLogStats } {
  const parser = new QueueLogParser(options)
  const events = parser.parseText(text)
  return { events, stats: parser.stats }
}
