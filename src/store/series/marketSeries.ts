// A market as one row per time bucket, computed in DuckDB: OHLCV and VWAP from the finest bars held, the mark /
// index / oracle / last prices side by side (each the last value in the bucket), funding, open interest and the
// liquidations the venue reported. Every bucket of the range is a row; columns without data are null. At MINUTE or
// coarser, bars and prices come from the rollups (DDL 0450, 0451): per hour for the whole hours of an HOUR or DAY
// range, per minute for the whole minutes around them, and raw rows rolled up the same way for the partial minutes
// at the edges: the same answers from 60 to 3600× fewer rows.
import { NotFoundError } from '../../errors.ts'
import type { DuckStore } from '../duck/open.ts'
import { readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { Params, timestampText } from '../query/duckList.ts'
import { bucketSql, type BucketRange } from './buckets.ts'
import { barMinutesFromBars, priceMinutesFromPrices } from './minuteRollups.ts'

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

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000

/** Where one stretch of a range is read from: raw rows (rolled up per minute as read), or a rollup table. */
interface Piece {
  level: 'raw' | 'minute' | 'hour'
  from: Date
  to: Date
}

/**
 * A range cut into the stretches each level serves: whole hours from the hour rollups (HOUR or coarser), the whole
 * minutes around them from the minute rollups, the partial minutes at the edges raw. Null when the buckets are not
 * whole minutes or the range holds no whole minute (then everything is read raw).
 */
function rollupPieces(range: BucketRange): Piece[] | null {
  if (range.seconds % 60 !== 0) return null
  const up = (ms: number, step: number) => Math.ceil(ms / step) * step
  const down = (ms: number, step: number) => Math.floor(ms / step) * step
  const a = range.from.getTime()
  const z = range.to.getTime()
  const b = up(a, MINUTE_MS)
  const y = down(z, MINUTE_MS)
  if (b >= y) return null
  const cuts: Array<[Piece['level'], number, number]> = []
  const c = up(a, HOUR_MS)
  const x = down(z, HOUR_MS)
  if (range.seconds % 3600 === 0 && c < x)
    cuts.push(['raw', a, b], ['minute', b, c], ['hour', c, x], ['minute', x, y], ['raw', y, z])
  else cuts.push(['raw', a, b], ['minute', b, y], ['raw', y, z])
  return cuts
    .filter(([, from, to]) => from < to)
    .map(([level, from, to]) => ({ level, from: new Date(from), to: new Date(to) }))
}

/** Rows to aggregate into buckets: where they come from, their time column and, for bars, the open / close times. */
interface BucketedRows {
  from: string
  /** Raw rows are scanned where read (each scan filtered by its zone maps); unions of rollup stretches are built once. */
  inline?: boolean
  t: string
  openTs?: string
  closeTs?: string
}

/**
 * `options.rollups: false` reads the raw bars and prices at every granularity: the answer the rollups must equal
 * (the store tests compare both).
 */
export async function readMarketSeries(
  duck: DuckStore,
  q: MarketSeriesQuery,
  options: { rollups: boolean } = { rollups: true },
): Promise<MarketBucketRow[]> {
  const b = bucketSql(q.range)
  const p = new Params()
  const venue = p.add(q.venue)
  const market = p.add(q.market)
  const from = `CAST(${p.add(b.fromText)} AS TIMESTAMP)`
  const to = `CAST(${p.add(b.toText)} AS TIMESTAMP)`
  const oracleSource = `CAST(${p.add(q.oracleSource)} AS VARCHAR)`
  const buckets = b.buckets(p.add(b.startMicros), p.add(q.range.count))
  const scope = `venue = ${venue} AND market = ${market} AND ts >= ${from} AND ts < ${to}`
  const pieces = options.rollups ? rollupPieces(q.range) : null
  let bars: BucketedRows
  let prices: BucketedRows
  if (!pieces) {
    bars = { from: `bars WHERE ${scope}`, inline: true, t: 'ts', openTs: 'ts', closeTs: 'ts' }
    prices = { from: `prices WHERE ${scope} AND kind IN ('mark', 'index', 'oracle', 'last')`, t: 'ts' }
  } else {
    // Each stretch from its level, as rows of the same shape keyed by their minute or hour `t` (a raw stretch is a
    // plain ts range, so DuckDB skips row groups by their zone maps), then re-aggregated into the buckets.
    const barColumns = `interval_s, source, open_ts, open, high, low, close_ts, close, volume, quote_volume, trades`
    const priceColumns = `kind, source, ts, price`
    const ofMarket = `venue = ${venue} AND market = ${market}`
    const barParts: string[] = []
    const priceParts: string[] = []
    for (const piece of pieces) {
      const lo = `CAST(${p.add(timestampText(piece.from))} AS TIMESTAMP)`
      const hi = `CAST(${p.add(timestampText(piece.to))} AS TIMESTAMP)`
      if (piece.level === 'raw') {
        const where = `${ofMarket} AND ts >= ${lo} AND ts < ${hi}`
        barParts.push(`SELECT minute AS t, ${barColumns} FROM (${barMinutesFromBars(where)})`)
        priceParts.push(`SELECT minute AS t, ${priceColumns} FROM (${priceMinutesFromPrices(where)})`)
      } else {
        const t = piece.level
        const where = `${ofMarket} AND ${t} >= ${lo} AND ${t} < ${hi}`
        barParts.push(`SELECT ${t} AS t, ${barColumns} FROM bar_${t}s WHERE ${where}`)
        priceParts.push(`SELECT ${t} AS t, ${priceColumns} FROM price_${t}s WHERE ${where}`)
      }
    }
    bars = { from: `(${barParts.join('\n      UNION ALL ')})`, t: 't', openTs: 'open_ts', closeTs: 'close_ts' }
    prices = { from: `(${priceParts.join('\n      UNION ALL ')})`, t: 't' }
  }
  // one aggregation into buckets whichever rows feed it: raw rows, or rollup rows keyed by their minute or hour
  const barsAndPrices = `
    bar_rows AS ${bars.inline ? 'NOT MATERIALIZED ' : ''}(SELECT * FROM ${bars.from}),
    pick AS (
      SELECT interval_s, source FROM bar_rows
       GROUP BY interval_s, source ORDER BY interval_s, source <> 'trades', source LIMIT 1),
    bar AS (
      SELECT ${b.bucketOf(bars.t)} AS bucket, arg_min(open, ${bars.openTs}) AS open, max(high) AS high,
             min(low) AS low, arg_max(close, ${bars.closeTs}) AS close, sum(volume) AS volume,
             sum(quote_volume) AS quote_volume, sum(trades)::DOUBLE AS trades, any_value(interval_s) AS bar_seconds
        FROM bar_rows WHERE interval_s = (SELECT interval_s FROM pick) AND source = (SELECT source FROM pick)
       GROUP BY 1),
    px AS (
      SELECT ${b.bucketOf(prices.t)} AS bucket,
             arg_max(price, ts) FILTER (WHERE kind = 'mark') AS mark,
             arg_max(price, ts) FILTER (WHERE kind = 'index') AS "index",
             arg_max(price, ts) FILTER (WHERE kind = 'oracle' AND (${oracleSource} IS NULL OR source = ${oracleSource})) AS oracle,
             arg_max(price, ts) FILTER (WHERE kind = 'last') AS last
        FROM ${prices.from}
       GROUP BY 1),`
  const sql = `
    WITH buckets AS (${buckets}),${barsAndPrices}
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
