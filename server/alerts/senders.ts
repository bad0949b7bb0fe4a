// The one place a notification leaves the process: an HTTP POST with Node's fetch, or an SMTP
// conversation with nodemailer, each bounded by a timeout. Errors come back as DeliveryError with
// a message fit for the delivery log: the channel's URL, secret and password are scrubbed out of
// it, whatever the library put in.
import nodemailer from 'nodemailer'
import type { Channel } from '../../shared/channels.js'
import { maskUrl, secretsOf } from './channels.js'
import { type Delivery, type HttpDelivery, type MailDelivery, replyProblem } from './payloads.js'

export class DeliveryError extends Error {
  override name = 'DeliveryError'
  constructor(
    message: string,
    /** retrying cannot help (the receiver refused the request itself): fail at once */
    readonly permanent = false,
  ) {
    super(message)
  }
}

/** Sends one delivery; resolves when the receiver took it, throws DeliveryError otherwise. */
export type Sender = (channel: Channel, delivery: Delivery, timeoutMs: number) => Promise<void>

/** Statuses worth retrying: timeouts, "too early", rate limits, and every 5xx. */
const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500

/** A message without the channel's secrets, however they appear (as given, or URL-encoded). */
export function scrub(message: string, channel: Channel): string {
  let out = message
  for (const secret of secretsOf(channel)) {
    const masked = secret === ('url' in channel ? channel.url : null) ? maskUrl(secret) : '••••'
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(masked)
  }
  return out
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out'
  // fetch wraps the network error ("fetch failed"); its cause says what happened.
  const cause = (err as Error & { cause?: unknown }).cause
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message
}

async function sendHttp(d: HttpDelivery, timeoutMs: number): Promise<void> {
  let res: Response
  let body: string
  try {
    res = await fetch(d.url, {
      method: 'POST',
      headers: d.headers,
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    body = await res.text()
  } catch (err) {
    throw new DeliveryError(describeError(err))
  }
  const problem = replyProblem(d.reply, res.status, body)
  if (problem !== null) throw new DeliveryError(problem, res.status < 200 || res.status >= 300 ? !retryable(res.status) : false)
}

async function sendMail(channel: Extract<Channel, { type: 'email' }>, d: MailDelivery, timeoutMs: number): Promise<void> {
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.security === 'tls',
    requireTLS: channel.security === 'starttls',
    ignoreTLS: channel.security === 'none',
    auth: channel.user !== null && channel.password !== null ? { user: channel.user, pass: channel.password } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  try {
    const info = await transport.sendMail({ from: d.from, to: d.to, subject: d.subject, text: d.text, html: d.html })
    const rejected = (info.rejected ?? []).map(String)
    if (rejected.length === d.to.length) throw new DeliveryError(`every recipient refused: ${rejected.join(', ')}`)
  } catch (err) {
    if (err instanceof DeliveryError) throw err
    // 5xx SMTP replies (bad login, unknown sender) will not change on a retry.
    const code = (err as { responseCode?: number }).responseCode
    throw new DeliveryError(describeError(err), code !== undefined && code >= 500)
  } finally {
    transport.close()
  }
}

/** The real sender: HTTP or SMTP by the delivery's kind. */
export const send: Sender = async (channel, delivery, timeoutMs) => {
  try {
    if (delivery.kind === 'http') await sendHttp(delivery, timeoutMs)
    else if (channel.type === 'email') await sendMail(channel, delivery, timeoutMs)
    else throw new DeliveryError(`a ${channel.type} channel cannot send e-mail`, true)
  } catch (err) {
    const e = err instanceof DeliveryError ? err : new DeliveryError(describeError(err))
    throw new DeliveryError(scrub(e.message, channel), e.permanent)
  }
}
