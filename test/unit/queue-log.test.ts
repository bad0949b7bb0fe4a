// The Asterisk queue_log parser (server/ingest/queue-log/parse.ts): every verb of the mapping in
// events.md, agents' membership and pauses across lines, the table form as CSV, bad lines, and
// event ids derived from line content. Fixtures: test/fixtures/queue_log/.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type WallboardEvent, validateEvent } from '../../shared/events.js'
import { agentsAfter, today } from './fixtures.js'
import {
  type QueueLogOptions,
  QueueLogParser,
  agentIdOf,
  parseQueueLog,
  parseQueueLogTime,
  splitCsvRow,
} from '../../server/ingest/queue-log/parse.js'

/** 2026-03-02 09:00:00 in Shanghai: the first line of most fixtures, in epoch seconds. */
const T0 = 1772413200
/** Server time for validateEvent: after every fixture. */
const NOW = Date.UTC(2027, 0, 1)
const FIXTURES = [
  'stock.log',
  'legacy.log',
  'overflow.log',
  'pause.log',
  'messy.log',
  'table-epoch.csv',
  'table-datetime.csv',
  'table-joined.csv',
]
const OPTIONS: QueueLogOptions = { source: 'pbx-1', timeZone: 'America/New_York' }

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/queue_log/${name}`, import.meta.url), 'utf8')
}

function parse(name: string, options: Partial<QueueLogOptions> = {}) {
  return parseQueueLog(fixture(name), { ...OPTIONS, ...options })
}

/** Each line of a text with the events it made, in short form. */
function lineByLine(text: string, options: Partial<QueueLogOptions> = {}): Array<[verb: string, events: string[]]> {
  const parser = new QueueLogParser({ ...OPTIONS, ...options })
  return text
    .trimEnd()
    .split('\n')
    .map((line) => [line.split('|')[4] ?? '', parser.parseLine(line).map(brief)])
}

function brief(e: WallboardEvent): string {
  switch (e.type) {
    case 'agent.state':
      return `agent ${e.agent} ${e.state}${e.reason ? ` (${e.reason})` : ''}${e.queues ? ` [${e.queues.join(',')}]` : ''}`
    case 'call.queued':
      return `queued ${e.queue} from ${e.caller ?? '-'}`
    case 'call.ringing':
    case 'call.answered':
      return `${e.type.slice(5)} ${e.queue} ${e.agent}`
    case 'call.ended':
      return `ended ${e.queue} ${e.agent} by ${e.by}`
    case 'call.transferred':
      return `transferred ${e.queue} ${e.agent} to ${e.to}`
    case 'call.overflowed':
      return `overflowed ${e.queue} ${e.reason}`
    case 'call.abandoned':
      return `abandoned ${e.queue}`
    default:
      return e.type
  }
}

const line = (dt: number, ...fields: string[]) => [T0 + dt, ...fields].join('|')

describe('queue_log: the mapping of every verb', () => {
  it('maps every stock verb of current Asterisk as events.md says, line by line', () => {
    expect(lineByLine(fixture('stock.log'))).toEqual([
      ['QUEUESTART', []],
      ['CONFIGRELOAD', []],
      ['ADDMEMBER', ['agent 2001 available [sales]']],
      ['ADDMEMBER', ['agent 2001 available [sales,support]']],
      ['ADDMEMBER', ['agent 2002 paused [sales]']],
      ['PENALTY', []],
      ['UNPAUSE', ['agent 2002 available [sales]']],
      ['ENTERQUEUE', ['queued sales from 13800138000']],
      ['RINGNOANSWER', []],
      ['CONNECT', ['answered sales 2001']],
      ['COMPLETEAGENT', ['ended sales 2001 by agent']],
      ['ENTERQUEUE', ['queued support from 13900139000']],
      ['CONNECT', ['answered support 2001']],
      ['COMPLETECALLER', ['ended support 2001 by caller']],
      ['ENTERQUEUE', ['queued sales from 13700137000']],
      ['CONNECT', ['answered sales 2002']],
      ['BLINDTRANSFER', ['transferred sales 2002 to 8000@from-internal']],
      ['ENTERQUEUE', ['queued sales from 13600136000']],
      ['CONNECT', ['answered sales 2001']],
      ['ATTENDEDTRANSFER', ['transferred sales 2001 to 5b2e6c2a-3f1d-4c8e-9a47-0c1d2e3f4a5b']],
      ['ENTERQUEUE', ['queued sales from 13500135000']],
      ['CONNECT', ['answered sales 2002']],
      ['ATTENDEDTRANSFER', ['transferred sales 2002 to VoiceMail']],
      ['ENTERQUEUE', ['queued support from 13400134000']],
      ['CONNECT', ['answered support 2001']],
      ['ATTENDEDTRANSFER', ['transferred support 2001 to Local/8000@from-internal-00000001;1']],
      ['ENTERQUEUE', ['queued sales from 13300133000']],
      ['RINGCANCELED', []],
      ['ABANDON', ['abandoned sales']],
      ['ENTERQUEUE', ['queued sales from 13200132000']],
      ['EXITWITHTIMEOUT', ['overflowed sales timeout']],
      ['ENTERQUEUE', ['queued support from 13100131000']],
      ['EXITWITHKEY', ['overflowed support key']],
      ['ENTERQUEUE', ['queued support from 13000130000']],
      ['EXITEMPTY', ['overflowed support empty']],
      ['ENTERQUEUE', ['queued sales from 18900189000']],
      ['WITHDRAW', ['overflowed sales withdrawn']],
      ['ENTERQUEUE', ['queued sales from 18800188000']],
      ['AGENTDUMP', []],
      ['CONNECT', ['answered sales 2001']],
      ['COMPLETECALLER', ['ended sales 2001 by caller']],
      ['ENTERQUEUE', ['queued sales from 18700187000']],
      ['SYSCOMPAT', []],
      ['ABANDON', ['abandoned sales']],
      ['PAUSEALL', ['agent 2001 paused (lunch) [sales,support]']],
      ['PAUSE', []],
      ['PAUSE', []],
      ['UNPAUSEALL', ['agent 2001 available [sales,support]']],
      ['UNPAUSE', []],
      ['UNPAUSE', []],
      ['AGENTLOGIN', ['agent 3001 available']],
      ['AGENTLOGOFF', ['agent 3001 offline']],
      ['REMOVEMEMBER', ['agent 2002 offline []']],
      ['REMOVEMEMBER', ['agent 2001 available [sales]']],
      ['REMOVEMEMBER', ['agent 2001 offline []']],
    ])
  })

  it('counts the verbs it does not map, by verb, and the lines that changed nothing', () => {
    const { stats } = parse('stock.log')
    expect(stats.skipped).toEqual({
      QUEUESTART: 1,
      CONFIGRELOAD: 1,
      PENALTY: 1,
      RINGNOANSWER: 1,
      RINGCANCELED: 1,
      AGENTDUMP: 1,
      SYSCOMPAT: 1,
    })
    expect(stats.unchanged).toBe(4)
    expect(stats).toMatchObject({ lines: 55, events: 44, problems: {} })
  })

  it.each(FIXTURES)('makes only events that pass validateEvent, each with its source and its own id (%s)', (name) => {
    const { events } = parse(name)
    expect(events.length).toBeGreaterThan(0)
    for (const e of events) {
      const v = validateEvent(e, NOW)
      expect(v.ok ? null : `${v.field}: ${v.error} in ${JSON.stringify(e)}`).toBeNull()
      expect(e.source).toBe('pbx-1')
      expect(e.id).toMatch(/^ql-[0-9a-f]{32}$/)
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  })

  it('stamps each event with its line time in epoch ms', () => {
    const queued = parse('stock.log').events.find((e) => e.type === 'call.queued')
    expect(queued).toMatchObject({ callId: `${T0 + 10}.101`, queue: 'sales', ts: (T0 + 10) * 1000, channel: 'voice' })
  })
})

describe('queue_log: through the figures', () => {
  it('gives the stock log its counts, and the lunch taken with PAUSEALL once (20 minutes)', () => {
    const { events } = parse('stock.log')
    const nowMs = (T0 + 3650) * 1000
    expect(today(events, nowMs, undefined, 'sales')).toMatchObject({
      offered: 9,
      answered: 5,
      abandoned: 2,
      overflowed: 2,
      waitUnknown: 0,
    })
    const agent2001 = agentsAfter(events, nowMs).find((a) => a.id === '2001')
    expect(agent2001?.today.pausedMs).toEqual({ lunch: 20 * 60_000 })
    expect(agent2001?.handledToday).toBe(5)
  })
})

describe('queue_log: ring attempts (ring times in milliseconds)', () => {
  it('skips RINGNOANSWER and RINGCANCELED by default: the line comes when the ring is over', () => {
    const { events, stats } = parse('stock.log')
    expect(events.some((e) => e.type === 'call.ringing')).toBe(false)
    expect(stats.skipped).toMatchObject({ RINGNOANSWER: 1, RINGCANCELED: 1 })
  })

  it('with ringAttempts: ringing, sends call.ringing at the start of the ring, its time read in ms', () => {
    const ringing = parse('stock.log', { ringAttempts: 'ringing' }).events.filter((e) => e.type === 'call.ringing')
    expect(ringing.map((e) => [brief(e), e.ts])).toEqual([
      ['ringing sales 2002', (T0 + 25) * 1000 - 15_000],
      ['ringing sales 2001', (T0 + 708) * 1000 - 7_500],
    ])
  })

  it('treats a zero ring time as an attempt that never rang', () => {
    const parser = new QueueLogParser({ ...OPTIONS, ringAttempts: 'ringing' })
    expect(parser.parseLine(line(5, `${T0}.9`, 'sales', 'PJSIP/2001', 'RINGNOANSWER', '0'))).toEqual([])
    expect(parser.stats.skipped).toEqual({ RINGNOANSWER: 1 })
  })
})

describe('queue_log: agents', () => {
  it('counts a PAUSEALL and the per-queue PAUSE lines after it as one pause, and the same for UNPAUSEALL', () => {
    const rows = lineByLine(fixture('pause.log'))
    expect(rows.slice(2, 8)).toEqual([
      ['PAUSEALL', ['agent 2001 paused (lunch) [sales,support]']],
      ['PAUSE', []],
      ['PAUSE', []],
      ['UNPAUSEALL', ['agent 2001 available [sales,support]']],
      ['UNPAUSE', []],
      ['UNPAUSE', []],
    ])
  })

  it('keeps an agent paused in two queues paused until it is unpaused in both', () => {
    expect(lineByLine(fixture('pause.log')).slice(8, 12)).toEqual([
      ['PAUSE', ['agent 2001 paused (training) [sales,support]']],
      ['PAUSE', []],
      ['UNPAUSE', []],
      ['UNPAUSE', ['agent 2001 available [sales,support]']],
    ])
  })

  it('sends a new pause reason while paused as a change', () => {
    expect(lineByLine(fixture('pause.log')).slice(12)).toEqual([
      ['PAUSE', ['agent 2001 paused (break) [sales,support]']],
      ['PAUSE', ['agent 2001 paused (meeting) [sales,support]']],
      ['UNPAUSE', ['agent 2001 available [sales,support]']],
    ])
  })

  it('reads a PAUSE or UNPAUSE that names no queue as everywhere', () => {
    const text = [
      line(0, 'MANAGER', 'sales', 'PJSIP/2001', 'ADDMEMBER', ''),
      line(1, 'NONE', 'NONE', 'PJSIP/2001', 'PAUSE', 'Meeting'),
      line(2, 'NONE', 'sales', 'PJSIP/2001', 'PAUSE', 'Meeting'),
      line(3, 'NONE', 'NONE', 'PJSIP/2001', 'UNPAUSE', ''),
    ].join('\n')
    expect(lineByLine(text).map(([, events]) => events)).toEqual([
      ['agent 2001 available [sales]'],
      ['agent 2001 paused (meeting) [sales]'],
      [],
      ['agent 2001 available [sales]'],
    ])
  })

  it('sends no membership until a membership line names one, then adds the queues its calls came from', () => {
    const text = [
      line(0, `${T0}.1`, 'sales', 'PJSIP/2001', 'CONNECT', '3', `${T0}.2`, '1'),
      line(1, 'NONE', 'sales', 'PJSIP/2001', 'PAUSE', 'Break'),
      line(2, 'NONE', 'sales', 'PJSIP/2001', 'UNPAUSE', ''),
      line(3, 'MANAGER', 'support', 'PJSIP/2001', 'ADDMEMBER', ''),
    ].join('\n')
    expect(lineByLine(text).map(([, events]) => events)).toEqual([
      ['answered sales 2001'],
      ['agent 2001 paused (break)'],
      ['agent 2001 available'],
      ['agent 2001 available [sales,support]'],
    ])
  })

  it('maps callback agents, agent logins and logoffs (legacy chan_agent and app_agent_pool)', () => {
    const agents = parse('legacy.log').events.filter((e) => e.type === 'agent.state')
    expect(agents.map((e) => [brief(e), e.type === 'agent.state' && e.name])).toEqual([
      ['agent 1001 available', 'Agent/1001'],
      ['agent 1002 available', 'Agent/1002'],
      ['agent 1001 offline', 'Agent/1001'],
      ['agent 1002 offline', 'Agent/1002'],
    ])
  })

  it('sends a line older than the agent’s newest one as history, leaving the state now unchanged', () => {
    const text = [
      line(0, 'MANAGER', 'sales', 'PJSIP/2001', 'ADDMEMBER', ''),
      line(100, 'NONE', 'sales', 'PJSIP/2001', 'PAUSE', 'Lunch'),
      line(50, 'NONE', 'sales', 'PJSIP/2001', 'UNPAUSE', ''),
      line(200, 'NONE', 'sales', 'PJSIP/2001', 'UNPAUSE', ''),
    ].join('\n')
    const parser = new QueueLogParser(OPTIONS)
    const events = parser.parseText(text)
    expect(events.map((e) => [brief(e), e.ts / 1000 - T0])).toEqual([
      ['agent 2001 available [sales]', 0],
      ['agent 2001 paused (lunch) [sales]', 100],
      ['agent 2001 available', 50],
      ['agent 2001 available [sales]', 200],
    ])
    expect(parser.stats.problems).toEqual({ 'out-of-order': 1 })
  })

  it.each([
    ['SIP/2001', '2001'],
    ['PJSIP/2001', '2001'],
    ['IAX2/2001', '2001'],
    ['Agent/2001', '2001'],
    ['Local/2001@from-queue/n', '2001'],
    ['Local/2001@from-internal', '2001'],
    ['pjsip/2001', '2001'],
    ['Alice Chen', 'Alice Chen'],
    [' 2001 ', '2001'],
    ['Sales/Team', 'Sales/Team'],
    ['NONE', null],
    ['', null],
  ])('normalises the agent field %j to the agent id %j', (raw, id) => {
    expect(agentIdOf(raw)).toBe(id)
  })

  it('lets aliases join names the rule cannot, by raw field or by id', () => {
    const aliases = { Alice: 'alice', '2001': 'alice' }
    expect(agentIdOf('PJSIP/2001', aliases)).toBe('alice')
    expect(agentIdOf('Alice', aliases)).toBe('alice')
    expect(agentIdOf('PJSIP/2002', aliases)).toBe('2002')
    // FreePBX without log_membername_as_agent: PAUSEALL names the interface, PAUSE the member name.
    const text = [
      line(0, 'NONE', 'NONE', 'PJSIP/2001', 'PAUSEALL', 'Lunch'),
      line(0, 'NONE', 'sales', 'Alice', 'PAUSE', 'Lunch'),
    ].join('\n')
    expect(lineByLine(text, { agentAliases: aliases }).map(([, events]) => events)).toEqual([['agent alice paused (lunch)'], []])
  })
})

describe('queue_log: calls', () => {
  it('keys a call that enters a second queue by (callid, queue): two visits of one uniqueid', () => {
    const calls = parse('overflow.log').events.filter((e) => e.type !== 'agent.state')
    expect(calls.map((e) => [brief(e), 'callId' in e && e.callId])).toEqual([
      ['queued sales from 13800138000', `${T0 + 10}.401`],
      ['overflowed sales timeout', `${T0 + 10}.401`],
      ['queued support from 13800138000', `${T0 + 10}.401`],
      ['answered support 2001', `${T0 + 10}.401`],
      ['ended support 2001 by caller', `${T0 + 10}.401`],
    ])
  })

  it('keeps an ABANDON that names an agent an abandon', () => {
    const rows = lineByLine(fixture('legacy.log'))
    expect(rows[8]).toEqual(['ABANDON', ['abandoned sales']])
  })

  it('reads the older lines: ENTERQUEUE without position, CONNECT without ring time, TRANSFER, members by name', () => {
    expect(lineByLine(fixture('legacy.log')).filter(([, events]) => events.length > 0)).toEqual([
      ['AGENTCALLBACKLOGIN', ['agent 1001 available']],
      ['AGENTLOGIN', ['agent 1002 available']],
      ['ENTERQUEUE', ['queued sales from 13800138000']],
      ['CONNECT', ['answered sales 1001']],
      ['TRANSFER', ['transferred sales 1001 to 8000@from-internal']],
      ['ENTERQUEUE', ['queued sales from 13900139000']],
      ['ABANDON', ['abandoned sales']],
      ['ENTERQUEUE', ['queued support from anonymous']],
      ['CONNECT', ['answered support Alice Chen']],
      ['COMPLETEAGENT', ['ended support Alice Chen by agent']],
      ['AGENTCALLBACKLOGOFF', ['agent 1001 offline']],
      ['AGENTLOGOFF', ['agent 1002 offline']],
    ])
  })

  it('skips and counts FreePBX DID and INFO lines, vendor verbs, unknown verbs and PBXware OUT* lines', () => {
    expect(parse('legacy.log').stats.skipped).toEqual({
      DID: 1,
      INFO: 1,
      JOINEMPTY: 1,
      FULL: 1,
      OUTCALL: 1,
      OUTANSWERED: 1,
      OUTCOMPLETE: 1,
      OUTFAILED: 1,
      CUSTOMSURVEY: 1,
    })
  })

  it('leaves out an empty caller id rather than sending an empty one', () => {
    const parser = new QueueLogParser(OPTIONS)
    const [queued] = parser.parseLine(line(0, `${T0}.7`, 'sales', 'NONE', 'ENTERQUEUE', '', '', '1'))
    expect(queued).toBeDefined()
    expect(queued).not.toHaveProperty('caller')
  })
})

describe('queue_log: bad lines', () => {
  it('counts each problem with its reason and maps every good line, out-of-order ones too', () => {
    const { events, stats } = parse('messy.log')
    expect(stats.problems).toEqual({
      blank: 2,
      truncated: 3,
      'bad-time': 1,
      'out-of-order': 1,
      repeated: 1,
      'missing-call-id': 1,
      'missing-queue': 1,
      'missing-agent': 1,
      'bad-data': 1,
    })
    expect(events.map((e) => [brief(e), e.ts / 1000 - T0])).toEqual([
      ['queued sales from 13800138000', 10],
      ['answered sales 2001', 20],
      ['queued sales from 13700137000', 15],
      ['ended sales 2001 by caller', 90],
    ])
    expect(stats.lines).toBe(15)
  })

  it('keeps the last N problem lines with their reasons; the line cut at the end of the file is the last', () => {
    const { stats } = parse('messy.log', { keepProblems: 3 })
    expect(stats.recentProblems).toEqual([
      { line: `${T0 + 28}|${T0 + 15}.504|sales|NONE|CONNECT|13|${T0 + 27}.506|1`, reason: 'missing-agent' },
      { line: `${T0 + 29}|${T0 + 15}.504|sales|NONE|ABANDON|x|2|14`, reason: 'bad-data' },
      { line: `${T0 + 95}|${T0 + 95}.507|sal`, reason: 'truncated' },
    ])
  })

  it.each([
    ['a non-numeric time', 'soon|c1|sales|NONE|ENTERQUEUE||1|1', 'bad-time'],
    ['a time before 2000', '946684799|c1|sales|NONE|ENTERQUEUE||1|1', 'bad-time'],
    ['a date that does not exist', '2026-02-30 10:00:00|c1|sales|NONE|ENTERQUEUE||1|1', 'bad-time'],
    ['a control character in an id', `${T0}|c\u00071|sales|NONE|ENTERQUEUE||1|1`, 'bad-data'],
    ['an id longer than 128 characters', `${T0}|${'c'.repeat(129)}|sales|NONE|ENTERQUEUE||1|1`, 'bad-data'],
    ['an empty verb', `${T0}|c1|sales|NONE|`, 'truncated'],
    ['a CSV row cut inside a quote', `${T0},c1,sales,NONE,PAUSE,"Lun`, 'truncated'],
    ['a line longer than 8 KB', `${T0}|c1|sales|NONE|ENTERQUEUE||${'1'.repeat(9000)}`, 'too-long'],
  ])('refuses %s', (_what, text, reason) => {
    const parser = new QueueLogParser(OPTIONS)
    expect(parser.parseLine(text)).toEqual([])
    expect(parser.stats.problems).toEqual({ [reason]: 1 })
  })

  it('never throws on arbitrary lines, and every event it makes passes validateEvent', () => {
    const field = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('NONE', 'sales', 'PJSIP/2001', 'Local/2001@from-queue/n', `${T0}.1`, `${T0}`, '2026-03-08 02:30:00'),
      fc.constantFrom('ENTERQUEUE', 'CONNECT', 'ABANDON', 'PAUSE', 'PAUSEALL', 'ADDMEMBER', 'REMOVEMEMBER', 'RINGNOANSWER'),
      fc.integer({ min: -5, max: 100_000 }).map(String),
    )
    const row = fc.tuple(fc.array(field, { maxLength: 10 }), fc.constantFrom('|', ',')).map(([f, sep]) => f.join(sep))
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 20 }),
        fc.constantFrom<'skip' | 'ringing'>('skip', 'ringing'),
        (lines, ringAttempts) => {
          const parser = new QueueLogParser({ ...OPTIONS, ringAttempts })
          for (const l of lines) {
            for (const e of parser.parseLine(l)) expect(validateEvent(e, NOW).ok).toBe(true)
          }
          expect(parser.stats.lines).toBe(lines.length)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('queue_log: the table form as CSV', () => {
  it('gives headerless epoch rows the events and ids of the same lines in the file', () => {
    const fromFile = parse('stock.log').events.filter((e) => 'callId' in e && e.callId === `${T0 + 10}.101`)
    const fromTable = parse('table-epoch.csv').events.filter((e) => 'callId' in e && e.callId === `${T0 + 10}.101`)
    expect(fromTable).toEqual(fromFile)
    expect(fromTable).toHaveLength(3)
  })

  it('reads epoch times with a fraction and in milliseconds', () => {
    const { events } = parse('table-epoch.csv')
    expect(events.slice(3).map((e) => [brief(e), e.ts])).toEqual([
      ['queued support from 13900139000', (T0 + 200) * 1000 + 250],
      ['abandoned support', (T0 + 230) * 1000 + 750],
    ])
  })

  it('reads table times in the zone given, across both clock changes of the year', () => {
    const { events, stats } = parse('table-datetime.csv')
    expect(stats.headers).toBe(1)
    expect(events.map((e) => [brief(e), new Date(e.ts).toISOString()])).toEqual([
      // 01:59:58.5 EST, then 03:00:05 EDT: 6.5 s later, not an hour and 6.5 s
      ['queued sales from 12125550100', '2026-03-08T06:59:58.500Z'],
      ['answered sales 3001', '2026-03-08T07:00:05.000Z'],
      ['ended sales 3001 by caller', '2026-03-08T07:10:05.000Z'],
      // 02:30 does not exist that night: read as EST, it is 03:30 EDT
      ['queued sales from 12125550101', '2026-03-08T07:30:00.000Z'],
      // 01:30 happens twice on 1 November: the first, in EDT
      ['agent 3001 paused (lunch, long)', '2026-11-01T05:30:00.000Z'],
      ['agent 3001 available', '2026-11-01T05:59:59.999Z'],
    ])
  })

  it('refuses table times without a time zone, naming the reason', () => {
    const { events, stats } = parseQueueLog(fixture('table-datetime.csv'), { source: 'pbx-1' })
    expect(events).toEqual([])
    expect(stats.problems).toEqual({ 'no-time-zone': 6 })
  })

  it('splits the single data column of the older table on pipes, with the ids of the file', () => {
    const fromFile = parse('stock.log').events.slice(4, 6)
    expect(parse('table-joined.csv').events).toEqual(fromFile)
  })

  it.each([
    ['a,b,,c', ['a', 'b', '', 'c']],
    [' a , b ', ['a', 'b']],
    ['"a,b","say ""hi""",c', ['a,b', 'say "hi"', 'c']],
    ['a,', ['a', '']],
    ['"open,b', null],
  ])('splits the CSV row %j', (row, fields) => {
    expect(splitCsvRow(row)).toEqual(fields)
  })

  it.each([
    ['1772413200', undefined, Date.UTC(2026, 2, 2, 1)],
    ['1772413200.5', undefined, Date.UTC(2026, 2, 2, 1) + 500],
    ['1772413200123', undefined, Date.UTC(2026, 2, 2, 1) + 123],
    ['2026-03-02 09:00:00', 'Asia/Shanghai', Date.UTC(2026, 2, 2, 1)],
    ['2026-03-02 09:00:00.896208', 'Asia/Shanghai', Date.UTC(2026, 2, 2, 1) + 896],
    ['2026-03-02 09:00:00+08', undefined, Date.UTC(2026, 2, 2, 1)],
    ['2026-03-02T01:00:00Z', undefined, Date.UTC(2026, 2, 2, 1)],
  ])('reads the time %j (zone %s)', (text, zone, ms) => {
    expect(parseQueueLogTime(text, zone)).toEqual({ ok: true, ms })
  })

  it('refuses an unknown time zone when the parser is made', () => {
    expect(() => new QueueLogParser({ source: 'pbx-1', timeZone: 'Mars/Olympus' })).toThrow(RangeError)
  })
})

describe('queue_log: event ids from line content', () => {
  it('gives identical ids when the same file is parsed twice', () => {
    for (const name of FIXTURES) {
      expect(parse(name).events.map((e) => e.id)).toEqual(parse(name).events.map((e) => e.id))
    }
  })

  it('gives a different id when one character of the line changes', () => {
    const a = line(10, `${T0}.1`, 'sales', 'NONE', 'ENTERQUEUE', '', '13800138000', '1')
    const b = line(10, `${T0}.1`, 'sales', 'NONE', 'ENTERQUEUE', '', '13800138001', '1')
    const [ea] = new QueueLogParser(OPTIONS).parseLine(a)
    const [eb] = new QueueLogParser(OPTIONS).parseLine(b)
    expect(ea!.id).not.toBe(eb!.id)
  })

  it('counts a line repeated verbatim once', () => {
    const a = line(10, `${T0}.1`, 'sales', 'NONE', 'ENTERQUEUE', '', '13800138000', '1')
    const { events, stats } = parseQueueLog(`${a}\n${a}\n`, OPTIONS)
    expect(events).toHaveLength(1)
    expect(stats.problems).toEqual({ repeated: 1 })
  })

  it('ignores the line ending and a byte-order mark, but not the source', () => {
    const a = line(10, `${T0}.1`, 'sales', 'NONE', 'ENTERQUEUE', '', '13800138000', '1')
    const id = (text: string, source = 'pbx-1') => new QueueLogParser({ source }).parseText(text)[0]!.id
    expect(id(`${a}\r\n`)).toBe(id(`${a}\n`))
    expect(id(`\uFEFF${a}`)).toBe(id(a))
    expect(id(a, 'pbx-2')).not.toBe(id(a))
  })
})

describe('queue_log: resuming from saved state', () => {
  it('gives the events of one pass when it stops anywhere and resumes from its exported state', () => {
    const lines = fixture('stock.log').trimEnd().split('\n')
    const whole = parse('stock.log').events
    // Line 45 is the PAUSEALL: a restart right after it must not count the per-queue PAUSE lines again.
    for (const cut of [3, 10, 45, 46, 52]) {
      const first = new QueueLogParser(OPTIONS)
      const before = lines.slice(0, cut).flatMap((l) => first.parseLine(l))
      const saved = JSON.parse(JSON.stringify(first.exportState())) as ReturnType<QueueLogParser['exportState']>
      const second = new QueueLogParser(OPTIONS, saved)
      const after = lines.slice(cut).flatMap((l) => second.parseLine(l))
      expect([...before, ...after]).toEqual(whole)
      // The remembered lines make a re-read of the first part count as repeats, not as new events.
      expect(lines.slice(0, cut).flatMap((l) => second.parseLine(l))).toEqual([])
    }
  })
})
