// A market's trades before a time in fixed buckets (close, quote volume, signed square-root flow, count): what the
// cost-of-attack search measures liquidity on. The same bucketing as the detectors' trade flow
// (src/store/detect/tradeFlow.ts), without their trailing window statistics.
import { DuckDBTimestampValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

export interface TradeBucketRows {
  /** Bucket start, µs. */
  ts: Float64Array
  /** Last trade price in the bucket. */
  close: Float64Array
  quote: Float64Array
  /** Σ sign · √(quote) of the bucket's trades (taker side; 0 for trades without a side). */
  signedSqrt: Float64Array
  trades: Float64Array
}

const tsParam = (us: number) => new DuckDBTimestampValue(BigInt(Math.round(us)))

/** Trades of one market in [fromUs, toUs), in buckets of `bucketUs`, oldest first (buckets without trades absent). */
export async function readTradeBucketRows(
  duck: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<TradeBucketRows> {
  if (!Number.isSafeInteger(bucketUs) || bucketUs <= 0)
    throw new Error(`bucket must be a positive µs count, got ${bucketUs}`)
  const rows = await duck.use(async (c) =>
    (
      await c.runAndReadAll(
        `WITH t AS (SELECT ts, price, price * qty AS quote,
                           CASE side WHEN 'buy' THEN 1 WHEN 'sell' THEN -1 ELSE 0 END AS sgn
                      FROM trades WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4)
         SELECT ((epoch_us(ts) // $5) * $5)::DOUBLE AS b, arg_max(price, (ts, price))::DOUBLE AS close,
                sum(quote)::DOUBLE AS quote, sum(sgn * sqrt(quote))::DOUBLE AS s, count(*)::DOUBLE AS n
           FROM t GROUP BY 1 ORDER BY 1`,
        [venue, market, tsParam(fromUs), tsParam(toUs), BigInt(bucketUs)],
      )
    ).getRowObjectsJS(),
  )
  const col = (name: string) => Float64Array.from(rows, (r) => Number(r[name]))
  return { ts: col('b'), close: col('close'), quote: col('quote'), signedSqrt: col('s'), trades: col('n') }
}

/** Markets of a venue named `market@<source>` (a reference venue's own market for `market`) with trades in the range. */
export async function readReferenceMarkets(
  duck: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<string[]> {
  const rows = await duck.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT DISTINCT market FROM trades WHERE venue = $1 AND starts_with(market, $2) AND ts >= $3 AND ts < $4
          ORDER BY market`,
        [venue, `${market}@`, tsParam(fromUs), tsParam(toUs)],
      )
    ).getRowObjectsJS(),
  )
  return rows.map((r) => String(r.market))
}
