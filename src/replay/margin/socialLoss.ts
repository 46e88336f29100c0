// Drift socialized loss through cumulative funding [R2] (V14), apportioned exactly in integer micro-units.

/** Δcum_funding per base unit = loss / (|base_long| + |base_short|) [R2]. */
export function socialLossPerBase(loss: number, totalBase: number): number {
  return totalBase > 0 ? loss / totalBase : 0
}

/**
 * Splits `totalMicros` over weights (|base| of each position) so the parts sum to it exactly: floor shares, then
 * the remaining micro-units to the largest fractional remainders (ties to the lower index, so it is deterministic).
 */
export function apportion(totalMicros: number, weights: ArrayLike<number>, count = weights.length): Float64Array {
  const out = new Float64Array(count)
  let sum = 0
  for (let i = 0; i < count; i++) sum += weights[i]!
  if (count === 0 || sum <= 0 || totalMicros === 0) return out
  const remainders = new Float64Array(count)
  let given = 0
  for (let i = 0; i < count; i++) {
    const exact = (totalMicros * weights[i]!) / sum
    const floor = Math.floor(exact)
    out[i] = floor
    remainders[i] = exact - floor
    given += floor
  }
  let left = totalMicros - given
  if (left > 0) {
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => remainders[b]! - remainders[a]! || a - b)
    for (let k = 0; left > 0; k = (k + 1) % count, left--) out[order[k]!]! += 1
  }
  return out
}
