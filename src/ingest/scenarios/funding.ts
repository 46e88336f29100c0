// Funding settlements from a premium index, with the Binance / Hyperliquid formula: the 8-hour rate is
// P + clamp(I − P, ±0.05 %), where P is the average premium over the sampling window and I the interest rate (0.01 %
// per 8 h); an interval of h hours pays h/8 of it, capped. So an ordinary premium (within ±0.05 % of I) pays exactly
// the interest rate, as Binance's 0.0100 % prints do. A venue that samples only the last minutes before settlement
// is what a squeeze exploits.
import type { TableRows } from './output.ts'
import type { Series } from './prices.ts'

export interface FundingSpec {
  intervalH: 1 | 4 | 8
  /** Minutes before each settlement whose premium samples count (default: the whole interval). */
  sampleMinutes?: number
  /** Absolute cap per interval (default 0.75 % per 8 h, scaled). */
  capPer8h?: number
}

export interface Settlement {
  ms: number
  rate: number
  /** Mean premium of the sampling window. */
  premium: number
}

/** Settlements at every multiple of the interval (UTC) inside [fromMs, toMs], from a per-second premium series. */
export function settlements(fromMs: number, toMs: number, premium: Series, spec: FundingSpec): Settlement[] {
  const stepMs = spec.intervalH * 3_600_000
  const scale = spec.intervalH / 8
  const clamp = 0.0005
  const interest = 0.0001
  const cap = spec.capPer8h ?? 0.0075
  const windowMs = (spec.sampleMinutes ?? spec.intervalH * 60) * 60_000
  const out: Settlement[] = []
  let i = 0
  for (let t = Math.ceil((fromMs + 1) / stepMs) * stepMs; t <= toMs; t += stepMs) {
    let sum = 0
    let count = 0
    const start = t - windowMs
    while (i < premium.s.length && fromMs + premium.s[i]! * 1000 < t) {
      const ms = fromMs + premium.s[i]! * 1000
      if (ms >= start) {
        sum += premium.value[i]!
        count++
      }
      i++
    }
    if (count === 0) continue
    const p = sum / count
    const rate8h = Math.max(-cap, Math.min(cap, p + Math.max(-clamp, Math.min(clamp, interest - p))))
    const rate = rate8h * scale
    out.push({ ms: t, rate, premium: p })
  }
  return out
}

/** Writes settlements as `funding` rows (rate rounded to 1e-8 as venues publish it). */
export function writeFunding(
  rows: TableRows,
  list: readonly Settlement[],
  intervalH: number,
  markAt: (ms: number) => number,
  priceDecimals: number,
): void {
  for (const f of list) {
    rows.add(f.ms * 1000, Number(f.rate.toFixed(8)), intervalH, Number(markAt(f.ms).toFixed(priceDecimals)))
  }
}
