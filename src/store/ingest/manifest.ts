// The partition manifest as the ingestion orchestrator sees it: what is loaded with which checksum, and gaps at source.
import type { DuckDBConnection } from '@duckdb/node-api'
import { partitionIdOf, type PartitionKey } from '../../domain/loadSpec.ts'
import type { DuckStore } from '../duck/open.ts'
import { literal } from './sqlText.ts'

export interface PartitionState {
  partitionId: string
  status: 'loaded' | 'missing'
  checksum: string | null
  rows: number
  targetTable: string
}

/** Current manifest rows for the given partition ids (absent ids were never loaded). */
export async function partitionStates(store: DuckStore, ids: readonly string[]): Promise<Map<string, PartitionState>> {
  const out = new Map<string, PartitionState>()
  if (ids.length === 0) return out
  await store.use(async (c) => {
    // Chunked IN lists keep statements small for long back-fills.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      const reader = await c.runAndReadAll(
        `SELECT partition_id, status, checksum, rows::DOUBLE AS rows, target_table FROM partitions
          WHERE partition_id IN (${chunk.map(literal).join(', ')})`,
      )
      for (const r of reader.getRowObjectsJS()) {
        out.set(String(r.partition_id), {
          partitionId: String(r.partition_id),
          status: r.status === 'loaded' ? 'loaded' : 'missing',
          checksum: (r.checksum as string | null) ?? null,
          rows: Number(r.rows),
          targetTable: String(r.target_table),
        })
      }
    }
  })
  return out
}

export async function readPartitionState(c: DuckDBConnection, id: string): Promise<PartitionState | null> {
  const rows = (
    await c.runAndReadAll(
      `SELECT status, checksum, rows::DOUBLE AS rows, target_table FROM partitions WHERE partition_id = $1`,
      [id],
    )
  ).getRowObjectsJS()
  const r = rows[0]
  if (!r) return null
  return {
    partitionId: id,
    status: r.status === 'loaded' ? 'loaded' : 'missing',
    checksum: (r.checksum as string | null) ?? null,
    rows: Number(r.rows),
    targetTable: String(r.target_table),
  }
}

export type MissingOutcome = 'recorded' | 'kept-loaded'

/**
 * Records that the source has no file for a partition (a gap). A partition loaded earlier keeps its rows: an
 * archive that later drops a file (Binance removed old liquidation snapshots) must not erase history.
 */
export async function recordMissingPartition(
  store: DuckStore,
  key: PartitionKey,
  details: { table: string; file: string; jobRunId?: string | null },
): Promise<MissingOutcome> {
  const id = partitionIdOf(key)
  return store.transaction(async (c) => {
    const existing = await readPartitionState(c, id)
    if (existing?.status === 'loaded') return 'kept-loaded'
    await c.run(
      `INSERT OR REPLACE INTO partitions (partition_id, source, dataset, venue, market, period, target_table, status,
              file, checksum, rows, min_ts, max_ts, loaded_at, job_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'missing', $8, NULL, 0, NULL, NULL, now() AT TIME ZONE 'UTC', $9)`,
      [
        id,
        key.source,
        key.dataset,
        key.venue,
        key.market,
        key.period,
        details.table,
        details.file,
        details.jobRunId ?? null,
      ],
    )
    return 'recorded'
  })
}
