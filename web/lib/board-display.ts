// The board form's display settings as typed (text in inputs) and back: what a board has becomes
// the form, the form becomes the `display` of a PATCH. Numbers go as typed, so a wrong one is
// refused by the server with its reason next to the input; an empty threshold input means the
// default. Pure, unit-tested.
import { BOARD_TILE_IDS, type BoardDisplay, type BoardTile } from '../../shared/admin.js'
import { DEFAULT_THRESHOLDS } from '../../shared/thresholds.js'

/** The thresholds with an amber and a red level, in the order the form lists them. */
export const THRESHOLD_PAIRS = [
  'serviceLevelBelowTarget',
  'longestWaitFactor',
  'asaFactor',
  'abandonRateAbovePct',
  'answerRateBelowPct',
] as const
export type ThresholdPair = (typeof THRESHOLD_PAIRS)[number]

export interface DisplayForm {
  theme: BoardDisplay['theme']
  language: BoardDisplay['language']
  pageSize: string
  rotateSec: string
  /** every tile, the board's first in its order; `on` for the ones it shows */
  tiles: Array<{ id: BoardTile; on: boolean }>
  pairs: Record<ThresholdPair, { amber: string; red: string }>
  backlog: { minimum: string; shareOfLoggedIn: string }
}

const text = (v: number | undefined) => (v === undefined ? '' : String(v))

export function displayForm(d: BoardDisplay): DisplayForm {
  const pairs = {} as DisplayForm['pairs']
  for (const key of THRESHOLD_PAIRS) pairs[key] = { amber: text(d.thresholds[key]?.amber), red: text(d.thresholds[key]?.red) }
  return {
    theme: d.theme,
    language: d.language,
    pageSize: d.pageSize === null ? '' : String(d.pageSize),
    rotateSec: String(d.rotateSec),
    tiles: [
      ...d.tiles.map((id) => ({ id, on: true })),
      ...BOARD_TILE_IDS.filter((id) => !d.tiles.includes(id)).map((id) => ({ id, on: false })),
    ],
    pairs,
    backlog: {
      minimum: text(d.thresholds.waitingBacklogRed?.minimum),
      shareOfLoggedIn: text(d.thresholds.waitingBacklogRed?.shareOfLoggedIn),
    },
  }
}

/** A number as typed; text that is not one goes as it is, for the server to name. */
function typed(input: string): number | string {
  return input.trim() !== '' && Number.isFinite(Number(input)) ? Number(input) : input
}

/** Either input of a pair given: the pair, the other side from the defaults. */
function pair<T extends Record<string, number>>(given: Record<keyof T, string>, defaults: T): T | undefined {
  const keys = Object.keys(defaults) as Array<keyof T>
  if (keys.every((k) => given[k].trim() === '')) return undefined
  return Object.fromEntries(keys.map((k) => [k, given[k].trim() === '' ? defaults[k] : typed(given[k])])) as T
}

export function displayInput(f: DisplayForm): Record<string, unknown> {
  const thresholds: Record<string, unknown> = {}
  for (const key of THRESHOLD_PAIRS) {
    const p = pair(f.pairs[key], DEFAULT_THRESHOLDS[key])
    if (p) thresholds[key] = p
  }
  const backlog = pair(f.backlog, DEFAULT_THRESHOLDS.waitingBacklogRed)
  if (backlog) thresholds['waitingBacklogRed'] = backlog
  return {
    theme: f.theme,
    language: f.language,
    pageSize: f.pageSize.trim() === '' ? null : typed(f.pageSize),
    rotateSec: typed(f.rotateSec),
    tiles: f.tiles.filter((t) => t.on).map((t) => t.id),
    thresholds,
  }
}

/** Moves a tile one place up (-1) or down (+1) in the list. */
export function moveTile(tiles: DisplayForm['tiles'], index: number, by: -1 | 1): DisplayForm['tiles'] {
  const to = index + by
  if (to < 0 || to >= tiles.length) return tiles
  const out = tiles.slice()
  ;[out[index], out[to]] = [out[to]!, out[index]!]
  return out
}
