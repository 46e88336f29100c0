// Backtest outputs per time bucket for one or more runs, computed in DuckDB: liquidations, deficits (shortfall and
// what stayed uncovered) and the insurance-fund balance (each fund's last balance in or before the bucket, carried
// forward, summed over the run's funds). With several runs, each bucket also carries its difference from the first
// run (the baseline): compareRuns.
import type { DuckStore } from '../duck/open.ts'
import { readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { Params } from '../query/duckList.ts'
import { bucketSql, type BucketRange } from './buckets.ts'

export interface RunBucketRow {
  runId: string
  bucket: Date
  liquidations: number
  liquidatedNotional: string
  liquidatedNotionalApprox: number
  deficits: number
  shortfall: string
  shortfallApprox: number
  uncovered: string
  uncoveredApprox: number
  fundBalance: string | null
  fundBalanceApprox: number | null
  /** This run's value minus the baseline's in the same bucket (null for a missing balance). */
  fundBalanceDiff: string | null
  fundBalanceDiffApprox: number | null
  shortfallDiff: string
  shortfallDiffApprox: number
  uncoveredDiff: string
  uncoveredDiffApprox: number
}

/** The columns the series query returns (checked against the result before rows are read). */
const RUN_BUCKET_COLUMNS: ColumnsOf<RunBucketRow> = {
  runId: 'text',
  bucket: 'timestamp',
  liquidations: 'int',
  liquidatedNotional: 'text',
  liquidatedNotionalApprox: 'double',
  deficits: 'int',
  shortfall: 'text',
  shortfallApprox: 'double',
  uncovered: 'text',
  uncoveredApprox: 'double',
  fundBalance: 'text?',
  fundBalanceApprox: 'double?',
  fundBalanceDiff: 'text?',
  fundBalanceDiffApprox: 'double?',
  shortfallDiff: 'text',
  shortfallDiffApprox: 'double',
  uncoveredDiff: 'text',
  uncoveredDiffApprox: 'double',
}

const exact = (expr: string, as: string) => `(${expr})::VARCHAR AS "${as}", (${expr})::DOUBLE AS "${as}Approx"`

/** Rows by run (in the order of `runIds`) then bucket. The caller checks the runs exist and succeeded. */
export async function readRunSeries(duck: DuckStore, runIds: string[], range: BucketRange): Promise<RunBucketRow[]> {
  const b = bucketSql(range)
  const p = new Params()
  const runs = runIds.map((id, i) => `(${p.add(id)}, ${i})`).join(', ')
  const from = `CAST(${p.add(b.fromText)} AS TIMESTAMP)`
  const to = `CAST(${p.add(b.toText)} AS TIMESTAMP)`
  const buckets = b.buckets(p.add(b.startMicros), p.add(range.count))
  const inRuns = `run_id IN (SELECT run_id FROM runs)`
  const window = `ts >= ${from} AND ts < ${to}`
  const sql = `
    WITH runs AS (SELECT * FROM (VALUES ${runs}) r(run_id, ord)),
    buckets AS (${buckets}),
    grid AS (SELECT runs.run_id, runs.ord, buckets.bucket FROM runs CROSS JOIN buckets),
    lq AS (
      SELECT run_id, ${b.bucketOf('ts')} AS bucket, count(*)::INTEGER AS n, sum(notional) AS notional
        FROM backtest_liquidations WHERE ${inRuns} AND ${window} GROUP BY ALL),
    df AS (
      SELECT run_id, ${b.bucketOf('ts')} AS bucket, count(*)::INTEGER AS n, sum(shortfall) AS shortfall,
             sum(uncovered) AS uncovered
        FROM backtest_deficits WHERE ${inRuns} AND ${window} GROUP BY ALL),
    funds AS (SELECT DISTINCT run_id, fund FROM backtest_fund_series WHERE ${inRuns}),
    moved AS (
      SELECT run_id, fund, ${b.bucketOf('ts')} AS bucket, arg_max(balance, seq) AS balance
        FROM backtest_fund_series WHERE ${inRuns} AND ${window} GROUP BY ALL),
    opening AS (
      SELECT run_id, fund, arg_max(balance, seq) AS balance
        FROM backtest_fund_series WHERE ${inRuns} AND ts < ${from} GROUP BY ALL),
    carried AS (
      SELECT grid.run_id, grid.bucket, funds.fund,
             coalesce(last_value(moved.balance IGNORE NULLS) OVER (
                        PARTITION BY grid.run_id, funds.fund ORDER BY grid.bucket
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                      opening.balance) AS balance
        FROM grid JOIN funds ON funds.run_id = grid.run_id
        LEFT JOIN moved ON moved.run_id = grid.run_id AND moved.fund = funds.fund AND moved.bucket = grid.bucket
        LEFT JOIN opening ON opening.run_id = grid.run_id AND opening.fund = funds.fund),
    fund AS (SELECT run_id, bucket, sum(balance) AS balance FROM carried GROUP BY ALL),
    series AS (
      SELECT grid.run_id, grid.ord, grid.bucket, coalesce(lq.n, 0) AS liquidations,
             coalesce(lq.notional, 0)::DECIMAL(38, 6) AS notional, coalesce(df.n, 0) AS deficits,
             coalesce(df.shortfall, 0)::DECIMAL(38, 6) AS shortfall,
             coalesce(df.uncovered, 0)::DECIMAL(38, 6) AS uncovered, fund.balance::DECIMAL(38, 6) AS balance
        FROM grid
        LEFT JOIN lq ON lq.run_id = grid.run_id AND lq.bucket = grid.bucket
        LEFT JOIN df ON df.run_id = grid.run_id AND df.bucket = grid.bucket
        LEFT JOIN fund ON fund.run_id = grid.run_id AND fund.bucket = grid.bucket)
    SELECT s.run_id AS "runId", s.bucket, s.liquidations, ${exact('s.notional', 'liquidatedNotional')}, s.deficits,
           ${exact('s.shortfall', 'shortfall')}, ${exact('s.uncovered', 'uncovered')}, ${exact('s.balance', 'fundBalance')},
           ${exact('s.balance - base.balance', 'fundBalanceDiff')}, ${exact('s.shortfall - base.shortfall', 'shortfallDiff')},
           ${exact('s.uncovered - base.uncovered', 'uncoveredDiff')}
      FROM series s JOIN series base ON base.ord = 0 AND base.bucket = s.bucket
     ORDER BY s.ord, s.bucket`
  return duck.use(async (c) =>
    readRows<RunBucketRow>(await c.runAndReadAll(sql, p.values as never), RUN_BUCKET_COLUMNS, 'run series'),
  )
}
