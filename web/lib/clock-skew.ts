// A source's clock offset in words: "clock +5 min 0 s ahead", "clock −5 min 0 s behind".
import { offsetParts } from '../../shared/clock-offset.js'
import type { Translate } from './i18n.js'

export function clockText(offsetMs: number, t: Translate): string {
  const { ahead, min, sec } = offsetParts(offsetMs)
  return t(ahead ? 'clock.ahead' : 'clock.behind', { min: String(min), sec: String(sec) })
}
