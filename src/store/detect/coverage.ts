// What an ingestion run newly covered, per venue: the markets of the partitions it loaded (with rows) and the span of
// their timestamps, for the detect run that may follow it (DETECT_AFTER_INGEST).
import type { DuckStore } from '../duck/open.ts'
import { num, queryRows } from './read.ts'

export interface LoadedCoverage {
  venue: string
  /** null when a partition held several markets (a file with a market column: market `*`) or none (`-`). */
  markets: string[] | null
  /** Earliest and latest timestamp loaded (µs), both inclusive. */
  fromUs: number
  lastUs: number
}

/** Per venue (in name order), what the partitions loaded by `jobRunId` hold. */
export async function loadedCoverage(store: DuckStore, jobRunId: string): Promise<LoadedCoverage[]> {
  const rows = await queryRows(
    store,
    `SELECT venue, list(DISTINCT market ORDER BY market) AS markets, epoch_us(min(min_ts))::DOUBLE AS f,
            epoch_us(max(max_ts))::DOUBLE AS l
       FROM partitions
      WHERE job_run_id = $1 AND status = 'loaded' AND rows > 0 AND min_ts IS NOT NULL AND max_ts IS NOT NULL
      GROUP BY venue ORDER BY venue`,
    [jobRunId],
  )
  return rows.map((r) => {
    const markets = (r.markets as unknown[]).map(String)
    return {
      venue: String(r.venue),
      markets: markets.some((m) => m === '*' || m === '-') ? null : markets,
      fromUs: num(r.f),
      lastUs: num(r.l),
    }
  })
}
