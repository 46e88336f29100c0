// Drift socialized loss through cumulative funding [R2] (V14), apportioned exactly in integer micro-units.

/** Δcum_funding per base unit = loss / (|base_long| + |base_short|) [R2]. */
export function socialLossPerBase(loss: number, totalBase: number): number {
  return totalBase > 0 ? loss / totalBase : 0
}

/**
 * Splits `totalMicros` over weights (|base| of each position) so the parts sum to it exactly: floor shares, then
 * the remaining micro-units to the largest fractional remainders (ties to the lower index, so it is deterministic).
 * Runs once per socialized deficit over every open position, so the leftover units go by a threshold remainder found
 * by selection in linear time rather than a comparator sort of indices (same result, several times faster).
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
  // each position gets at most one leftover unit while left < count; a rounding surplus beyond that cycles again
  while (left > 0) {
    const take = Math.min(left, count)
    const threshold = kthSmallest(Float64Array.from(remainders), count - take)
    let above = 0
    for (let i = 0; i < count; i++) if (remainders[i]! > threshold) above++
    // everything above the threshold, then ties at it in index order, until `take` units are given
    let tiesLeft = take - above
    for (let i = 0; i < count; i++) {
      const r = remainders[i]!
      if (r > threshold) out[i]! += 1
      else if (r === threshold && tiesLeft > 0) {
        out[i]! += 1
        tiesLeft--
      }
    }
    left -= take
  }
  return out
}

/** The k-th smallest value (0-based) of `values`, which it reorders: Hoare quickselect with a median-of-three pivot. */
function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0
  let hi = values.length - 1
  while (hi > lo) {
    const mid = (lo + hi) >>> 1
    const a = values[lo]!
    const b = values[mid]!
    const c = values[hi]!
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const t = values[i]!
        values[i] = values[j]!
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return values[k]!
  }
  return values[k]!
}
