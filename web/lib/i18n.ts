// The app's strings in its language (chosen in lang.ts). Every UI string lives in web/i18n/*.json.
import type { Lang } from '../../shared/definition-text.js'
import en from '../i18n/en.json' with { type: 'json' }
import zhCN from '../i18n/zh-CN.json' with { type: 'json' }

export type MessageKey = keyof typeof en
export type Translate = (key: MessageKey, params?: Record<string, string>) => string

// zh-CN must have every key English has: the type checker says which one is missing.
const catalogues: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zhCN }

export interface I18n {
  lang: Lang
  t: Translate
}

export function createI18n(lang: Lang): I18n {
  const messages = catalogues[lang]
  const t: Translate = (key, params) => {
    const text = messages[key]
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole) : text
  }
  return { lang, t }
}
