// Liquidations for the cascade detector: notional per bucket on a gap-free grid with its trailing baseline (median,
// MAD, mean, max — DuckDB windows), and the individual events of a burst, from the venue's observed liquidations or
// from a backtest run's replayed ones.
import type { DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { sqlInt } from './priceSeries.ts'
import { f64, num, queryColumns, queryRows, str, tsParam } from './read.ts'

export type LiquidationSource =
  { kind: 'observed'; venue: string; market: string } | { kind: 'run'; runId: string; market: string }

/**
 * SQL of the source's events over [$3, $4): ts, notional (DOUBLE), side, account, qty, price, ref, kind, mark (the
 * market's price at the liquidation: an observed liquidation's own fill, a replayed one's trigger mark, since a
 * replayed fill price is the bankruptcy price for takeovers).
 */
function eventsSql(source: LiquidationSource): { sql: string; values: DuckDBValue[] } {
  if (source.kind === 'observed') {
    return {
      sql: `SELECT ts, price::DOUBLE * qty::DOUBLE AS notional, side, account, qty::DOUBLE AS qty, price::DOUBLE AS price,
                   coalesce(trade_id, '') AS ref, kind, price::DOUBLE AS mark
              FROM liquidations WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4`,
      values: [source.venue, source.market],
    }
  }
  return {
    sql: `SELECT ts, notional::DOUBLE AS notional, side, account, qty, fill_price AS price, CAST(seq AS VARCHAR) AS ref,
                 kind, trigger_mark AS mark
            FROM backtest_liquidations WHERE run_id = $1 AND market = $2 AND ts >= $3 AND ts < $4`,
    values: [source.runId, source.market],
  }
}

export interface LiquidationBuckets {
  ts: Float64Array
  notional: Float64Array
  count: Float64Array
  /** Trailing baseline over the window before each bucket (the bucket itself excluded). */
  median: Float64Array
  mad: Float64Array
  mean: Float64Array
  max: Float64Array
  baselineCount: Float64Array
  /** Liquidations in the baseline window. */
  baselineEvents: Float64Array
}

/**
 * Liquidated notional per bucket over [fromUs, toUs), zero-filled, with the trailing baseline over `baselineUs`. The
 * grid starts no earlier than the bucket of the source's first liquidation ever: before it the feed is not known to
 * exist (data loaded from a later date, a run's replay not started), so its zeros are not a quiet baseline.
 */
export async function readLiquidationBuckets(
  store: DuckStore,
  source: LiquidationSource,
  fromUs: number,
  toUs: number,
  bucketUs: number,
  baselineUs: number,
): Promise<LiquidationBuckets> {
  const e = eventsSql(source)
  const B = sqlInt(bucketUs, 'bucket')
  const frame = `ORDER BY b RANGE BETWEEN ${sqlInt(baselineUs, 'baseline')} PRECEDING AND 1 PRECEDING`
  const [first] = await queryRows(store, `SELECT epoch_us(min(ts))::DOUBLE AS t FROM (${e.sql})`, [
    ...e.values,
    tsParam(0),
    tsParam(toUs),
  ])
  const firstUs = first?.t === null || first?.t === undefined ? toUs : num(first.t)
  const gridFromUs = Math.floor(Math.max(fromUs, firstUs) / bucketUs) * bucketUs
  const r = await queryColumns(
    store,
    `WITH ev AS (SELECT (epoch_us(ts) // ${B}) * ${B} AS b, sum(notional) AS notional, count(*) AS n
                   FROM (${e.sql}) GROUP BY 1),
          grid AS (SELECT range AS b FROM range($5::BIGINT, $6::BIGINT, ${B})),
          g AS (SELECT grid.b, coalesce(ev.notional, 0) AS notional, coalesce(ev.n, 0) AS n
                  FROM grid LEFT JOIN ev USING (b)),
          w1 AS (SELECT *, quantile_cont(notional, 0.5) OVER w AS med, avg(notional) OVER w AS mean,
                        max(notional) OVER w AS mx, count(*) OVER w AS nbase, sum(n) OVER w AS ebase
                   FROM g WINDOW w AS (${frame})),
          w2 AS (SELECT *, quantile_cont(abs(notional - med), 0.5) OVER w AS mad FROM w1 WINDOW w AS (${frame}))
     SELECT b::DOUBLE AS b, notional, n::DOUBLE AS n, med, mad, mean, mx, nbase::DOUBLE AS nbase,
            coalesce(ebase, 0)::DOUBLE AS ebase FROM w2 ORDER BY b`,
    [...e.values.slice(0, 2), tsParam(fromUs), tsParam(toUs), BigInt(gridFromUs), BigInt(toUs)],
  )
  return {
    ts: f64(r.col('b')),
    notional: f64(r.col('notional')),
    count: f64(r.col('n')),
    median: f64(r.col('med')),
    mad: f64(r.col('mad')),
    mean: f64(r.col('mean')),
    max: f64(r.col('mx')),
    baselineCount: f64(r.col('nbase')),
    baselineEvents: f64(r.col('ebase')),
  }
}

/** Whether the venue has any observed liquidation (any market) in [fromUs, toUs). */
export async function venueHasLiquidations(store: DuckStore, venue: string, fromUs: number, toUs: number) {
  const [r] = await queryRows(
    store,
    `SELECT count(*)::DOUBLE AS n FROM (SELECT 1 FROM liquidations WHERE venue = $1 AND ts >= $2 AND ts < $3 LIMIT 1)`,
    [venue, tsParam(fromUs), tsParam(toUs)],
  )
  return num(r!.n) > 0
}

export interface LiquidationEvent {
  tsUs: number
  notional: number
  side: string
  account: string | null
  qty: number
  price: number
  ref: string
  kind: string
  /** The market's price at the liquidation (see eventsSql). */
  mark: number
}

/** The events of [fromUs, toUs) in time order (ties by ref). */
export async function readLiquidationEvents(
  store: DuckStore,
  source: LiquidationSource,
  fromUs: number,
  toUs: number,
): Promise<LiquidationEvent[]> {
  const e = eventsSql(source)
  const rows = await queryRows(
    store,
    `SELECT epoch_us(ts)::DOUBLE AS t, notional, side, account, qty, price, ref, kind, mark FROM (${e.sql})
      ORDER BY ts, ref`,
    [...e.values, tsParam(fromUs), tsParam(toUs)],
  )
  return rows.map((r) => ({
    tsUs: num(r.t),
    notional: num(r.notional),
    side: String(r.side),
    account: str(r.account),
    qty: num(r.qty),
    price: num(r.price),
    ref: String(r.ref),
    kind: String(r.kind),
    mark: num(r.mark),
  }))
}

/**
 * Forced fills that traded in a move's direction on the venue's own tape over [fromUs, toUs): observed liquidations
 * whose closing order went with the move (`direction` +1: shorts bought in, −1: longs sold out), with what they paid
 * beyond `p0` (Σ qty·max((price − p0)·direction, 0), price the order's average fill) and their quote volume. ADL
 * prints no market trade and is left out.
 */
export async function readForcedFlow(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  direction: 1 | -1,
  p0: number,
): Promise<{ slippage: number; quote: number; count: number }> {
  const [r] = await queryRows(
    store,
    `SELECT coalesce(sum(qty::DOUBLE * greatest((price::DOUBLE - $6) * $7, 0)), 0)::DOUBLE AS slip,
            coalesce(sum(price::DOUBLE * qty::DOUBLE), 0)::DOUBLE AS quote, count(*)::DOUBLE AS n
       FROM liquidations
      WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND side = $5 AND kind = 'liquidation'`,
    [venue, market, tsParam(fromUs), tsParam(toUs), direction > 0 ? 'short' : 'long', p0, direction],
  )
  return { slippage: num(r!.slip), quote: num(r!.quote), count: num(r!.n) }
}

export interface LiquidationCounterpartyFill {
  tsUs: number
  /** The account on the other side of the liquidation fill (it received the position or was filled against it). */
  account: string
  /** +1 bought, −1 sold (the opposite of the liquidated account's closing order). */
  side: 1 | -1
  price: number
  qty: number
  /** The liquidated account. */
  liquidated: string
  tradeId: string
}

/**
 * The other side of a market's liquidation fills over [fromUs, toUs), paired by trade id (a venue's fills carry the
 * same trade id on both sides): for each fill flagged as a liquidation whose closing order went `closing` (buy: a
 * short forced out; sell: a long), the fills of other accounts with that trade id on the opposite side. Also how many
 * such liquidation fills there were and how many had a counterparty in the table.
 */
export async function readLiquidationCounterparties(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  closing: 'buy' | 'sell',
): Promise<{ liquidationFills: number; paired: number; fills: LiquidationCounterpartyFill[] }> {
  const values = [venue, market, tsParam(fromUs), tsParam(toUs), closing]
  const where = 'venue = $1 AND market = $2 AND ts >= $3 AND ts < $4'
  const liquidated = `SELECT trade_id, account FROM fills WHERE ${where} AND liquidation AND side = $5`
  const [count] = await queryRows(store, `SELECT count(*)::DOUBLE AS n FROM (${liquidated})`, values)
  const rows = await queryRows(
    store,
    `WITH l AS (${liquidated} AND trade_id IS NOT NULL)
     SELECT epoch_us(c.ts)::DOUBLE AS t, c.account, c.side, c.price::DOUBLE AS price, c.qty::DOUBLE AS qty,
            l.account AS liquidated, c.trade_id
       FROM fills c JOIN l ON c.trade_id = l.trade_id
      WHERE c.venue = $1 AND c.market = $2 AND c.ts >= $3 AND c.ts < $4 AND c.side <> $5 AND c.account <> l.account
      ORDER BY c.ts, c.trade_id, c.account`,
    values,
  )
  // a liquidation fill is paired when the join found another account's fill with its trade id
  return {
    liquidationFills: num(count!.n),
    paired: new Set(rows.map((r) => String(r.trade_id))).size,
    fills: rows.map((r) => ({
      tsUs: num(r.t),
      account: String(r.account),
      side: r.side === 'buy' ? 1 : -1,
      price: num(r.price),
      qty: num(r.qty),
      liquidated: String(r.liquidated),
      tradeId: String(r.trade_id),
    })),
  }
}
