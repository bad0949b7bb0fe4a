// The Asterisk Manager Interface: framing (server/ingest/ami/protocol.ts) and the mapping of events
// to the contract (server/ingest/ami/map.ts) on a recorded session (test/fixtures/ami/): ids stable
// across resyncs, one agent.state per real change, bad messages counted, never a throw.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type WallboardEvent, validateEvent } from '../../shared/events.js'
import { AmiFramer, type Frame, formatAction } from '../../server/ingest/ami/protocol.js'
import { type AmiMapperOptions, AmiMapper } from '../../server/ingest/ami/map.js'
import { amiFixture, messagesOf } from '../support/ami-server.js'
import { agentsAfter, queueOf, run } from './fixtures.js'

/** 2026-03-02 09:00:00 in Shanghai: the recording's connect, epoch ms. */
const T0 = 1772413200_000
/** Server time for validateEvent: after every fixture. */
const NOW = Date.UTC(2027, 0, 1)
const OPTIONS: AmiMapperOptions = { source: 'pbx-1', agentAliases: { 'Chen Jie': '2003' } }

function brief(e: WallboardEvent): string {
  switch (e.type) {
    case 'agent.state':
      return `agent ${e.agent} ${e.state}${e.reason ? ` (${e.reason})` : ''}${e.queues ? ` [${e.queues.join(',')}]` : ''}`
    case 'call.queued':
      return `queued ${e.queue} ${e.callId} from ${e.caller ?? '-'}`
    case 'call.ringing':
    case 'call.answered':
      return `${e.type.slice(5)} ${e.queue} ${e.callId} ${e.agent}`
    case 'call.ended':
      return `ended ${e.queue} ${e.callId} ${e.agent} by ${e.by}`
    case 'call.transferred':
      return `transferred ${e.queue} ${e.callId} ${e.agent}`
    case 'call.overflowed':
      return `overflowed ${e.queue} ${e.callId} ${e.reason}`
    case 'call.abandoned':
      return `abandoned ${e.queue} ${e.callId}`
    default:
      return e.type
  }
}

/** The events of a fixture's messages, received at their Timestamp (list items: at `at`, ms after T0). */
function feed(mapper: AmiMapper, name: string, at = 0): WallboardEvent[] {
  return messagesOf(amiFixture(name))
    .filter((m) => m['event'] !== undefined)
    .flatMap((m) => mapper.map(m, m['timestamp'] ? Math.round(Number(m['timestamp']) * 1000) : T0 + at))
}

/** A whole recorded session without a break: sync, live events, the gap's events, more live events. */
function straightRun(options: AmiMapperOptions = OPTIONS): { mapper: AmiMapper; events: WallboardEvent[] } {
  const mapper = new AmiMapper(options)
  mapper.beginSync()
  const events = [
    ...feed(mapper, 'queue-status.txt'),
    ...feed(mapper, 'session-1.txt'),
    ...feed(mapper, 'gap.txt'),
    ...feed(mapper, 'session-2.txt'),
  ]
  return { mapper, events }
}

/** One event message with a Timestamp `sec` seconds after T0. */
function msg(event: string, sec: number, fields: Record<string, string> = {}): Record<string, string> {
  return { Event: event, Privilege: 'agent,all', Timestamp: (T0 / 1000 + sec).toFixed(6), ...fields }
}
const call = (uid: string, queue = 'sales') => ({ Uniqueid: uid, Linkedid: uid, Queue: queue, CallerIDNum: '13800138000' })
const member = (iface: string, queue = 'sales', extra: Record<string, string> = {}) => ({
  Queue: queue,
  MemberName: iface,
  Interface: iface,
  StateInterface: iface,
  Status: '1',
  Paused: '0',
  PausedReason: '',
  ...extra,
})

function frames(text: string | Buffer, chunk = Infinity, max?: number): Frame[] {
  const framer = new AmiFramer(max)
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text)
  const out: Frame[] = []
  for (let i = 0; i < buf.length; i += chunk) out.push(...framer.push(buf.subarray(i, Math.min(buf.length, i + chunk))))
  return out
}

