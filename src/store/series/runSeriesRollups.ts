// Per-hour rollups of one backtest run's outputs (DDL 0460): liquidation and deficit counts and DECIMAL sums, and each
// fund's last balance (by seq) per hour, plus a marker row saying they were written whole. Written in one transaction
// once the run's results are all stored, deleted with them; runSeries.ts reads them at HOUR and DAY.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

export const RUN_ROLLUP_TABLES = ['run_series_hours', 'run_fund_hours', 'run_series_rolled'] as const

/** The epoch-aligned hour of `column` (the same bucket expression as the series' HOUR). */
export const hourOf = (column: string) =>
  `time_bucket(INTERVAL 3600 SECOND, ${column}, TIMESTAMP '1970-01-01 00:00:00')`

/** Removes a run's rollups and marker (inside the caller's transaction when it has one). */
export async function deleteRunSeriesRollups(c: DuckDBConnection, runId: string): Promise<void> {
  for (const t of RUN_ROLLUP_TABLES) await c.run(`DELETE FROM ${t} WHERE run_id = $1`, [runId])
}

/**
 * (Re)writes a run's rollups from its stored rows, with the marker, in one transaction: a failure leaves the run
 * read from its raw rows, as before. Call it once the run's last result batch is committed.
 */
export async function writeRunSeriesRollups(duck: DuckStore, runId: string): Promise<void> {
  await duck.transaction(async (c) => {
    await deleteRunSeriesRollups(c, runId)
    await c.run(
      `INSERT INTO run_series_hours
         SELECT $1, hour, coalesce(l.n, 0), coalesce(l.notional, 0), coalesce(d.n, 0), coalesce(d.shortfall, 0),
                coalesce(d.uncovered, 0)
           FROM (SELECT ${hourOf('ts')} AS hour, count(*) AS n, sum(notional) AS notional
                   FROM backtest_liquidations WHERE run_id = $1 GROUP BY ALL) l
           FULL JOIN (SELECT ${hourOf('ts')} AS hour, count(*) AS n, sum(shortfall) AS shortfall,
                             sum(uncovered) AS uncovered
                        FROM backtest_deficits WHERE run_id = $1 GROUP BY ALL) d USING (hour)`,
      [runId],
    )
    await c.run(
      `INSERT INTO run_fund_hours
         SELECT $1, fund, ${hourOf('ts')} AS hour, max(seq), arg_max(balance, seq)
           FROM backtest_fund_series WHERE run_id = $1 GROUP BY fund, hour`,
      [runId],
    )
    await c.run(`INSERT INTO run_series_rolled VALUES ($1)`, [runId])
  })
}
