// Oracle updates and the fills around them, for the oracle front-running detector.
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { sqlInt } from './priceSeries.ts'
import { f64, queryColumns, tsParam } from './read.ts'

export interface OracleUpdates {
  ts: Float64Array
  price: Float64Array
  /** ln(price / previous price) of the same source. */
  ret: Float64Array
  /** Trailing median and raw MAD of the update returns (the update itself excluded). */
  retMedian: Float64Array
  retMad: Float64Array
  baselineCount: Float64Array
}

/** Consecutive oracle prints of one source with their returns and the robust baseline of the previous updates. */
export async function readOracleUpdates(
  store: DuckStore,
  venue: string,
  market: string,
  source: string,
  fromUs: number,
  toUs: number,
  baselineUpdates: number,
): Promise<OracleUpdates> {
  const frame = `ORDER BY t, price ROWS BETWEEN ${sqlInt(baselineUpdates, 'baseline')} PRECEDING AND 1 PRECEDING`
  const r = await queryColumns(
    store,
    `WITH o AS (SELECT epoch_us(ts) AS t, price FROM prices
                 WHERE venue = $1 AND market = $2 AND kind = 'oracle' AND source = $3 AND ts >= $4 AND ts < $5),
          r AS (SELECT t, price, ln(price / lag(price) OVER (ORDER BY t, price)) AS ret FROM o),
          w1 AS (SELECT *, quantile_cont(ret, 0.5) OVER w AS med, count(ret) OVER w AS n FROM r WINDOW w AS (${frame})),
          w2 AS (SELECT *, quantile_cont(abs(ret - med), 0.5) OVER w AS mad FROM w1 WINDOW w AS (${frame}))
     SELECT t::DOUBLE AS t, price, ret, med, mad, n::DOUBLE AS n FROM w2 ORDER BY t, price`,
    [venue, market, source, tsParam(fromUs), tsParam(toUs)],
  )
  return {
    ts: f64(r.col('t')),
    price: f64(r.col('price')),
    ret: f64(r.col('ret')),
    retMedian: f64(r.col('med')),
    retMad: f64(r.col('mad')),
    baselineCount: f64(r.col('n')),
  }
}

export interface FlowsNear {
  /** Index of the center (update) each row belongs to. */
  center: Int32Array
  account: string[]
  /** Net signed base and signed quote of the account's fills in [c − before, c) and in [c, c + after). */
  beforeBase: Float64Array
  beforeQuote: Float64Array
  afterBase: Float64Array
  afterQuote: Float64Array
}

/**
 * Per center c and account that took liquidity in [c − beforeUs, c): its net signed base and quote of those taker
 * fills (and of fills whose side of the book is not recorded), and of all its fills in [c, c + afterUs) — aggregated
 * in DuckDB, so a busy market does not ship every fill to JS. A maker fill is an opening someone else timed: the pool
 * or market maker on the other side of a front-runner's trade chose neither its moment nor its direction.
 */
export async function readFlowsNear(
  store: DuckStore,
  venue: string,
  market: string,
  centersUs: number[],
  beforeUs: number,
  afterUs: number,
): Promise<FlowsNear> {
  const rounded = centersUs.map((c) => Math.round(c))
  const r = await queryColumns(
    store,
    `WITH c AS (SELECT i - 1 AS i, make_timestamp(t) AS t FROM (SELECT unnest($3::BIGINT[]) AS t,
                       generate_subscripts($3::BIGINT[], 1) AS i)),
          f AS (SELECT ts, account, side, qty, price, liquidity FROM fills
                 WHERE venue = $1 AND market = $2 AND ts >= $6 AND ts < $7),
          -- decimals converted after the joins: only fills near a center pay for it
          fb AS (SELECT c.i, f.account, CASE f.side WHEN 'buy' THEN 1 ELSE -1 END * f.qty::DOUBLE AS base,
                        f.price::DOUBLE AS price
                   FROM f JOIN c ON f.ts >= c.t - to_microseconds($4::BIGINT) AND f.ts < c.t
                  WHERE f.liquidity IS DISTINCT FROM 'maker'),
          b AS (SELECT i, account, sum(base) AS base, sum(base * price) AS quote FROM fb GROUP BY i, account),
          fa AS (SELECT c.i, f.account, CASE f.side WHEN 'buy' THEN 1 ELSE -1 END * f.qty::DOUBLE AS base,
                        f.price::DOUBLE AS price
                   FROM f JOIN c ON f.ts >= c.t AND f.ts < c.t + to_microseconds($5::BIGINT)
                  WHERE f.account IN (SELECT account FROM b)),
          a AS (SELECT i, account, sum(base) AS base, sum(base * price) AS quote FROM fa GROUP BY i, account)
     SELECT b.i::INTEGER AS i, b.account, b.base AS bb, b.quote AS bq, coalesce(a.base, 0) AS ab,
            coalesce(a.quote, 0) AS aq
       FROM b LEFT JOIN a USING (i, account) ORDER BY b.i, b.account`,
    [
      venue,
      market,
      listValue(rounded.map((c) => BigInt(c))),
      BigInt(beforeUs),
      BigInt(afterUs),
      // only fills near a center can count: the rest are not read (nor their decimals converted)
      tsParam(Math.min(...rounded) - beforeUs),
      tsParam(Math.max(...rounded) + afterUs),
    ],
  )
  return {
    center: Int32Array.from(r.col('i').map(Number)),
    account: r.col('account').map(String),
    beforeBase: f64(r.col('bb')),
    beforeQuote: f64(r.col('bq')),
    afterBase: f64(r.col('ab')),
    afterQuote: f64(r.col('aq')),
  }
}
