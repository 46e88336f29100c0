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

/** Consecutive oracle prints of one source with their returns and trailing robust baseline over `baselineUs`. */
export async function readOracleUpdates(
  store: DuckStore,
  venue: string,
  market: string,
  source: string,
  fromUs: number,
  toUs: number,
  baselineUs: number,
): Promise<OracleUpdates> {
  const frame = `ORDER BY t RANGE BETWEEN ${sqlInt(baselineUs, 'baseline')} PRECEDING AND 1 PRECEDING`
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

export interface FillsNear {
  /** Index of the center (update) each row belongs to. */
  center: Int32Array
  ts: Float64Array
  account: string[]
  side: Int8Array
  price: Float64Array
  qty: Float64Array
  tradeId: Array<string | null>
}

/** Fills of a market in [c − beforeUs, c + afterUs) of each center c (a fill near two centers appears twice). */
export async function readFillsNear(
  store: DuckStore,
  venue: string,
  market: string,
  centersUs: number[],
  beforeUs: number,
  afterUs: number,
): Promise<FillsNear> {
  const r = await queryColumns(
    store,
    `WITH c AS (SELECT i - 1 AS i, make_timestamp(t) AS t FROM (SELECT unnest($3::BIGINT[]) AS t,
                       generate_subscripts($3::BIGINT[], 1) AS i))
     SELECT c.i::INTEGER AS i, epoch_us(f.ts)::DOUBLE AS ts, f.account, CASE f.side WHEN 'buy' THEN 1 ELSE -1 END AS s,
            f.price::DOUBLE AS price, f.qty::DOUBLE AS qty, f.trade_id
       FROM fills f JOIN c ON f.ts >= c.t - to_microseconds($4::BIGINT) AND f.ts < c.t + to_microseconds($5::BIGINT)
      WHERE f.venue = $1 AND f.market = $2
      ORDER BY c.i, f.ts, f.account, f.trade_id, f.side`,
    [venue, market, listValue(centersUs.map((c) => BigInt(Math.round(c)))), BigInt(beforeUs), BigInt(afterUs)],
  )
  return {
    center: Int32Array.from(r.col('i').map(Number)),
    ts: f64(r.col('ts')),
    account: r.col('account').map(String),
    side: Int8Array.from(r.col('s').map(Number)),
    price: f64(r.col('price')),
    qty: f64(r.col('qty')),
    tradeId: r.col('trade_id').map((x) => (x === null ? null : String(x))),
  }
}
