// Binomial upper tail P(X ≥ k) for X ~ Binomial(n, p), summed in log space so large n stays exact enough.

function logChoose(n: number, k: number): number {
  let s = 0
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i)
  return s
}

/** P(X ≥ k); 1 when k ≤ 0, 0 when k > n. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  const logs: number[] = []
  for (let j = k; j <= n; j++) logs.push(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p))
  const max = Math.max(...logs)
  let sum = 0
  for (const l of logs) sum += Math.exp(l - max)
  return Math.min(1, Math.exp(max) * sum)
}
