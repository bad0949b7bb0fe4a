// The supervisor's queue table: its columns (what each shows and sorts by) and the sort itself.
// Pure, so the order is tested without a browser. A figure that does not exist (null) sorts last
// whichever the direction: "–" never outranks a number.
import type { QueueFigures } from '../../shared/figures/schema.js'

export type ColumnId =
  | 'name'
  | 'slToday'
  | 'slRolling'
  | 'waiting'
  | 'longestWait'
  | 'offered'
  | 'answered'
  | 'abandonRate'
  | 'asa'
  | 'staffing'
  | 'loggedIn'

export interface Column {
  id: ColumnId
  /** its header's message key (web/i18n): `table.<column id>`, except the name's */
  label: `table.${Exclude<ColumnId, 'name'>}` | 'table.queue'
  /** the value the column sorts by; text for the name, numbers otherwise */
  sortValue: (q: QueueFigures, longestWaitSec: number) => string | number | null
  /** numbers read right-aligned */
  numeric: boolean
  /** the direction a first click sorts in: worst first for the figures a lead watches */
  firstDir: SortDir
}

export type SortDir = 'asc' | 'desc'
export interface Sort {
  column: ColumnId
  dir: SortDir
}

/**
 * The longest wait, ticking every second from when the oldest waiting call entered, on the
 * server's clock (`figuresNow`, which stops moving once the data is stale).
 */
export function tickingLongestWait(q: QueueFigures, figuresNow: number): number {
  const since = q.live.oldestQueuedAt
  return since === null ? q.live.longestWaitSec : Math.max(q.live.longestWaitSec, Math.floor((figuresNow - since) / 1000))
}

/** Agents short of what Erlang C needs (negative: more than needed); null without an estimate. */
export function staffingGap(q: QueueFigures): number | null {
  const { needed, have } = q.staffing
  return needed === null ? null : needed - have
}

export const COLUMNS: readonly Column[] = [
  { id: 'name', label: 'table.queue', sortValue: (q) => q.name.toLocaleLowerCase(), numeric: false, firstDir: 'asc' },
  {
    id: 'slToday',
    label: 'table.slToday',
    sortValue: (q) => slAgainstTarget(q, q.windows.today?.serviceLevelPct),
    numeric: true,
    firstDir: 'asc',
  },
  {
    id: 'slRolling',
    label: 'table.slRolling',
    sortValue: (q) => slAgainstTarget(q, q.windows.rolling?.serviceLevelPct),
    numeric: true,
    firstDir: 'asc',
  },
  { id: 'waiting', label: 'table.waiting', sortValue: (q) => q.live.waiting, numeric: true, firstDir: 'desc' },
  { id: 'longestWait', label: 'table.longestWait', sortValue: (_q, wait) => wait, numeric: true, firstDir: 'desc' },
  { id: 'offered', label: 'table.offered', sortValue: (q) => q.windows.today?.offered ?? null, numeric: true, firstDir: 'desc' },
  {
    id: 'answered',
    label: 'table.answered',
    sortValue: (q) => q.windows.today?.answered ?? null,
    numeric: true,
    firstDir: 'desc',
  },
  {
    id: 'abandonRate',
    label: 'table.abandonRate',
    sortValue: (q) => q.windows.today?.abandonRatePct ?? null,
    numeric: true,
    firstDir: 'desc',
  },
  { id: 'asa', label: 'table.asa', sortValue: (q) => q.windows.today?.asaSec ?? null, numeric: true, firstDir: 'desc' },
  { id: 'staffing', label: 'table.staffing', sortValue: staffingGap, numeric: true, firstDir: 'desc' },
  { id: 'loggedIn', label: 'table.loggedIn', sortValue: (q) => q.live.agentsLoggedIn, numeric: true, firstDir: 'desc' },
]

/** Service level as distance from the queue's own target, so queues with different targets compare. */
function slAgainstTarget(q: QueueFigures, slPct: number | null | undefined): number | null {
  return slPct === null || slPct === undefined ? null : slPct - q.definition.slTargetPct
}

/** The next sort after a click on a column's header: its first direction, then the other way. */
export function nextSort(current: Sort, column: Column): Sort {
  if (current.column !== column.id) return { column: column.id, dir: column.firstDir }
  return { column: column.id, dir: current.dir === 'asc' ? 'desc' : 'asc' }
}

/** The queues in the sort's order; ties (and equal values) by name, so the order is stable. */
export function sortQueues(
  queues: readonly QueueFigures[],
  sort: Sort,
  longestWaitOf: (q: QueueFigures) => number,
): QueueFigures[] {
  const column = COLUMNS.find((c) => c.id === sort.column) ?? COLUMNS[0]!
  const sign = sort.dir === 'asc' ? 1 : -1
  const keyed = queues.map((q) => ({ q, v: column.sortValue(q, longestWaitOf(q)), name: q.name.toLocaleLowerCase() }))
  keyed.sort((a, b) => {
    if (a.v === null || b.v === null) {
      if (a.v !== b.v) return a.v === null ? 1 : -1
    } else if (a.v !== b.v) return (a.v < b.v ? -1 : 1) * sign
    return a.name < b.name ? -1 : a.name > b.name ? 1 : a.q.id < b.q.id ? -1 : a.q.id > b.q.id ? 1 : 0
  })
  return keyed.map((k) => k.q)
}
