// Lining up today's intervals with the same weekday last week, and marking definition breaks.
import { describe, expect, it } from 'vitest'
import type { HistoryRow } from '../../shared/figures/schema.js'
import { WEEK_MS, alignWeeks } from '../../web/lib/interval-series.js'

const HALF = 30 * 60_000
const DAY = Date.UTC(2026, 10, 23, 16) // 00:00 on 24 November in Shanghai
const row = (from: number, version = 1, offered = 1) =>
  ({ queue: 'q1', from, to: from + HALF, definition: { version, label: `v${version}` }, offered }) as unknown as HistoryRow

describe('alignWeeks', () => {
  it('pairs each interval with the one that started seven days earlier, last week’s later ones included', () => {
    const points = alignWeeks([row(DAY), row(DAY + HALF)], [row(DAY - WEEK_MS, 1, 5), row(DAY + 2 * HALF - WEEK_MS, 1, 7)])
    expect(points.map((p) => [p.from - DAY, p.today?.offered ?? null, p.lastWeek?.offered ?? null])).toEqual([
      [0, 1, 5],
      [HALF, 1, null],
      [2 * HALF, null, 7],
    ])
  })

  it('flags the interval where today’s definition version changed', () => {
    const points = alignWeeks([row(DAY, 1), row(DAY + HALF, 1), row(DAY + 2 * HALF, 2)], [])
    expect(points.map((p) => p.versionBreak)).toEqual([false, false, true])
  })
})
