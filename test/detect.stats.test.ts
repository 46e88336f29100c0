// The statistics the detectors rest on: the Hawkes maximum-likelihood fit recovers a known branching ratio from
// simulated self-exciting events and finds none in a Poisson process; the binomial tail, OLS slope, robust band and
// Nelder–Mead are checked against values computed by hand; episodes merge by the gap rule.
import { describe, expect, test } from 'vitest'
import { mergeEpisodes } from '../src/detect/episodes.ts'
import { paramsHash } from '../src/detect/paramsHash.ts'
import { binomialUpperTail } from '../src/detect/stats/binomial.ts'
import { poissonUpperTail } from '../src/detect/stats/poisson.ts'
import { fitHawkes, fitHawkesInSlices, hawkesLogLikelihood, spreadTies } from '../src/detect/stats/hawkes.ts'
import { nelderMead } from '../src/detect/stats/nelderMead.ts'
import { ols } from '../src/detect/stats/regression.ts'
import { mad, median, quantile, robustBand, robustZ } from '../src/detect/stats/robust.ts'
import { Prng } from '../src/replay/kernel/prng.ts'

/** Ogata thinning: event times of a Hawkes process with background mu, branching n and decay beta on [0, T]. */
function simulateHawkes(mu: number, n: number, beta: number, T: number, seed: number): number[] {
  const r = new Prng(seed)
  const out: number[] = []
  let t = 0
  let excitation = 0
  for (;;) {
    const bound = mu + excitation
    const wait = -Math.log(1 - r.next()) / bound
    excitation *= Math.exp(-beta * wait)
    t += wait
    if (t > T) return out
    if (r.next() * bound <= mu + excitation) {
      out.push(t)
      excitation += n * beta
    }
  }
}

describe('Hawkes branching ratio by maximum likelihood', () => {
  test.each([
    [0.3, 11],
    [0.6, 12],
    [0.85, 13],
  ])('recovers n = %f within 0.12 from an hour of simulated events', (n, seed) => {
    const times = simulateHawkes(0.05, n, 0.5, 3600, seed)
    const fit = fitHawkes(times, { start: 0, end: 3600 }, 1e-3)!
    expect(fit.branchingRatio).toBeGreaterThan(n - 0.12)
    expect(fit.branchingRatio).toBeLessThan(n + 0.12)
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(fit.poissonLogLikelihood)
  })

  test('fitted in slices, a large burst gives the same fit and hands the event loop back while it runs', async () => {
    // ~25k events: the one-turn fit takes about a second here (1.15 s), as a replayed burst of a backtest does in the server
    const times = simulateHawkes(2, 0.7, 0.5, 3600, 15)
    expect(times.length).toBeGreaterThan(10_000)
    let turns = 0
    const tick = setInterval(() => turns++, 1)
    const sliced = await fitHawkesInSlices(times, { start: 0, end: 3600 }, 1e-3)
    clearInterval(tick)
    expect(sliced).toEqual(fitHawkes(times, { start: 0, end: 3600 }, 1e-3))
    expect(turns).toBeGreaterThan(2)
  })

  test('a Poisson process has no self-excitation', () => {
    const fit = fitHawkes(simulateHawkes(0.05, 0, 0.5, 3600, 14), { start: 0, end: 3600 }, 1e-3)!
    expect(fit.branchingRatio).toBeLessThan(0.1)
  })

  test('the log-likelihood matches a direct evaluation, and ties are spread within one resolution step', () => {
    const t = [1, 2, 2.5, 7]
    const [mu, n, beta, T] = [0.3, 0.4, 1.5, 10]
    let direct = -mu * T
    for (let i = 0; i < t.length; i++) {
      let lambda = mu
      for (let j = 0; j < i; j++) lambda += n * beta * Math.exp(-beta * (t[i]! - t[j]!))
      direct += Math.log(lambda) - n * (1 - Math.exp(-beta * (T - t[i]!)))
    }
    expect(hawkesLogLikelihood(t, T, mu, n, beta)).toBeCloseTo(direct, 10)
    expect(Array.from(spreadTies([5, 5, 5, 6], 1))).toEqual([5 + 1 / 6, 5.5, 5 + 5 / 6, 6])
    expect(fitHawkes([1, 2], { start: 0, end: 10 }, 1)).toBeNull()
  })
})