describe('AMI framing', () => {
  const session =
    'Asterisk Call Manager/9.0.0\r\n' +
    'Response: Success\r\nActionID: wb1-1\r\nMessage: Authentication accepted\r\n\r\n' +
    'Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nQueue: sales\r\nCallerIDName: Dr: Who\r\nUniqueid: 1772413190.11\r\n\r\n'

  it('reads the greeting, then messages ended by a blank line, whatever the chunks and line ends', () => {
    const whole = frames(session)
    expect(whole).toEqual([
      { kind: 'greeting', text: 'Asterisk Call Manager/9.0.0' },
      { kind: 'message', message: { response: 'Success', actionid: 'wb1-1', message: 'Authentication accepted' } },
      {
        kind: 'message',
        message: {
          event: 'QueueCallerJoin',
          privilege: 'agent,all',
          queue: 'sales',
          calleridname: 'Dr: Who',
          uniqueid: '1772413190.11',
        },
      },
    ])
    for (const chunk of [1, 2, 3, 7, 64]) expect(frames(session, chunk)).toEqual(whole)
    expect(frames(session.replaceAll('\r\n', '\n'), 5)).toEqual(whole)
  })

  it('reads keys in any case, keeps colons in values and every value of a repeated key', () => {
    const [, m] = frames('Asterisk Call Manager/9.0.0\nEVENT: VarSet\nvalue:a:b: c\nChanVariable: A=1\nchanvariable: B=2\n\n')
    expect(m).toEqual({ kind: 'message', message: { event: 'VarSet', value: 'a:b: c', chanvariable: 'A=1\nB=2' } })
  })

  it('skips a message larger than the bound with a counted problem, and reads the next one', () => {
    const huge = `Event: Huge\r\nData: ${'x'.repeat(5000)}\r\nMore: ${'y'.repeat(5000)}\r\n\r\n`
    const endless = `Event: Endless\n${'z'.repeat(20_000)}\n\n`
    const text = `Asterisk Call Manager/9.0.0\r\n${huge}${endless}Event: Small\r\nQueue: q\r\n\r\n`
    for (const chunk of [1, 100, 4096, Infinity]) {
      expect(frames(text, chunk, 1024).slice(1)).toEqual([
        { kind: 'problem', reason: 'too-large', sample: 'Event: Huge' },
        { kind: 'problem', reason: 'too-large', sample: 'Event: Endless' },
        { kind: 'message', message: { event: 'Small', queue: 'q' } },
      ])
    }
  })

  it('counts a line without a key and keeps the rest of its message', () => {
    expect(frames('Asterisk Call Manager/9.0.0\nEvent: X\n--END COMMAND--\n: no key\nQueue: q\n\n').slice(1)).toEqual([
      { kind: 'problem', reason: 'bad-line', sample: '--END COMMAND--' },
      { kind: 'problem', reason: 'bad-line', sample: ': no key' },
      { kind: 'message', message: { event: 'X', queue: 'q' } },
    ])
  })

  it('keeps a key named __proto__ as data', () => {
    const [, m] = frames('Asterisk Call Manager/9.0.0\nEvent: X\n__proto__: polluted\n\n')
    const message = (m as Extract<Frame, { kind: 'message' }>).message
    expect(Object.getOwnPropertyDescriptor(message, '__proto__')?.value).toBe('polluted')
    expect(Object.getPrototypeOf(message)).toBeNull()
  })

  it('writes actions with Action first and refuses a line break without echoing the value', () => {
    expect(formatAction({ Username: 'wb', Action: 'Login', Secret: 's3cret' })).toBe(
      'Action: Login\r\nUsername: wb\r\nSecret: s3cret\r\n\r\n',
    )
    expect(() => formatAction({ Action: 'Login', Secret: 'a\r\nAction: Originate' })).toThrow(/Secret: line breaks/)
    expect(() => formatAction({ Action: 'Login', Secret: 'a\r\nAction: Originate' })).not.toThrow(/Originate/)
  })
})

