// The browser's side of the definitions API: read them, change the defaults or one queue's
// options, drop a queue's own options. A refused change comes back with its errors by field
// (`body.slTargetPct: must be <= 100` → slTargetPct), so a form shows each next to its input.
// Only types come from shared/, so the bundle carries no schema code.
import type { CSRF_HEADER } from '../../shared/auth.js'
import type { DefinitionOptions, DefinitionsDoc } from '../../shared/definitions.js'

const URL_BASE = '/api/v1/definitions'
const CSRF: typeof CSRF_HEADER = 'x-csrf-token'

export type Target = { kind: 'defaults' } | { kind: 'queue'; queue: string }

export type SaveResult =
  | { ok: true; doc: DefinitionsDoc }
  /** `fields`: option name → reason; `other`: what names no option (or the whole request) */
  | { ok: false; fields: Partial<Record<keyof DefinitionOptions, string>>; other: string[] }

export async function fetchDefinitions(): Promise<DefinitionsDoc | null> {
  const res = await fetch(URL_BASE, { headers: { accept: 'application/json' } })
  return res.ok ? ((await res.json()) as DefinitionsDoc) : null
}

const targetUrl = (t: Target) =>
  t.kind === 'defaults' ? `${URL_BASE}/defaults` : `${URL_BASE}/queues/${encodeURIComponent(t.queue)}`

export async function saveDefinitions(
  target: Target,
  options: Partial<DefinitionOptions>,
  csrfToken: string,
): Promise<SaveResult> {
  return send(targetUrl(target), 'PUT', csrfToken, options)
}

/** A queue follows the defaults again for every option. */
export async function dropOverrides(queue: string, csrfToken: string): Promise<SaveResult> {
  return send(targetUrl({ kind: 'queue', queue }), 'DELETE', csrfToken)
}

async function send(url: string, method: 'PUT' | 'DELETE', csrfToken: string, body?: object): Promise<SaveResult> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', [CSRF]: csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  } catch {
    return { ok: false, fields: {}, other: ['unreachable'] }
  }
  if (res.ok) return { ok: true, doc: (await res.json()) as DefinitionsDoc }
  let message = res.statusText
  try {
    const parsed = (await res.json()) as { message?: unknown }
    if (typeof parsed.message === 'string') message = parsed.message
  } catch {
    // not JSON
  }
  return { ok: false, ...fieldErrors(message) }
}

/** Splits the server's message (`body.a: x; body.b: y`) into errors by option and the rest. */
export function fieldErrors(message: string): { fields: Partial<Record<keyof DefinitionOptions, string>>; other: string[] } {
  const fields: Partial<Record<keyof DefinitionOptions, string>> = {}
  const other: string[] = []
  for (const part of message.split('; ')) {
    const m = /^body\.([A-Za-z]+)(?:\[\d+\])?: (.*)$/.exec(part.trim())
    if (m) fields[m[1] as keyof DefinitionOptions] = m[2]!
    else if (part.trim() !== '') other.push(part.trim())
  }
  return { fields, other }
}
