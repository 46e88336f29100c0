// Reads behind a report: a run's fund series per time bucket, liquidations per hour, deficit clusters, a window's
// deficits (for an incident), and the prices and liquidations of one market in a window (for incident timelines).
// Amounts come back as exact text.
import { DuckDBTimestampValue, listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

const ts = (ms: number) => new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n)
const ms = (value: unknown) => (value as Date).getTime()

async function rows(store: DuckStore, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  return store.use(async (c) => (await c.runAndReadAll(sql, params as never)).getRowObjectsJS())
}

export interface FundBucketRow {
  tsMs: number
  fund: string
  /** Exact balances (decimal text): after the bucket's last movement, lowest and highest inside it. */
  close: string
  low: string
  high: string
}

/** Per fund and bucket of `bucketSeconds`: the balance at the bucket's end, its low and its high. */
export async function readFundBuckets(
  store: DuckStore,
  runId: string,
  bucketSeconds: number,
): Promise<FundBucketRow[]> {
  const result = await rows(
    store,
    `SELECT time_bucket(to_seconds($2::BIGINT), ts) AS b, fund,
            arg_max(balance, seq)::VARCHAR AS close, min(balance)::VARCHAR AS low, max(balance)::VARCHAR AS high
       FROM backtest_fund_series WHERE run_id = $1 GROUP BY b, fund ORDER BY b, fund`,
    [runId, bucketSeconds],
  )
  return result.map((r) => ({
    tsMs: ms(r.b),
    fund: String(r.fund),
    close: String(r.close),
    low: String(r.low),
    high: String(r.high),
  }))
}

export interface HourlyLiquidationRow {
  hourMs: number
  kind: string
  count: number
  notional: string
}

export async function readLiquidationsByHour(store: DuckStore, runId: string): Promise<HourlyLiquidationRow[]> {
  const result = await rows(
    store,
    `SELECT date_trunc('hour', ts) AS h, kind, count(*)::DOUBLE AS n, sum(notional)::VARCHAR AS notional
       FROM backtest_liquidations WHERE run_id = $1 GROUP BY h, kind ORDER BY h, kind`,
    [runId],
  )
  return result.map((r) => ({
    hourMs: ms(r.h),
    kind: String(r.kind),
    count: Number(r.n),
    notional: String(r.notional),
  }))
}

export interface DeficitClusterRow {
  market: string
  fromMs: number
  /** Time of the cluster's last deficit (inclusive). */
  toMs: number
  deficits: number
  accounts: number
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
}

/**
 * A run's deficits grouped per market into clusters: a deficit more than `gapSeconds` after the previous one on
 * its market starts a new cluster. Largest shortfall first (then earliest), at most `limit`; `total` counts all.
 */
export async function readDeficitClusters(
  store: DuckStore,
  runId: string,
  gapSeconds: number,
  limit: number,
): Promise<{ clusters: DeficitClusterRow[]; total: number }> {
  const result = await rows(
    store,
    `WITH d AS (
       SELECT *, epoch_us(ts) - lag(epoch_us(ts)) OVER (PARTITION BY market ORDER BY ts, seq) AS since
         FROM backtest_deficits WHERE run_id = $1),
     g AS (
       SELECT *, sum(CASE WHEN since IS NULL OR since > $2::BIGINT * 1000000 THEN 1 ELSE 0 END)
                   OVER (PARTITION BY market ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) AS cluster
         FROM d),
     c AS (
       SELECT market, cluster, min(ts) AS lo, max(ts) AS hi, count(*)::DOUBLE AS n,
              count(DISTINCT account)::DOUBLE AS accounts, sum(shortfall) AS shortfall,
              sum(covered_by_fund)::VARCHAR AS fund, sum(covered_by_fee_pool)::VARCHAR AS fee_pool,
              sum(covered_by_adl)::VARCHAR AS adl, sum(socialized)::VARCHAR AS socialized,
              sum(uncovered)::VARCHAR AS uncovered
         FROM g GROUP BY market, cluster)
     SELECT *, shortfall::VARCHAR AS shortfall_text, count(*) OVER ()::DOUBLE AS total
       FROM c ORDER BY shortfall DESC, lo, market LIMIT $3`,
    [runId, gapSeconds, limit],
  )
  return {
    total: result.length ? Number(result[0]!.total) : 0,
    clusters: result.map((r) => ({
      market: String(r.market),
      fromMs: ms(r.lo),
      toMs: ms(r.hi),
      deficits: Number(r.n),
      accounts: Number(r.accounts),
      shortfall: String(r.shortfall_text),
      coveredByFund: String(r.fund),
      coveredByFeePool: String(r.fee_pool),
      coveredByAdl: String(r.adl),
      socialized: String(r.socialized),
      uncovered: String(r.uncovered),
    })),
  }
}

export interface WindowDeficits {
  deficits: number
  accounts: number
  /** Exact sums (decimal text). */
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
}