describe('AMI mapping of a recorded session', () => {
  it('maps each event as events.md says, message by message', () => {
    const { events } = straightRun()
    expect(events.map(brief)).toEqual([
      // QueueStatus on connect: the waiting caller (queued Wait seconds ago), then each agent once
      'queued sales 1772413190.11 from 13800138001',
      'agent 2001 available [sales,support]',
      'agent 2002 paused (lunch) [sales]',
      'agent 2003 available [support]',
      // live
      'ringing sales 1772413190.11 2001',
      'answered sales 1772413190.11 2001',
      'queued support 1772413210.21 from 13900139002',
      'ringing support 1772413210.21 2003',
      'ringing support 1772413210.21 2003', // rung again after AgentRingNoAnswer
      'answered support 1772413210.21 2003',
      'queued sales 1772413240.31 from 13700137003',
      'ended sales 1772413190.11 2001 by agent',
      'abandoned sales 1772413240.31',
      'agent 2001 paused (break) [sales,support]', // two QueueMemberPause, one state
      'ended support 1772413210.21 2003 by caller',
      'agent 2002 paused (lunch) [sales,support]', // QueueMemberAdded: still paused in sales
      'queued support 1772413312.41 from 13500135004',
      'ringing support 1772413312.41 2002',
      'answered support 1772413312.41 2002',
      // the gap
      'agent 2003 paused (meeting) [support]',
      'queued support 1772413320.61 from 13600136006',
      // after
      'transferred support 1772413312.41 2002',
      'agent 2001 available [sales,support]', // unpaused in its last queue
      'ringing support 1772413320.61 2001',
      'answered support 1772413320.61 2001',
      'agent 2002 offline [sales,support]', // device unavailable
      'agent 2002 offline [sales]',
      'agent 2002 offline []',
      'queued sales 1772413415.71 from 13300133007',
    ])
  })

  it('dates events by their Timestamp, list items by their arrival (a waiting caller: minus its Wait)', () => {
    const { events } = straightRun()
    expect(events[0]).toMatchObject({ type: 'call.queued', ts: T0 - 10_000 })
    expect(events[1]).toMatchObject({ type: 'agent.state', ts: T0 })
    expect(events.find((e) => e.type === 'call.abandoned')).toMatchObject({ ts: T0 + 70_424 })
  })

  it('makes only valid events with unique ids, the same ids on every run', () => {
    const { events, mapper } = straightRun()
    for (const e of events) expect(validateEvent(e, NOW)).toEqual({ ok: true, event: e })
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
    expect(straightRun().events.map((e) => e.id)).toEqual(events.map((e) => e.id))
    expect(events.every((e) => /^ami-[0-9a-f]{32}$/.test(e.id) && e.source === 'pbx-1')).toBe(true)
    // another source, other ids
    expect(straightRun({ ...OPTIONS, source: 'pbx-2' }).events.some((e) => events.some((f) => f.id === e.id))).toBe(false)
    expect(mapper.stats).toMatchObject({
      events: events.length,
      skipped: { QueueParams: 2, Newchannel: 1, AgentRingNoAnswer: 1, VarSet: 1, UserEvent: 1 },
      problems: {},
    })
  })

  it('gives the figures the PBX had', () => {
    const { events } = straightRun()
    const now = T0 + 300_000
    const figures = run(events, now)
    expect(queueOf(figures, 'sales')).toMatchObject({
      live: { waiting: 1 },
      windows: { today: { arrived: 3, offered: 2, answered: 1, abandoned: 1, handled: 1, asaSec: 15.202 } },
    })
    expect(queueOf(figures, 'support')).toMatchObject({
      live: { waiting: 0 },
      windows: { today: { arrived: 3, offered: 3, answered: 3, abandoned: 0, handled: 2 } },
    })
    const agents = Object.fromEntries(agentsAfter(events, now).map((a) => [a.id, a]))
    expect(agents['2001']).toMatchObject({ state: 'onCall', queues: ['sales', 'support'], handledToday: 1 })
    expect(agents['2002']).toMatchObject({ state: 'offline', queues: [] })
    expect(agents['2003']).toMatchObject({ state: 'paused', reason: 'meeting', queues: ['support'] })
  })
})

