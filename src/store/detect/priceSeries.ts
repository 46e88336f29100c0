// Price series of one market for the detectors: which series exist (prices by kind and source, bars by interval
// and source), each bucketed to a fixed step, and a series' deviation from the median of the others with its
// trailing robust baseline — all computed in DuckDB.
import { listValue, type DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { f64, num, queryColumns, queryRows, tsParam } from './read.ts'

export type SeriesKey =
  { table: 'prices'; kind: string; source: string } | { table: 'bars'; intervalS: number; source: string }

export interface SeriesInfo {
  key: SeriesKey
  /** e.g. "prices mark/hyperliquid" or "bars 60s/klines". */
  label: string
  rows: number
  firstUs: number
  lastUs: number
}

export const seriesLabel = (k: SeriesKey) =>
  k.table === 'prices' ? `prices ${k.kind}/${k.source}` : `bars ${k.intervalS}s/${k.source}`

/** Integers spliced into SQL text (bucket sizes, window lengths) must be plain safe integers. */
export function sqlInt(n: number, what: string): string {
  if (!Number.isSafeInteger(n)) throw new Error(`${what} must be a safe integer, got ${n}`)
  return String(n)
}

/** Every price series of a market with rows in [fromUs, toUs): prices by (kind, source), bars by (interval, source). */
export async function listPriceSeries(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<SeriesInfo[]> {
  const rows = await queryRows(
    store,
    `SELECT 'prices' AS t, kind, source, NULL::INTEGER AS interval_s, count(*)::DOUBLE AS n,
            min(epoch_us(ts))::DOUBLE AS lo, max(epoch_us(ts))::DOUBLE AS hi
       FROM prices WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY kind, source
     UNION ALL
     SELECT 'bars', NULL, source, interval_s, count(*)::DOUBLE, min(epoch_us(ts))::DOUBLE, max(epoch_us(ts))::DOUBLE
       FROM bars WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 GROUP BY source, interval_s
     ORDER BY t, kind, source, interval_s`,
    [venue, market, tsParam(fromUs), tsParam(toUs)],
  )
  return rows.map((r) => {
    const key: SeriesKey =
      r.t === 'prices'
        ? { table: 'prices', kind: String(r.kind), source: String(r.source) }
        : { table: 'bars', intervalS: num(r.interval_s), source: String(r.source) }
    return { key, label: seriesLabel(key), rows: num(r.n), firstUs: num(r.lo), lastUs: num(r.hi) }
  })
}

/**
 * SQL of one series bucketed to `bucketUs` over [$3, $4) of venue $1 / market $2: columns b (bucket start, µs),
 * close (last value), high, low, quote (quote volume, bars only). Kind/source/interval are bound as $p, $p+1.
 */
function bucketSql(key: SeriesKey, bucketUs: number, p: number): { sql: string; values: DuckDBValue[] } {
  const b = `(epoch_us(ts) // ${sqlInt(bucketUs, 'bucket')}) * ${sqlInt(bucketUs, 'bucket')}`
  if (key.table === 'prices') {
    return {
      sql: `SELECT ${b} AS b, arg_max(price, (ts, price)) AS close, max(coalesce(high, price)) AS high,
                   min(coalesce(low, price)) AS low, NULL::DOUBLE AS quote
              FROM prices WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4
               AND kind = $${p} AND source = $${p + 1} GROUP BY 1`,
      values: [key.kind, key.source],
    }
  }
  return {
    sql: `SELECT ${b} AS b, arg_max(close, (ts, close)) AS close, max(high) AS high, min(low) AS low,
                 sum(quote_volume) AS quote
            FROM bars WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4
             AND interval_s = $${p} AND source = $${p + 1} GROUP BY 1`,
    values: [key.intervalS, key.source],
  }
}

export interface BucketSeries {
  /** Bucket start, µs. */
  ts: Float64Array
  close: Float64Array
  high: Float64Array
  low: Float64Array
  /** Quote volume per bucket (bars; NaN for prices). */
  quote: Float64Array
}

/** One series bucketed to `bucketUs` over [fromUs, toUs), in time order. */
export async function readBucketSeries(
  store: DuckStore,
  venue: string,
  market: string,
  key: SeriesKey,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<BucketSeries> {
  const q = bucketSql(key, bucketUs, 5)
  const r = await queryColumns(store, `SELECT b::DOUBLE AS b, close, high, low, quote FROM (${q.sql}) ORDER BY b`, [
    venue,
    market,
    tsParam(fromUs),
    tsParam(toUs),
    ...q.values,
  ])
  return {
    ts: f64(r.col('b')),
    close: f64(r.col('close')),
    high: f64(r.col('high')),
    low: f64(r.col('low')),
    quote: f64(r.col('quote')),
  }
}

/**
 * The value of one series in force at each of `times` (µs): the last price at or before t, or the close of the last bar
 * that had ended by t — at the resolution the series was stored at, not a bucket's (a minute close can be a minute
 * stale while the price runs). Only rows in [fromUs, toUs) are read; a time with none before it is left out. Equal
 * timestamps resolve to the highest value, as the bucketed series do.
 */
export async function readSeriesAt(
  store: DuckStore,
  venue: string,
  market: string,
  key: SeriesKey,
  times: readonly number[],
  fromUs: number,
  toUs: number,
): Promise<Map<number, { price: number; atUs: number }>> {
  const out = new Map<number, { price: number; atUs: number }>()
  if (!times.length) return out
  const known =
    key.table === 'prices'
      ? `SELECT epoch_us(ts) AS us, max(price) AS v FROM prices
          WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND kind = $5 AND source = $6 GROUP BY 1`
      : `SELECT epoch_us(ts) + interval_s::BIGINT * 1000000 AS us, max(close) AS v FROM bars
          WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND interval_s = $5 AND source = $6 GROUP BY 1`
  const rows = await queryRows(
    store,
    `WITH q AS (SELECT DISTINCT unnest($7::BIGINT[]) AS t), k AS (${known})
     SELECT q.t::DOUBLE AS t, k.v::DOUBLE AS v, k.us::DOUBLE AS us FROM q ASOF JOIN k ON q.t >= k.us ORDER BY q.t`,
    [
      venue,
      market,
      tsParam(fromUs),
      tsParam(toUs),
      key.table === 'prices' ? key.kind : key.intervalS,
      key.source,
      listValue(times.map((t) => BigInt(Math.round(t)))),
    ],
  )
  for (const r of rows) out.set(num(r.t), { price: num(r.v), atUs: num(r.us) })
  return out
}

export interface DeviationSeries {
  ts: Float64Array
  subject: Float64Array
  /** Median of the reference series (each carried forward at most `staleUs`); NaN without a reference. */
  reference: Float64Array
  references: Float64Array
  /** |subject − reference| / reference. */
  deviation: Float64Array
  /** Trailing median of the deviation over the baseline window (excluding the bucket itself). */
  baselineMedian: Float64Array
  /** Trailing median of |deviation − its trailing median| (a rolling MAD, unscaled). */
  baselineMad: Float64Array
  baselineCount: Float64Array
}

/**
 * The subject series against the median of the reference series, bucket by bucket, with the deviation's trailing
 * robust baseline over `baselineUs` (DuckDB window quantiles; the MAD is the rolling median of absolute deviations
 * from the rolling median, since DuckDB's windowed mad() recomputes per row and is far slower).
 */
export async function readDeviationSeries(
  store: DuckStore,
  o: {
    venue: string
    market: string
    subject: SeriesKey
    references: SeriesKey[]
    fromUs: number
    toUs: number
    bucketUs: number
    baselineUs: number
    staleUs: number
  },
): Promise<DeviationSeries> {
  const values: DuckDBValue[] = [o.venue, o.market, tsParam(o.fromUs), tsParam(o.toUs)]
  const parts: string[] = []
  for (const [k, key] of [o.subject, ...o.references].entries()) {
    const q = bucketSql(key, o.bucketUs, values.length + 1)
    values.push(...q.values)
    parts.push(`SELECT ${k} AS k, b, close FROM (${q.sql})`)
  }
  const frame = `ORDER BY b RANGE BETWEEN ${sqlInt(o.baselineUs, 'baseline')} PRECEDING AND 1 PRECEDING`
  const refs = o.references.length
    ? `refs AS (SELECT k, b, close FROM s WHERE k > 0),
       keys AS (SELECT DISTINCT k FROM refs),
       grid AS (SELECT subj.b, keys.k FROM subj CROSS JOIN keys),
       filled AS (SELECT g.b, r.close, g.b - r.b AS age FROM grid g ASOF JOIN refs r ON g.k = r.k AND g.b >= r.b),
       ref AS (SELECT b, median(close) AS ref, count(*) AS n FROM filled
                WHERE age <= ${sqlInt(o.staleUs, 'staleness')} GROUP BY b)`
    : `ref AS (SELECT NULL::BIGINT AS b, NULL::DOUBLE AS ref, 0 AS n WHERE false)`
  const r = await queryColumns(
    store,
    `WITH s AS (${parts.join(' UNION ALL ')}),
          subj AS (SELECT b, close FROM s WHERE k = 0),
          ${refs},
          d AS (SELECT subj.b, subj.close AS subject, ref.ref, coalesce(ref.n, 0) AS n,
                       abs(subj.close - ref.ref) / ref.ref AS dev
                  FROM subj LEFT JOIN ref USING (b)),
          w1 AS (SELECT *, quantile_cont(dev, 0.5) OVER w AS med, count(dev) OVER w AS nbase FROM d WINDOW w AS (${frame})),
          w2 AS (SELECT *, quantile_cont(abs(dev - med), 0.5) OVER w AS mad FROM w1 WINDOW w AS (${frame}))
     SELECT b::DOUBLE AS b, subject, ref, n::DOUBLE AS n, dev, med, mad, nbase::DOUBLE AS nbase FROM w2 ORDER BY b`,
    values,
  )
  return {
    ts: f64(r.col('b')),
    subject: f64(r.col('subject')),
    reference: f64(r.col('ref')),
    references: f64(r.col('n')),
    deviation: f64(r.col('dev')),
    baselineMedian: f64(r.col('med')),
    baselineMad: f64(r.col('mad')),
    baselineCount: f64(r.col('nbase')),
  }
}

export interface ReturnSeries extends BucketSeries {
  /** ln(close / previous close). */
  ret: Float64Array
  /** Trailing median and raw MAD of the returns over the baseline window (the bucket itself excluded). */
  retMedian: Float64Array
  retMad: Float64Array
  /** Trailing median and raw MAD of ln(quote volume). */
  volMedian: Float64Array
  volMad: Float64Array
  baselineCount: Float64Array
  /**
   * With `updates`: the trailing median and raw MAD of the non-zero returns only, and how many of the baseline's
   * returns were non-zero (a push oracle's buckets are mostly unchanged: its scale is that of its updates).
   */
  updateMedian?: Float64Array
  updateMad?: Float64Array
  updateCount?: Float64Array
}

/**
 * A series' bucket returns with their trailing robust baselines (DuckDB windows over `baselineUs`); `updates` adds the
 * baselines of the non-zero returns (two more window quantiles, so only for the readers that use them).
 */
export async function readReturnSeries(
  store: DuckStore,
  venue: string,
  market: string,
  key: SeriesKey,
  fromUs: number,
  toUs: number,
  bucketUs: number,
  baselineUs: number,
  options: { updates?: boolean } = {},
): Promise<ReturnSeries> {
  const q = bucketSql(key, bucketUs, 5)
  const frame = `ORDER BY b RANGE BETWEEN ${sqlInt(baselineUs, 'baseline')} PRECEDING AND 1 PRECEDING`
  const u = options.updates === true
  const r = await queryColumns(
    store,
    `WITH s AS (${q.sql}),
          r AS (SELECT *, ln(close / lag(close) OVER (ORDER BY b)) AS ret, ln(nullif(quote, 0)) AS lq FROM s),
          w1 AS (SELECT *, quantile_cont(ret, 0.5) OVER w AS rmed, quantile_cont(lq, 0.5) OVER w AS qmed,
                        count(ret) OVER w AS nbase
                        ${u ? ', quantile_cont(nullif(ret, 0), 0.5) OVER w AS umed, count(nullif(ret, 0)) OVER w AS nupd' : ''}
                   FROM r WINDOW w AS (${frame})),
          w2 AS (SELECT *, quantile_cont(abs(ret - rmed), 0.5) OVER w AS rmad,
                        quantile_cont(abs(lq - qmed), 0.5) OVER w AS qmad
                        ${u ? ', quantile_cont(abs(nullif(ret, 0) - umed), 0.5) OVER w AS umad' : ''}
                   FROM w1 WINDOW w AS (${frame}))
     SELECT b::DOUBLE AS b, close, high, low, quote, ret, rmed, rmad, qmed, qmad, nbase::DOUBLE AS nbase
            ${u ? ', umed, umad, nupd::DOUBLE AS nupd' : ''}
       FROM w2 ORDER BY b`,
    [venue, market, tsParam(fromUs), tsParam(toUs), ...q.values],
  )
  const updates = u
    ? { updateMedian: f64(r.col('umed')), updateMad: f64(r.col('umad')), updateCount: f64(r.col('nupd')) }
    : {}
  return {
    ...updates,
    ts: f64(r.col('b')),
    close: f64(r.col('close')),
    high: f64(r.col('high')),
    low: f64(r.col('low')),
    quote: f64(r.col('quote')),
    ret: f64(r.col('ret')),
    retMedian: f64(r.col('rmed')),
    retMad: f64(r.col('rmad')),
    volMedian: f64(r.col('qmed')),
    volMad: f64(r.col('qmad')),
    baselineCount: f64(r.col('nbase')),
  }
}