/** A run's deficits on some markets in [fromMs, toMs] (an incident's window), summed exactly. */
export async function readWindowDeficits(
  store: DuckStore,
  runId: string,
  markets: string[],
  fromMs: number,
  toMs: number,
): Promise<WindowDeficits> {
  const [r] = await rows(
    store,
    `SELECT count(*)::DOUBLE AS n, count(DISTINCT account)::DOUBLE AS accounts,
            coalesce(sum(shortfall), 0)::VARCHAR AS shortfall, coalesce(sum(covered_by_fund), 0)::VARCHAR AS fund,
            coalesce(sum(covered_by_fee_pool), 0)::VARCHAR AS fee_pool, coalesce(sum(covered_by_adl), 0)::VARCHAR AS adl,
            coalesce(sum(socialized), 0)::VARCHAR AS socialized, coalesce(sum(uncovered), 0)::VARCHAR AS uncovered
       FROM backtest_deficits WHERE run_id = $1 AND list_contains($2::VARCHAR[], market) AND ts BETWEEN $3 AND $4`,
    [runId, listValue(markets), ts(fromMs), ts(toMs)],
  )
  return {
    deficits: Number(r!.n),
    accounts: Number(r!.accounts),
    shortfall: String(r!.shortfall),
    coveredByFund: String(r!.fund),
    coveredByFeePool: String(r!.fee_pool),
    coveredByAdl: String(r!.adl),
    socialized: String(r!.socialized),
    uncovered: String(r!.uncovered),
  }
}

export interface WindowLiquidationStats {
  liquidations: number
  notional: string
  adlFills: number
}

/** Liquidations and ADL fills of a run on one market in [fromMs, toMs]. */
export async function readWindowStats(
  store: DuckStore,
  runId: string,
  market: string,
  fromMs: number,
  toMs: number,
): Promise<WindowLiquidationStats> {
  const [r] = await rows(
    store,
    `SELECT (SELECT count(*) FROM backtest_liquidations WHERE run_id = $1 AND market = $2 AND ts BETWEEN $3 AND $4)::DOUBLE AS n,
            (SELECT coalesce(sum(notional), 0) FROM backtest_liquidations
              WHERE run_id = $1 AND market = $2 AND ts BETWEEN $3 AND $4)::VARCHAR AS notional,
            (SELECT count(*) FROM backtest_adl_fills WHERE run_id = $1 AND market = $2 AND ts BETWEEN $3 AND $4)::DOUBLE AS adl`,
    [runId, market, ts(fromMs), ts(toMs)],
  )
  return { liquidations: Number(r!.n), notional: String(r!.notional), adlFills: Number(r!.adl) }
}

export interface WindowPriceRow {
  tsMs: number
  /** trades (or klines) bars' close, or a prices kind: mark, oracle, index. */
  series: 'venue' | 'mark' | 'oracle' | 'index'
  price: number
}

/**
 * Prices of one market in [fromMs, toMs) at most every `bucketSeconds`: the venue's bar close (trade bars, else
 * klines, the finest interval stored), and the last mark, oracle and index price of each bucket.
 */
export async function readWindowPrices(
  store: DuckStore,
  venue: string,
  market: string,
  fromMs: number,
  toMs: number,
  bucketSeconds: number,
): Promise<WindowPriceRow[]> {
  const result = await rows(
    store,
    `WITH chosen AS (
       SELECT source, interval_s FROM bars WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4
        GROUP BY source, interval_s ORDER BY interval_s, source = 'trades' DESC LIMIT 1)
     SELECT time_bucket(to_seconds($5::BIGINT), b.ts) AS b, 'venue' AS series, arg_max(b.close, b.ts) AS price
       FROM bars b JOIN chosen c ON b.source = c.source AND b.interval_s = c.interval_s
      WHERE b.venue = $1 AND b.market = $2 AND b.ts >= $3 AND b.ts < $4
      GROUP BY 1
     UNION ALL
     SELECT time_bucket(to_seconds($5::BIGINT), ts) AS b, kind AS series, arg_max(price, ts) AS price
       FROM prices WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4 AND kind IN ('mark', 'oracle', 'index')
      GROUP BY 1, 2
     ORDER BY series, b`,
    [venue, market, ts(fromMs), ts(toMs), bucketSeconds],
  )
  return result.map((r) => ({
    tsMs: ms(r.b),
    series: String(r.series) as WindowPriceRow['series'],
    price: Number(r.price),
  }))
}

export interface WindowLiquidationRow {
  tsMs: number
  fillPrice: number
  side: 'long' | 'short'
  notional: string
}

/** The largest `limit` liquidations of a run on one market in [fromMs, toMs], in time order. */
export async function readWindowLiquidations(
  store: DuckStore,
  runId: string,
  market: string,
  fromMs: number,
  toMs: number,
  limit: number,
): Promise<WindowLiquidationRow[]> {
  const result = await rows(
    store,
    `SELECT * FROM (
       SELECT ts, seq, fill_price, side, notional::VARCHAR AS notional_text FROM backtest_liquidations
        WHERE run_id = $1 AND market = $2 AND ts BETWEEN $3 AND $4 AND kind <> 'deleveraged'
        ORDER BY notional DESC, seq LIMIT $5)
      ORDER BY ts, seq`,
    [runId, market, ts(fromMs), ts(toMs), limit],
  )
  return result.map((r) => ({
    tsMs: ms(r.ts),
    fillPrice: Number(r.fill_price),
    side: String(r.side) as 'long' | 'short',
    notional: String(r.notional_text),
  }))
}
