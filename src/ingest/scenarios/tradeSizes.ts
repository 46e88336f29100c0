// Trade sizes as markets print them: a log-normal body of order notionals with a Pareto tail (the largest few percent
// of orders), converted to base quantity on the market's lot grid. No size is ever preferred for being round.
import type { Rng } from './random.ts'

export interface SizeSpec {
  /** Median order notional in quote currency. */
  medianQuote: number
  /** Log-space standard deviation of the body (default 1.25). */
  sigma?: number
  /** Share of orders drawn from the Pareto tail (default 0.04). */
  tailShare?: number
  /** Tail exponent: P(X > x) ∝ x^-alpha (default 1.6; equity and crypto trade sizes sit around 1.3–2). */
  tailAlpha?: number
  /** Largest order as a multiple of the median (default 3000): the tail is truncated, as real order sizes are. */
  maxMultiple?: number
}

/** One order notional (quote). The tail starts at the body's 97.5th percentile so the density has no gap. */
export function orderNotional(rng: Rng, spec: SizeSpec): number {
  const sigma = spec.sigma ?? 1.25
  if (rng.chance(spec.tailShare ?? 0.04)) {
    const start = spec.medianQuote * Math.exp(1.96 * sigma)
    return Math.min(rng.pareto(start, spec.tailAlpha ?? 1.6), spec.medianQuote * (spec.maxMultiple ?? 3000))
  }
  return rng.logNormal(spec.medianQuote, sigma)
}

/** Decimal places of a tick or lot (0.001 → 3, 0.5 → 1, 10 → 0). */
export function decimalsOf(step: number): number {
  for (let d = 0; d <= 12; d++) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d
  }
  return 12
}

const POW10 = Array.from({ length: 13 }, (_, d) => 10 ** d)

/**
 * `x` rounded to a multiple of `step` (half away from zero), as the double nearest to that decimal: the integer count
 * of 10^-d units divided by 10^d is correctly rounded, so this equals Number(value.toFixed(d)) without the strings.
 */
export function roundTo(x: number, step: number, decimals = decimalsOf(step)): number {
  const p = POW10[decimals]!
  return Math.round(Math.round(x / step) * step * p) / p
}

export const floorTo = (x: number, step: number, decimals = decimalsOf(step)): number => {
  const p = POW10[decimals]!
  return Math.round(Math.floor(x / step + 1e-9) * step * p) / p
}

export const ceilTo = (x: number, step: number, decimals = decimalsOf(step)): number => {
  const p = POW10[decimals]!
  return Math.round(Math.ceil(x / step - 1e-9) * step * p) / p
}
