// The atomic partition loader: replaces a partition's rows (and derived bars and gaps) together with its manifest row
// in one DuckDB transaction, reading the file with DuckDB's own vectorized readers. A failure leaves nothing behind.
import type { DuckDBConnection } from '@duckdb/node-api'
import {
  NORMALIZED_TABLES,
  TARGET_TABLES,
  partitionIdOf,
  type LoadRequest,
  type NormalizedTable,
  type RowMapping,
} from '../../domain/loadSpec.ts'
import { hasMarketColumn } from '../../domain/normalizedTables.ts'
import type { DuckStore } from '../duck/open.ts'
import { gapsInsert } from './gaps.ts'
import { explainReadError } from './loadError.ts'
import { readPartitionState } from './manifest.ts'
import { sourceRelation, valueSql } from './sourceSql.ts'
import { ident, literal, str } from './sqlText.ts'
import { tradeBarsInsert } from './tradeBars.ts'
import { deleteTrades, insertTrades, tradesTimeRange, type TradePart } from './tradeRows.ts'

export interface LoadResult {
  partitionId: string
  rows: number
  rowsByTable: Record<string, number>
  minTs: Date | null
  maxTs: Date | null
  /** Set when the partition had been loaded from a file with a different upstream checksum. */
  replacedChecksum: string | null
  /** Whether an earlier load of this partition was replaced (force or changed upstream). */
  replaced: boolean
  /** Holes found inside the partition against its cadence. */
  gaps: number
  missingSlots: number
  /** Seconds per step inside the transaction: clearing an earlier load, inserting rows, deriving bars, the rest. */
  stageSeconds: { delete: number; insert: number; bars: number; finish: number }
}

const usOf = (d: Date | undefined): bigint | null => (d ? BigInt(d.getTime()) * 1000n : null)

function rowsInsert(
  request: LoadRequest,
  mapping: RowMapping,
  partitionId: string,
  present: ReadonlySet<string> | undefined,
): string {
  const { file, partition } = request
  const values: Record<string, string> = {}
  for (const [column, expr] of Object.entries(mapping.values)) values[column] = valueSql(expr, file.columns, file.name)
  values.venue = literal(partition.venue)
  const normalized = (NORMALIZED_TABLES as readonly string[]).includes(mapping.table)
  if (normalized && hasMarketColumn(mapping.table as NormalizedTable) && !values.market)
    values.market = literal(partition.market)
  values.partition_id = literal(partitionId)
  const columns = Object.keys(values)
  const where = mapping.requireNotNull?.length
    ? ` WHERE ${mapping.requireNotNull.map((c) => `${ident(c)} IS NOT NULL`).join(' AND ')}`
    : ''
  return (
    `INSERT INTO ${ident(mapping.table)} (${columns.map(ident).join(', ')}) ` +
    `SELECT ${columns.map((c) => values[c]).join(', ')} FROM ${sourceRelation(file, present)}${where}`
  )
}

function fundingSettlementsInsert(
  request: LoadRequest,
  partitionId: string,
  present: ReadonlySet<string> | undefined,
): string {
  const { file, partition } = request
  const m = request.loads.find((l) => l.kind === 'funding-settlements')!
  const observed = valueSql({ epoch: m.observedAt, unit: m.unit }, file.columns, file.name)
  const settles = valueSql({ epoch: m.settlesAt, unit: m.unit }, file.columns, file.name)
  const rate = valueSql({ column: m.rate }, file.columns, file.name)
  return `INSERT INTO funding (venue, market, ts, rate, interval_h, mark_price, partition_id)
SELECT ${literal(partition.venue)}, ${literal(partition.market)}, settles, arg_max(rate, observed), NULL, NULL,
       ${literal(partitionId)}
  FROM (SELECT ${observed} AS observed, ${settles} AS settles, ${rate} AS rate FROM ${sourceRelation(file, present)})
 WHERE settles IS NOT NULL AND rate IS NOT NULL AND observed < settles
 GROUP BY settles
HAVING max(observed) >= settles - INTERVAL ${Math.round(m.maxLagSeconds)} SECOND`
}

