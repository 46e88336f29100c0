// A market's measured liquidity before an attack, from its trailing trades in 5-minute buckets (the detectors'
// bucketing, src/store/market/tradeBuckets.ts): Amihud's illiquidity, mean |log return| per quote unit traded,
// prices the push; Kyle's λ (slope of the return on the signed square-root flow) is reported beside it.
//
// Why Amihud drives the push: it is defined for every bucket that traded and is never negative, and it is linear in
// quote volume, so an amount of capital maps to a move without assuming how the attacker splits its orders. Kyle's λ
// here is per unit of Σ sign·√(trade quote): turning capital into that flow needs the attacker's trade sizes, and on
// a thin market its sign and size are noisy (a negative slope would make an attack free). Amihud divides by the
// bucket's whole volume, both sides, so it understates what one-sided flow moves: the cost it gives errs high.
import { InvalidInputError } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { readReferenceMarkets, readTradeBucketRows } from '../../store/market/tradeBuckets.ts'

export const LIQUIDITY_BUCKET_S = 300
/** Buckets with a return (two trading buckets in a row) needed for an estimate. */
export const MIN_LIQUIDITY_BUCKETS = 3

export interface LiquidityEstimate {
  /** Amihud: mean |log return| per quote unit traded, per 5-minute bucket. */
  amihud: number
  /** Kyle's λ: log return per unit of signed √quote flow (OLS with intercept); null with too little variation. */
  kyleLambda: number | null
  /** Buckets the estimate averages, trades and quote volume they hold. */
  buckets: number
  trades: number
  quoteVolume: number
  /** Last trade price before the attack, and the start of its 5-minute bucket (ISO). */
  lastPrice: number
  lastBucketAt: string
  lookbackSeconds: number
  /**
   * oracle-reference-push: each reference venue's own Amihud estimate; `amihud` above is then the move per quote when
   * the capital is split to move every reference alike, 1 / Σ (1 / amihud_i).
   */
  references?: Array<{ market: string; amihud: number; buckets: number; quoteVolume: number }>
}

export async function measureLiquidity(
  duck: DuckStore,
  venue: string,
  market: string,
  atUs: number,
  lookbackSeconds: number,
): Promise<LiquidityEstimate> {
  const bucketUs = LIQUIDITY_BUCKET_S * 1e6
  const lookbackUs = lookbackSeconds * 1e6
  const b = await readTradeBucketRows(duck, venue, market, atUs - lookbackUs, atUs, bucketUs)
  let n = 0
  let sumIlliq = 0
  let trades = 0
  let quote = 0
  const xs: number[] = []
  const ys: number[] = []
  for (let i = 0; i < b.ts.length; i++) {
    trades += b.trades[i]!
    quote += b.quote[i]!
    // a return needs the bucket before to have traded: a gap makes the return span several buckets
    if (i === 0 || !(b.quote[i]! > 0) || b.ts[i]! - b.ts[i - 1]! !== bucketUs) continue
    const r = Math.log(b.close[i]! / b.close[i - 1]!)
    if (!Number.isFinite(r)) continue
    n++
    sumIlliq += Math.abs(r) / b.quote[i]!
    xs.push(b.signedSqrt[i]!)
    ys.push(r)
  }
  if (n < MIN_LIQUIDITY_BUCKETS) {
    const at = new Date(atUs / 1000).toISOString()
    const from = new Date((atUs - lookbackUs) / 1000).toISOString()
    throw new InvalidInputError('no liquidity estimate', [
      {
        path: 'market',
        received: `${venue}/${market}: ${b.ts.length} five-minute buckets with trades (${n} consecutive pairs) in ${from}/${at}`,
        expected: `a market with trades in at least ${MIN_LIQUIDITY_BUCKETS + 1} consecutive 5-minute buckets before the attack time (a longer lookback, or an earlier or later time)`,
      },
    ])
  }
  const last = b.ts.length - 1
  return {
    amihud: sumIlliq / n,
    kyleLambda: olsSlope(xs, ys),
    buckets: n,
    trades,
    quoteVolume: quote,
    lastPrice: b.close[last]!,
    lastBucketAt: new Date(b.ts[last]! / 1000).toISOString(),
    lookbackSeconds,
  }
}

function olsSlope(xs: number[], ys: number[]): number | null {
  const n = xs.length
  const mx = xs.reduce((s, x) => s + x, 0) / n
  const my = ys.reduce((s, y) => s + y, 0) / n
  let sxx = 0
  let sxy = 0
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2
    sxy += (xs[i]! - mx) * (ys[i]! - my)
  }
  return sxx > 0 ? sxy / sxx : null
}

/** The reference venues' liquidity (markets named MARKET@SOURCE), combined for a push that moves them all alike. */
export async function measureReferenceLiquidity(
  duck: DuckStore,
  venue: string,
  market: string,
  atUs: number,
  lookbackSeconds: number,
  own: LiquidityEstimate,
): Promise<LiquidityEstimate> {
  const fromUs = atUs - lookbackSeconds * 1e6
  const names = await readReferenceMarkets(duck, venue, market, fromUs, atUs)
  if (!names.length) {
    throw new InvalidInputError('no reference venues', [
      {
        path: 'market',
        received: `${venue}/${market}: no markets named ${market}@SOURCE with trades in ${new Date(fromUs / 1000).toISOString()}/${new Date(atUs / 1000).toISOString()}`,
        expected:
          "a market whose oracle's reference venues are stored as MARKET@SOURCE trades (e.g. a scenario's ref-cex-a), or another pattern",
      },
    ])
  }
  const references = []
  for (const name of names) {
    const e = await measureLiquidity(duck, venue, name, atUs, lookbackSeconds)
    references.push({ market: name, amihud: e.amihud, buckets: e.buckets, quoteVolume: e.quoteVolume })
  }
  const inverse = references.reduce((sum, r) => sum + 1 / r.amihud, 0)
  return { ...own, amihud: 1 / inverse, references }
}
