// Definition versions over time (metrics.md: "A change of options creates a new definition
// version; history and charts mark the break instead of silently mixing bases"): which version a
// queue or the centre is counted under at an instant, per-queue overrides over the defaults, what
// changed between two books, the checks the schema cannot make, the service-level presets, and the
// version carried by the label a board shows.
import { Compile } from 'typebox/compile'
import { describe, expect, it } from 'vitest'
import { definitionLabel } from '../../shared/definition-text.js'
import {
  DEFAULT_OPTIONS,
  type Definition,
  DefinitionBook,
  type DefinitionOptions,
  DefinitionOptionsSchema,
  DefinitionSchema,
  type DefinitionSet,
  SL_PRESETS,
  defaultDefinition,
  definitionProblems,
  effectiveOptions,
  firstDefinitionSet,
} from '../../shared/definitions.js'
import { bucketKey } from '../../shared/figures/aggregate.js'
import { answered, queueOf, queued, reduce, run, shanghai, today } from './fixtures.js'

const utc = (iso: string) => Date.parse(iso)
const BASE: DefinitionOptions = { ...DEFAULT_OPTIONS, timezone: 'Asia/Shanghai' }
/** When the first version was made: long before every instant of these tests. */
const FIRST = utc('2026-01-01T00:00:00Z')

/** One whole version of the definition set: the defaults (BASE with changes) and every queue's overrides. */
function version(
  n: number,
  createdAt: number,
  defaults: Partial<DefinitionOptions> = {},
  queues: Record<string, Partial<DefinitionOptions>> = {},
): DefinitionSet {
  return { version: n, createdAt, createdBy: 'test', defaults: { ...BASE, ...defaults }, queues }
}

/** The definition a queue would have under version n with these options. */
const expected = (n: number, options: Partial<DefinitionOptions> = {}): Definition => ({ ...BASE, ...options, version: n })

describe('DefinitionBook with one version', () => {
  const book = new DefinitionBook([firstDefinitionSet('Asia/Shanghai', FIRST)])

  it('gives the product defaults as version 1 to every queue and the centre, at any time', () => {
    const v1 = defaultDefinition('Asia/Shanghai')
    expect(book.forQueue('q1')).toEqual(v1)
    expect(book.forQueue('q1', utc('2020-01-01T00:00:00Z'))).toEqual(v1)
    expect(book.forQueue('anything', utc('2030-01-01T00:00:00Z'))).toEqual(v1)
    expect(book.forCentre()).toEqual(v1)
    expect(book.forCentre(FIRST - 1)).toEqual(v1)
  })

  it('has one version per queue, in force from the beginning of time', () => {
    expect(book.versionsOf('q1')).toEqual([{ from: null, definition: defaultDefinition('Asia/Shanghai') }])
    expect(book.versionsOf(null)).toEqual([{ from: null, definition: defaultDefinition('Asia/Shanghai') }])
  })

  it('needs at least one version', () => {
    expect(() => new DefinitionBook([])).toThrow(RangeError)
  })
})

