// UTC day windows in epoch microseconds (indexer times are ISO strings, kept to the microsecond).
import { periodRange } from '../dates.ts'

export interface DayWindowUs {
  start: Date
  end: Date
  startUs: number
  /** Exclusive. */
  endUs: number
}

export function dayWindowUs(day: string): DayWindowUs {
  const { start, end } = periodRange(day)
  return { start, end, startUs: start.getTime() * 1000, endUs: end.getTime() * 1000 }
}

/** ISO time of an epoch-microsecond instant, to the millisecond (what indexer cursors take). */
export const isoMs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()
