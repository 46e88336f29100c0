// Partition periods: 'YYYY-MM-DD' is one UTC day, 'YYYY-MM' one UTC month; both map to [start, end) instants.

export interface PeriodBounds {
  start: Date
  /** Exclusive. */
  end: Date
}

/** The time span a partition period covers, or null when the period is not a day or a month. */
export function periodBounds(period: string): PeriodBounds | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(period)
  if (day) {
    const start = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])))
    return { start, end: new Date(start.getTime() + 86_400_000) }
  }
  const month = /^(\d{4})-(\d{2})$/.exec(period)
  if (month) {
    const y = Number(month[1])
    const m = Number(month[2]) - 1
    return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) }
  }
  return null
}
