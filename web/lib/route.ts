// The app's few addresses, read once at page load (every move between them is a full page load):
// `/login`, `/board` (what a logged-in user may see), `/board/<id>` (one board, with a display
// token on a TV) and `/supervisor` (the team lead's table of every queue they may see), `/admin/definitions`, `/admin/screens`, `/admin/boards`, `/admin/access`, `/admin/queues`, `/admin/teams`. Also where a login may send the browser next: same-origin paths only.

export type Route =
  | { view: 'login'; next: string }
  | {
      view: 'board'
      /** the board named by the path; null for `/board` */
      boardId: string | null
      /** the display token from `?token=`; null for a logged-in browser */
      token: string | null
    }
  | { view: 'supervisor' }
  | { view: 'adminDefinitions' }
  | { view: 'adminScreens' }
  | { view: 'adminBoards' }
  | { view: 'adminAccess' }
  | { view: 'adminQueues' }
  | { view: 'adminAlerts' }
  | { view: 'adminTeams' }
  | { view: 'notFound' }

/** Where a login goes when it was not sent from somewhere else. */
export const DEFAULT_NEXT = '/board'

export function parseRoute(pathname: string, search: string, origin: string): Route {
  const query = new URLSearchParams(search)
  if (/^\/login\/?$/.test(pathname)) return { view: 'login', next: safeNext(query.get('next'), origin) }
  if (/^\/supervisor\/?$/.test(pathname)) return { view: 'supervisor' }
  if (/^\/admin\/definitions\/?$/.test(pathname)) return { view: 'adminDefinitions' }
  if (/^\/admin\/screens\/?$/.test(pathname)) return { view: 'adminScreens' }
  if (/^\/admin\/boards\/?$/.test(pathname)) return { view: 'adminBoards' }
  if (/^\/admin\/access\/?$/.test(pathname)) return { view: 'adminAccess' }
  if (/^\/admin\/queues\/?$/.test(pathname)) return { view: 'adminQueues' }
  if (/^\/admin\/alerts\/?$/.test(pathname)) return { view: 'adminAlerts' }
  if (/^\/admin\/teams\/?$/.test(pathname)) return { view: 'adminTeams' }
  const board = /^\/board(?:\/([^/]+))?\/?$/.exec(pathname)
  if (pathname === '/' || board) {
    let boardId: string | null = null
    if (board?.[1] !== undefined) {
      try {
        boardId = decodeURIComponent(board[1])
      } catch {
        return { view: 'notFound' }
      }
    }
    const token = query.get('token')
    return { view: 'board', boardId, token: token === null || token === '' ? null : token }
  }
  return { view: 'notFound' }
}

/**
 * `next` as a path on this origin, or the board. Never an absolute URL, a protocol-relative
 * `//host` or `/\host` (browsers read a backslash as a slash), nor anything the URL parser would
 * turn into one (tabs and newlines are dropped by it, so `/\t/host` becomes `//host`): an
 * open-redirect guard.
 */
export function safeNext(next: string | null, origin: string): string {
  if (next === null || !next.startsWith('/') || /^\/[/\\]/.test(next) || hasControlCharacter(next)) return DEFAULT_NEXT
  let url: URL
  try {
    url = new URL(next, origin)
  } catch {
    return DEFAULT_NEXT
  }
  if (url.origin !== origin || /^\/login(?:\/|$)/.test(url.pathname)) return DEFAULT_NEXT
  return url.pathname + url.search + url.hash
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * The login page, asked to come back to `pathname` + `search` afterwards, in the same language
 * when the page named one. Slashes stay readable in `next` (`/login?next=/board`).
 */
export function loginHref(pathname: string, search: string): string {
  const next = encodeURIComponent(pathname + search).replace(/%2F/gi, '/')
  const lang = new URLSearchParams(search).get('lang')
  return `/login?next=${next}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}`
}

/** The same page in another language. */
export function withLang(pathname: string, search: string, lang: string): string {
  const query = new URLSearchParams(search)
  query.set('lang', lang)
  return `${pathname}?${query.toString()}`
}