describe('small statistics', () => {
  test('binomial upper tail', () => {
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 12)
    expect(binomialUpperTail(9, 10, 0.5)).toBeCloseTo(11 / 1024, 12)
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1)
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0)
  })

  test('Poisson upper tail, large and tiny', () => {
    // P(N ≥ 1) = 1 − e^−μ; P(N ≥ 3 | 2) = 1 − 5e^−2
    expect(poissonUpperTail(1, 0.5)).toBeCloseTo(1 - Math.exp(-0.5), 14)
    expect(poissonUpperTail(3, 2)).toBeCloseTo(1 - 5 * Math.exp(-2), 14)
    // far in the tail: P(N ≥ 20 | 0.01) ≈ e^−0.01 · 0.01²⁰ / 20! (the next terms add ~0.05 %)
    const lead = (Math.exp(-0.01) * 0.01 ** 20) / 2432902008176640000
    expect(poissonUpperTail(20, 0.01) / lead).toBeCloseTo(1 + 0.01 / 21, 6)
    expect(poissonUpperTail(0, 3)).toBe(1)
    expect(poissonUpperTail(2, 0)).toBe(0)
  })

  test('OLS slope, its t-statistic and R²', () => {
    const fit = ols([1, 2, 3, 4, 5], [2.1, 3.9, 6.2, 7.8, 10.1])
    expect(fit.slope).toBeCloseTo(1.99, 10)
    expect(fit.intercept).toBeCloseTo(0.05, 10)
    expect(fit.r2).toBeGreaterThan(0.99)
    expect(fit.t).toBeGreaterThan(30)
    expect(Number.isNaN(ols([1, 1, 1], [1, 2, 3]).slope)).toBe(true)
  })

  test('median, MAD, quantile and a robust band that one outlier cannot move', () => {
    const xs = [1, 2, 3, 4, 100]
    expect(median(xs)).toBe(3)
    expect(mad(xs)).toBe(1)
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5)
    const band = robustBand(xs, 0.01)
    expect(band.center).toBe(3)
    expect(band.scale).toBeCloseTo(1.4826, 10)
    expect(robustZ(100, band)).toBeCloseTo(97 / 1.4826, 8)
    expect(robustBand([5, 5, 5], 0.5).scale).toBe(0.5)
  })

  test('Nelder–Mead finds the minimum of the Rosenbrock function', () => {
    const r = nelderMead((x) => (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2, [-1.2, 1], {
      maxIterations: 5000,
      tolerance: 1e-14,
    })
    expect(r.x[0]).toBeCloseTo(1, 3)
    expect(r.x[1]).toBeCloseTo(1, 3)
  })

  test('flagged points at most the gap apart are one episode, with its worst level and its peak', () => {
    const levels = [0, 1, 0, 0, 2, 0, 0, 0, 0, 1]
    const score = [0, 5, 0, 0, 3, 0, 0, 0, 0, 9]
    expect(mergeEpisodes(levels, score, 3)).toEqual([
      { first: 1, last: 4, level: 2, peak: 1, count: 2 },
      { first: 9, last: 9, level: 1, peak: 9, count: 1 },
    ])
  })

  test('parameter hashes do not depend on key order', () => {
    expect(paramsHash({ a: 1, b: { c: [1, 2], d: null } })).toBe(paramsHash({ b: { d: null, c: [1, 2] }, a: 1 }))
    expect(paramsHash({ a: 1 })).not.toBe(paramsHash({ a: 2 }))
  })
})
