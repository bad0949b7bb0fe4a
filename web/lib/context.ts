// What every component reads from context: the live store and the language, both created once
// in main.ts and given to `mount` as the app's context. Typed getters, so no component names a key.
import { getContext } from 'svelte'
import type { I18n } from './i18n.js'
import type { LiveBoard } from './live.svelte.js'

const LIVE = Symbol('live')
const I18N = Symbol('i18n')

export function boardContext(live: LiveBoard, i18n: I18n): Map<symbol, unknown> {
  return new Map<symbol, unknown>([
    [LIVE, live],
    [I18N, i18n],
  ])
}

export function getLive(): LiveBoard {
  return getContext<LiveBoard>(LIVE)
}

export function getI18n(): I18n {
  return getContext<I18n>(I18N)
}
