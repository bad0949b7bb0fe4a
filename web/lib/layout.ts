// How the board fills the screen: how many columns and rows of queue cards, and which card
// arrangement, for a given number of queues and the space there is. Each arrangement is
// designed on a box of `widthU` × `heightU` units, wide enough for its values at full size; the
// card's CSS sets one unit to the largest size that fits its box in the card (container query
// units), so the best grid is the one whose cards get the largest unit.

export type CardShape = 'wide' | 'tall'

export interface CardDesign {
  shape: CardShape
  widthU: number
  heightU: number
}

export const CARD_DESIGNS: readonly CardDesign[] = [
  { shape: 'wide', widthU: 46, heightU: 28.5 },
  { shape: 'tall', widthU: 24, heightU: 41 },
]

export interface GridLayout {
  cols: number
  rows: number
  design: CardDesign
  /** the unit each card will get, px */
  unitPx: number
}

export function chooseGrid(count: number, widthPx: number, heightPx: number, gapPx: number): GridLayout {
  const n = Math.max(1, count)
  let best: GridLayout | null = null
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols)
    // A column or row that would stay empty is never better.
    if ((rows - 1) * cols >= n) continue
    const cardW = (widthPx - gapPx * (cols - 1)) / cols
    const cardH = (heightPx - gapPx * (rows - 1)) / rows
    if (cardW <= 0 || cardH <= 0) continue
    for (const design of CARD_DESIGNS) {
      const unitPx = Math.min(cardW / design.widthU, cardH / design.heightU)
      // Prefer the larger unit; on a tie, fewer empty cells, then the wide arrangement.
      const better =
        best === null ||
        unitPx > best.unitPx + 0.01 ||
        (Math.abs(unitPx - best.unitPx) <= 0.01 && cols * rows - n < best.cols * best.rows - n)
      if (better) best = { cols, rows, design, unitPx }
    }
  }
  return best ?? { cols: 1, rows: 1, design: CARD_DESIGNS[0]!, unitPx: 0 }
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
