// A board's configuration as the TV applies it: the card's arrangement sized for the tiles shown
// (fewer tiles, larger figures), each tile's value and level under the board's thresholds, the
// thresholds' cross-checks, the board's language, and the admin form's round trip.
import { describe, expect, it } from 'vitest'
import { BOARD_TILE_IDS, DEFAULT_BOARD_DISPLAY, DEFAULT_BOARD_TILES } from '../../shared/admin.js'
import { DEFAULT_THRESHOLDS, levelsOf, thresholdProblems, thresholdsWith } from '../../shared/thresholds.js'
import { displayForm, displayInput, moveTile } from '../../web/lib/board-display.js'
import { boardLang } from '../../web/lib/lang.js'
import { CARD_DESIGNS, cardDesigns, cardParts, chooseGrid } from '../../web/lib/layout.js'
import { tileView } from '../../web/lib/tiles.js'
import { abandoned, answered, at, queued, run } from './fixtures.js'

describe('the card for a set of tiles', () => {
  it('keeps the default card the one the layout was designed on', () => {
    const [wide, tall] = cardDesigns(cardParts(DEFAULT_BOARD_TILES))
    expect(wide).toMatchObject({ shape: 'wide', widthU: 46, smallCols: 3, smallRows: 2 })
    expect(wide!.heightU).toBeCloseTo(28.5, 1)
    expect(tall).toMatchObject({ shape: 'tall', widthU: 24, smallCols: 2, smallRows: 3 })
    expect(tall!.heightU).toBeCloseTo(41, 1)
    expect(wide!.areas).toBe("'head head' 'sl now' 'today today' 'agents agents'")
    expect(CARD_DESIGNS).toEqual([wide, tall])
  })

  it('drops the parts a board does not show, so the same screen gets larger figures', () => {
    const parts = cardParts(['serviceLevel', 'waiting', 'longestWait'])
    expect(parts).toEqual({ hero: true, large: 2, small: 0, strip: false })
    const [wide] = cardDesigns(parts)
    expect(wide!.areas).toBe("'head head' 'sl now'")
    expect(wide!.heightU).toBeLessThan(16)
    const full = chooseGrid(12, 1880, 940, 12)
    const few = chooseGrid(12, 1880, 940, 12, cardDesigns(parts))
    expect(few.unitPx).toBeGreaterThan(full.unitPx * 1.15)
  })

  it('gives the hero row to whichever of its parts is shown', () => {
    expect(cardDesigns(cardParts(['serviceLevel', 'asa']))[0]!.areas).toBe("'head head' 'sl sl' 'today today'")
    expect(cardDesigns(cardParts(['waiting', 'agents']))[0]!.areas).toBe("'head head' 'now now' 'agents agents'")
    expect(cardDesigns(cardParts(['asa', 'aht']))[1]).toMatchObject({ areas: "'head' 'today'", smallCols: 2, smallRows: 1 })
  })
})

describe('tiles under a board’s thresholds', () => {
  // 2 answered within 20 s, 1 abandoned after 40 s: abandon rate 33.3 %.
  const [queue] = run(
    [
      queued('c1', at(0)),
      answered('c1', at(5)),
      queued('c2', at(0)),
      answered('c2', at(10)),
      queued('c3', at(0)),
      abandoned('c3', at(40)),
      queued('c4', at(100)),
    ],
    at(110),
  )
  const levelsUnder = (t = DEFAULT_THRESHOLDS) => levelsOf(queue!, 10, t)

  it('writes every figure tile, and none for the hero, the strip or the header', () => {
    const ctx = { lang: 'en' as const, levels: levelsUnder(), thresholds: DEFAULT_THRESHOLDS, longestWaitSec: 10 }
    const views = Object.fromEntries(BOARD_TILE_IDS.map((id) => [id, tileView(id, queue!, ctx)]))
    expect(views['serviceLevel']).toBeNull()
    expect(views['agents']).toBeNull()
    expect(views['staffing']).toBeNull()
    expect(views['abandonRate']).toMatchObject({ value: '33.3%', level: 'red', testid: 'abandon-rate' })
    expect(views['waiting']).toMatchObject({ value: '1', testid: 'waiting' })
    expect(views['longestWait']).toMatchObject({ value: '0:10', level: 'normal', testid: 'longest-wait' })
    expect(views['serviceLevelRolling']).toMatchObject({ params: { min: '30' }, testid: 'service-level-rolling' })
    expect(views['nps']).toMatchObject({ value: '–' })
  })

  it('colours by the board’s own thresholds, the defaults for the rest', () => {
    const t = thresholdsWith({ abandonRateAbovePct: { amber: 40, red: 50 }, longestWaitFactor: { amber: 0.25, red: 0.5 } })
    expect(t.asaFactor).toEqual(DEFAULT_THRESHOLDS.asaFactor)
    const levels = levelsUnder(t)
    expect(levels.abandonRate).toBe('normal')
    expect(levels.longestWait).toBe('red') // 10 s ≥ 0.5 × 20 s
  })

  it('refuses red before amber, naming each figure', () => {
    expect(thresholdProblems({ abandonRateAbovePct: { amber: 5, red: 5 } }, 'x')).toEqual([])
    expect(
      thresholdProblems(
        { serviceLevelBelowTarget: { amber: 10, red: 5 }, answerRateBelowPct: { amber: 80, red: 85 } },
        'body.display.thresholds',
      ),
    ).toEqual([
      'body.display.thresholds.serviceLevelBelowTarget: red (5) must be at least amber (10)',
      'body.display.thresholds.answerRateBelowPct: red (85) must be at most amber (80)',
    ])
  })
})

describe('a board’s language', () => {
  it('is the address’s, else the board’s, else the screen’s', () => {
    expect(boardLang('?lang=en', 'zh-CN', 'zh-CN')).toBe('en')
    expect(boardLang('?token=x', 'zh-CN', 'en')).toBe('zh-CN')
    expect(boardLang('', 'auto', 'zh-CN')).toBe('zh-CN')
    expect(boardLang('?lang=fr', 'en', 'zh-CN')).toBe('en')
  })
})

describe('the board form', () => {
  it('turns a board into the form and back unchanged', () => {
    const display = { ...DEFAULT_BOARD_DISPLAY, thresholds: { asaFactor: { amber: 1, red: 2 } } }
    expect(displayInput(displayForm(display))).toEqual(display)
  })

  it('lists the tiles not shown after the ones shown, and keeps their order', () => {
    const form = displayForm({ ...DEFAULT_BOARD_DISPLAY, tiles: ['abandonRate', 'serviceLevel'] })
    expect(form.tiles.slice(0, 3)).toEqual([
      { id: 'abandonRate', on: true },
      { id: 'serviceLevel', on: true },
      { id: 'waiting', on: false },
    ])
    const moved = moveTile(form.tiles, 1, -1)
    expect(displayInput({ ...form, tiles: moved }).tiles).toEqual(['serviceLevel', 'abandonRate'])
    expect(moveTile(moved, 0, -1)).toBe(moved)
  })

  it('fills the other side of a half-given pair from the defaults, and sends text that is not a number as typed', () => {
    const form = displayForm(DEFAULT_BOARD_DISPLAY)
    form.pairs.abandonRateAbovePct = { amber: '3', red: '' }
    form.backlog = { minimum: 'five', shareOfLoggedIn: '' }
    expect(displayInput(form).thresholds).toEqual({
      abandonRateAbovePct: { amber: 3, red: 10 },
      waitingBacklogRed: { minimum: 'five', shareOfLoggedIn: 0.25 },
    })
  })
})
