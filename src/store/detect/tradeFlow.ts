// Trades aggregated per bucket for liquidity and flow statistics: returns, quote volume, signed square-root dollar
// flow (Kyle), and their trailing estimates over a baseline window — Kyle's λ (regression slope of returns on the
// signed flow) and Amihud's illiquidity (mean |return| / quote volume) — all in DuckDB.
import type { DuckStore } from '../duck/open.ts'
import { sqlInt } from './priceSeries.ts'
import { f64, num, queryColumns, queryRows, tsParam } from './read.ts'

export interface TradeBuckets {
  ts: Float64Array
  close: Float64Array
  quote: Float64Array
  /** Σ sign · √(quote) of the bucket's trades (taker side). */
  signedSqrt: Float64Array
  /** Σ sign · quote. */
  netQuote: Float64Array
  trades: Float64Array
  ret: Float64Array
  /** Trailing over the baseline window (the bucket itself excluded). */
  kyleLambda: Float64Array
  kyleT: Float64Array
  kyleN: Float64Array
  amihud: Float64Array
  medianQuote: Float64Array
}

/** Trade buckets of `markets` (pooled) over [fromUs, toUs) with trailing liquidity estimates over `baselineUs`. */
export async function readTradeBuckets(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
  baselineUs: number,
): Promise<TradeBuckets> {
  const B = sqlInt(bucketUs, 'bucket')
  const frame = `ORDER BY b RANGE BETWEEN ${sqlInt(baselineUs, 'baseline')} PRECEDING AND 1 PRECEDING`
  const r = await queryColumns(
    store,
    `WITH t AS (SELECT ts, price, price * qty AS quote,
                       CASE side WHEN 'buy' THEN 1 WHEN 'sell' THEN -1 ELSE 0 END AS sgn
                  FROM trades WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4),
          b AS (SELECT (epoch_us(ts) // ${B}) * ${B} AS b, arg_max(price, (ts, price)) AS close, sum(quote) AS quote,
                       sum(sgn * sqrt(quote)) AS s, sum(sgn * quote) AS net, count(*) AS n FROM t GROUP BY 1),
          r AS (SELECT *, ln(close / lag(close) OVER (ORDER BY b)) AS ret FROM b),
          w AS (SELECT *, regr_slope(ret, s) OVER w AS lambda, regr_count(ret, s) OVER w AS nfit,
                       regr_sxx(ret, s) OVER w AS sxx, regr_syy(ret, s) OVER w AS syy, regr_sxy(ret, s) OVER w AS sxy,
                       avg(abs(ret) / nullif(quote, 0)) OVER w AS illiq, quantile_cont(quote, 0.5) OVER w AS mq
                  FROM r WINDOW w AS (${frame}))
     SELECT b::DOUBLE AS b, close, quote, s, net, n::DOUBLE AS n, ret, lambda, nfit::DOUBLE AS nfit, sxx, syy, sxy,
            illiq, mq
       FROM w ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  const lambda = f64(r.col('lambda'))
  const nfit = f64(r.col('nfit'))
  const sxx = f64(r.col('sxx'))
  const syy = f64(r.col('syy'))
  const sxy = f64(r.col('sxy'))
  // t-statistic of the slope: se² = (Syy − λ·Sxy) / (n − 2) / Sxx
  const t = new Float64Array(lambda.length)
  for (let i = 0; i < t.length; i++) {
    const sse = Math.max(syy[i]! - lambda[i]! * sxy[i]!, 0)
    const se = Math.sqrt(sse / Math.max(nfit[i]! - 2, 1) / sxx[i]!)
    t[i] = se > 0 ? lambda[i]! / se : Number.NaN
  }
  return {
    ts: f64(r.col('b')),
    close: f64(r.col('close')),
    quote: f64(r.col('quote')),
    signedSqrt: f64(r.col('s')),
    netQuote: f64(r.col('net')),
    trades: f64(r.col('n')),
    ret: f64(r.col('ret')),
    kyleLambda: lambda,
    kyleT: t,
    kyleN: nfit,
    amihud: f64(r.col('illiq')),
    medianQuote: f64(r.col('mq')),
  }
}

/**
 * What the trades in [fromUs, toUs) that pushed the price in `direction` (+1 up, −1 down) paid beyond the start
 * price p0: Σ q·(p − p0)·direction over taker trades in that direction (all trades when sides are unknown), with
 * their quote volume and the ids of the largest.
 */
export async function readPushTrades(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  p0: number,
  direction: 1 | -1,
): Promise<{ slippage: number; quote: number; trades: number; top: Array<Record<string, unknown>> }> {
  const v = [venue, market, tsParam(fromUs), tsParam(toUs), p0, direction]
  const where = `venue = $1 AND market = $2 AND ts >= $3 AND ts < $4
    AND (side IS NULL OR side = CASE WHEN $6 > 0 THEN 'buy' ELSE 'sell' END)`
  const [agg] = await queryRows(
    store,
    `SELECT coalesce(sum(qty * greatest((price - $5) * $6, 0)), 0)::DOUBLE AS slip,
            coalesce(sum(price * qty), 0)::DOUBLE AS quote, count(*)::DOUBLE AS n
       FROM trades WHERE ${where}`,
    v,
  )
  const top = await queryRows(
    store,
    `SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, price, qty, side, trade_id FROM trades WHERE ${where}
      ORDER BY price * qty DESC, ts, trade_id LIMIT 10`,
    v,
  )
  return { slippage: num(agg!.slip), quote: num(agg!.quote), trades: num(agg!.n), top }
}