/** Parquet files with optional columns: which columns the file actually has (the rest read as NULL). */
async function presentColumns(c: DuckDBConnection, request: LoadRequest): Promise<ReadonlySet<string> | undefined> {
  const { file } = request
  if (file.format !== 'parquet' || !file.columns.some((col) => col.optional)) return undefined
  const reader = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${str(file.path)})`)
  return new Set(reader.getRowObjectsJS().map((r) => String(r.column_name)))
}

/**
 * min/max ts of a partition's rows in one table. Filtering on partition_id alone scans the whole table, which grows
 * with every day loaded; a ts window around the period lets DuckDB skip other days' row groups by their zone maps.
 * The window is only trusted when it holds every row the load inserted; otherwise the full scan decides.
 */
async function timeRange(
  c: DuckDBConnection,
  table: string,
  partitionId: string,
  inserted: number,
  request: LoadRequest,
): Promise<{ lo: bigint | null; hi: bigint | null }> {
  const read = async (window: boolean) => {
    const day = 86_400_000_000n
    const params: Array<string | bigint> = [partitionId]
    let where = 'partition_id = $1'
    if (window) {
      params.push(usOf(request.periodStart)! - day, usOf(request.periodEnd)! + day)
      where += ' AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT)'
    }
    const r = (
      await c.runAndReadAll(
        `SELECT count(*)::DOUBLE AS n, epoch_us(min(ts)) AS lo, epoch_us(max(ts)) AS hi FROM ${ident(table)} WHERE ${where}`,
        params,
      )
    ).getRowObjects()[0]!
    return { n: Number(r.n), lo: (r.lo as bigint | null) ?? null, hi: (r.hi as bigint | null) ?? null }
  }
  if (request.periodStart && request.periodEnd) {
    const windowed = await read(true)
    if (windowed.n === inserted) return windowed
  }
  return read(false)
}

/** Tables a load request writes (bars too when trade bars are derived). */
export function tablesOf(request: LoadRequest): string[] {
  const tables = new Set<string>(request.loads.map((l) => l.table))
  if (request.tradeBars) tables.add('bars')
  return [...tables]
}

/**
 * Loads one partition. Inside one transaction: deletes whatever an earlier load of the same partition wrote, inserts
 * the mapped rows (and bars derived from trades), records holes against the cadence, and upserts the manifest row.
 * Throws PartitionDataError for bad content (file, line, column, value, expectation); nothing is kept then.
 */
export async function loadPartition(store: DuckStore, request: LoadRequest): Promise<LoadResult> {
  const partitionId = partitionIdOf(request.partition)
  const tables = tablesOf(request)
  try {
    return await store.transaction((c) => loadInTransaction(c, request, partitionId, tables))
  } catch (error) {
    throw explainReadError(error, request.file.name) ?? error
  }
}

async function loadInTransaction(
  c: DuckDBConnection,
  request: LoadRequest,
  partitionId: string,
  tables: string[],
): Promise<LoadResult> {
  const { partition, upstream } = request
  let mark = performance.now()
  const lap = () => {
    const now = performance.now()
    const seconds = (now - mark) / 1000
    mark = now
    return seconds
  }
  const existing = await readPartitionState(c, partitionId)
  if (existing) {
    // Rows only exist for partitions that have a manifest row (both are written in one transaction), so a first
    // load needs no deletes; a reload clears every table an earlier mapping may have written.
    const previous = existing.targetTable.split(',').filter((t) => (TARGET_TABLES as readonly string[]).includes(t))
    for (const table of new Set([...previous, ...tables, 'bars'])) {
      // trades is a view (DDL 0102): its rows go by the partition's part numbers.
      if (table === 'trades') await deleteTrades(c, partitionId)
      else await c.run(`DELETE FROM ${ident(table)} WHERE partition_id = $1`, [partitionId])
    }
    await c.run(`DELETE FROM partition_gaps WHERE partition_id = $1`, [partitionId])
    // partition_changes is a history and keeps its rows.
  }

  const deleteSeconds = lap()
  const present = await presentColumns(c, request)
  const rowsByTable: Record<string, number> = {}
  const tradeParts = new Map<number, TradePart>()
  for (const load of request.loads) {
    let inserted: number
    if (load.kind === 'rows' && load.table === 'trades') {
      const written = await insertTrades(c, request, load, partitionId, present)
      for (const part of written.parts) tradeParts.set(part.part, part)
      inserted = written.rows
    } else {
      const sql =
        load.kind === 'rows'
          ? rowsInsert(request, load, partitionId, present)
          : fundingSettlementsInsert(request, partitionId, present)
      inserted = Number((await c.run(sql)).rowsChanged)
    }
    rowsByTable[load.table] = (rowsByTable[load.table] ?? 0) + inserted
  }
  const insertSeconds = lap()
  if (request.tradeBars) {
    const trades = request.loads.find((l): l is RowMapping => l.kind === 'rows' && l.table === 'trades')
    if (!trades) throw new Error('trade bars requested without a trades mapping')
    // From the rows just inserted (same transaction), by part: no second parse of the file.
    const result = await c.run(tradeBarsInsert(request, trades, [...tradeParts.values()], partitionId))
    rowsByTable.bars = (rowsByTable.bars ?? 0) + Number(result.rowsChanged)
  }
  const barsSeconds = lap()
  const rows = Object.entries(rowsByTable).reduce(
    (sum, [table, n]) => (table === 'bars' && request.tradeBars ? sum : sum + n),
    0,
  )

  // The time range of what the partition holds, from the tables it wrote (derived bars excluded).
  let minUs: bigint | null = null
  let maxUs: bigint | null = null
  for (const table of new Set(request.loads.map((l) => l.table))) {
    const r =
      table === 'trades'
        ? await tradesTimeRange(c, [...tradeParts.values()])
        : await timeRange(c, table, partitionId, rowsByTable[table] ?? 0, request)
    if (r.lo !== null && (minUs === null || r.lo < minUs)) minUs = r.lo
    if (r.hi !== null && (maxUs === null || r.hi > maxUs)) maxUs = r.hi
  }

  let gaps = 0
  let missingSlots = 0
  for (const gap of request.gaps ?? []) {
    await c.run(
      `INSERT INTO partition_gaps VALUES ($1, $2, make_timestamp($3::BIGINT), make_timestamp($4::BIGINT), $5::BIGINT, $6::INTEGER)`,
      [
        partitionId,
        gap.table,
        BigInt(gap.from.getTime()) * 1000n,
        BigInt(gap.to.getTime()) * 1000n,
        BigInt(gap.missing),
        Math.round(gap.stepSeconds),
      ],
    )
  }
  if (request.cadence) {
    const start = usOf(request.periodStart)
    const end = usOf(request.periodEnd)
    if (
      (rowsByTable[request.cadence.table] ?? 0) === 0 &&
      start !== null &&
      end !== null &&
      'everySeconds' in request.cadence
    ) {
      // An empty file: the whole period is one hole.
      const step = BigInt(Math.round(request.cadence.everySeconds * 1_000_000))
      await c.run(
        `INSERT INTO partition_gaps VALUES ($1, $2, make_timestamp($3::BIGINT), make_timestamp($4::BIGINT), $5::BIGINT, $6::INTEGER)`,
        [partitionId, request.cadence.table, start, end, (end - start) / step, request.cadence.everySeconds],
      )
    } else {
      await c.run(gapsInsert(request.cadence, partitionId), [start, end])
    }
  }
  if (request.cadence || request.gaps?.length) {
    const g = (
      await c.runAndReadAll(
        `SELECT count(*)::DOUBLE AS n, coalesce(sum(missing), 0)::DOUBLE AS m FROM partition_gaps WHERE partition_id = $1`,
        [partitionId],
      )
    ).getRowObjectsJS()[0]!
    gaps = Number(g.n)
    missingSlots = Number(g.m)
  }

  const changed =
    existing?.status === 'loaded' &&
    existing.checksum !== null &&
    upstream.checksum !== null &&
    existing.checksum !== upstream.checksum
  if (changed) {
    await c.run(`INSERT INTO partition_changes VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC', $4)`, [
      partitionId,
      existing.checksum,
      upstream.checksum,
      request.jobRunId ?? null,
    ])
  }
  await c.run(
    `INSERT OR REPLACE INTO partitions (partition_id, source, dataset, venue, market, period, target_table, status, file,
            checksum, rows, min_ts, max_ts, loaded_at, job_run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'loaded', $8, $9, $10::BIGINT, make_timestamp($11::BIGINT),
            make_timestamp($12::BIGINT), now() AT TIME ZONE 'UTC', $13)`,
    [
      partitionId,
      partition.source,
      partition.dataset,
      partition.venue,
      partition.market,
      partition.period,
      [...new Set(request.loads.map((l) => l.table))].join(','),
      upstream.file,
      upstream.checksum,
      BigInt(rows),
      minUs,
      maxUs,
      request.jobRunId ?? null,
    ],
  )
  return {
    partitionId,
    rows,
    rowsByTable,
    minTs: minUs === null ? null : new Date(Number(minUs / 1000n)),
    maxTs: maxUs === null ? null : new Date(Number(maxUs / 1000n)),
    replacedChecksum: changed ? existing.checksum : null,
    replaced: existing?.status === 'loaded',
    gaps,
    missingSlots,
    stageSeconds: { delete: deleteSeconds, insert: insertSeconds, bars: barsSeconds, finish: lap() },
  }
}