describe('AMI resync after a lost link', () => {
  /** A mapper that read the sync and the first part, then lost the link (the gap unseen). */
  function beforeTheGap(): { mapper: AmiMapper; events: WallboardEvent[] } {
    const mapper = new AmiMapper(OPTIONS)
    mapper.beginSync()
    const events = [...feed(mapper, 'queue-status.txt'), ...feed(mapper, 'session-1.txt')]
    return { mapper, events }
  }

  it('sends only what changed while it was down, with the ids the live events would have had', () => {
    const { mapper } = beforeTheGap()
    mapper.beginSync()
    const resync = feed(mapper, 'queue-status-resync.txt', 125_000)
    expect(resync.map(brief)).toEqual(['queued support 1772413320.61 from 13600136006', 'agent 2003 paused (meeting) [support]'])
    expect(resync[0]!.ts).toBe(T0 + 125_000 - 8_000)
    const live = straightRun().events
    const join = live.find((e) => e.type === 'call.queued' && e.callId === '1772413320.61')!
    expect(resync[0]!.id).toBe(join.id)
    const after = feed(mapper, 'session-2.txt')
    expect(after.map(brief)).toEqual(live.slice(-8).map(brief))
  })

  it('sends nothing when nothing changed, however often it resyncs', () => {
    const { mapper } = straightRun()
    // the state at the end, as Asterisk would list it
    const listing = [
      msg('QueueMember', 0, {
        Queue: 'sales',
        Name: 'PJSIP/2001',
        Location: 'PJSIP/2001',
        Status: '2',
        Paused: '0',
        InCall: '1',
      }),
      msg('QueueMember', 0, { Queue: 'support', Name: 'PJSIP/2001', Location: 'PJSIP/2001', Status: '2', Paused: '0' }),
      msg('QueueMember', 0, {
        Queue: 'support',
        Name: 'Chen Jie',
        Location: 'PJSIP/2003',
        Status: '1',
        Paused: '1',
        PausedReason: 'Meeting',
      }),
      msg('QueueEntry', 0, { Queue: 'sales', Uniqueid: '1772413415.71', CallerIDNum: '13300133007', Wait: '20', Position: '1' }),
      msg('QueueStatusComplete', 0, { EventList: 'Complete', ListItems: '4' }),
    ].map((m) => ({ ...m, Timestamp: '' }))
    for (let i = 0; i < 3; i++) {
      mapper.beginSync()
      expect(listing.flatMap((m) => mapper.map(m, T0 + 400_000 + i))).toEqual([])
    }
  })

  it('ends calls and agents the resync no longer lists: overflowed (other) and offline, at the sync time', () => {
    const { mapper } = beforeTheGap()
    mapper.beginSync()
    const syncAt = T0 + 600_000
    // Asterisk restarted: no caller waiting, only 2001 logged in, in sales only
    const out = [
      msg('QueueMember', 0, {
        Queue: 'sales',
        Name: 'PJSIP/2001',
        Location: 'PJSIP/2001',
        Status: '1',
        Paused: '1',
        PausedReason: 'Break',
      }),
      msg('QueueStatusComplete', 0, { EventList: 'Complete' }),
    ].flatMap((m) => mapper.map({ ...m, Timestamp: '' }, syncAt))
    expect(out.map(brief)).toEqual(['agent 2001 paused (break) [sales]', 'agent 2002 offline []', 'agent 2003 offline []'])
    expect(out.every((e) => e.ts === syncAt)).toBe(true)
  })

  it('calls a waiting caller missing from the resync overflowed, and an answer found later still wins', () => {
    const mapper = new AmiMapper(OPTIONS)
    mapper.map(msg('QueueCallerJoin', 0, call('c1')), T0)
    mapper.beginSync()
    const gone = mapper.map(msg('QueueStatusComplete', 0, { Timestamp: '' }), T0 + 60_000)
    expect(gone.map(brief)).toEqual(['overflowed sales c1 other'])
    // it had been answered while the link was down: AgentComplete says when
    const done = mapper.map(
      msg('AgentComplete', 100, { ...call('c1'), ...member('PJSIP/2001'), TalkTime: '80', Reason: 'caller' }),
      T0,
    )
    expect(done.map((e) => [brief(e), e.ts])).toEqual([
      ['answered sales c1 2001', T0 + 20_000],
      ['ended sales c1 2001 by caller', T0 + 100_000],
    ])
  })

  it('resumes from its exported state as if it had never stopped', () => {
    const { mapper } = beforeTheGap()
    const state = JSON.parse(JSON.stringify(mapper.exportState()))
    const resumed = new AmiMapper(OPTIONS, state)
    const a = [...feed(mapper, 'gap.txt'), ...feed(mapper, 'session-2.txt')]
    const b = [...feed(resumed, 'gap.txt'), ...feed(resumed, 'session-2.txt')]
    expect(b).toEqual(a)
  })
})

