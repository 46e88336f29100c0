// The partition manifest as the ingestion orchestrator sees it: what is loaded with which checksum, gaps at source
// (with why: no file, or an empty one), loads made without a published checksum, and earlier loads of local files.
import type { DuckDBConnection } from '@duckdb/node-api'
import { partitionIdOf, type PartitionKey } from '../../domain/loadSpec.ts'
import type { DuckStore } from '../duck/open.ts'

/** partition_notes.note (DDL 0310). */
export type PartitionNote = 'empty-at-source' | 'unverified'

export interface PartitionState {
  partitionId: string
  status: 'loaded' | 'missing'
  checksum: string | null
  rows: number
  targetTable: string
  note: PartitionNote | null
}

const SELECT_STATE = `SELECT p.partition_id, p.status, p.checksum, p.rows::DOUBLE AS rows, p.target_table, n.note
  FROM partitions p LEFT JOIN partition_notes n USING (partition_id)`

const stateOf = (r: Record<string, unknown>): PartitionState => ({
  partitionId: String(r.partition_id),
  status: r.status === 'loaded' ? 'loaded' : 'missing',
  checksum: (r.checksum as string | null) ?? null,
  rows: Number(r.rows),
  targetTable: String(r.target_table),
  note: (r.note as PartitionNote | null) ?? null,
})

/** Current manifest rows for the given partition ids (absent ids were never loaded). */
export async function partitionStates(store: DuckStore, ids: readonly string[]): Promise<Map<string, PartitionState>> {
  const out = new Map<string, PartitionState>()
  if (ids.length === 0) return out
  await store.use(async (c) => {
    // Chunks keep statements small for long back-fills; the ids are bound, one parameter each.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      const reader = await c.runAndReadAll(
        `${SELECT_STATE} WHERE p.partition_id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      )
      for (const r of reader.getRowObjectsJS()) out.set(String(r.partition_id), stateOf(r))
    }
  })
  return out
}

export async function readPartitionState(c: DuckDBConnection, id: string): Promise<PartitionState | null> {
  const rows = (await c.runAndReadAll(`${SELECT_STATE} WHERE p.partition_id = $1`, [id])).getRowObjectsJS()
  return rows[0] ? stateOf(rows[0]) : null
}

/** Replaces the partition's note (none when `note` is null), in the caller's transaction. */
export async function writePartitionNote(c: DuckDBConnection, id: string, note: PartitionNote | null): Promise<void> {
  await c.run(`DELETE FROM partition_notes WHERE partition_id = $1`, [id])
  if (note) await c.run(`INSERT INTO partition_notes VALUES ($1, $2)`, [id, note])
}

export type MissingOutcome = 'recorded' | 'kept-loaded'

/**
 * Records that the source has no data for a partition (a gap): no file, or (`empty-at-source`) a file without a data
 * row. A partition loaded earlier keeps its rows: an archive that later drops a file (Binance removed old liquidation
 * snapshots) must not erase history.
 */
export async function recordMissingPartition(
  store: DuckStore,
  key: PartitionKey,
  details: { table: string; file: string; jobRunId?: string | null; reason?: 'empty-at-source' },
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
    await writePartitionNote(c, id, details.reason ?? null)
    return 'recorded'
  })
}

export interface StoredFileLoad {
  partitionId: string
  checksum: string | null
  file: string | null
}

/**
 * Loaded partitions of local files (`ingest file`) for one venue, table and market: those among `ids` (the ids earlier
 * versions gave a file) and those loaded from `path`. Lets a file find the rows it loaded before, and only those.
 */
export async function storedFileLoads(
  store: DuckStore,
  where: { venue: string; dataset: string; market: string; ids: readonly string[]; path: string },
): Promise<StoredFileLoad[]> {
  return store.use(async (c) => {
    const ids = where.ids.map((_, i) => `$${i + 5}`)
    const reader = await c.runAndReadAll(
      `SELECT partition_id, checksum, file FROM partitions
        WHERE source = 'file' AND status = 'loaded' AND venue = $1 AND dataset = $2 AND market = $3
          AND (file = $4${ids.length ? ` OR partition_id IN (${ids.join(', ')})` : ''})
        ORDER BY partition_id`,
      [where.venue, where.dataset, where.market, where.path, ...where.ids],
    )
    return reader.getRowObjectsJS().map((r) => ({
      partitionId: String(r.partition_id),
      checksum: (r.checksum as string | null) ?? null,
      file: (r.file as string | null) ?? null,
    }))
  })
}
