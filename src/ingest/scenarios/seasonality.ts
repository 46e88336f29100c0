// Intraday activity of crypto perps (UTC): quiet late-US / early-Asia hours, peaks at the Asia, Europe and US
// opens, the US session the busiest, weekends calmer, a burst around funding settlements. Trade arrival rates and
// volatility are scaled by it, so volume by hour is U-shaped around the quiet hours and never flat.

/** Session bumps: centre hour (UTC), width (hours), height. Shapes from public hourly volume profiles of BTC perps. */
const SESSIONS: ReadonlyArray<readonly [number, number, number]> = [
  [1.0, 1.4, 0.35], // Asia open
  [8.0, 1.2, 0.45], // Europe open
  [14.5, 1.6, 0.95], // US open and the equity cash session's first hours
  [19.5, 1.5, 0.3], // US afternoon
]
const FLOOR = 0.42

function rawProfile(hour: number): number {
  let v = FLOOR
  for (const [centre, width, height] of SESSIONS) {
    // Circular distance so the Asia bump wraps over midnight.
    let d = Math.abs(hour - centre)
    d = Math.min(d, 24 - d)
    v += height * Math.exp(-0.5 * (d / width) ** 2)
  }
  return v
}

/** Mean of the raw profile over a day, so the profile averages 1 on weekdays. */
const MEAN = (() => {
  let s = 0
  for (let m = 0; m < 1440; m++) s += rawProfile(m / 60)
  return s / 1440
})()

/** Per-minute table of the weekday profile (index = minute of the UTC day). */
const BY_MINUTE = Float64Array.from({ length: 1440 }, (_, m) => rawProfile(m / 60) / MEAN)

export interface SeasonalityOptions {
  /** Weekend multiplier (default 0.7). */
  weekend?: number
  /** Funding settlement hours (UTC) with a short burst of activity around them (default every 8 h). */
  settlementHours?: readonly number[]
  /** Extra activity in the minutes around a settlement (default 0.35, i.e. +35 %). */
  settlementBoost?: number
}

/** A venue that settles funding every hour: a burst of `settlementBoost` around each hour (UTC). */
export const hourlySettlement = (settlementBoost: number): SeasonalityOptions => ({
  settlementHours: Array.from({ length: 24 }, (_, h) => h),
  settlementBoost,
})

/** Activity multiplier at `ms` (epoch milliseconds, UTC); averages about 1 over a weekday. */
export function activityAt(ms: number, options: SeasonalityOptions = {}): number {
  const minuteOfDay = Math.floor(ms / 60_000) % 1440
  let v = BY_MINUTE[minuteOfDay]!
  const day = new Date(ms).getUTCDay()
  if (day === 0 || day === 6) v *= options.weekend ?? 0.7
  const hours = options.settlementHours ?? [0, 8, 16]
  const boost = options.settlementBoost ?? 0.35
  if (boost > 0) {
    const minuteOfHour = minuteOfDay % 60
    const hour = Math.floor(minuteOfDay / 60)
    // The 5 minutes before and 3 after the settlement instant.
    const near = (minuteOfHour >= 55 && hours.includes((hour + 1) % 24)) || (minuteOfHour < 3 && hours.includes(hour))
    if (near) v *= 1 + boost
  }
  return v
}
