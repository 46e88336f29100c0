// Calendar helpers for planning partitions: UTC days and months between two dates, inclusive.

const DAY_MS = 86_400_000

export const isIsoDay = (s: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && toIsoDay(dayStart(s)) === s

export const dayStart = (day: string): Date => new Date(`${day}T00:00:00Z`)
export const toIsoDay = (d: Date): string => d.toISOString().slice(0, 10)

/** Every UTC day from `from` to `to`, inclusive (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let t = dayStart(from).getTime(); t <= dayStart(to).getTime(); t += DAY_MS) out.push(toIsoDay(new Date(t)))
  return out
}

/** Every month (YYYY-MM) that overlaps [from, to]. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = []
  let y = Number(from.slice(0, 4))
  let m = Number(from.slice(5, 7))
  const endKey = to.slice(0, 7)
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`
    out.push(key)
    if (key >= endKey) break
    m++
    if (m === 13) {
      m = 1
      y++
    }
  }
  return out
}

/** [start, end) of a day (YYYY-MM-DD) or month (YYYY-MM). */
export function periodRange(period: string): { start: Date; end: Date } {
  if (period.length === 10) {
    const start = dayStart(period)
    return { start, end: new Date(start.getTime() + DAY_MS) }
  }
  const y = Number(period.slice(0, 4))
  const m = Number(period.slice(5, 7)) - 1
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) }
}

/** The UTC day before `now` (what a daily job fetches: archives publish a day's file the next day). */
export const yesterday = (now: Date = new Date()): string => toIsoDay(new Date(now.getTime() - DAY_MS))

/** One UTC day as the API sources ask for it: in ms with an inclusive last instant, or in µs with an exclusive end. */
export interface DayWindow {
  day: string
  start: Date
  /** Exclusive. */
  end: Date
  startMs: number
  /** The day's last millisecond (Hyperliquid's info requests take inclusive bounds). */
  lastMs: number
  startUs: number
  /** Exclusive (dYdX indexer times are kept to the microsecond). */
  endUs: number
}

export function dayWindow(day: string): DayWindow {
  const { start, end } = periodRange(day)
  return {
    day,
    start,
    end,
    startMs: start.getTime(),
    lastMs: end.getTime() - 1,
    startUs: start.getTime() * 1000,
    endUs: end.getTime() * 1000,
  }
}
