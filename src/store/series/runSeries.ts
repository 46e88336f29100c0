// Backtest outputs per time bucket for one or more runs, computed in DuckDB: liquidations, deficits (shortfall and
// what stayed uncovered) and the insurance-fund balance (each fund's last balance in or before the bucket, carried
// forward, summed over the run's funds). With several runs, each bucket also carries its difference from the first
// run (the baseline): compareRuns.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { Params, timestampText } from '../query/duckList.ts'
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

const HOUR_MS = 3_600_000

/**
 * Where a range reads rollups: at HOUR or DAY (buckets made of whole hours), for the whole hours [first, end) inside
 * [from, to); `floor` is the hour holding `from`. Null when the range holds no whole hour (raw rows are few then).
 */
function rollupHours(range: BucketRange): { floor: Date; first: Date; end: Date } | null {
  if (range.granularity !== 'HOUR' && range.granularity !== 'DAY') return null
  const floor = Math.floor(range.from.getTime() / HOUR_MS) * HOUR_MS
  const first = Math.ceil(range.from.getTime() / HOUR_MS) * HOUR_MS
  const end = Math.floor(range.to.getTime() / HOUR_MS) * HOUR_MS
  return first < end ? { floor: new Date(floor), first: new Date(first), end: new Date(end) } : null
}

/** The runs among `runIds` whose rollups were written whole (DDL 0460's marker). */
async function rolledRuns(c: DuckDBConnection, runIds: string[]): Promise<Set<string>> {
  const p = new Params()
  const rows = await c.runAndReadAll(
    `SELECT run_id FROM run_series_rolled WHERE run_id IN (${runIds.map((id) => p.add(id)).join(', ')})`,
    p.values as never,
  )
  return new Set(rows.getRowObjectsJS().map((r) => String(r.run_id)))
}

export interface RunSeriesOptions {
  /** Read whole hours from the rollups of runs that have them (default true; false: raw rows only, as a check). */
  rollups?: boolean
}

/**
 * Rows by run (in the order of `runIds`) then bucket. The caller checks the runs exist and succeeded. At HOUR and
 * DAY a run with rollups is read from them for the whole hours of the range and from raw rows only in the partial
 * hours at its edges; the answer is the same as from raw rows (DECIMAL sums, last balance by seq).
 */
export async function readRunSeries(
  duck: DuckStore,
  runIds: string[],
  range: BucketRange,
  options: RunSeriesOptions = {},
): Promise<RunBucketRow[]> {
  const hours = options.rollups === false ? null : rollupHours(range)
  return duck.use(async (c) => {
    const rolled = hours ? await rolledRuns(c, runIds) : new Set<string>()
    const { sql, params } = runSeriesSql(runIds, range, hours && rolled.size ? { ...hours, runs: rolled } : null)
    return readRows<RunBucketRow>(await c.runAndReadAll(sql, params as never), RUN_BUCKET_COLUMNS, 'run series')
  })
}

