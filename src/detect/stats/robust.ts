// Robust location and scale (median, MAD, robust z-scores) over plain and typed arrays, for thresholds that a few
// extreme values cannot drag (the attack itself must not widen the band it is measured against).

/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826

/** Median of the finite values (NaN when there are none); does not modify `values`. */
export function median(values: ArrayLike<number>): number {
  const xs: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) xs.push(v)
  }
  if (!xs.length) return Number.NaN
  xs.sort((a, b) => a - b)
  const mid = xs.length >> 1
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
}

/** Quantile q ∈ [0, 1] of the finite values, linear interpolation between order statistics (DuckDB quantile_cont). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const xs: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) xs.push(v)
  }
  if (!xs.length) return Number.NaN
  xs.sort((a, b) => a - b)
  const pos = q * (xs.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, xs.length - 1)
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo)
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: ArrayLike<number>, center = median(values)): number {
  const dev: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) dev.push(Math.abs(v - center))
  }
  return median(dev)
}

/** Robust location and scale: median and 1.4826 × MAD, the scale floored so a constant series has a usable band. */
export interface RobustBand {
  center: number
  scale: number
  n: number
}

export function robustBand(values: ArrayLike<number>, scaleFloor: number): RobustBand {
  const center = median(values)
  let n = 0
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++
  const scale = Math.max(MAD_TO_SIGMA * mad(values, center), scaleFloor)
  return { center, scale, n }
}

/** (x − center) / scale; NaN when the band has no data. */
export function robustZ(x: number, band: Pick<RobustBand, 'center' | 'scale'>): number {
  if (!Number.isFinite(band.center) || !(band.scale > 0)) return Number.NaN
  return (x - band.center) / band.scale
}

/** Robust z from a trailing median and raw MAD computed elsewhere (SQL windows), with a floor on the scale. */
export function zFrom(x: number, center: number, rawMad: number, scaleFloor: number): number {
  if (!Number.isFinite(center)) return Number.NaN
  const scale = Math.max(MAD_TO_SIGMA * (Number.isFinite(rawMad) ? rawMad : 0), scaleFloor)
  return scale > 0 ? (x - center) / scale : Number.NaN
}

/**
 * Scale of a series on its event clock: the robust σ of its updates (1.4826·MAD of the non-zero returns, floored) and
 * the share q of returns that are updates. A series unchanged in most buckets (a push oracle) is a sum of updates, so a
 * span of m buckets has scale σ·√max(q·m, 1) — at least one update when it moved at all.
 */
export function updateScale(
  returns: ArrayLike<number>,
  scaleFloor: number,
): { sigma: number; share: number; n: number } {
  const updates: number[] = []
  let n = 0
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!
    if (!Number.isFinite(r)) continue
    n++
    if (r !== 0) updates.push(r)
  }
  const sigma = Math.max(updates.length ? MAD_TO_SIGMA * mad(updates) : 0, scaleFloor)
  return { sigma, share: n ? updates.length / n : 0, n }
}