describe('AMI calls', () => {
  it('waits for an outcome after QueueCallerLeave: overflowed (other) at the leave only once the grace is over', () => {
    const mapper = new AmiMapper({ source: 'pbx-1', leaveGraceMs: 10_000 })
    mapper.map(msg('QueueCallerJoin', 0, call('c1')), T0)
    expect(mapper.map(msg('QueueCallerLeave', 30, call('c1')), T0 + 30_000)).toEqual([])
    expect(mapper.expire(T0 + 39_999)).toEqual([])
    const out = mapper.expire(T0 + 40_000)
    expect(out.map((e) => [brief(e), e.ts])).toEqual([['overflowed sales c1 other', T0 + 30_000]])
    expect(mapper.expire(T0 + 90_000)).toEqual([])
    // a later message also settles due leaves
    mapper.map(msg('QueueCallerJoin', 50, call('c2')), T0 + 50_000)
    mapper.map(msg('QueueCallerLeave', 51, call('c2')), T0 + 51_000)
    expect(mapper.map(msg('Newexten', 70), T0 + 70_000).map(brief)).toEqual(['overflowed sales c2 other'])
  })

  it('takes a leave that comes with an answer or an abandon for no overflow', () => {
    const mapper = new AmiMapper({ source: 'pbx-1' })
    const out = [
      msg('QueueCallerJoin', 0, call('c1')),
      msg('QueueCallerLeave', 5, call('c1')),
      msg('AgentConnect', 5, { ...call('c1'), ...member('PJSIP/2001'), HoldTime: '5' }),
      msg('QueueCallerJoin', 6, call('c2')),
      msg('QueueCallerAbandon', 9, call('c2')),
      msg('QueueCallerLeave', 9, call('c2')),
    ].flatMap((m, i) => mapper.map(m, T0 + i))
    expect([...out, ...mapper.expire(T0 + 3_600_000)].map(brief)).toEqual([
      'queued sales c1 from 13800138000',
      'answered sales c1 2001',
      'queued sales c2 from 13800138000',
      'abandoned sales c2',
    ])
    expect(mapper.stats.unchanged).toBe(2)
  })

  it('keys a call by Uniqueid and queue, not Linkedid, and counts the same fact seen twice once', () => {
    const mapper = new AmiMapper({ source: 'pbx-1' })
    const first = mapper.map(msg('QueueCallerJoin', 0, { ...call('u1', 'sales'), Linkedid: 'x' }), T0)
    const overflow = mapper.map(msg('QueueCallerJoin', 60, { ...call('u1', 'support'), Linkedid: 'x' }), T0)
    expect(first[0]!.id).not.toBe(overflow[0]!.id)
    expect(mapper.map(msg('QueueCallerJoin', 0, call('u1', 'sales')), T0)).toEqual([])
    const connect = msg('AgentConnect', 10, { ...call('u1', 'support'), ...member('PJSIP/2001', 'support') })
    const answered = mapper.map(connect, T0)
    expect(mapper.map(connect, T0)).toEqual([])
    // a fresh mapper (a restart) makes the same ids for the same facts
    const again = new AmiMapper({ source: 'pbx-1' })
    expect(again.map(msg('QueueCallerJoin', 0, call('u1', 'sales')), T0)[0]!.id).toBe(first[0]!.id)
    expect(again.map(connect, T0)[0]!.id).toBe(answered[0]!.id)
  })

  it('ends a call by agent, by caller or by transfer, from AgentComplete', () => {
    const mapper = new AmiMapper({ source: 'pbx-1' })
    const complete = (uid: string, reason: string) =>
      mapper.map(msg('AgentConnect', 0, { ...call(uid), ...member('PJSIP/2001') }), T0).length +
      mapper
        .map(msg('AgentComplete', 60, { ...call(uid), ...member('PJSIP/2001'), TalkTime: '60', Reason: reason }), T0)
        .map(brief)
        .join()
    expect(complete('a', 'agent')).toBe('1ended sales a 2001 by agent')
    expect(complete('b', 'caller')).toBe('1ended sales b 2001 by caller')
    expect(complete('c', 'transfer')).toBe('1transferred sales c 2001')
    expect(complete('d', 'something')).toBe('1ended sales d 2001 by undefined')
  })

  it('names agents as queue_log does: the member name, interfaces normalised, aliases first', () => {
    const mapper = new AmiMapper({ source: 'pbx-1', agentAliases: { 'SIP/7000': 'boss', Alice: 'alice-w' } })
    const ring = (fields: Record<string, string>) =>
      mapper
        .map(msg('AgentCalled', 0, { ...call('c1'), ...fields }), T0)
        .map((e) => (e.type === 'call.ringing' ? e.agent : e.type))
    expect(ring({ MemberName: 'Local/2001@from-queue/n', Interface: 'Local/2001@from-queue/n' })).toEqual(['2001'])
    expect(ring({ MemberName: 'PJSIP/2002', Interface: 'PJSIP/2002' })).toEqual(['2002'])
    expect(ring({ MemberName: '', Interface: 'IAX2/2003' })).toEqual(['2003'])
    expect(ring({ MemberName: 'Alice', Interface: 'PJSIP/2004' })).toEqual(['alice-w'])
    expect(ring({ MemberName: 'The Boss', Interface: 'SIP/7000' })).toEqual(['boss'])
    expect(ring({ MemberName: 'Bob Li', Interface: 'PJSIP/2005' })).toEqual(['Bob Li'])
  })
})

