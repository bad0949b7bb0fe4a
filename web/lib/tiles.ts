// What each tile of a queue card shows: its label, its value as written on screen, and its level
// under the board's thresholds. Pure, so the card (and a unit test) ask it for any tile of
// BOARD_TILES; the card only places them.
import type { BoardTile } from '../../shared/admin.js'
import type { Lang } from '../../shared/definition-text.js'
import type { QueueFigures } from '../../shared/figures/schema.js'
import { type Level, type QueueLevels, type Thresholds, serviceLevelLevel } from '../../shared/thresholds.js'
import { count, duration, percent, score } from './format.js'
import type { MessageKey } from './i18n.js'

/** The label of every tile, as the admin page lists them too. */
export const TILE_LABELS: Record<BoardTile, MessageKey> = {
  serviceLevel: 'queue.serviceLevel',
  waiting: 'tile.waiting',
  longestWait: 'tile.longestWait',
  asa: 'tile.asa',
  answerRate: 'tile.answerRate',
  abandonRate: 'tile.abandonRate',
  offered: 'tile.offered',
  answered: 'tile.answered',
  abandoned: 'tile.abandoned',
  serviceLevelRolling: 'tile.serviceLevelRolling',
  avgAbandonWait: 'tile.avgAbandonWait',
  aht: 'tile.aht',
  occupancy: 'tile.occupancy',
  csat: 'tile.csat',
  nps: 'tile.nps',
  agents: 'tile.agents',
  staffing: 'tile.staffing',
}

export interface TileView {
  label: MessageKey
  params?: Record<string, string>
  value: string
  level: Level
  /** `data-testid` of the value */
  testid: string
}

/** A figure tile (large or small); null for the tiles that are not one figure (hero, strip, header). */
export function tileView(
  id: BoardTile,
  queue: QueueFigures,
  ctx: { lang: Lang; levels: QueueLevels; thresholds: Thresholds; longestWaitSec: number },
): TileView | null {
  const today = queue.windows.today
  const rolling = queue.windows.rolling
  const testid = id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  const plain = (value: string, level: Level = 'normal'): TileView => ({ label: TILE_LABELS[id], value, level, testid })
  switch (id) {
    case 'waiting':
      return plain(count(queue.live.waiting, ctx.lang), ctx.levels.waiting)
    case 'longestWait':
      return plain(duration(ctx.longestWaitSec), ctx.levels.longestWait)
    case 'asa':
      return plain(duration(today?.asaSec ?? null), ctx.levels.asa)
    case 'answerRate':
      return plain(percent(today?.answerRatePct ?? null), ctx.levels.answerRate)
    case 'abandonRate':
      return plain(percent(today?.abandonRatePct ?? null), ctx.levels.abandonRate)
    case 'offered':
      return plain(count(today?.offered ?? null, ctx.lang))
    case 'answered':
      return plain(count(today?.answered ?? null, ctx.lang))
    case 'abandoned':
      return plain(count(today?.abandoned ?? null, ctx.lang))
    case 'serviceLevelRolling': {
      const sl = rolling?.serviceLevelPct ?? null
      return {
        ...plain(percent(sl), serviceLevelLevel(sl, queue.definition, ctx.thresholds)),
        params: { min: String(queue.definition.rollingMinutes) },
      }
    }
    case 'avgAbandonWait':
      return plain(duration(today?.avgAbandonWaitSec ?? null))
    case 'aht':
      return plain(duration(today?.ahtSec ?? null))
    case 'occupancy':
      return plain(percent(today?.occupancyPct ?? null))
    case 'csat':
      return plain(percent(today?.csatPct ?? null))
    case 'nps':
      return plain(score(today?.nps ?? null))
    case 'serviceLevel':
    case 'agents':
    case 'staffing':
      return null
  }
}
