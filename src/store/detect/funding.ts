// Funding settlements, taker flow and premium per bucket, for the funding-manipulation detector.
import type { DuckStore } from '../duck/open.ts'
import { sqlInt } from './priceSeries.ts'
import { f64, queryColumns, queryRows, tsParam } from './read.ts'

export interface FundingRows {
  ts: Float64Array
  rate: Float64Array
  intervalH: Float64Array
  /** The price the payment used where the source gives it, else NaN. */
  markPrice: Float64Array
}

export async function readFunding(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<FundingRows> {
  const r = await queryColumns(
    store,
    `SELECT epoch_us(ts)::DOUBLE AS t, rate, interval_h::DOUBLE AS h, mark_price AS mark FROM funding
      WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 ORDER BY ts, rate`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return {
    ts: f64(r.col('t')),
    rate: f64(r.col('rate')),
    intervalH: f64(r.col('h')),
    markPrice: f64(r.col('mark')),
  }
}

export interface FlowBuckets {
  ts: Float64Array
  /** Σ sign·price·qty of taker trades (NaN where no trade has a side). */
  net: Float64Array
  gross: Float64Array
  /** Mean premium (prices kind 'premium') in the bucket, NaN without one. */
  premium: Float64Array
}

/** Taker flow and premium per bucket over [fromUs, toUs), on one grid (buckets with either). */
export async function readFlowBuckets(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<FlowBuckets> {
  const B = sqlInt(bucketUs, 'bucket')
  const r = await queryColumns(
    store,
    `WITH t AS (SELECT (epoch_us(ts) // ${B}) * ${B} AS b,
                       sum(CASE side WHEN 'buy' THEN price * qty WHEN 'sell' THEN -price * qty END) AS net,
                       sum(price * qty) AS gross
                  FROM trades WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY 1),
          p AS (SELECT (epoch_us(ts) // ${B}) * ${B} AS b, avg(price) AS premium
                  FROM prices WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND kind = 'premium'
                 GROUP BY 1)
     SELECT b::DOUBLE AS b, t.net, coalesce(t.gross, 0) AS gross, p.premium
       FROM t FULL OUTER JOIN p USING (b) ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return { ts: f64(r.col('b')), net: f64(r.col('net')), gross: f64(r.col('gross')), premium: f64(r.col('premium')) }
}

/** Markets of a venue named `market@<source>` with funding rows: other sources' funding for the same asset. */
export async function fundingPeers(store: DuckStore, venue: string, market: string): Promise<string[]> {
  const rows = await queryRows(
    store,
    `SELECT DISTINCT market FROM funding WHERE venue = $1 AND starts_with(market, $2) ORDER BY market`,
    [venue, `${market}@`],
  )
  return rows.map((r) => String(r.market))
}