describe('AMI agents: one agent.state per real change', () => {
  function session(mapper = new AmiMapper({ source: 'pbx-1' })) {
    let sec = 0
    return (event: string, fields: Record<string, string>) => mapper.map(msg(event, ++sec, fields), T0 + sec * 1000).map(brief)
  }

  it('pauses once for a pause in every queue, and is available again only when unpaused in all', () => {
    const s = session()
    expect(s('QueueMemberAdded', member('PJSIP/2001', 'sales'))).toEqual(['agent 2001 available [sales]'])
    expect(s('QueueMemberAdded', member('PJSIP/2001', 'support'))).toEqual(['agent 2001 available [sales,support]'])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'sales', { Paused: '1', PausedReason: 'Lunch' }))).toEqual([
      'agent 2001 paused (lunch) [sales,support]',
    ])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'support', { Paused: '1', PausedReason: 'Lunch' }))).toEqual([])
    // its device rings, is in use, is on hold: call events tell that, not states
    for (const status of ['6', '2', '3', '8', '1'])
      expect(
        s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: status, Paused: '1', PausedReason: 'Lunch' })),
      ).toEqual([])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'sales', { Paused: '1', PausedReason: 'Training' }))).toEqual([
      'agent 2001 paused (training) [sales,support]',
    ])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'sales', { Paused: '0' }))).toEqual([
      'agent 2001 paused (lunch) [sales,support]',
    ])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'support', { Paused: '0' }))).toEqual([
      'agent 2001 available [sales,support]',
    ])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'support', { Paused: '0' }))).toEqual([])
  })

  it('takes a device that is unavailable or invalid for offline, and unknown for reachable', () => {
    const s = session()
    s('QueueMemberAdded', member('PJSIP/2001'))
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: '5' }))).toEqual(['agent 2001 offline [sales]'])
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: '4' }))).toEqual([])
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: '0' }))).toEqual(['agent 2001 available [sales]'])
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: '4' }))).toEqual(['agent 2001 offline [sales]'])
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales', { Status: '1', Paused: '1', PausedReason: 'Break' }))).toEqual([
      'agent 2001 paused (break) [sales]',
    ])
  })

  it('grows and shrinks the queues with QueueMemberAdded and Removed, offline when none is left', () => {
    const s = session()
    expect(s('QueueMemberAdded', member('PJSIP/2001', 'b'))).toEqual(['agent 2001 available [b]'])
    expect(s('QueueMemberAdded', member('PJSIP/2001', 'a', { Paused: '1', PausedReason: '' }))).toEqual([
      'agent 2001 paused [a,b]',
    ])
    expect(s('QueueMemberRemoved', member('PJSIP/2001', 'a'))).toEqual(['agent 2001 available [b]'])
    expect(s('QueueMemberRemoved', member('PJSIP/2001', 'b'))).toEqual(['agent 2001 offline []'])
    expect(s('QueueMemberRemoved', member('PJSIP/2001', 'b'))).toEqual([])
    expect(s('QueueMemberAdded', member('PJSIP/2001', 'a'))).toEqual(['agent 2001 available [a]'])
  })

  it('sends no queues for a member known only from a status event (its membership is not known whole)', () => {
    const s = session()
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'sales'))).toEqual(['agent 2001 available'])
    expect(s('QueueMemberStatus', member('PJSIP/2001', 'support'))).toEqual([])
    expect(s('QueueMemberPause', member('PJSIP/2001', 'support', { Paused: '1', Reason: 'Meeting' }))).toEqual([
      'agent 2001 paused (meeting)',
    ])
  })

  it('dates agent states by the Timestamp and gives each change its own id', () => {
    const mapper = new AmiMapper({ source: 'pbx-1' })
    const a = mapper.map(msg('QueueMemberAdded', 5, member('PJSIP/2001')), T0 + 99_000)
    const b = mapper.map(msg('QueueMemberPause', 6, member('PJSIP/2001', 'sales', { Paused: '1' })), T0 + 99_000)
    const c = mapper.map(msg('QueueMemberPause', 7, member('PJSIP/2001', 'sales', { Paused: '0' })), T0 + 99_000)
    expect([...a, ...b, ...c].map((e) => e.ts)).toEqual([T0 + 5000, T0 + 6000, T0 + 7000])
    expect(new Set([...a, ...b, ...c].map((e) => e.id)).size).toBe(3)
  })
})

