// How the board fills the screen: how many columns and rows of queue cards, and which card
// arrangement, for a given number of queues and the space there is. Each arrangement is
// designed on a box of `widthU` × `heightU` units, wide enough for its values at full size; the
// card's CSS sets one unit to the largest size that fits its box in the card (container query
// units), so the best grid is the one whose cards get the largest unit.

import { BOARD_TILES, type BoardTile } from '../../shared/admin.js'

export type CardShape = 'wide' | 'tall'

/** What a card holds, from a board's tiles (see BOARD_TILES). */
export interface CardParts {
  hero: boolean
  large: number
  small: number
  strip: boolean
}

export function cardParts(tiles: readonly BoardTile[]): CardParts {
  const n = (place: string) => tiles.filter((t) => BOARD_TILES[t] === place).length
  return { hero: n('hero') > 0, large: n('large'), small: n('small'), strip: n('strip') > 0 }
}

export interface CardDesign {
  shape: CardShape
  widthU: number
  heightU: number
  /** the card body's CSS grid */
  columns: string
  rows: string
  areas: string
  /** columns and rows of the small tiles */
  smallCols: number
  smallRows: number
}

// The parts' heights in units, from their CSS (padding, borders, text sizes × line heights): the
// card's padding, the header (name 1.6 × 1.25), one row of small tiles (padding, borders, label
// 0.85 × 1.2, value 2.1) and the gap between two, the agent strip (bar, gap, two rows of counts),
// the gap between parts; the hero row (service level beside the large figures) in a wide card, the
// service level and the large figures each in their own row in a tall one.
const U = { pad: 1.4, head: 2, smallRow: 4.06, smallGap: 0.4, strip: 4.6, gap: 0.6, wideHero: 10.2, tallHero: 10.8, tallNow: 6.8 }

/** The two arrangements of a card with these parts: wide (hero row side by side) and tall. */
export function cardDesigns(parts: CardParts): CardDesign[] {
  const smallHeight = (cols: number) => {
    const rows = parts.small === 0 ? 0 : Math.ceil(parts.small / cols)
    return { rows, height: rows === 0 ? 0 : rows * U.smallRow + (rows - 1) * U.smallGap + U.gap }
  }
  const strip = parts.strip ? U.strip + U.gap : 0

  const wideCols = Math.min(3, Math.max(1, parts.small))
  const wideSmall = smallHeight(wideCols)
  const wideRows: Array<[string, string]> = [['auto', "'head head'"]]
  if (parts.hero || parts.large > 0) {
    const area = parts.hero && parts.large > 0 ? 'sl now' : parts.hero ? 'sl sl' : 'now now'
    wideRows.push(['minmax(0, 1fr)', `'${area}'`])
  }
  if (parts.small > 0) wideRows.push(['auto', "'today today'"])
  if (parts.strip) wideRows.push(['auto', "'agents agents'"])
  const wide: CardDesign = {
    shape: 'wide',
    widthU: 46,
    heightU: U.pad + U.head + (parts.hero || parts.large > 0 ? U.wideHero + U.gap : 0) + wideSmall.height + strip,
    columns: 'minmax(0, 20fr) minmax(0, 26fr)',
    rows: wideRows.map(([r]) => r).join(' '),
    areas: wideRows.map(([, a]) => a).join(' '),
    smallCols: wideCols,
    smallRows: wideSmall.rows,
  }

  const tallCols = Math.min(2, Math.max(1, parts.small))
  const tallSmall = smallHeight(tallCols)
  const tallRows: Array<[string, string]> = [['auto', "'head'"]]
  if (parts.hero) tallRows.push(['minmax(0, 1.6fr)', "'sl'"])
  if (parts.large > 0) tallRows.push(['minmax(0, 1fr)', "'now'"])
  if (parts.small > 0) tallRows.push(['auto', "'today'"])
  if (parts.strip) tallRows.push(['auto', "'agents'"])
  const tall: CardDesign = {
    shape: 'tall',
    widthU: 24,
    heightU:
      U.pad +
      U.head +
      (parts.hero ? U.tallHero + U.gap : 0) +
      (parts.large > 0 ? U.tallNow + U.gap : 0) +
      tallSmall.height +
      strip,
    columns: 'minmax(0, 1fr)',
    rows: tallRows.map(([r]) => r).join(' '),
    areas: tallRows.map(([, a]) => a).join(' '),
    smallCols: tallCols,
    smallRows: tallSmall.rows,
  }
  return [wide, tall]
}

/** The designs of the default card (every tile of a board that sets none). */
export const CARD_DESIGNS: readonly CardDesign[] = cardDesigns({ hero: true, large: 2, small: 6, strip: true })

export interface GridLayout {
  cols: number
  rows: number
  design: CardDesign
  /** the unit each card will get, px */
  unitPx: number
}

export function chooseGrid(
  count: number,
  widthPx: number,
  heightPx: number,
  gapPx: number,
  designs: readonly CardDesign[] = CARD_DESIGNS,
): GridLayout {
  const n = Math.max(1, count)
  let best: GridLayout | null = null
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols)
    // A column or row that would stay empty is never better.
    if ((rows - 1) * cols >= n) continue
    const cardW = (widthPx - gapPx * (cols - 1)) / cols
    const cardH = (heightPx - gapPx * (rows - 1)) / rows
    if (cardW <= 0 || cardH <= 0) continue
    for (const design of designs) {
      const unitPx = Math.min(cardW / design.widthU, cardH / design.heightU)
      // Prefer the larger unit; on a tie, fewer empty cells, then the wide arrangement.
      const better =
        best === null ||
        unitPx > best.unitPx + 0.01 ||
        (Math.abs(unitPx - best.unitPx) <= 0.01 && cols * rows - n < best.cols * best.rows - n)
      if (better) best = { cols, rows, design, unitPx }
    }
  }
  return best ?? { cols: 1, rows: 1, design: designs[0] ?? CARD_DESIGNS[0]!, unitPx: 0 }
}

/**
 * How wide a figure's text is, in em, in the widest common sans font for figures (DejaVu Sans
 * Bold, as on many Linux TV boxes; Roboto and Segoe UI are narrower), with a little to spare.
 * Tiles size their values with it so that a value always fits its tile.
 */
export function figureWidthEm(text: string): number {
  let em = 0
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') em += 0.7
    else if (ch === ':' || ch === '.' || ch === ',' || ch === ' ') em += 0.4
    else if (ch === '%') em += 1.0
    else if (ch === '–' || ch === '-') em += 0.5
    else em += 1.0
  }
  return Math.max(em, 0.7) * 1.04
}

/**
 * The smallest unit a card may get on a screen `screenHeightPx` high: its smallest text (a small
 * tile's label, 0.85 units) stays at 0.9 % of the screen height, the minimum this project holds to
 * for reading from 10 m (README, "Boards").
 */
export function minUnitPx(screenHeightPx: number): number {
  return (0.009 * screenHeightPx) / 0.85
}

/**
 * How many queues fit on one page with the unit at least `minUnit`: all of them when they fit, else
 * fewer, and the board pages through them. Never more than the board's own page size, never less
 * than one.
 */
export function queuesPerPage(
  count: number,
  widthPx: number,
  heightPx: number,
  gapPx: number,
  designs: readonly CardDesign[],
  minUnit: number,
  pageSize: number | null,
): number {
  let n = Math.max(1, Math.min(count, pageSize ?? count))
  while (n > 1 && chooseGrid(n, widthPx, heightPx, gapPx, designs).unitPx < minUnit) n--
  return n
}
