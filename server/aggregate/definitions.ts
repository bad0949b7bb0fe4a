// Which metric definition applies to which queue. This release uses the product defaults for
// every queue, in the centre's time zone; per-queue definitions stored as data come next.
import { type Definition, defaultDefinition } from '../../shared/definitions.js'
import type { Definitions } from '../../shared/figures/aggregate.js'

export function defaultDefinitions(timezone: string): Definitions & { all(): Definition[] } {
  const centre = defaultDefinition(timezone)
  return {
    centre,
    forQueue: () => centre,
    all: () => [centre],
  }
}
