// UTC day windows for info requests, which take inclusive epoch-millisecond bounds.
import { periodRange } from '../dates.ts'

export interface DayWindow {
  day: string
  start: Date
  /** Exclusive. */
  end: Date
  /** Inclusive bounds in epoch ms, as info requests take them. */
  startMs: number
  endMs: number
}

export function dayWindow(day: string): DayWindow {
  const { start, end } = periodRange(day)
  return { day, start, end, startMs: start.getTime(), endMs: end.getTime() - 1 }
}
