// The browser's side of the definitions API: read them, change the defaults or one queue's
// options, drop a queue's own options. A refused change comes back with its errors by field
// (`body.slTargetPct: must be <= 100` → slTargetPct), so a form shows each next to its input.
import type { DefinitionOptions, DefinitionsDoc } from '../../shared/definitions.js'
import { change, getJson } from './api.js'

const URL_BASE = '/api/v1/definitions'

export type Target = { kind: 'defaults' } | { kind: 'queue'; queue: string }

export type SaveResult =
  | { ok: true; doc: DefinitionsDoc }
  /** `fields`: option name → reason; `other`: what names no option (or the whole request) */
  | { ok: false; fields: Partial<Record<keyof DefinitionOptions | string, string>>; other: string[] }

export async function fetchDefinitions(): Promise<DefinitionsDoc | null> {
  const r = await getJson<DefinitionsDoc>(URL_BASE)
  return r.ok ? r.data : null
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
  const r = await change<DefinitionsDoc>(url, method, csrfToken, body)
  return r.ok ? { ok: true, doc: r.data } : { ok: false, fields: r.fields, other: r.other }
}
