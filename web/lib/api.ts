// The browser's side of the admin API (same origin, JSON, the session cookie, the CSRF token on
// every change). A refused change comes back with its reasons by field (`body.name: must not be
// empty` → name), so a form shows each next to its input. Only types come from shared/.
import type { CSRF_HEADER } from '../../shared/auth.js'

const CSRF: typeof CSRF_HEADER = 'x-csrf-token'

export type Refusal = {
  ok: false
  status: number
  fields: Record<string, string>
  /** every reason by its whole path under the body (`display.thresholds.asaFactor.red`) */
  paths: Record<string, string>
  other: string[]
}
export type ApiResult<T> = { ok: true; data: T } | Refusal

export async function getJson<T>(url: string): Promise<ApiResult<T>> {
  return request<T>(url, 'GET')
}

/** A change: POST, PUT, PATCH or DELETE with the session's CSRF token. */
export async function change<T>(
  url: string,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  csrfToken: string,
  body?: object,
): Promise<ApiResult<T>> {
  return request<T>(url, method, csrfToken, body)
}

async function request<T>(url: string, method: string, csrfToken?: string, body?: object): Promise<ApiResult<T>> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(csrfToken ? { [CSRF]: csrfToken } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  } catch {
    return { ok: false, status: 0, fields: {}, paths: {}, other: ['unreachable'] }
  }
  if (res.ok) return { ok: true, data: (res.status === 204 ? null : await res.json()) as T }
  let message = res.statusText
  try {
    const parsed = (await res.json()) as { message?: unknown }
    if (typeof parsed.message === 'string') message = parsed.message
  } catch {
    // not JSON
  }
  return { ok: false, status: res.status, ...fieldErrors(message) }
}

/** Splits the server's message (`body.a: x; body.b: y`) into reasons by field and the rest. */
export function fieldErrors(message: string): Pick<Refusal, 'fields' | 'paths' | 'other'> {
  const fields: Record<string, string> = {}
  const paths: Record<string, string> = {}
  const other: string[] = []
  for (const part of message.split('; ')) {
    // `body.display.pageSize: …` is the display field's, and says which part of it.
    const m = /^body\.([A-Za-z]+)(?:\[\d+\])?((?:\.[A-Za-z]+(?:\[\d+\])?)*): (.*)$/.exec(part.trim())
    if (m) {
      const reason = m[2] ? `${m[2].slice(1)}: ${m[3]!}` : m[3]!
      fields[m[1]!] = fields[m[1]!] === undefined ? reason : `${fields[m[1]!]}; ${reason}`
      paths[`${m[1]!}${m[2] ?? ''}`] = m[3]!
    } else if (part.trim() !== '') other.push(part.trim())
  }
  return { fields, paths, other }
}
