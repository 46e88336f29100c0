// What market data, account data and run outputs exist for a (venue, market, window): detectors check it before
// they run, so a missing table is reported by name and range instead of failing half way.
import type { DuckStore } from '../duck/open.ts'
import { num, queryRows, tsParam } from './read.ts'

export interface MarketDataCounts {
  trades: number
  /** Trades with a taker side (needed for signed flow). */
  signedTrades: number
  bars: number
  /** Rows of `prices` by kind (mark, index, oracle, last, premium). */
  prices: Record<string, number>
  funding: number
  openInterest: number
  liquidations: number
  fills: number
  /** Fills of the market before the window's end, any time (positions are built from all history). */
  fillsToDate: number
}

/** Row counts of every market table for one market in [fromUs, toUs). */
export async function marketDataCounts(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<MarketDataCounts> {
  const v = [venue, market, tsParam(fromUs), tsParam(toUs)]
  const where = 'venue = $1 AND market = $2 AND ts >= $3 AND ts < $4'
  const [row] = await queryRows(
    store,
    `SELECT (SELECT count(*) FROM trades WHERE ${where})::DOUBLE AS trades,
            (SELECT count(*) FROM trades WHERE ${where} AND side IS NOT NULL)::DOUBLE AS signed_trades,
            (SELECT count(*) FROM bars WHERE ${where})::DOUBLE AS bars,
            (SELECT count(*) FROM funding WHERE ${where})::DOUBLE AS funding,
            (SELECT count(*) FROM open_interest WHERE ${where})::DOUBLE AS open_interest,
            (SELECT count(*) FROM liquidations WHERE ${where})::DOUBLE AS liquidations,
            (SELECT count(*) FROM fills WHERE ${where})::DOUBLE AS fills,
            (SELECT count(*) FROM fills WHERE venue = $1 AND market = $2 AND ts < $4)::DOUBLE AS fills_to_date`,
    v,
  )
  const kinds = await queryRows(
    store,
    `SELECT kind, count(*)::DOUBLE AS n FROM prices WHERE ${where} GROUP BY kind ORDER BY kind`,
    v,
  )
  return {
    trades: num(row!.trades),
    signedTrades: num(row!.signed_trades),
    bars: num(row!.bars),
    prices: Object.fromEntries(kinds.map((k) => [String(k.kind), num(k.n)])),
    funding: num(row!.funding),
    openInterest: num(row!.open_interest),
    liquidations: num(row!.liquidations),
    fills: num(row!.fills),
    fillsToDate: num(row!.fills_to_date),
  }
}

/** Ledger rows of a venue in [fromUs, toUs): all of them, and money leaving accounts (withdrawals, transfers out). */
export async function ledgerCounts(
  store: DuckStore,
  venue: string,
  fromUs: number,
  toUs: number,
): Promise<{ rows: number; outflows: number }> {
  const [row] = await queryRows(
    store,
    `SELECT count(*)::DOUBLE AS rows,
            count(*) FILTER (WHERE kind IN ('withdrawal', 'transfer') AND delta_quote < 0)::DOUBLE AS outflows
       FROM ledger WHERE venue = $1 AND ts >= $2 AND ts < $3`,
    [venue, tsParam(fromUs), tsParam(toUs)],
  )
  return { rows: num(row!.rows), outflows: num(row!.outflows) }
}

/** Output rows of a backtest run for one market in [fromUs, toUs). */
export async function runOutputCounts(
  store: DuckStore,
  runId: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<{ liquidations: number; deficits: number }> {
  const v = [runId, market, tsParam(fromUs), tsParam(toUs)]
  const where = 'run_id = $1 AND market = $2 AND ts >= $3 AND ts < $4'
  const [row] = await queryRows(
    store,
    `SELECT (SELECT count(*) FROM backtest_liquidations WHERE ${where})::DOUBLE AS liquidations,
            (SELECT count(*) FROM backtest_deficits WHERE ${where})::DOUBLE AS deficits`,
    v,
  )
  return { liquidations: num(row!.liquidations), deficits: num(row!.deficits) }
}

/** Markets of a venue with any market or account-level row in [fromUs, toUs), sorted. */
export async function marketsWithData(
  store: DuckStore,
  venue: string,
  fromUs: number,
  toUs: number,
): Promise<string[]> {
  const where = 'venue = $1 AND ts >= $2 AND ts < $3'
  const rows = await queryRows(
    store,
    `SELECT DISTINCT market FROM (
       SELECT market FROM trades WHERE ${where} UNION SELECT market FROM bars WHERE ${where}
       UNION SELECT market FROM prices WHERE ${where} UNION SELECT market FROM funding WHERE ${where}
       UNION SELECT market FROM open_interest WHERE ${where} UNION SELECT market FROM liquidations WHERE ${where}
       UNION SELECT market FROM fills WHERE ${where}) ORDER BY market`,
    [venue, tsParam(fromUs), tsParam(toUs)],
  )
  return rows.map((r) => String(r.market))
}

/** Every market a venue has data for at any time, with its time range (for error messages). */
export async function venueMarkets(
  store: DuckStore,
  venue: string,
): Promise<Array<{ market: string; fromUs: number; toUs: number }>> {
  const rows = await queryRows(
    store,
    `SELECT market, min(lo) AS lo, max(hi) AS hi FROM (
       SELECT market, min(epoch_us(ts)) AS lo, max(epoch_us(ts)) AS hi FROM trades WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM bars WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM prices WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM funding WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM open_interest WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM liquidations WHERE venue = $1 GROUP BY market
       UNION ALL SELECT market, min(epoch_us(ts)), max(epoch_us(ts)) FROM fills WHERE venue = $1 GROUP BY market)
     GROUP BY market ORDER BY market`,
    [venue],
  )
  return rows.map((r) => ({ market: String(r.market), fromUs: num(r.lo), toUs: num(r.hi) }))
}
