// Which language a page speaks: `?lang=en|zh-CN` in the URL, else the browser's language (zh… →
// 简体中文), else English; a board may set its own (boardLang). No catalogue here, so the choice is
// unit-tested without the strings.
import type { BoardDisplay } from '../../shared/admin.js'
import type { Lang } from '../../shared/definition-text.js'

export function pickLang(search: string, browserLanguages: readonly string[]): Lang {
  const first = browserLanguages.find((l) => l.trim() !== '')
  return askedLang(search) ?? (first?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en')
}

/** The language `?lang=` names, or null. */
function askedLang(search: string): Lang | null {
  const asked = new URLSearchParams(search).get('lang')?.trim().toLowerCase()
  if (asked?.startsWith('zh')) return 'zh-CN'
  if (asked?.startsWith('en')) return 'en'
  return null
}

/**
 * A board's language: `?lang=` in its address (a person chose it for this screen), else the
 * board's own setting, else the screen's language.
 */
export function boardLang(search: string, boardLanguage: BoardDisplay['language'], screenLang: Lang): Lang {
  return askedLang(search) ?? (boardLanguage === 'auto' ? screenLang : boardLanguage)
}
