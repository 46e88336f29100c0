// Open interest and traded volume per bucket for the OI-concentration detector.
import type { DuckStore } from '../duck/open.ts'
import { sqlInt } from './priceSeries.ts'
import { f64, queryColumns, tsParam } from './read.ts'

export interface OiBuckets {
  ts: Float64Array
  /** Last reported OI in the bucket: quote when published, else NaN. */
  oiQuote: Float64Array
  oiBase: Float64Array
}

export async function readOpenInterest(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<OiBuckets> {
  const B = sqlInt(bucketUs, 'bucket')
  const r = await queryColumns(
    store,
    `SELECT ((epoch_us(ts) // ${B}) * ${B})::DOUBLE AS b, arg_max(oi_quote, (ts, oi_quote)) AS q,
            arg_max(oi_base, (ts, oi_base)) AS base
       FROM open_interest WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY 1 ORDER BY 1`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return { ts: f64(r.col('b')), oiQuote: f64(r.col('q')), oiBase: f64(r.col('base')) }
}

/** Quote volume and last price per bucket (bucket starts ascending). */
export interface VolumeBuckets {
  ts: Float64Array
  quote: Float64Array
  close: Float64Array
}

/**
 * Quote volume per bucket from trades, or — for markets without trades — from one bars series (the finest
 * interval, trade-derived before klines, so nothing is counted twice).
 */
export async function readVolume(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<VolumeBuckets> {
  // trades first; the bars are scanned only for a market without trades in the window
  const r = await readTradeVolume(store, venue, market, fromUs, toUs, bucketUs)
  return r.ts.length ? r : readBarVolume(store, venue, market, fromUs, toUs, bucketUs)
}

/** Quote volume and last price per bucket of the trades in [fromUs, toUs) (no rows: no trades). */
export async function readTradeVolume(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<VolumeBuckets> {
  const B = sqlInt(bucketUs, 'bucket')
  const r = await queryColumns(
    store,
    `SELECT b::DOUBLE AS b, quote, close FROM (
       SELECT (epoch_us(ts) // ${B}) * ${B} AS b, sum(price * qty) AS quote, arg_max(price, (ts, price)) AS close
         FROM trades WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY 1) ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return { ts: f64(r.col('b')), quote: f64(r.col('quote')), close: f64(r.col('close')) }
}

/** Quote volume and close per bucket of one bars series in [fromUs, toUs) (readVolume's fallback). */
export async function readBarVolume(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<VolumeBuckets> {
  const B = sqlInt(bucketUs, 'bucket')
  const r = await queryColumns(
    store,
    `WITH series AS (SELECT interval_s, source FROM bars WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4
                      GROUP BY interval_s, source ORDER BY interval_s, source = 'trades' DESC, source LIMIT 1)
     SELECT b::DOUBLE AS b, quote, close FROM (
       SELECT (epoch_us(ts) // ${B}) * ${B} AS b, sum(quote_volume) AS quote, arg_max(close, (ts, close)) AS close
         FROM bars JOIN series USING (interval_s, source)
        WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY 1) ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return { ts: f64(r.col('b')), quote: f64(r.col('quote')), close: f64(r.col('close')) }
}
