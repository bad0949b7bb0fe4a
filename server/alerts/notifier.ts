// The seam between the alert engine and delivery: the engine says "this alert made this
// transition, tell these channels"; the notifier queues one notification per channel durably
// (Redis) and delivers it with retries. The same (alert, transition index, channel) is queued once
// only, so a restart or a repeated call never sends it twice.
import type { Alert, Transition } from '../../shared/alerts.js'

export interface Notifier {
  /**
   * Queues a notification of `alert`'s transition (its latest `history` entry, whose index makes
   * the dedupe key `${alert.id}:${index}:${channelId}`) for each channel. Resolves once queued in
   * Redis; unknown or disabled channels are skipped (and counted in the delivery log).
   */
  notify(alert: Alert, transition: Transition, channelIds: readonly string[]): Promise<void>
}
