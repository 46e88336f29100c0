// Removes loaded scenario copies: every partition the scenario source wrote (rows in each table it loaded, derived
// bars, trade parts, recorded holes and checksum changes, the manifest rows) and the truth rows, in one transaction.
import type { DuckDBConnection } from '@duckdb/node-api'
import { TARGET_TABLES } from '../../domain/loadSpec.ts'
import type { DuckStore } from '../duck/open.ts'
import { SERIES_ROLLUP_TABLES } from '../series/minuteRollups.ts'

/** Partition source id scenarios load under (src/ingest/scenarios). */
export const SCENARIO_PARTITION_SOURCE = 'scenario'

/** `partition_id IN` the JSON list bound as $1 (lists cross as JSON text: an empty bound list has no type). */
const IN_IDS = `IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`

export interface RemovedScenarioData {
  /** (scenario, seed) copies whose truth row was removed. */
  copies: number
  partitions: number
  /** Rows the removed partitions held (derived bars excluded), from the manifest. */
  rows: number
}

/**
 * Removes the copies of `scenario` (every seed), or of every scenario when `scenario` is null. Partitions are found
 * by source and period (`<scenario>@<seed>`), so a copy whose truth row was never written (a load cut short) goes too.
 */
export async function removeScenarioData(store: DuckStore, scenario: string | null): Promise<RemovedScenarioData> {
  return store.transaction((c) => removeInTransaction(c, scenario))
}

export async function removeInTransaction(c: DuckDBConnection, scenario: string | null): Promise<RemovedScenarioData> {
  const parts = (
    await c.runAndReadAll(
      `SELECT partition_id, target_table, rows::DOUBLE AS rows FROM partitions
        WHERE source = $1 AND ($2::VARCHAR IS NULL OR split_part(period, '@', 1) = $2::VARCHAR)
        ORDER BY partition_id`,
      [SCENARIO_PARTITION_SOURCE, scenario],
    )
  ).getRowObjectsJS()
  const byTable = new Map<string, string[]>()
  let rows = 0
  for (const p of parts) {
    const id = String(p.partition_id)
    rows += Number(p.rows)
    for (const table of String(p.target_table).split(',')) {
      // Only tables a loader may write (a fixed list, so the name is safe as an identifier).
      if (!(TARGET_TABLES as readonly string[]).includes(table)) continue
      byTable.set(table, [...(byTable.get(table) ?? []), id])
      if (table === 'trades') byTable.set('bars', [...(byTable.get('bars') ?? []), id])
    }
  }
  for (const [table, ids] of byTable) {
    const list = [JSON.stringify(ids)]
    if (table === 'trades') {
      // trades is a view (DDL 0102): rows live in trades_data under the partition's part numbers.
      await c.run(
        `DELETE FROM trades_data WHERE part IN (SELECT part FROM trade_parts WHERE partition_id ${IN_IDS})`,
        list,
      )
      await c.run(`DELETE FROM trade_parts WHERE partition_id ${IN_IDS}`, list)
    } else {
      await c.run(`DELETE FROM "${table}" WHERE partition_id ${IN_IDS}`, list)
    }
  }
  const all = [JSON.stringify(parts.map((p) => String(p.partition_id)))]
  // the series' rollups (DDL 0450, 0451) go with their partitions
  for (const table of [...SERIES_ROLLUP_TABLES, 'partition_gaps', 'partition_changes', 'partitions']) {
    await c.run(`DELETE FROM ${table} WHERE partition_id ${IN_IDS}`, all)
  }
  const copies = Number(
    (await c.run(`DELETE FROM scenario_truth WHERE $1::VARCHAR IS NULL OR scenario = $1::VARCHAR`, [scenario]))
      .rowsChanged,
  )
  return { copies, partitions: parts.length, rows }
}
