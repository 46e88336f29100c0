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
          w AS (SELECT *, regr_slope(ret, s) OVER w AS lam, regr_count(ret, s) OVER w AS nfit,
                       regr_sxx(ret, s) OVER w AS sxx, regr_syy(ret, s) OVER w AS syy, regr_sxy(ret, s) OVER w AS sxy,
                       avg(abs(ret) / nullif(quote, 0)) OVER w AS illiq, quantile_cont(quote, 0.5) OVER w AS mq
                  FROM r WINDOW w AS (${frame}))
     SELECT b::DOUBLE AS b, close, quote, s, net, n::DOUBLE AS n, ret, lam, nfit::DOUBLE AS nfit, sxx, syy, sxy,
            illiq, mq
       FROM w ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  const lambda = f64(r.col('lam'))
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
 * What the trades in [fromUs, toUs) that pushed the price in `direction` (+1 up, −1 down) paid beyond the market's
 * price at the start (its last trade in the hour before, else its first in the window): Σ q·max((p − p0)·direction, 0)
 * over taker trades in that direction (all trades when sides are unknown), with their quote volume and the largest.
 */
export async function readPushTrades(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  direction: 1 | -1,
): Promise<{
  market: string
  p0: number
  slippage: number
  quote: number
  trades: number
  top: Array<Record<string, unknown>>
}> {
  const side = direction > 0 ? 'buy' : 'sell'
  const where = `venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND (side IS NULL OR side = $5)`
  const v = [venue, market, tsParam(fromUs), tsParam(toUs), side]
  const [agg] = await queryRows(
    store,
    `WITH p0 AS (SELECT coalesce(
                   (SELECT arg_max(price, (ts, price)) FROM trades
                     WHERE venue = $1 AND market = $2 AND ts < $3 AND ts >= $3 - INTERVAL 1 HOUR),
                   (SELECT arg_min(price, (ts, price)) FROM trades WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4)
                 ) AS p0)
     SELECT (SELECT p0 FROM p0) AS p0,
            coalesce(sum(qty * greatest((price - (SELECT p0 FROM p0)) * $6, 0)), 0)::DOUBLE AS slip,
            coalesce(sum(price * qty), 0)::DOUBLE AS quote, count(*)::DOUBLE AS n
       FROM trades WHERE ${where}`,
    [...v, direction],
  )
  const top = await queryRows(
    store,
    `SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, price, qty, side, trade_id FROM trades WHERE ${where}
      ORDER BY price * qty DESC, ts, trade_id LIMIT 5`,
    v,
  )
  return { market, p0: num(agg!.p0), slippage: num(agg!.slip), quote: num(agg!.quote), trades: num(agg!.n), top }
}

/** Markets of a venue whose name is `market@<source>` (a reference venue's own market for `market`), with trades. */
export async function referenceMarkets(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<string[]> {
  const rows = await queryRows(
    store,
    `SELECT DISTINCT market FROM trades WHERE venue = $1 AND starts_with(market, $2) AND ts >= $3 AND ts < $4
      ORDER BY market`,
    [venue, `${market}@`, tsParam(fromUs), tsParam(toUs)],
  )
  return rows.map((r) => String(r.market))
}

/**
 * The usual rate of a market's flow on one side before `fromUs`: quote per microsecond of the trades on the side of
 * `direction` (all trades when sides are unknown) over `baselineUs` before fromUs — over the part of it the market
 * traded in (from its first trade there). 0 when nothing traded.
 */
export async function readUsualFlowRate(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  direction: 1 | -1,
  baselineUs: number,
): Promise<number> {
  const [r] = await queryRows(
    store,
    `SELECT coalesce(sum(price * qty), 0)::DOUBLE AS quote, epoch_us(min(ts))::DOUBLE AS first FROM trades
      WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND (side IS NULL OR side = $5)`,
    [venue, market, tsParam(fromUs - baselineUs), tsParam(fromUs), direction > 0 ? 'buy' : 'sell'],
  )
  const first = num(r!.first)
  return Number.isFinite(first) && fromUs > first ? num(r!.quote) / (fromUs - first) : 0
}