describe('a version applies from the start of the business day it was made in', () => {
  // Made at 14:30 on 3 March in Shanghai: 3 March began at 00:00 Shanghai, 16:00 UTC on 2 March.
  const MADE = shanghai('2026-03-03T14:30:00')
  const book = new DefinitionBook([version(1, FIRST), version(2, MADE, { slThresholdSec: 10 })])

  it('keeps the old version for the days before', () => {
    expect(book.forQueue('q1', shanghai('2026-03-02T23:59:59.999'))).toEqual(expected(1))
    expect(book.forCentre(shanghai('2026-03-02T12:00:00'))).toEqual(expected(1))
  })

  it('counts the whole day it was made in under it, also the hours before it was made', () => {
    expect(book.forQueue('q1', shanghai('2026-03-03T00:00:00'))).toEqual(expected(2, { slThresholdSec: 10 }))
    expect(book.forQueue('q1', MADE - 1)).toEqual(expected(2, { slThresholdSec: 10 }))
    expect(book.forCentre(shanghai('2026-03-03T00:00:00'))).toEqual(expected(2, { slThresholdSec: 10 }))
  })

  it('is in force after it was made, and now', () => {
    expect(book.forQueue('q1', MADE)).toMatchObject({ version: 2 })
    expect(book.forQueue('q1', shanghai('2026-03-09T08:00:00'))).toMatchObject({ version: 2 })
    expect(book.forQueue('q1')).toMatchObject({ version: 2 })
    expect(book.forCentre()).toMatchObject({ version: 2 })
    expect(book.current.version).toBe(2)
  })

  it('lists when each version took effect', () => {
    expect(book.versionsOf('q1')).toEqual([
      { from: null, definition: expected(1) },
      { from: utc('2026-03-02T16:00:00Z'), definition: expected(2, { slThresholdSec: 10 }) },
    ])
  })

  it('takes effect at the day start when made at the first instant of the day, or the last', () => {
    const atStart = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T00:00:00'), { slTargetPct: 90 })])
    const atEnd = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T23:59:59.999'), { slTargetPct: 90 })])
    for (const b of [atStart, atEnd]) {
      expect(b.versionsOf('q1')[1]?.from).toBe(shanghai('2026-03-03T00:00:00'))
      expect(b.forQueue('q1', shanghai('2026-03-03T00:00:00') - 1)).toMatchObject({ version: 1, slTargetPct: 80 })
      expect(b.forQueue('q1', shanghai('2026-03-03T00:00:00'))).toMatchObject({ version: 2, slTargetPct: 90 })
    }
  })

  it('follows the day start hour: made at 05:00 with days starting at 06:00, it applies from 06:00 the day before', () => {
    const early = { dayStartHour: 6 }
    const b = new DefinitionBook([
      version(1, FIRST, early),
      version(2, shanghai('2026-03-03T05:00:00'), { ...early, slTargetPct: 90 }),
    ])
    expect(b.forQueue('q1', shanghai('2026-03-02T05:59:59.999'))).toMatchObject({ version: 1 })
    expect(b.forQueue('q1', shanghai('2026-03-02T06:00:00'))).toMatchObject({ version: 2 })
  })

  it('follows the centre’s time zone across a clock change (Berlin, made on the 23-hour day)', () => {
    const berlin = { timezone: 'Europe/Berlin' }
    // 29 March 2026 began at 00:00 CET, 23:00 UTC on the 28th; the clocks jumped at 01:00 UTC.
    const b = new DefinitionBook([
      version(1, FIRST, berlin),
      version(2, utc('2026-03-29T12:00:00Z'), { ...berlin, slTargetPct: 90 }),
    ])
    expect(b.versionsOf(null)[1]?.from).toBe(utc('2026-03-28T23:00:00Z'))
    expect(b.forCentre(utc('2026-03-28T22:59:59.999Z'))).toMatchObject({ version: 1 })
    expect(b.forCentre(utc('2026-03-28T23:00:00Z'))).toMatchObject({ version: 2 })
  })

  it('starts at the first pass of a day start hour that happens twice (Berlin 02:00 on 25 October 2026)', () => {
    const opts = { timezone: 'Europe/Berlin', dayStartHour: 2 }
    // 02:00 CEST is 00:00 UTC; the second 02:00 (CET) is 01:00 UTC.
    const b = new DefinitionBook([version(1, FIRST, opts), version(2, utc('2026-10-25T10:00:00Z'), { ...opts, slTargetPct: 90 })])
    expect(b.forCentre(utc('2026-10-24T23:59:59.999Z'))).toMatchObject({ version: 1 })
    expect(b.forCentre(utc('2026-10-25T00:00:00Z'))).toMatchObject({ version: 2 })
  })
})

