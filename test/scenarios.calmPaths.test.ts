// The calm controls' price paths are calm and still look like markets: minute shocks and jumps bounded (no crash
// inside a control), volatility clustering and heavy tails kept; the attack scenarios' paths keep the unbounded tails.
import { describe, expect, test } from 'vitest'
import { calmBounds } from '../src/ingest/scenarios/calmMarket.ts'
import { generatePath, type PathSpec } from '../src/ingest/scenarios/pricePath.ts'
import { Rng } from '../src/ingest/scenarios/random.ts'

const FROM = Date.UTC(2024, 10, 14)
/** calm-high-volume's profile: a BTC-like day, 2.5–4 % daily volatility. */
const busy = (dailyVol: number): PathSpec => ({ startPrice: 80_000, dailyVol, driftPerDay: 0 })

function minuteStats(spec: PathSpec, seed: number) {
  const p = generatePath(Rng.stream(seed, 'calm-paths/path'), FROM, 86_400, spec)
  const ret: number[] = []
  for (let m = 1; m < 1440; m++) ret.push(p.logMid[m * 60]! - p.logMid[(m - 1) * 60]!)
  const mean = ret.reduce((a, x) => a + x, 0) / ret.length
  const v = ret.reduce((a, x) => a + (x - mean) ** 2, 0) / ret.length
  const kurtosis = ret.reduce((a, x) => a + (x - mean) ** 4, 0) / ret.length / v / v
  // volatility clustering: autocorrelation of |r| at lag 1
  const a = ret.map(Math.abs)
  const am = a.reduce((x, y) => x + y, 0) / a.length
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) den += (a[i]! - am) ** 2
  for (let i = 1; i < a.length; i++) num += (a[i]! - am) * (a[i - 1]! - am)
  let worst8 = 0
  for (let m = 8; m < 1440; m++) worst8 = Math.max(worst8, Math.abs(p.logMid[m * 60]! - p.logMid[(m - 8) * 60]!))
  return { kurtosis, acf1: num / den, worst8, maxMinute: Math.max(...a) / (spec.dailyVol / Math.sqrt(1440)) }
}

describe('calm paths', () => {
  test('calmBounds bounds shocks, jumps and the variance ceiling, and keeps what a profile set', () => {
    expect(calmBounds(busy(0.03))).toMatchObject({ maxShockSigma: 4, maxJumpSigma: 6, maxVarianceRatio: 12 })
    expect(calmBounds({ ...busy(0.07), jumpSize: 5, maxVarianceRatio: 30 })).toMatchObject({
      maxJumpSigma: 5,
      maxVarianceRatio: 12,
    })
  })

  test('bounded days stay heavy-tailed and clustered, and their worst 8 minutes shrink', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => 900 + i)
    const plain = seeds.map((s) => minuteStats(busy(0.035), s))
    const calm = seeds.map((s) => minuteStats(calmBounds(busy(0.035)), s))
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length
    // heavy tails (a Gaussian has kurtosis 3) and clustering are still there
    expect(mean(calm.map((c) => c.kurtosis))).toBeGreaterThan(4.5)
    expect(mean(calm.map((c) => c.acf1))).toBeGreaterThan(0.05)
    // no minute beyond the bounds: 4 conditional σ at a variance ceiling of 12× long-run (√12 ≈ 3.5), plus a 6 σ jump
    // (the intraday seasonality scales both by up to √1.6)
    for (const c of calm) expect(c.maxMinute).toBeLessThan((4 * Math.sqrt(12) + 6) * Math.sqrt(1.6))
    // the unbounded tails reach further than the bounded ones, seed by seed
    for (let i = 0; i < seeds.length; i++) expect(calm[i]!.worst8).toBeLessThanOrEqual(plain[i]!.worst8 + 1e-12)
    expect(Math.max(...calm.map((c) => c.worst8))).toBeLessThan(Math.max(...plain.map((c) => c.worst8)))
  })
})
