// The browser's side of the session API (same origin, JSON): who is logged in, log in, log out.
// The session itself is an HttpOnly cookie the browser sends by itself; every state-changing
// request of a logged-in browser carries the CSRF token the session came with.
// Only types come from shared/auth.ts, so the bundle carries no schema code.
import type { CSRF_HEADER, Login, SessionInfo } from '../../shared/auth.js'

const SESSION_URL = '/api/v1/session'
const CSRF: typeof CSRF_HEADER = 'x-csrf-token'

export type LoginResult =
  | { ok: true; session: SessionInfo }
  | { ok: false; reason: 'credentials' }
  /** `retryAfterSec` from the Retry-After header; null when the server gave none */
  | { ok: false; reason: 'rateLimited'; retryAfterSec: number | null }
  | { ok: false; reason: 'unreachable' }
  | { ok: false; reason: 'failed'; status: number; message: string }

export type SessionCheck = { ok: true; session: SessionInfo | null } | { ok: false; reason: 'unreachable' }

export type LogoutResult =
  { ok: true } | { ok: false; reason: 'unreachable' } | { ok: false; reason: 'failed'; status: number; message: string }

/** The current session, or null when this browser is not logged in. */
export async function fetchSession(): Promise<SessionCheck> {
  let res: Response
  try {
    res = await fetch(SESSION_URL, { headers: { accept: 'application/json' }, cache: 'no-store' })
  } catch {
    return { ok: false, reason: 'unreachable' }
  }
  if (res.status === 200) return { ok: true, session: (await res.json()) as SessionInfo }
  if (res.status === 401) return { ok: true, session: null }
  // A proxy's error page, a server that is starting: as good as unreachable for this question.
  return { ok: false, reason: 'unreachable' }
}

/** The CSRF token of this browser's session, for its changes; null when it is not logged in or the server is unreachable. */
export async function csrfToken(): Promise<string | null> {
  const s = await fetchSession()
  return s.ok && s.session ? s.session.csrfToken : null
}

export async function logIn(login: Login): Promise<LoginResult> {
  let res: Response
  try {
    res = await fetch(SESSION_URL, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(login),
      cache: 'no-store',
    })
  } catch {
    return { ok: false, reason: 'unreachable' }
  }
  if (res.status === 200) return { ok: true, session: (await res.json()) as SessionInfo }
  if (res.status === 401) return { ok: false, reason: 'credentials' }
  if (res.status === 429)
    return { ok: false, reason: 'rateLimited', retryAfterSec: retryAfterSec(res.headers.get('retry-after'), Date.now()) }
  if (res.status === 502 || res.status === 503 || res.status === 504) return { ok: false, reason: 'unreachable' }
  return { ok: false, reason: 'failed', status: res.status, message: await messageOf(res) }
}

export async function logOut(csrfToken: string): Promise<LogoutResult> {
  let res: Response
  try {
    res = await fetch(SESSION_URL, {
      method: 'DELETE',
      headers: { accept: 'application/json', [CSRF]: csrfToken },
      cache: 'no-store',
    })
  } catch {
    return { ok: false, reason: 'unreachable' }
  }
  // 401: the session had already ended, which is what was asked.
  if (res.status === 204 || res.status === 200 || res.status === 401) return { ok: true }
  return { ok: false, reason: 'failed', status: res.status, message: await messageOf(res) }
}

/** Retry-After in whole seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSec(header: string | null, nowMs: number): number | null {
  const value = header?.trim()
  if (!value) return null
  if (/^\d+$/.test(value)) return Number(value)
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

/** The `message` of the server's error body (`{ statusCode, error, message }`), else its status text. */
async function messageOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown }
    if (typeof body.message === 'string' && body.message !== '') return body.message
  } catch {
    // not JSON
  }
  return res.statusText
}
