// Ordinary least squares of y on x with an intercept: the slope, its standard error and t-statistic (Kyle's λ is
// the slope of returns on signed square-root dollar flow).

export interface OlsFit {
  slope: number
  intercept: number
  /** Standard error of the slope (NaN with fewer than 3 points or no spread in x). */
  slopeSe: number
  t: number
  n: number
  r2: number
}

export function ols(x: ArrayLike<number>, y: ArrayLike<number>): OlsFit {
  let n = 0
  let sx = 0
  let sy = 0
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!
    const b = y[i]!
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue
    n++
    sx += a
    sy += b
  }
  const nan = { slope: Number.NaN, intercept: Number.NaN, slopeSe: Number.NaN, t: Number.NaN, n, r2: Number.NaN }
  if (n < 3) return nan
  const mx = sx / n
  const my = sy / n
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!
    const b = y[i]!
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue
    sxx += (a - mx) * (a - mx)
    sxy += (a - mx) * (b - my)
    syy += (b - my) * (b - my)
  }
  if (!(sxx > 0)) return nan
  const slope = sxy / sxx
  const intercept = my - slope * mx
  const sse = Math.max(syy - slope * sxy, 0)
  const slopeSe = Math.sqrt(sse / (n - 2) / sxx)
  return {
    slope,
    intercept,
    slopeSe,
    t: slopeSe > 0 ? slope / slopeSe : Number.POSITIVE_INFINITY,
    n,
    r2: syy > 0 ? (slope * sxy) / syy : 0,
  }
}
