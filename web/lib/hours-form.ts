// Hours as a form edits them (the days ticked, from and to as typed) and back: an alert rule's
// active hours and a team's opening hours. Times go as typed, so a wrong one comes back from the
// server with its reason next to the field. Pure, unit-tested.
import type { ActiveHours } from '../../shared/hours.js'

export interface HoursForm {
  days: number[]
  from: string
  to: string
}

/** The form of some hours; none: weekdays 08:00–20:00, a start to edit from. */
export function hoursForm(hours: ActiveHours | null): HoursForm {
  return { days: hours ? [...hours.days] : [1, 2, 3, 4, 5], from: hours?.from ?? '08:00', to: hours?.to ?? '20:00' }
}

export function hoursInput(f: HoursForm): ActiveHours {
  return { days: [...f.days].sort((a, b) => a - b), from: f.from, to: f.to }
}
