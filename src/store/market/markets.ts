// Markets with loaded data, summarised from the partition manifest.
import type { DuckStore } from '../duck/open.ts'

export interface MarketSummary {
  venue: string
  market: string
  datasets: string[]
  firstTs: Date | null
  lastTs: Date | null
  rows: number
}

export async function listMarkets(store: DuckStore, venue?: string | null): Promise<MarketSummary[]> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT venue, market, list(DISTINCT dataset ORDER BY dataset) AS datasets,
              min(min_ts) AS first_ts, max(max_ts) AS last_ts, sum(rows)::DOUBLE AS rows
         FROM partitions
        WHERE status = 'loaded' AND ($1::VARCHAR IS NULL OR venue = $1::VARCHAR)
        GROUP BY venue, market
        ORDER BY venue, market`,
      [venue ?? null],
    )
    return reader.getRowObjectsJS().map((r) => ({
      venue: String(r.venue),
      market: String(r.market),
      datasets: (r.datasets as string[]).map(String),
      firstTs: (r.first_ts as Date | null) ?? null,
      lastTs: (r.last_ts as Date | null) ?? null,
      rows: Number(r.rows ?? 0),
    }))
  })
}
