// Monotone trend of a sequence (Spearman's rank correlation against its order), with one-sided p-values from the
// normal approximation z = ρ·√(n − 1): does a series keep moving one way, beyond what its noise explains?

/** Ranks 1…n of the values, ties given their average rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b)
  const out = new Float64Array(n)
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) out[order[k]!] = rank
    i = j + 1
  }
  return out
}

/** P(Z ≥ z) for a standard normal Z (Numerical Recipes erfc, relative error below 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return z >= 0 ? erfc / 2 : 1 - erfc / 2
}

export interface Trend {
  /** Spearman's ρ between the values and their position (ties in position or value share average ranks). */
  rho: number
  /** ρ·√(n − 1). */
  z: number
  /** One-sided p-values: of a rising trend (ρ > 0) and of a falling one (ρ < 0); 1 with fewer than 3 points. */
  pRising: number
  pFalling: number
  n: number
}

/** Spearman trend of `values` against `positions` (e.g. times; equal positions are ties, not an order). */
export function spearmanTrend(positions: ArrayLike<number>, values: ArrayLike<number>): Trend {
  const n = values.length
  if (n < 3) return { rho: 0, z: 0, pRising: 1, pFalling: 1, n }
  const rx = ranks(positions)
  const ry = ranks(values)
  const mean = (n + 1) / 2
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean
    const dy = ry[i]! - mean
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  // a constant series (every value, or every position, tied) has no trend
  const rho = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0
  const z = rho * Math.sqrt(n - 1)
  return { rho, z, pRising: normalUpperTail(z), pFalling: normalUpperTail(-z), n }
}
