// Per-minute and per-hour rollups of bars and reference prices (DDL 0450, 0451): one row per partition, series and
// minute (hour), written in the transaction that loads or replaces the partition and deleted with it; series at
// MINUTE or coarser read them.
import type { DuckDBConnection } from '@duckdb/node-api'

export const SERIES_ROLLUP_TABLES = ['bar_minutes', 'price_minutes', 'bar_hours', 'price_hours'] as const

/** The reference-price kinds series show (and the only ones rolled up). */
export const SERIES_PRICE_KINDS = `('mark', 'index', 'oracle', 'last')`

const MINUTE_OF_TS = `time_bucket(INTERVAL 60 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00')`

/**
 * Raw bars matching `where` as rollup rows (bar_minutes' columns but partition_id). The reader uses the same
 * aggregation for the partial minutes at the edges of a range, so both halves of its union agree.
 */
export function barMinutesFromBars(where: string): string {
  return `SELECT venue, market, ${MINUTE_OF_TS} AS minute, interval_s, source, min(ts) AS open_ts,
                 arg_min(open, ts) AS open, max(high) AS high, min(low) AS low, max(ts) AS close_ts,
                 arg_max(close, ts) AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume,
                 sum(trades) AS trades
            FROM bars WHERE ${where}
           GROUP BY venue, market, minute, interval_s, source`
}

/** Raw prices matching `where` as rollup rows (price_minutes' columns but partition_id). */
export function priceMinutesFromPrices(where: string): string {
  return `SELECT venue, market, ${MINUTE_OF_TS} AS minute, kind, source, max(ts) AS ts, arg_max(price, ts) AS price
            FROM prices WHERE ${where} AND kind IN ${SERIES_PRICE_KINDS}
           GROUP BY venue, market, minute, kind, source`
}

/** Rollup rows of `table` matching `where` re-aggregated into coarser buckets (`bucket`: an expression of `t`). */
export function barRollupOf(table: string, t: string, bucket: string, where: string): string {
  return `SELECT venue, market, ${bucket} AS t, interval_s, source, min(open_ts) AS open_ts,
                 arg_min(open, open_ts) AS open, max(high) AS high, min(low) AS low, max(close_ts) AS close_ts,
                 arg_max(close, close_ts) AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume,
                 sum(trades) AS trades
            FROM (SELECT *, ${t} AS t FROM ${table} WHERE ${where})
           GROUP BY venue, market, ${bucket}, interval_s, source`
}

export function priceRollupOf(table: string, t: string, bucket: string, where: string): string {
  return `SELECT venue, market, ${bucket} AS t, kind, source, max(ts) AS ts, arg_max(price, ts) AS price
            FROM (SELECT *, ${t} AS t FROM ${table} WHERE ${where})
           GROUP BY venue, market, ${bucket}, kind, source`
}

const HOUR_OF_T = `time_bucket(INTERVAL 3600 SECOND, t, TIMESTAMP '1970-01-01 00:00:00')`

/** Deletes the rollup rows of these partitions (inside the caller's transaction). */
export async function deleteMinuteRollups(c: DuckDBConnection, partitionIds: readonly string[]): Promise<void> {
  for (const id of partitionIds)
    for (const table of SERIES_ROLLUP_TABLES) await c.run(`DELETE FROM ${table} WHERE partition_id = $1`, [id])
}

/**
 * Rewrites the rollup rows of these partitions from their bars and prices (inside the caller's transaction, after
 * the rows are written): the loader calls it for every partition it loads, so a failed load leaves none. `within`:
 * µs bounds (inclusive) every row of the partitions lies within, when the caller knows them, so the scan of a large
 * table is bounded by time (DuckDB skips other row groups by their zone maps) instead of reading every partition id.
 */
export async function writeMinuteRollups(
  c: DuckDBConnection,
  partitionIds: readonly string[],
  within?: { fromUs: bigint; toUs: bigint },
): Promise<void> {
  await deleteMinuteRollups(c, partitionIds)
  const where = within
    ? 'partition_id = $1 AND ts >= make_timestamp($2::BIGINT) AND ts <= make_timestamp($3::BIGINT)'
    : 'partition_id = $1'
  for (const id of partitionIds) {
    const params = within ? [id, within.fromUs, within.toUs] : [id]
    await c.run(
      `INSERT INTO bar_minutes BY NAME SELECT *, $1 AS partition_id FROM (${barMinutesFromBars(where)})`,
      params,
    )
    await c.run(
      `INSERT INTO price_minutes BY NAME SELECT *, $1 AS partition_id FROM (${priceMinutesFromPrices(where)})`,
      params,
    )
    // hours from the partition's minutes (the same re-aggregation a series applies)
    await c.run(
      `INSERT INTO bar_hours BY NAME SELECT * EXCLUDE (t), t AS hour, $1 AS partition_id
         FROM (${barRollupOf('bar_minutes', 'minute', HOUR_OF_T, 'partition_id = $1')})`,
      [id],
    )
    await c.run(
      `INSERT INTO price_hours BY NAME SELECT * EXCLUDE (t), t AS hour, $1 AS partition_id
         FROM (${priceRollupOf('price_minutes', 'minute', HOUR_OF_T, 'partition_id = $1')})`,
      [id],
    )
  }
}
