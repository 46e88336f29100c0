// A market as one row per time bucket, computed in DuckDB: OHLCV and VWAP from the finest bars held, the mark /
// index / oracle / last prices side by side (each the last value in the bucket), funding, open interest and the
// liquidations the venue reported. Every bucket of the range is a row; columns without data are null.
import { NotFoundError } from '../../errors.ts'
import type { DuckStore } from '../duck/open.ts'
import { readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { Params } from '../query/duckList.ts'
import { bucketSql, type BucketRange } from './buckets.ts'

export interface MarketBucketRow {
  bucket: Date
  open: number | null
  high: number | null
  low: number | null
  close: number | null
  volume: number | null
  quoteVolume: number | null
  trades: number | null
  vwap: number | null
  barSeconds: number | null
  mark: number | null
  index: number | null
  oracle: number | null
  last: number | null
  fundingRate: number | null
  fundingSettlements: number
  openInterest: number | null
  openInterestQuote: number | null
  liquidations: number
  liquidatedQty: string | null
  liquidatedQtyApprox: number | null
  liquidatedNotionalApprox: number | null
}

/** The columns the series query returns (checked against the result before rows are read). */
const MARKET_BUCKET_COLUMNS: ColumnsOf<MarketBucketRow> = {
  bucket: 'timestamp',
  open: 'double?',
  high: 'double?',
  low: 'double?',
  close: 'double?',
  volume: 'double?',
  quoteVolume: 'double?',
  trades: 'double?',
  vwap: 'double?',
  barSeconds: 'int?',
  mark: 'double?',
  index: 'double?',
  oracle: 'double?',
  last: 'double?',
  fundingRate: 'double?',
  fundingSettlements: 'int',
  openInterest: 'double?',
  openInterestQuote: 'double?',
  liquidations: 'int',
  liquidatedQty: 'text?',
  liquidatedQtyApprox: 'double?',
  liquidatedNotionalApprox: 'double?',
}

export interface MarketSeriesQuery {
  venue: string
  market: string
  range: BucketRange
  /** Only this source's oracle prices (e.g. pyth or chainlink); all sources when null. */
  oracleSource: string | null
}

export async function readMarketSeries(duck: DuckStore, q: MarketSeriesQuery): Promise<MarketBucketRow[]> {
  const b = bucketSql(q.range)
  const p = new Params()
  const venue = p.add(q.venue)
  const market = p.add(q.market)
  const from = `CAST(${p.add(b.fromText)} AS TIMESTAMP)`
  const to = `CAST(${p.add(b.toText)} AS TIMESTAMP)`
  const oracleSource = `CAST(${p.add(q.oracleSource)} AS VARCHAR)`
  const buckets = b.buckets(p.add(b.startMicros), p.add(q.range.count))
  const scope = `venue = ${venue} AND market = ${market} AND ts >= ${from} AND ts < ${to}`
  const sql = `
    WITH buckets AS (${buckets}),
    pick AS (
      SELECT interval_s, source FROM bars WHERE ${scope}
       GROUP BY interval_s, source ORDER BY interval_s, source <> 'trades', source LIMIT 1),
    bar AS (
      SELECT ${b.bucketOf('ts')} AS bucket, arg_min(open, ts) AS open, max(high) AS high, min(low) AS low,
             arg_max(close, ts) AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume,
             sum(trades)::DOUBLE AS trades, any_value(interval_s) AS bar_seconds
        FROM bars WHERE ${scope} AND interval_s = (SELECT interval_s FROM pick) AND source = (SELECT source FROM pick)
       GROUP BY 1),
    px AS (
      SELECT ${b.bucketOf('ts')} AS bucket,
             arg_max(price, ts) FILTER (WHERE kind = 'mark') AS mark,
             arg_max(price, ts) FILTER (WHERE kind = 'index') AS "index",
             arg_max(price, ts) FILTER (WHERE kind = 'oracle' AND (${oracleSource} IS NULL OR source = ${oracleSource})) AS oracle,
             arg_max(price, ts) FILTER (WHERE kind = 'last') AS last
        FROM prices WHERE ${scope} AND kind IN ('mark', 'index', 'oracle', 'last')
       GROUP BY 1),
    fu AS (
      SELECT ${b.bucketOf('ts')} AS bucket, arg_max(rate, ts) AS rate, count(*)::INTEGER AS n
        FROM funding WHERE ${scope} GROUP BY 1),
    oi AS (
      SELECT ${b.bucketOf('ts')} AS bucket, arg_max(oi_base, ts) AS base, arg_max(oi_quote, ts) AS quote
        FROM open_interest WHERE ${scope} GROUP BY 1),
    lq AS (
      SELECT ${b.bucketOf('ts')} AS bucket, count(*)::INTEGER AS n, sum(qty) AS qty,
             sum(price::DOUBLE * qty::DOUBLE) AS notional
        FROM liquidations WHERE ${scope} AND kind = 'liquidation' GROUP BY 1)
    SELECT buckets.bucket, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.quote_volume AS "quoteVolume",
           bar.trades, bar.quote_volume / nullif(bar.volume, 0) AS vwap, bar.bar_seconds AS "barSeconds",
           px.mark, px."index", px.oracle, px.last, fu.rate AS "fundingRate",
           coalesce(fu.n, 0) AS "fundingSettlements", oi.base AS "openInterest", oi.quote AS "openInterestQuote",
           coalesce(lq.n, 0) AS liquidations, lq.qty::VARCHAR AS "liquidatedQty",
           lq.qty::DOUBLE AS "liquidatedQtyApprox", lq.notional AS "liquidatedNotionalApprox"
      FROM buckets
      LEFT JOIN bar USING (bucket) LEFT JOIN px USING (bucket) LEFT JOIN fu USING (bucket)
      LEFT JOIN oi USING (bucket) LEFT JOIN lq USING (bucket)
     ORDER BY buckets.bucket`
  return duck.use(async (c) => {
    const known = await c.runAndReadAll(
      `SELECT EXISTS (SELECT 1 FROM partitions WHERE venue = $1 AND market = $2)
           OR EXISTS (SELECT 1 FROM bars WHERE venue = $1 AND market = $2)
           OR EXISTS (SELECT 1 FROM prices WHERE venue = $1 AND market = $2) AS known`,
      [q.venue, q.market],
    )
    if (!known.getRowObjectsJS()[0]!.known)
      throw new NotFoundError(`no data for market ${q.market} on venue ${q.venue}`, {
        venue: q.venue,
        market: q.market,
      })
    return readRows<MarketBucketRow>(
      await c.runAndReadAll(sql, p.values as never),
      MARKET_BUCKET_COLUMNS,
      'market series',
    )
  })
}
