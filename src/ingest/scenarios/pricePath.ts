// A market's latent mid price on a one-second grid: GARCH(1,1) variance per minute (volatility clustering), Student-t
// minute shocks and rare jumps (fat tails), intraday volatility seasonality, an optional drift, and attack overlays
// (pumps, sweeps, crashes) added in log space on top. Trades, references and oracles are all sampled from it.
import type { Rng } from './random.ts'
import { activityAt, type SeasonalityOptions } from './seasonality.ts'

export interface PathSpec {
  startPrice: number
  /** Typical daily standard deviation of log returns, e.g. 0.03. */
  dailyVol: number
  /** Log drift per day (e.g. 0.04 for a +4 %/day trend). */
  driftPerDay?: number
  /** GARCH(1,1) on minute returns: h' = ω + α·r² + β·h (ω keeps the long-run variance at dailyVol²/1440). */
  alpha?: number
  beta?: number
  /** Student-t degrees of freedom of the minute shocks. */
  tailNu?: number
  /** Jumps per day and their size in minute standard deviations. */
  jumpsPerDay?: number
  jumpSize?: number
  /**
   * Largest jump, in long-run minute standard deviations (unbounded when absent). The calm controls bound it: a calm
   * day has no crash, and a t₄ jump tail with the variance feedback it sets off can make one (a 4 % drop in 8 minutes).
   */
  maxJumpSigma?: number
  /** Largest minute shock, in conditional standard deviations (unbounded when absent): the calm controls bound it too. */
  maxShockSigma?: number
  /** Ceiling of the conditional variance as a multiple of the long-run one (default 60). */
  maxVarianceRatio?: number
  seasonality?: SeasonalityOptions
}

export interface PricePath {
  fromMs: number
  seconds: number
  /** log(mid) per second; mid of second s is exp(logMid[s]). */
  logMid: Float64Array
  /** Conditional standard deviation of one-second log returns (before overlays), per second. */
  sigma: Float64Array
  /** Long-run one-second standard deviation, the scale `sigma` is compared with. */
  baseSigma: number
}

export function generatePath(rng: Rng, fromMs: number, seconds: number, spec: PathSpec): PricePath {
  const alpha = spec.alpha ?? 0.1
  const beta = spec.beta ?? 0.86
  const nu = spec.tailNu ?? 5
  const target = spec.dailyVol ** 2 / 1440
  const omega = target * (1 - alpha - beta)
  const drift = (spec.driftPerDay ?? 0) / 86_400
  const jumpP = (spec.jumpsPerDay ?? 0.6) / 1440
  const jumpSize = spec.jumpSize ?? 6
  const logMid = new Float64Array(seconds)
  const sigma = new Float64Array(seconds)
  let x = Math.log(spec.startPrice)
  let h = target
  const steps = new Float64Array(60)
  for (let m = 0; m * 60 < seconds; m++) {
    const at = fromMs + m * 60_000
    const seasonVol = Math.sqrt(activityAt(at, spec.seasonality))
    const sd = Math.sqrt(h) * seasonVol
    const shockBound = spec.maxShockSigma ?? Number.POSITIVE_INFINITY
    let r = sd * Math.min(Math.max(rng.studentT(nu), -shockBound), shockBound)
    let jumpAt = -1
    let jump = 0
    if (rng.chance(jumpP)) {
      const size = jumpSize * rng.studentT(4)
      const bound = spec.maxJumpSigma ?? Number.POSITIVE_INFINITY
      // clamped, not redrawn: the path's other draws stay where they were
      jump = Math.min(Math.max(size, -bound), bound) * Math.sqrt(target) * seasonVol
      jumpAt = rng.int(60)
      r += jump
    }
    // Brownian bridge from 0 to the minute's return (jump excluded), so minute returns are exactly the GARCH draws.
    const diffusive = r - jump
    let sum = 0
    const secSd = sd / Math.sqrt(60)
    for (let i = 0; i < 60; i++) {
      steps[i] = secSd * rng.normal()
      sum += steps[i]!
    }
    for (let i = 0; i < 60; i++) {
      const s = m * 60 + i
      if (s >= seconds) break
      x += steps[i]! - sum / 60 + diffusive / 60 + drift + (i === jumpAt ? jump : 0)
      logMid[s] = x
      sigma[s] = secSd
    }
    const standardized = r / seasonVol
    h = Math.min(omega + alpha * standardized * standardized + beta * h, (spec.maxVarianceRatio ?? 60) * target)
  }
  return { fromMs, seconds, logMid, sigma, baseSigma: Math.sqrt(target / 60) }
}

/** Adds `offset(s)` (log units) to every second of the path: attack overlays, crashes, pumps. */
export function addOverlay(path: PricePath, offset: (second: number) => number, from = 0, to = path.seconds): void {
  for (let s = Math.max(0, from); s < Math.min(to, path.seconds); s++) path.logMid[s] = path.logMid[s]! + offset(s)
}

/** A smooth step from 0 to 1 over [a, b] (smoothstep), used to shape ramps. */
export function ramp(s: number, a: number, b: number): number {
  if (s <= a) return 0
  if (s >= b) return 1
  const t = (s - a) / (b - a)
  return t * t * (3 - 2 * t)
}

export const midAt = (path: PricePath, s: number): number =>
  Math.exp(path.logMid[Math.min(Math.max(0, Math.floor(s)), path.seconds - 1)]!)

/** The path at millisecond time `ms` (clamped to the grid). */
export const midAtMs = (path: PricePath, ms: number): number => midAt(path, (ms - path.fromMs) / 1000)

/** Another venue's (or instrument's) path: the same latent path plus `offset(s)` (its basis), same volatility. */
export function derivePath(base: PricePath, offset: (second: number) => number): PricePath {
  const logMid = new Float64Array(base.seconds)
  for (let s = 0; s < base.seconds; s++) logMid[s] = base.logMid[s]! + offset(s)
  return { fromMs: base.fromMs, seconds: base.seconds, logMid, sigma: base.sigma, baseSigma: base.baseSigma }
}

/** Scales the volatility the tape sees over [from, to) (seconds): busier, wider markets in a pump or crash. */
export function scaleSigma(path: PricePath, factor: (second: number) => number, from = 0, to = path.seconds): void {
  const sigma = Float64Array.from(path.sigma)
  for (let s = Math.max(0, from); s < Math.min(to, path.seconds); s++) sigma[s] = sigma[s]! * factor(s)
  path.sigma = sigma
}
