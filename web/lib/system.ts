// The words of a data reset, for the board notice and the admin pages alike.
import type { DataReset } from '../../shared/socket.js'
import type { I18n } from './i18n.js'

/** "figures kept from memory · 12 events stored just before were lost" (or none, or that nothing could be kept). */
export function resetLoss(reset: DataReset, t: I18n['t']): string {
  if (!reset.figuresKept) return t('reset.notKept')
  const lost =
    reset.logEntriesBefore !== null && reset.eventsKeptFromMemory !== null
      ? Math.max(0, reset.logEntriesBefore - reset.eventsKeptFromMemory)
      : null
  if (lost === null) return t('reset.keptUnknownLoss')
  return lost === 0 ? t('reset.keptNoLoss') : t('reset.kept', { lost: String(lost) })
}