describe('several versions', () => {
  it('gives each day the version in force when it was counted, across several days', () => {
    const book = new DefinitionBook([
      version(1, FIRST),
      version(2, shanghai('2026-03-03T10:00:00'), { slThresholdSec: 10 }),
      version(3, shanghai('2026-03-05T16:00:00'), { slThresholdSec: 30 }),
    ])
    expect(book.forQueue('q1', shanghai('2026-03-01T12:00:00'))).toMatchObject({ version: 1, slThresholdSec: 20 })
    expect(book.forQueue('q1', shanghai('2026-03-03T00:00:00'))).toMatchObject({ version: 2, slThresholdSec: 10 })
    expect(book.forQueue('q1', shanghai('2026-03-04T23:59:59.999'))).toMatchObject({ version: 2, slThresholdSec: 10 })
    expect(book.forQueue('q1', shanghai('2026-03-05T00:00:00'))).toMatchObject({ version: 3, slThresholdSec: 30 })
    expect(book.versionsOf('q1').map((v) => v.from)).toEqual([
      null,
      shanghai('2026-03-03T00:00:00'),
      shanghai('2026-03-05T00:00:00'),
    ])
  })

  it('uses only the last of two versions made on the same day, for the whole of that day', () => {
    const book = new DefinitionBook([
      version(1, FIRST),
      version(2, shanghai('2026-03-03T09:00:00'), { slThresholdSec: 10 }),
      version(3, shanghai('2026-03-03T15:00:00'), { slThresholdSec: 15 }),
    ])
    // 10:00 is after version 2 was made and before version 3: the day is counted under version 3 all the same.
    expect(book.forQueue('q1', shanghai('2026-03-03T10:00:00'))).toMatchObject({ version: 3, slThresholdSec: 15 })
    expect(book.forQueue('q1', shanghai('2026-03-03T00:00:00'))).toMatchObject({ version: 3 })
    expect(book.forQueue('q1', shanghai('2026-03-02T23:59:59'))).toMatchObject({ version: 1 })
  })

  it('makes a new version when options go back to earlier values, so the break is still marked', () => {
    const book = new DefinitionBook([
      version(1, FIRST),
      version(2, shanghai('2026-03-03T10:00:00'), { slThresholdSec: 10 }),
      version(3, shanghai('2026-03-04T10:00:00')),
    ])
    expect(book.forQueue('q1', shanghai('2026-03-04T00:00:00'))).toEqual(expected(3))
    expect(book.versionsOf('q1')).toHaveLength(3)
  })

  it('does not start a new version for a queue when a new set leaves its options unchanged', () => {
    const book = new DefinitionBook([
      version(1, FIRST),
      version(2, shanghai('2026-03-03T10:00:00'), {}, { sales: { shortAbandonSec: 0 } }),
    ])
    expect(book.forQueue('support', shanghai('2026-03-04T00:00:00'))).toEqual(expected(1))
    expect(book.forCentre(shanghai('2026-03-04T00:00:00'))).toEqual(expected(1))
    expect(book.versionsOf('support')).toHaveLength(1)
    expect(book.forQueue('sales', shanghai('2026-03-04T00:00:00'))).toEqual(expected(2, { shortAbandonSec: 0 }))
  })
})

