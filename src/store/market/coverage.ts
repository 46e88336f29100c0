// Data coverage per market: for each source dataset, the covered ranges, the gaps and the row counts.
import { listValue, type DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { periodBounds } from './period.ts'

export interface CoverageRange {
  from: Date
  to: Date
}

export interface CoverageGap extends CoverageRange {
  /** missing-at-source: no file; empty-at-source: a file without data rows (DDL 0310 note); not-loaded: never asked. */
  reason: 'missing-at-source' | 'empty-at-source' | 'not-loaded'
}

/** A hole inside a loaded partition, measured against the dataset's cadence (e.g. minutes missing from 1m klines). */
export interface CoverageHole extends CoverageRange {
  /** Expected rows absent. */
  missing: number
  stepSeconds: number
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
  /** Holes inside loaded partitions. */
  holes: CoverageHole[]
  /** Expected rows absent inside loaded partitions. */
  missingRows: number
  /** Time inside loaded partitions with no rows, in minutes. */
  missingMinutes: number
}

interface PartitionRow {
  venue: string
  market: string
  source: string
  dataset: string
  table: string
  period: string
  status: string
  rows: number
  minTs: Date | null
  maxTs: Date | null
  note: string | null
}

export function marketCoverage(store: DuckStore, venue: string, market: string): Promise<DatasetCoverage[]> {
  return coverage(store, { venue, market })
}

/** A dataset's identity within coverage: venue, market, source, dataset and table, NUL-separated. */
export const coverageGroup = (c: Pick<DatasetCoverage, 'venue' | 'market' | 'source' | 'dataset' | 'table'>) =>
  [c.venue, c.market, c.source, c.dataset, c.table].join('\u0000')

/**
 * Coverage of every dataset of every market (or of one venue and / or market, or of the datasets named by
 * `groups`, keys from coverageGroup), by venue, market, source, dataset.
 */
export async function coverage(
  store: DuckStore,
  scope: { venue?: string | null; market?: string | null; groups?: readonly string[] | null },
): Promise<DatasetCoverage[]> {
  // the groups are matched as lists of their five names (no separator a name could contain)
  const where = `($1::VARCHAR IS NULL OR venue = $1::VARCHAR) AND ($2::VARCHAR IS NULL OR market = $2::VARCHAR)
    AND ($3::VARCHAR[][] IS NULL OR list_contains($3::VARCHAR[][], [venue, market, source, dataset, target_table]))`
  const bound = [
    scope.venue ?? null,
    scope.market ?? null,
    scope.groups ? listValue(scope.groups.map((g) => listValue(g.split('\u0000')))) : null,
  ]
  const rows = await store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT venue, market, source, dataset, target_table, period, status, rows::DOUBLE AS rows, min_ts, max_ts, n.note
         FROM partitions LEFT JOIN partition_notes n USING (partition_id) WHERE ${where}
        ORDER BY venue, market, source, dataset, target_table, period`,
      bound,
    )
    return reader.getRowObjectsJS().map((r): PartitionRow => ({
      venue: String(r.venue),
      market: String(r.market),
      source: String(r.source),
      dataset: String(r.dataset),
      table: String(r.target_table),
      period: String(r.period),
      status: String(r.status),
      rows: Number(r.rows),
      minTs: (r.min_ts as Date | null) ?? null,
      maxTs: (r.max_ts as Date | null) ?? null,
      note: (r.note as string | null) ?? null,
    }))
  })
  const holes = await partitionHoles(store, where, bound)
  const groups = new Map<string, PartitionRow[]>()
  for (const row of rows) {
    const key = [row.venue, row.market, row.source, row.dataset, row.table].join('\u0000')
    const list = groups.get(key) ?? []
    list.push(row)
    groups.set(key, list)
  }
  return [...groups.entries()].map(([key, parts]) => {
    const summary = summarise(parts)
    const own = holes.get(key) ?? []
    return {
      ...summary,
      holes: own,
      missingRows: own.reduce((sum, h) => sum + h.missing, 0),
      missingMinutes: own.reduce((sum, h) => sum + (h.to.getTime() - h.from.getTime()) / 60_000, 0),
    }
  })
}

/** Holes recorded at load time (partition_gaps), keyed like the coverage groups. */
async function partitionHoles(
  store: DuckStore,
  where: string,
  bound: DuckDBValue[],
): Promise<Map<string, CoverageHole[]>> {
  const rows = await store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT p.venue, p.market, p.source, p.dataset, p.target_table, g.gap_from, g.gap_to,
              g.missing::DOUBLE AS missing, g.step_s
         FROM partition_gaps g JOIN (SELECT * FROM partitions WHERE ${where}) p USING (partition_id)
        WHERE p.status = 'loaded'
        ORDER BY g.gap_from`,
      bound,
    )
    return reader.getRowObjectsJS()
  })
  const out = new Map<string, CoverageHole[]>()
  for (const r of rows) {
    const key = [r.venue, r.market, r.source, r.dataset, r.target_table].map(String).join('\u0000')
    const list = out.get(key) ?? []
    list.push({
      from: r.gap_from as Date,
      to: r.gap_to as Date,
      missing: Number(r.missing),
      stepSeconds: Number(r.step_s),
    })
    out.set(key, list)
  }
  return out
}

/** (venue, market) pairs that have any partition (loaded or recorded missing), optionally filtered. */
export async function coveredMarkets(
  store: DuckStore,
  filter: { venue?: string | null; market?: string | null } = {},
): Promise<Array<{ venue: string; market: string }>> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT DISTINCT venue, market FROM partitions
        WHERE ($1::VARCHAR IS NULL OR venue = $1::VARCHAR) AND ($2::VARCHAR IS NULL OR market = $2::VARCHAR)
        ORDER BY venue, market`,
      [filter.venue ?? null, filter.market ?? null],
    )
    return reader.getRowObjectsJS().map((r) => ({ venue: String(r.venue), market: String(r.market) }))
  })
}

/** Merges adjacent loaded periods into ranges; missing periods and holes between periods become gaps. */
function summarise(parts: PartitionRow[]): Omit<DatasetCoverage, 'holes' | 'missingRows' | 'missingMinutes'> {
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
      const reason = part.note === 'empty-at-source' ? 'empty-at-source' : 'missing-at-source'
      const last = gaps.at(-1)
      if (last && last.reason === reason && last.to.getTime() === bounds.start.getTime()) last.to = bounds.end
      else gaps.push({ from: bounds.start, to: bounds.end, reason })
    }
    if (!cursor || bounds.end > cursor) cursor = bounds.end
  }
  // Partitions keyed by something other than a day or month (local files) cover what their rows span.
  for (const p of loaded) {
    if (periodBounds(p.period) || !p.minTs || !p.maxTs) continue
    ranges.push({ from: p.minTs, to: new Date(p.maxTs.getTime() + 1) })
  }
  ranges.sort((a, b) => a.from.getTime() - b.from.getTime())
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.from.getTime() <= ranges[i - 1]!.to.getTime()) {
      ranges[i - 1]!.to = new Date(Math.max(ranges[i - 1]!.to.getTime(), ranges[i]!.to.getTime()))
      ranges.splice(i--, 1)
    }
  }
  const times = (pick: (p: PartitionRow) => Date | null) => loaded.map(pick).filter((d): d is Date => d !== null)
  const minTimes = times((p) => p.minTs)
  const maxTimes = times((p) => p.maxTs)
  return {
    venue: first.venue,
    market: first.market,
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