describe('AMI: awkward messages', () => {
  it('uses the arrival time without a Timestamp, and counts a bad one while still mapping the event', () => {
    const mapper = new AmiMapper({ source: 'pbx-1' })
    const [noStamp] = mapper.map({ event: 'QueueCallerJoin', ...call('c1') }, T0 + 1)
    const [badStamp] = mapper.map({ ...msg('QueueCallerJoin', 0, call('c2')), Timestamp: 'yesterday' }, T0 + 2)
    expect([noStamp!.ts, badStamp!.ts]).toEqual([T0 + 1, T0 + 2])
    expect(mapper.stats.problems).toEqual({ 'bad-time': 1 })
  })

  it('counts messages it cannot use by reason, and unknown events by name', () => {
    const mapper = new AmiMapper({ source: 'pbx-1', keepProblems: 3 })
    const out = [
      msg('QueueCallerJoin', 1, { Queue: 'sales' }),
      msg('QueueCallerJoin', 2, { Uniqueid: 'u1' }),
      msg('AgentConnect', 3, call('u1')),
      msg('AgentConnect', 4, { ...call('u1'), MemberName: 'NONE' }),
      msg('QueueCallerJoin', 5, { ...call('u1'), Queue: 'sa\u0001les' }),
      msg('QueueMemberStatus', 6, { ...member('PJSIP/2001'), Status: 'busy' }),
      msg('QueueMemberPause', 7, { ...member('PJSIP/2001'), Paused: 'yes' }),
      msg('AgentComplete', 8, { ...call('u1'), ...member('PJSIP/2001'), TalkTime: '-1' }),
      msg('QueueEntry', 9, { ...call('u2'), Wait: '' }),
      { Response: 'Success', Message: 'Pong' },
      msg('Newexten', 10),
      msg('Newexten', 11),
      msg('SomethingFromAsterisk23', 12),
      msg('AgentDump', 13, call('u1')),
    ].flatMap((m, i) => mapper.map(m, T0 + i))
    expect(out).toEqual([])
    const stats = mapper.stats
    expect(stats).toMatchObject({
      messages: 14,
      events: 0,
      problems: { 'missing-call-id': 1, 'missing-queue': 1, 'missing-agent': 2, 'bad-data': 5, 'no-event': 1 },
      skipped: { Newexten: 2, SomethingFromAsterisk23: 1, AgentDump: 1 },
    })
    expect(stats.recentProblems.map((p) => p.reason)).toEqual(['bad-data', 'bad-data', 'no-event'])
    expect(stats.recentProblems[2]!.line).toBe('response: Success; message: Pong')
  })

  it('never throws, whatever the message', () => {
    const key = fc.constantFrom(
      'Event',
      'Uniqueid',
      'Queue',
      'MemberName',
      'Interface',
      'Status',
      'Paused',
      'Timestamp',
      'Wait',
      'TalkTime',
      'Reason',
      'x',
    )
    const event = fc.constantFrom(
      'QueueCallerJoin',
      'QueueCallerLeave',
      'QueueCallerAbandon',
      'AgentCalled',
      'AgentConnect',
      'AgentComplete',
      'QueueMemberStatus',
      'QueueMemberPause',
      'QueueMemberAdded',
      'QueueMemberRemoved',
      'QueueMember',
      'QueueEntry',
      'QueueStatusComplete',
      '',
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(event, fc.dictionary(key, fc.oneof(fc.string(), fc.constantFrom('0', '1', '5', 'q', '1772413200.5')))),
          {
            maxLength: 30,
          },
        ),
        (messages) => {
          const mapper = new AmiMapper({ source: 'pbx-1' })
          for (const [name, fields] of messages) {
            for (const e of mapper.map({ ...fields, Event: name }, T0)) expect(validateEvent(e, NOW).ok).toBe(true)
          }
        },
      ),
    )
  })
})
