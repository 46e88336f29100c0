// Branching ratio of a self-exciting point process: an exponential-kernel Hawkes process fitted by maximum
// likelihood over a burst of event times (liquidations, or price jumps when a venue publishes no liquidations).
//
// Model: λ(t) = μ + Σ_{tᵢ<t} n·β·e^{−β(t−tᵢ)}. The kernel integrates to n, the branching ratio: the expected number
// of events each event triggers. n → 1 means most events were caused by earlier events (a cascade), n ≈ 0 means
// they arrive independently at the background rate μ (Wehrli & Sornette [L10]; venue-rules §3.5).
//
// Log-likelihood over [0, T] (Ozaki 1979), computed in O(N) with the recursion Rᵢ = e^{−β(tᵢ−tᵢ₋₁)}(1 + Rᵢ₋₁):
//   ℓ(μ, n, β) = Σᵢ log(μ + n·β·Rᵢ) − μ·T − n·Σᵢ (1 − e^{−β(T−tᵢ)})
// maximised with Nelder–Mead over unconstrained coordinates: log μ, logit n (n ∈ (0, 1): a stationary process; a
// burst that wants n ≥ 1 ends at the bound and is reported as such), and β on a logit scale between 1/T (one
// excitation time for the whole window) and 1/resolution (no excitation shorter than the timestamps can resolve).
// Ties — several events stamped with the same instant — are spread evenly over one resolution step, since the
// likelihood of simultaneous events is degenerate; the resolution is the data's time step (1 ms for venue events,
// 60 s for jumps found on one-minute bars). Several deterministic starting points; the best fit wins.
import { nelderMeadSteps, runInSlices, runToEnd } from './nelderMead.ts'

export interface HawkesFit {
  /** Branching ratio n ∈ (0, 1). */
  branchingRatio: number
  /** Background rate μ per second. */
  baseline: number
  /** Decay β per second (1/β is the excitation time scale in seconds). */
  decay: number
  logLikelihood: number
  /** ℓ of the best homogeneous Poisson process (n = 0, μ = N/T), for a likelihood-ratio comparison. */
  poissonLogLikelihood: number
  events: number
  /** Window length T in seconds. */
  seconds: number
  /** n sits at its upper bound: the burst is at least critical. */
  atBound: boolean
}

const N_MAX = 0.999
const logistic = (x: number) => 1 / (1 + Math.exp(-x))
const logit = (p: number) => Math.log(p / (1 - p))

/** Event times (seconds from the window start, ascending) with ties spread over one resolution step. */
export function spreadTies(times: ArrayLike<number>, resolution: number): Float64Array {
  const out = new Float64Array(times.length)
  let i = 0
  while (i < times.length) {
    let j = i
    while (j + 1 < times.length && times[j + 1] === times[i]) j++
    const m = j - i + 1
    for (let k = 0; k < m; k++) out[i + k] = times[i]! + (m > 1 ? (resolution * (k + 0.5)) / m : 0)
    i = j + 1
  }
  return out
}

/** ℓ(μ, n, β) of event times t (ascending, in [0, T]). */
export function hawkesLogLikelihood(t: ArrayLike<number>, T: number, mu: number, n: number, beta: number): number {
  let sum = 0
  let r = 0
  let compensator = 0
  for (let i = 0; i < t.length; i++) {
    if (i > 0) r = Math.exp(-beta * (t[i]! - t[i - 1]!)) * (1 + r)
    const lambda = mu + n * beta * r
    if (!(lambda > 0)) return Number.NEGATIVE_INFINITY
    sum += Math.log(lambda)
    compensator += 1 - Math.exp(-beta * (T - t[i]!))
  }
  return sum - mu * T - n * compensator
}

/**
 * Fits the branching ratio to event times in seconds (ascending, any origin) over [start, end]. Needs at least 3
 * events; returns null otherwise.
 */
export function fitHawkes(
  timesSeconds: ArrayLike<number>,
  window: { start: number; end: number },
  resolution: number,
): HawkesFit | null {
  return runToEnd(fitSteps(timesSeconds, window, resolution))
}

/**
 * fitHawkes in slices of at most ~20 ms that hand the event loop back in between: the same fit (the same steps in
 * the same order), for a detector run inside the server (a burst of 10⁴–10⁵ replayed liquidations takes seconds).
 */
export function fitHawkesInSlices(
  timesSeconds: ArrayLike<number>,
  window: { start: number; end: number },
  resolution: number,
): Promise<HawkesFit | null> {
  return runInSlices(fitSteps(timesSeconds, window, resolution))
}

function* fitSteps(
  timesSeconds: ArrayLike<number>,
  window: { start: number; end: number },
  resolution: number,
): Generator<void, HawkesFit | null> {
  const N = timesSeconds.length
  if (N < 3) return null
  const T = Math.max(window.end - window.start, resolution * 2)
  const shifted = new Float64Array(N)
  for (let i = 0; i < N; i++) shifted[i] = Math.min(Math.max(timesSeconds[i]! - window.start, 0), T)
  const t = spreadTies(shifted, resolution)
  const betaMin = 1 / T
  const betaMax = Math.max(1 / resolution, betaMin * 4)
  const lbMin = Math.log(betaMin)
  const lbSpan = Math.log(betaMax) - lbMin
  const decode = (x: number[]) => ({
    mu: Math.exp(x[0]!),
    n: N_MAX * logistic(x[1]!),
    beta: Math.exp(lbMin + lbSpan * logistic(x[2]!)),
  })
  const negLl = (x: number[]) => {
    const p = decode(x)
    return -hawkesLogLikelihood(t, T, p.mu, p.n, p.beta)
  }
  let best: { x: number[]; value: number } | null = null
  for (const n0 of [0.2, 0.5, 0.85]) {
    for (const b0 of [0.25, 0.5, 0.75]) {
      const mu0 = Math.max((N * (1 - n0)) / T, 1e-12)
      const start = [Math.log(mu0), logit(n0 / N_MAX), logit(b0)]
      const r = yield* nelderMeadSteps(negLl, start, { step: 0.7, maxIterations: 1500 })
      if (!best || r.value < best.value) best = r
    }
  }
  const p = decode(best!.x)
  return {
    branchingRatio: p.n,
    baseline: p.mu,
    decay: p.beta,
    logLikelihood: -best!.value,
    poissonLogLikelihood: N * Math.log(N / T) - N,
    events: N,
    seconds: T,
    atBound: p.n > N_MAX * 0.995,
  }
}
