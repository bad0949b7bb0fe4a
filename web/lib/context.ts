// What every component reads from context: the language, and on the board the live store, both
// created once in main.ts and given to `mount` as the app's context. Typed getters, so no
// component names a key.
import { getContext, setContext } from 'svelte'
import type { I18n } from './i18n.js'
import type { LiveBoard } from './live.svelte.js'

const LIVE = Symbol('live')
const I18N = Symbol('i18n')

/** The login page has no live store: it opens no socket. */
export function appContext(i18n: I18n, live: LiveBoard | null): Map<symbol, unknown> {
  const context = new Map<symbol, unknown>([[I18N, i18n]])
  if (live !== null) context.set(LIVE, live)
  return context
}

export function getLive(): LiveBoard {
  const live = getContext<LiveBoard | undefined>(LIVE)
  if (!live) throw new Error('no live store in context: only the board view has one')
  return live
}

export function getI18n(): I18n {
  return getContext<I18n>(I18N)
}

/** Gives a part of the page its own language (a board that sets one); call during a component's init. */
export function setI18n(i18n: I18n): void {
  setContext(I18N, i18n)
}
