// Day ranges for API sources, which are asked about one UTC day at a time: only days that have ended, because a
// partition loaded while its day is still running would be incomplete and then skipped as loaded.
import { toIsoDay, yesterday } from '../../src/ingest/dates.ts'

/** A problem message when `day` has not ended yet (today or later, UTC); null when it has. */
export function unfinishedDay(day: string | undefined, now: Date = new Date()): string | null {
  if (!day) return null
  const today = toIsoDay(now)
  return day >= today ? `a UTC day that has ended (on or before ${yesterday(now)})` : null
}

/** zod refinement: `to` (or `from`) is a day that has ended. */
export const refineClosedDays = (p: { from?: string | undefined; to?: string | undefined }) =>
  unfinishedDay(p.to ?? p.from) === null
