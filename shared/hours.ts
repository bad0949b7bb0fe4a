// Hours of the week on the centre's clock: when an alert rule is active, when a team is open. One
// shape for both, in a module of its own so that the alert and the team records can share it
// without importing each other (shared/admin.ts ← shared/figures/schema.ts ← shared/alerts.ts).
import Type from 'typebox'

/** Days and a stretch of the centre's wall clock: e.g. weekdays 08:00–20:00. */
export const ActiveHoursSchema = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
      minItems: 1,
      uniqueItems: true,
      description: '0 Sunday … 6 Saturday',
    }),
    from: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM' }),
    to: Type.String({ pattern: '^([01]\\d|2[0-4]):[0-5]\\d$', description: 'HH:MM; before `from`: past midnight' }),
  },
  { additionalProperties: false },
)
export type ActiveHours = Type.Static<typeof ActiveHoursSchema>

/**
 * What the schema cannot say of hours at `path` (`body.activeHours`, `body.hours`): `from` equal to
 * `to` would be every hour of the day, which null already says.
 */
export function hoursProblems(hours: ActiveHours | null, path: string): string[] {
  if (hours === null || hours.from !== hours.to) return []
  const field = path.slice(path.lastIndexOf('.') + 1)
  return [`${path}.to: must differ from from (for every hour of the day, set ${field} to null)`]
}
