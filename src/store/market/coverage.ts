// Data coverage per market: for each source dataset, the covered ranges, the gaps and the row counts.
import type { DuckStore } from '../duck/open.ts'
import { periodBounds } from './period.ts'

export interface CoverageRange {
  from: Date
  to: Date
}

export interface CoverageGap extends CoverageRange {
  reason: 'missing-at-source' | 'not-loaded'
}

export interface DatasetCoverage {
  venue: string
  market: string
  source: string
  dataset: string
  table: string
  partitions: number
  missingPartitions: number
  rows: number
  firstTs: Date | null
  lastTs: Date | null
  ranges: CoverageRange[]
  gaps: CoverageGap[]
}

interface PartitionRow {
  source: string
  dataset: string
  table: string
  period: string
  status: string
  rows: number
  minTs: Date | null
  maxTs: Date | null
}

export async function marketCoverage(store: DuckStore, venue: string, market: string): Promise<DatasetCoverage[]> {
  const rows = await store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT source, dataset, target_table, period, status, rows::DOUBLE AS rows, min_ts, max_ts
         FROM partitions WHERE venue = $1 AND market = $2
        ORDER BY source, dataset, target_table, period`,
      [venue, market],
    )
    return reader.getRowObjectsJS().map((r): PartitionRow => ({
      source: String(r.source),
      dataset: String(r.dataset),
      table: String(r.target_table),
      period: String(r.period),
      status: String(r.status),
      rows: Number(r.rows),
      minTs: (r.min_ts as Date | null) ?? null,
      maxTs: (r.max_ts as Date | null) ?? null,
    }))
  })
  const groups = new Map<string, PartitionRow[]>()
  for (const row of rows) {
    const key = `${row.source}\u0000${row.dataset}\u0000${row.table}`
    const list = groups.get(key) ?? []
    list.push(row)
    groups.set(key, list)
  }
  return [...groups.values()].map((parts) => summarise(venue, market, parts))
}

/** Merges adjacent loaded periods into ranges; missing periods and holes between periods become gaps. */
function summarise(venue: string, market: string, parts: PartitionRow[]): DatasetCoverage {
  const first = parts[0]!
  const loaded = parts.filter((p) => p.status === 'loaded')
  const spans = parts
    .map((p) => ({ part: p, bounds: periodBounds(p.period) }))
    .filter((s): s is { part: PartitionRow; bounds: NonNullable<ReturnType<typeof periodBounds>> } => !!s.bounds)
    .sort((a, b) => a.bounds.start.getTime() - b.bounds.start.getTime())
  const ranges: CoverageRange[] = []
  const gaps: CoverageGap[] = []
  let cursor: Date | null = null
  for (const { part, bounds } of spans) {
    if (cursor && bounds.start > cursor) gaps.push({ from: cursor, to: bounds.start, reason: 'not-loaded' })
    if (part.status === 'loaded') {
      const last = ranges.at(-1)
      if (last && last.to.getTime() >= bounds.start.getTime())
        last.to = new Date(Math.max(last.to.getTime(), bounds.end.getTime()))
      else ranges.push({ from: bounds.start, to: bounds.end })
    } else {
      const last = gaps.at(-1)
      if (last && last.reason === 'missing-at-source' && last.to.getTime() === bounds.start.getTime())
        last.to = bounds.end
      else gaps.push({ from: bounds.start, to: bounds.end, reason: 'missing-at-source' })
    }
    if (!cursor || bounds.end > cursor) cursor = bounds.end
  }
  const times = (pick: (p: PartitionRow) => Date | null) => loaded.map(pick).filter((d): d is Date => d !== null)
  const minTimes = times((p) => p.minTs)
  const maxTimes = times((p) => p.maxTs)
  return {
    venue,
    market,
    source: first.source,
    dataset: first.dataset,
    table: first.table,
    partitions: loaded.length,
    missingPartitions: parts.length - loaded.length,
    rows: loaded.reduce((sum, p) => sum + p.rows, 0),
    firstTs: minTimes.length ? new Date(Math.min(...minTimes.map((d) => d.getTime()))) : null,
    lastTs: maxTimes.length ? new Date(Math.max(...maxTimes.map((d) => d.getTime()))) : null,
    ranges,
    gaps,
  }
}