/** The series statement: raw rows for runs without rollups (or without `hours`), rollups plus edges for the rest. */
function runSeriesSql(
  runIds: string[],
  range: BucketRange,
  hours: { floor: Date; first: Date; end: Date; runs: Set<string> } | null,
): { sql: string; params: unknown[] } {
  const b = bucketSql(range)
  const p = new Params()
  const runs = runIds.map((id, i) => `(${p.add(id)}, ${i})`).join(', ')
  const at = (d: Date | string) => `CAST(${p.add(typeof d === 'string' ? d : timestampText(d))} AS TIMESTAMP)`
  const from = at(b.fromText)
  const to = at(b.toText)
  const buckets = b.buckets(p.add(b.startMicros), p.add(range.count))
  const idList = (ids: string[]) => `run_id IN (${ids.map((id) => p.add(id)).join(', ')})`
  const rawIds = runIds.filter((id) => !hours?.runs.has(id))
  const rolledIds = runIds.filter((id) => hours?.runs.has(id))
  const raw = rawIds.length ? idList(rawIds) : null
  const rolled = rolledIds.length ? idList(rolledIds) : null
  const [floor, first, end] = hours ? [at(hours.floor), at(hours.first), at(hours.end)] : ['', '', '']
  /** Raw rows of `table` in the range: all of it for raw runs, the partial hours at its edges for rolled ones. */
  const rowsOf = (table: string, columns: string) =>
    [
      raw && `SELECT ${columns} FROM ${table} WHERE ${raw} AND ts >= ${from} AND ts < ${to}`,
      rolled && `SELECT ${columns} FROM ${table} WHERE ${rolled} AND ts >= ${from} AND ts < ${first}`,
      rolled && `SELECT ${columns} FROM ${table} WHERE ${rolled} AND ts >= ${end} AND ts < ${to}`,
    ]
      .filter(Boolean)
      .join(' UNION ALL ')
  /** Rollup rows of the rolled runs for the whole hours of the range. */
  const wholeHours = (table: string) => `FROM ${table} WHERE ${rolled} AND hour >= ${first} AND hour < ${end}`
  const hourSeries = rolled
    ? `SELECT run_id, ${b.bucketOf('hour')} AS bucket, sum(liquidations) AS n, sum(notional) AS notional,
              sum(deficits) AS deficits, sum(shortfall) AS shortfall, sum(uncovered) AS uncovered
         ${wholeHours('run_series_hours')} GROUP BY ALL`
    : ''
  const sql = `
    WITH runs AS (SELECT * FROM (VALUES ${runs}) r(run_id, ord)),
    buckets AS (${buckets}),
    grid AS (SELECT runs.run_id, runs.ord, buckets.bucket FROM runs CROSS JOIN buckets),
    ${hourSeries ? `hour_series AS (${hourSeries}),` : ''}
    lq AS (
      SELECT run_id, bucket, sum(n)::INTEGER AS n, sum(notional) AS notional FROM (
        SELECT run_id, ${b.bucketOf('ts')} AS bucket, count(*) AS n, sum(notional) AS notional
          FROM (${rowsOf('backtest_liquidations', 'run_id, ts, notional')}) GROUP BY ALL
        ${hourSeries ? `UNION ALL SELECT run_id, bucket, n, notional FROM hour_series` : ''}) GROUP BY ALL),
    df AS (
      SELECT run_id, bucket, sum(n)::INTEGER AS n, sum(shortfall) AS shortfall, sum(uncovered) AS uncovered FROM (
        SELECT run_id, ${b.bucketOf('ts')} AS bucket, count(*) AS n, sum(shortfall) AS shortfall,
               sum(uncovered) AS uncovered
          FROM (${rowsOf('backtest_deficits', 'run_id, ts, shortfall, uncovered')}) GROUP BY ALL
        ${hourSeries ? `UNION ALL SELECT run_id, bucket, deficits, shortfall, uncovered FROM hour_series` : ''})
       GROUP BY ALL),
    funds AS (
      ${[
        raw && `SELECT DISTINCT run_id, fund FROM backtest_fund_series WHERE ${raw}`,
        rolled && `SELECT DISTINCT run_id, fund FROM run_fund_hours WHERE ${rolled}`,
      ]
        .filter(Boolean)
        .join(' UNION ')}),
    moved AS (
      SELECT run_id, fund, bucket, arg_max(balance, seq) AS balance FROM (
        SELECT run_id, fund, ${b.bucketOf('ts')} AS bucket, seq, balance
          FROM (${rowsOf('backtest_fund_series', 'run_id, fund, ts, seq, balance')})
        ${rolled ? `UNION ALL SELECT run_id, fund, ${b.bucketOf('hour')}, last_seq, balance ${wholeHours('run_fund_hours')}` : ''})
       GROUP BY ALL),
    opening AS (
      SELECT run_id, fund, arg_max(balance, seq) AS balance FROM (
        ${[
          raw && `SELECT run_id, fund, seq, balance FROM backtest_fund_series WHERE ${raw} AND ts < ${from}`,
          rolled &&
            `SELECT run_id, fund, seq, balance FROM backtest_fund_series
              WHERE ${rolled} AND ts >= ${floor} AND ts < ${from}
             UNION ALL SELECT run_id, fund, last_seq, balance FROM run_fund_hours WHERE ${rolled} AND hour < ${floor}`,
        ]
          .filter(Boolean)
          .join(' UNION ALL ')})
       GROUP BY ALL),
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
  return { sql, params: p.values }
}