describe('per-queue overrides', () => {
  const book = new DefinitionBook([
    version(1, FIRST, {}, { vip: { slThresholdSec: 10, slTargetPct: 90 } }),
    version(
      2,
      shanghai('2026-03-03T10:00:00'),
      {},
      { vip: { slThresholdSec: 10, slTargetPct: 90 }, sales: { shortAbandonSec: 0 } },
    ),
    version(
      3,
      shanghai('2026-03-05T10:00:00'),
      { slThresholdSec: 30 },
      {
        vip: { slThresholdSec: 10, slTargetPct: 90 },
        sales: { shortAbandonSec: 0 },
      },
    ),
    version(4, shanghai('2026-03-07T10:00:00'), { slThresholdSec: 30 }, { sales: { shortAbandonSec: 0 } }),
  ])
  const on = (date: string) => shanghai(`${date}T12:00:00`)

  it('merge a queue’s overrides over the defaults', () => {
    expect(effectiveOptions(book.history[0]!, 'vip')).toEqual({ ...BASE, slThresholdSec: 10, slTargetPct: 90 })
    expect(effectiveOptions(book.history[0]!, 'support')).toEqual(BASE)
    expect(effectiveOptions(book.history[0]!, null)).toEqual(BASE)
    expect(book.forQueue('vip', on('2026-03-02'))).toEqual(expected(1, { slThresholdSec: 10, slTargetPct: 90 }))
  })

  it('give a queue the version in which its merged options last changed', () => {
    // support follows the defaults: changed in version 3 only.
    expect(book.forQueue('support', on('2026-03-04'))).toEqual(expected(1))
    expect(book.forQueue('support', on('2026-03-06'))).toEqual(expected(3, { slThresholdSec: 30 }))
    // sales: its override came in version 2, the defaults under it changed in version 3.
    expect(book.forQueue('sales', on('2026-03-02'))).toEqual(expected(1))
    expect(book.forQueue('sales', on('2026-03-04'))).toEqual(expected(2, { shortAbandonSec: 0 }))
    expect(book.forQueue('sales', on('2026-03-06'))).toEqual(expected(3, { slThresholdSec: 30, shortAbandonSec: 0 }))
    expect(book.forQueue('sales', on('2026-03-08'))).toEqual(expected(3, { slThresholdSec: 30, shortAbandonSec: 0 }))
  })

  it('shield a queue from a change of the defaults its override covers, until the override is removed', () => {
    expect(book.forQueue('vip', on('2026-03-06'))).toEqual(expected(1, { slThresholdSec: 10, slTargetPct: 90 }))
    expect(book.forQueue('vip', on('2026-03-08'))).toEqual(expected(4, { slThresholdSec: 30 }))
    expect(book.versionsOf('vip').map((v) => v.definition.version)).toEqual([1, 4])
  })

  it('leave the centre on the defaults', () => {
    expect(book.versionsOf(null).map((v) => v.definition.version)).toEqual([1, 3])
    expect(book.forCentre()).toEqual(expected(3, { slThresholdSec: 30 }))
  })

  it('may give one queue its own time zone, whose day decides when its new version starts', () => {
    const b = new DefinitionBook([
      version(1, FIRST),
      // made at 10:00 UTC on 3 March (11:00 CET): 3 March in Berlin began at 23:00 UTC on 2 March.
      version(2, utc('2026-03-03T10:00:00Z'), {}, { de: { timezone: 'Europe/Berlin' } }),
    ])
    expect(b.forQueue('de', utc('2026-03-02T22:59:59.999Z'))).toEqual(expected(1))
    expect(b.forQueue('de', utc('2026-03-02T23:00:00Z'))).toEqual(expected(2, { timezone: 'Europe/Berlin' }))
    expect(b.forQueue('q1', utc('2026-03-04T00:00:00Z'))).toEqual(expected(1))
    expect(b.forCentre()).toEqual(expected(1))
  })

  it('date a change of the day start hour by the later of the two day starts, so a begun day is not cut', () => {
    // Made at 03:00 on 3 March: the old day began at 00:00 on the 3rd, the new one (from 06:00) at
    // 06:00 on the 2nd. The old day of 2 March is closed and stays whole: the change applies from 00:00.
    const b = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T03:00:00'), { dayStartHour: 6 })])
    expect(b.forQueue('q1', shanghai('2026-03-02T23:59:59.999'))).toEqual(expected(1))
    expect(b.forQueue('q1', shanghai('2026-03-03T00:00:00'))).toEqual(expected(2, { dayStartHour: 6 }))
    expect(b.since('q1', shanghai('2026-03-03T03:00:00'))).toBe(shanghai('2026-03-03T00:00:00'))
    // Made at 10:00, it applies from 06:00 (the new day's start), not from the old day's midnight.
    const later = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T10:00:00'), { dayStartHour: 6 })])
    expect(later.forQueue('q1', shanghai('2026-03-03T05:59:59.999'))).toEqual(expected(1))
    expect(later.forQueue('q1', shanghai('2026-03-03T06:00:00'))).toEqual(expected(2, { dayStartHour: 6 }))
    expect(later.since('q1', shanghai('2026-03-03T05:59:59.999'))).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('counting under the book', () => {
  const MADE = shanghai('2026-03-03T14:30:00')
  const book = new DefinitionBook([version(1, FIRST), version(2, MADE, { slThresholdSec: 10 })])
  // Each call waits 15 s: within 20 s (version 1), not within 10 s (version 2).
  const call = (id: string, local: string) => [queued(id, shanghai(local)), answered(id, shanghai(local) + 15_000)]
  const monday = call('c1', '2026-03-02T09:00:00')
  const tuesday = [...call('c2', '2026-03-03T09:00:00'), ...call('c3', '2026-03-03T15:00:00')]
  const NOW = shanghai('2026-03-03T16:00:00')

  it('counts the whole day of the change under the new version, calls before the change included', () => {
    expect(today([...monday, ...tuesday], NOW, book)).toMatchObject({ offered: 2, answeredWithin: 0, serviceLevelPct: 0 })
  })

  it('leaves the days before counted under the version they had', () => {
    const s = reduce([...monday, ...tuesday], NOW, book)
    expect(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T00:00:00')))).toMatchObject({
      offered: 1,
      answeredWithin: 1,
    })
    expect(today(monday, shanghai('2026-03-02T23:00:00'), book)).toMatchObject({ offered: 1, serviceLevelPct: 100 })
  })

  it('labels the figures with the version they were computed under', () => {
    expect(queueOf(run(monday, shanghai('2026-03-02T23:00:00'), book)).definition).toMatchObject({
      version: 1,
      label: 'SL 80/20 · abandons < 5 s ignored · v1',
    })
    expect(queueOf(run([...monday, ...tuesday], NOW, book)).definition).toMatchObject({
      version: 2,
      slThresholdSec: 10,
      label: 'SL 80/10 · abandons < 5 s ignored · v2',
    })
  })
})

describe('a change of the business day (day start hour or time zone)', () => {
  // One call at 03:00 and one at 09:00 on 3 March, each answered after 15 s.
  const calls = [
    queued('c1', shanghai('2026-03-03T03:00:00')),
    answered('c1', shanghai('2026-03-03T03:00:15')),
    queued('c2', shanghai('2026-03-03T09:00:00')),
    answered('c2', shanghai('2026-03-03T09:00:15')),
  ]
  const NOW = shanghai('2026-03-03T12:00:00')

  it('moving the start later: the new version’s today starts at its own day start, without the calls before', () => {
    // Made at 10:00 with days from 06:00: c1 (03:00) stays in the old version's day, c2 is today's.
    const b = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T10:00:00'), { dayStartHour: 6 })])
    expect(today(calls, NOW, b)).toMatchObject({ offered: 1, answered: 1, from: shanghai('2026-03-03T06:00:00') })
    const s = reduce(calls, NOW, b)
    expect(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-03T00:00:00')))).toMatchObject({ offered: 1 })
    expect(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-03T06:00:00')))).toMatchObject({ offered: 1 })
  })

  it('moving the start earlier: today starts where the old day began, and the closed day keeps its calls', () => {
    // Days from 06:00, then from 00:00 made at 10:00: the old day began at 06:00, so c1 (03:00)
    // stays in the old day of 2 March; today under version 2 runs from 06:00 and holds c2 only.
    const early = { dayStartHour: 6 }
    const b = new DefinitionBook([version(1, FIRST, early), version(2, shanghai('2026-03-03T10:00:00'), { dayStartHour: 0 })])
    expect(today(calls, NOW, b)).toMatchObject({ offered: 1, from: shanghai('2026-03-03T06:00:00') })
    const s = reduce(calls, NOW, b)
    expect(s.buckets.get(bucketKey.queueDay('q1', shanghai('2026-03-02T06:00:00')))).toMatchObject({ offered: 1 })
    // From the next day on, days run from midnight.
    expect(today(calls, shanghai('2026-03-04T01:00:00'), b)).toMatchObject({ offered: 0, from: shanghai('2026-03-04T00:00:00') })
  })

  it('a new time zone: no day bucket holds calls counted under two versions', () => {
    // Made at 09:30 Shanghai time (01:30 UTC) to UTC: the UTC day began at 08:00 Shanghai time.
    const b = new DefinitionBook([version(1, FIRST), version(2, shanghai('2026-03-03T09:30:00'), { timezone: 'UTC' })])
    expect(today(calls, NOW, b)).toMatchObject({ offered: 1, from: shanghai('2026-03-03T08:00:00') })
    const s = reduce(calls, NOW, b)
    const days = [...s.buckets.rows].filter(([k]) => k.startsWith('q|'))
    expect(days.map(([k, c]) => [k, c.offered])).toEqual(
      expect.arrayContaining([
        [bucketKey.queueDay('q1', shanghai('2026-03-03T00:00:00')), 1],
        [bucketKey.queueDay('q1', shanghai('2026-03-03T08:00:00')), 1],
      ]),
    )
  })

  it('changing back the same day gives each version’s part of the day its own bucket', () => {
    // 06:00 days from 10:00, midnight days again from 11:00: the third version applies from 06:00
    // (the later start), after the second's, so version 2 has no part of the day and nothing mixes.
    const b = new DefinitionBook([
      version(1, FIRST),
      version(2, shanghai('2026-03-03T10:00:00'), { dayStartHour: 6 }),
      version(3, shanghai('2026-03-03T11:00:00'), { slThresholdSec: 10 }),
    ])
    expect(b.versionsOf('q1').map((v) => v.from)).toEqual([
      null,
      shanghai('2026-03-03T06:00:00'),
      shanghai('2026-03-03T06:00:00'),
    ])
    expect(today(calls, NOW, b)).toMatchObject({ offered: 1, answeredWithin: 0, from: shanghai('2026-03-03T06:00:00') })
  })
})

describe('changedSince', () => {
  const v1 = version(1, FIRST, {}, { vip: { slThresholdSec: 10 } })
  const older = new DefinitionBook([v1])
  const queues = ['support', 'sales', 'vip']

  it('finds nothing between a book and itself, or a copy of it', () => {
    expect(older.changedSince(older, queues)).toEqual([])
    expect(new DefinitionBook([v1]).changedSince(older, queues)).toEqual([])
  })

  it('names only the queue whose override changed', () => {
    const newer = new DefinitionBook([
      v1,
      version(2, shanghai('2026-03-03T10:00:00'), {}, { ...v1.queues, sales: { slTargetPct: 90 } }),
    ])
    expect(newer.changedSince(older, queues)).toEqual(['sales'])
  })

  it('names the centre (null) first, then the queues the new defaults reach, in the order given', () => {
    const newer = new DefinitionBook([v1, version(2, shanghai('2026-03-03T10:00:00'), { slThresholdSec: 30 }, v1.queues)])
    // vip overrides the threshold, so its definition is unchanged.
    expect(newer.changedSince(older, queues)).toEqual([null, 'support', 'sales'])
    expect(newer.changedSince(older, ['sales', 'support'])).toEqual([null, 'sales', 'support'])
  })

  it('names a queue whose override covers other options when a default it follows changes', () => {
    const newer = new DefinitionBook([v1, version(2, shanghai('2026-03-03T10:00:00'), { dayStartHour: 6 }, v1.queues)])
    expect(newer.changedSince(older, [])).toEqual([null])
    expect(newer.changedSince(older, ['vip'])).toEqual([null, 'vip'])
  })
})

describe('definitionProblems', () => {
  it('finds nothing wrong with the defaults', () => {
    expect(definitionProblems(BASE, 'body')).toEqual([])
  })

  it('names the time zone field when the zone is unknown', () => {
    expect(definitionProblems({ timezone: 'Mars/Base' }, 'body')).toEqual(['body.timezone: unknown time zone "Mars/Base"'])
    expect(definitionProblems({ timezone: 'Asia/Beijing' }, 'body.queues.vip')).toEqual([
      'body.queues.vip.timezone: unknown time zone "Asia/Beijing"',
    ])
    expect(definitionProblems({ timezone: 'Asia/Kathmandu' }, 'body')).toEqual([])
  })

  it('names csatTopBox when it is above the scale, and accepts it at the top of the scale', () => {
    expect(definitionProblems({ csatScale: 5, csatTopBox: 6 }, 'body')).toEqual(['body.csatTopBox: above csatScale (5)'])
    expect(definitionProblems({ csatScale: 5, csatTopBox: 5 }, 'body')).toEqual([])
  })

  it('names csatLowBox when it is not below the top box', () => {
    expect(definitionProblems({ csatTopBox: 4, csatLowBox: 4 }, 'body')).toEqual([
      'body.csatLowBox: must be below csatTopBox (4)',
    ])
    expect(definitionProblems({ csatTopBox: 4, csatLowBox: 3 }, 'body')).toEqual([])
  })

  it('checks the boxes of the merged options when given, since a change may break what it leaves alone', () => {
    // Lowering the scale to 3 leaves the top box at 4 and the low box at 2.
    expect(definitionProblems({ csatScale: 3 }, 'body')).toEqual([])
    expect(definitionProblems({ csatScale: 3 }, 'body', { ...BASE, csatScale: 3 })).toEqual([
      'body.csatTopBox: above csatScale (3)',
    ])
  })

  it('reports every problem at once, each naming its field', () => {
    expect(definitionProblems({ timezone: 'Nowhere', csatScale: 4, csatTopBox: 5, csatLowBox: 5 }, 'body')).toEqual([
      'body.timezone: unknown time zone "Nowhere"',
      'body.csatTopBox: above csatScale (4)',
      'body.csatLowBox: must be below csatTopBox (5)',
    ])
  })
})

describe('the definition schema', () => {
  const schema = Compile(DefinitionOptionsSchema)
  /** The fields a check names (e.g. `/slThresholdSec`), for options that differ from the defaults by `change`. */
  const errorsOf = (change: Record<string, unknown>) => [...schema.Errors({ ...BASE, ...change })].map((e) => e.instancePath)

  it('accepts the defaults', () => {
    expect(errorsOf({})).toEqual([])
  })

  it('rejects a threshold of 0 s or less, naming slThresholdSec; 1 s is allowed', () => {
    expect(errorsOf({ slThresholdSec: 0 })).toEqual(['/slThresholdSec'])
    expect(errorsOf({ slThresholdSec: -5 })).toEqual(['/slThresholdSec'])
    expect(errorsOf({ slThresholdSec: 1 })).toEqual([])
  })

  it('rejects a target outside 0–100 %, naming slTargetPct; both ends are allowed', () => {
    expect(errorsOf({ slTargetPct: -0.1 })).toEqual(['/slTargetPct'])
    expect(errorsOf({ slTargetPct: 100.1 })).toEqual(['/slTargetPct'])
    expect(errorsOf({ slTargetPct: 0 })).toEqual([])
    expect(errorsOf({ slTargetPct: 100 })).toEqual([])
    expect(errorsOf({ slTargetPct: 85.5 })).toEqual([])
  })

  it('rejects an unknown formula, naming slFormula', () => {
    expect(errorsOf({ slFormula: 'generous' })).toEqual(['/slFormula'])
    for (const slFormula of ['standard', 'abandons-neutral', 'abandons-positive', 'answered-only']) {
      expect(errorsOf({ slFormula })).toEqual([])
    }
  })

  it('rejects interval lengths other than 15 and 30 minutes, and an empty time zone', () => {
    expect(errorsOf({ intervalMinutes: 20 })).toContain('/intervalMinutes')
    expect(errorsOf({ intervalMinutes: 15 })).toEqual([])
    expect(errorsOf({ timezone: '' })).toEqual(['/timezone'])
  })

  it('leaves checking that a time zone exists to definitionProblems', () => {
    expect(errorsOf({ timezone: 'Mars/Base' })).toEqual([])
  })
})

describe('SL_PRESETS', () => {
  it('offers 80/20 and 90/10 (target percent / threshold seconds)', () => {
    expect(SL_PRESETS).toEqual([
      { id: '80/20', slTargetPct: 80, slThresholdSec: 20 },
      { id: '90/10', slTargetPct: 90, slThresholdSec: 10 },
    ])
  })

  it.each(SL_PRESETS.map((p) => [p.id, p] as const))('gives a valid definition labelled SL %s', (id, preset) => {
    const { id: _id, ...options } = preset
    const def: Definition = { ...defaultDefinition('Asia/Shanghai'), ...options }
    expect(Compile(DefinitionSchema).Check(def)).toBe(true)
    expect(definitionLabel(def)).toBe(`SL ${id} · abandons < 5 s ignored · v1`)
  })
})

describe('the version in a label', () => {
  it('ends the label with · v and the version, in both languages', () => {
    const def: Definition = { ...defaultDefinition('Asia/Shanghai'), version: 12 }
    expect(definitionLabel(def)).toBe('SL 80/20 · abandons < 5 s ignored · v12')
    expect(definitionLabel(def, 'zh-CN')).toBe('SL 80/20 · 5 秒内短放弃剔除 · v12')
  })

  it('gives two versions with the same options different labels', () => {
    const v1 = defaultDefinition('Asia/Shanghai')
    expect(definitionLabel({ ...v1, version: 3 })).not.toBe(definitionLabel(v1))
  })
})
