// Poisson upper tail P(N ≥ n) for N ~ Poisson(μ), summed from n upward in log space so tiny tails stay exact enough.

/** P(N ≥ n); 1 when n ≤ 0, 0 when μ ≤ 0 < n. */
export function poissonUpperTail(n: number, mu: number): number {
  if (n <= 0) return 1
  if (!(mu > 0)) return 0
  if (n <= mu) {
    // the tail is large: one minus the (short) lower sum
    let term = Math.exp(-mu)
    let lower = term
    for (let j = 1; j < n; j++) {
      term *= mu / j
      lower += term
    }
    return Math.min(1, Math.max(0, 1 - lower))
  }
  // terms decrease from j = n on (j > μ): sum them relative to the first, whose log is −μ + n·ln μ − ln n!
  let logFirst = -mu + n * Math.log(mu)
  for (let i = 2; i <= n; i++) logFirst -= Math.log(i)
  let sum = 0
  let term = 1
  for (let j = n; term > 1e-17 * sum; j++) {
    sum += term
    term *= mu / (j + 1)
  }
  return Math.min(1, Math.exp(logFirst) * sum)
}
