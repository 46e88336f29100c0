// The atomic partition loader: replaces a partition's rows (and derived bars and gaps) together with its manifest row
// in one DuckDB transaction, reading the file with DuckDB's own vectorized readers. Before the transaction commits,
// the rows it wrote are checked against their tables' domain checks; any failure leaves nothing behind and is
// explained with the file, line, column and value (a diagnosis reads the file again only then).
import type { DuckDBConnection } from '@duckdb/node-api'
import {
  NORMALIZED_TABLES,
  TARGET_TABLES,
  partitionIdOf,
  type LoadRequest,
  type NormalizedTable,
  type RowMapping,
  type TargetTable,
} from '../../domain/loadSpec.ts'
import { DUPLICATE_POLICY, checkOf, columnsOf, describeCheck, hasMarketColumn } from '../../domain/normalizedTables.ts'
import type { DuckStore } from '../duck/open.ts'
import { deleteMinuteRollups, writeMinuteRollups } from '../series/minuteRollups.ts'
import { diagnoseLoad } from './diagnose.ts'
import { DomainViolation, checkTableRows, checkTradeRows, marketTimeBounds } from './domainChecks.ts'
import { gapsInsert } from './gaps.ts'
import {
  PartitionDataError,
  PartitionLoadError,
  cleanDuckMessage,
  explainReadError,
  explainValueError,
} from './loadError.ts'
import { readPartitionState, writePartitionNote } from './manifest.ts'
import { scanRecords } from './recordLines.ts'
import { sourceRelation, valueSql } from './sourceSql.ts'
import {
  UnsafeSqlTextError,
  controlCharacterIn,
  filePath,
  ident,
  numberText,
  requirePrintable,
  SqlParams,
} from './sqlText.ts'
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
  /**
   * Seconds per step inside the transaction: clearing an earlier load, inserting rows, checking them, deriving bars,
   * the rest (the series' rollups included).
   */
  stageSeconds: { delete: number; insert: number; checks: number; bars: number; finish: number }
}

const usOf = (d: Date | undefined): bigint | null => (d ? BigInt(d.getTime()) * 1000n : null)

const isNormalized = (table: string): table is NormalizedTable =>
  (NORMALIZED_TABLES as readonly string[]).includes(table)

function rowsInsert(
  request: LoadRequest,
  mapping: RowMapping,
  partitionId: string,
  present: ReadonlySet<string> | undefined,
): { sql: string; params: SqlParams } {
  const { file, partition } = request
  const params = new SqlParams()
  const values: Record<string, string> = {}
  for (const [column, expr] of Object.entries(mapping.values)) {
    values[column] = valueSql(expr, file.columns, file.name, params)
  }
  values.venue = params.bind(partition.venue)
  const normalized = isNormalized(mapping.table)
  if (normalized && hasMarketColumn(mapping.table as NormalizedTable) && !values.market)
    values.market = params.bind(partition.market)
  values.partition_id = params.bind(partitionId)
  const columns = Object.keys(values)
  const where = mapping.requireNotNull?.length
    ? ` WHERE ${mapping.requireNotNull.map((c) => `${ident(c)} IS NOT NULL`).join(' AND ')}`
    : ''
  // Time series keep a row repeated exactly once (DUPLICATE_POLICY).
  const distinct =
    normalized && DUPLICATE_POLICY[mapping.table as NormalizedTable].kind === 'collapse' ? 'DISTINCT ' : ''
  const sql =
    `INSERT INTO ${ident(mapping.table)} (${columns.map(ident).join(', ')}) ` +
    `SELECT ${distinct}${columns.map((c) => values[c]).join(', ')} FROM ${sourceRelation(file, params, present ? { present } : {})}${where}`
  return { sql, params }
}

function fundingSettlementsInsert(
  request: LoadRequest,
  partitionId: string,
  present: ReadonlySet<string> | undefined,
): { sql: string; params: SqlParams } {
  const { file, partition } = request
  const params = new SqlParams()
  const m = request.loads.find((l) => l.kind === 'funding-settlements')!
  const observed = valueSql({ epoch: m.observedAt, unit: m.unit }, file.columns, file.name, params)
  const settles = valueSql({ epoch: m.settlesAt, unit: m.unit }, file.columns, file.name, params)
  const rate = valueSql({ column: m.rate }, file.columns, file.name, params)
  const source = sourceRelation(file, params, present ? { present } : {})
  const sql = `INSERT INTO funding (venue, market, ts, rate, interval_h, mark_price, partition_id)
SELECT ${params.bind(partition.venue)}, ${params.bind(partition.market)}, settles, arg_max(rate, observed), NULL, NULL,
       ${params.bind(partitionId)}
  FROM (SELECT ${observed} AS observed, ${settles} AS settles, ${rate} AS rate FROM ${source})
 WHERE settles IS NOT NULL AND rate IS NOT NULL AND observed < settles
 GROUP BY settles
HAVING max(observed) >= settles - INTERVAL ${numberText(Math.round(m.maxLagSeconds))} SECOND`
  return { sql, params }
}

/**
 * Parquet: which columns the file has (optional ones it lacks read as NULL); with `exactColumns`, a column beyond the
 * described ones is refused (a misspelt optional column would otherwise load as NULL without a word).
 */
async function presentColumns(c: DuckDBConnection, request: LoadRequest): Promise<ReadonlySet<string> | undefined> {
  const { file } = request
  if (file.format !== 'parquet' || !(file.exactColumns || file.columns.some((col) => col.optional))) return undefined
  const reader = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet($1)`, [filePath(file.path)])
  const present = new Set(reader.getRowObjectsJS().map((r) => String(r.column_name)))
  if (file.exactColumns) {
    const unknown = [...present].filter((name) => !file.columns.some((col) => col.name === name))
    if (unknown.length) {
      throw new PartitionDataError({
        file: file.name,
        line: null,
        column: unknown.join(', '),
        received: null,
        expected: `only the columns ${file.columns.map((col) => col.name).join(', ')} (unknown column(s) ${unknown.join(', ')})`,
      })
    }
  }
  return present
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

/** Refuses what may not reach the store before anything is read: control characters in keys, names and paths. */
function checkRequestText(request: LoadRequest, partitionId: string): void {
  const { partition, file, upstream } = request
  requirePrintable('partition id', partitionId)
  for (const field of ['source', 'dataset', 'venue', 'market', 'period'] as const)
    requirePrintable(`partition ${field}`, partition[field])
  requirePrintable('file name', file.name)
  requirePrintable('upstream file', upstream.file)
  filePath(file.path)
  for (const id of request.replaces ?? []) requirePrintable('replaced partition id', id)
}

/** A non-empty file that yields no row at all: its first data line (or Parquet row), else null. */
async function firstDataRecord(
  c: DuckDBConnection,
  request: LoadRequest,
): Promise<{ line: number | null; row: number | null } | null> {
  const { file } = request
  if (file.format === 'parquet') {
    const r = (
      await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM read_parquet($1)`, [filePath(file.path)])
    ).getRowObjectsJS()[0]!
    return Number(r.n) > 0 ? { line: null, row: 1 } : null
  }
  const scan = await scanRecords(file)
  return scan.firstDataLine === null ? null : { line: scan.firstDataLine, row: null }
}

/** Words for what a column of a table a load writes must hold. */
const expectationOf = (table: TargetTable, column: string): string => {
  const check = checkOf(table, column)
  const type = columnsOf(table).find((c) => c.name === column)?.type ?? 'VARCHAR'
  return check ? describeCheck(check, type) : 'a valid value'
}

/**
 * Loads one partition. Inside one transaction: deletes whatever an earlier load of the same partition (and of any
 * partition it replaces) wrote, inserts the mapped rows, checks them, derives bars from trades, records holes against
 * the cadence, and upserts the manifest row. Throws PartitionDataError for bad content (file, line, column, value,
 * expectation); nothing is kept then.
 */
export async function loadPartition(store: DuckStore, request: LoadRequest): Promise<LoadResult> {
  const partitionId = partitionIdOf(request.partition)
  const tables = tablesOf(request)
  const bounds = marketTimeBounds(Date.now())
  // how messages name the file: escaped when its name holds control characters (it is refused then anyway)
  const name = controlCharacterIn(request.file.name) ? JSON.stringify(request.file.name) : request.file.name
  let present: ReadonlySet<string> | undefined
  try {
    checkRequestText(request, partitionId)
    return await store.transaction(async (c) => {
      present = await presentColumns(c, request)
      return loadInTransaction(c, request, partitionId, tables, present, bounds)
    })
  } catch (error) {
    if (error instanceof PartitionDataError) throw error
    if (error instanceof UnsafeSqlTextError) throw new PartitionLoadError(name, error.message)
    // A reader error that already names its line (CSV conversion, field count, encoding) needs no second read.
    const read = explainReadError(error, name)
    if (read) throw read
    const message = error instanceof Error ? error.message : String(error)
    if (/state machine reached an invalid state/.test(message)) throw await explainBrokenCsv(request, message)
    const located = await diagnoseLoad(store, request, present, bounds).catch(() => null)
    if (located) throw located
    const value = explainValueError(error, name)
    if (value) throw value
    if (error instanceof DomainViolation) {
      throw new PartitionDataError({
        file: name,
        line: null,
        column: error.column,
        received: error.value,
        expected: error.expected,
      })
    }
    throw new PartitionLoadError(name, cleanDuckMessage(message))
  }
}

/** DuckDB's CSV parser gave up without a line: mixed line endings are the usual cause; say where they change. */
async function explainBrokenCsv(request: LoadRequest, message: string): Promise<Error> {
  const scan = await scanRecords(request.file, [], true).catch(() => null)
  const mixed = scan?.mixedEndingAt
  if (mixed) {
    return new PartitionDataError({
      file: request.file.name,
      line: mixed.line,
      column: null,
      received: `a line ending in ${mixed.found}`,
      expected: `the same line ending on every line (line 1 ends in ${mixed.first})`,
    })
  }
  return new PartitionLoadError(request.file.name, `not a CSV file DuckDB can parse (${cleanDuckMessage(message)})`)
}

/** Deletes everything a partition's load wrote (rows, derived bars, holes, note); `manifest` also drops its row. */
async function clearPartition(c: DuckDBConnection, partitionId: string, tables: readonly string[], manifest: boolean) {
  const existing = await readPartitionState(c, partitionId)
  if (!existing) return null
  // Rows only exist for partitions that have a manifest row (both are written in one transaction), so a first
  // load needs no deletes; a reload clears every table an earlier mapping may have written.
  const previous = existing.targetTable.split(',').filter((t) => (TARGET_TABLES as readonly string[]).includes(t))
  for (const table of new Set([...previous, ...tables, 'bars'])) {
    // trades is a view (DDL 0102): its rows go by the partition's part numbers.
    if (table === 'trades') await deleteTrades(c, partitionId)
    else await c.run(`DELETE FROM ${ident(table)} WHERE partition_id = $1`, [partitionId])
  }
  await c.run(`DELETE FROM partition_gaps WHERE partition_id = $1`, [partitionId])
  await deleteMinuteRollups(c, [partitionId])
  // partition_changes is a history and keeps its rows.
  if (manifest) {
    await c.run(`DELETE FROM trade_parts WHERE partition_id = $1`, [partitionId])
    await writePartitionNote(c, partitionId, null)
    await c.run(`DELETE FROM partitions WHERE partition_id = $1`, [partitionId])
  }
  return existing
}

async function loadInTransaction(
  c: DuckDBConnection,
  request: LoadRequest,
  partitionId: string,
  tables: string[],
  present: ReadonlySet<string> | undefined,
  bounds: { loUs: bigint; hiUs: bigint },
): Promise<LoadResult> {
  const { partition, upstream } = request
  let mark = performance.now()
  const lap = () => {
    const now = performance.now()
    const seconds = (now - mark) / 1000
    mark = now
    return seconds
  }
  // Times without a zone are UTC; TIMESTAMPTZ values convert to UTC whatever the machine's zone.
  await c.run(`SET SESSION TimeZone = 'UTC'`)
  const existing = await clearPartition(c, partitionId, tables, false)
  for (const replaced of request.replaces ?? []) {
    if (replaced !== partitionId) await clearPartition(c, replaced, tables, true)
  }

  const deleteSeconds = lap()
  const rowsByTable: Record<string, number> = {}
  const tradeParts = new Map<number, TradePart>()
  for (const load of request.loads) {
    let inserted: number
    if (load.kind === 'rows' && load.table === 'trades') {
      const written = await insertTrades(c, request, load, partitionId, present ? { present } : {})
      for (const part of written.parts) tradeParts.set(part.part, part)
      inserted = written.rows
    } else {
      const { sql, params } =
        load.kind === 'rows'
          ? rowsInsert(request, load, partitionId, present)
          : fundingSettlementsInsert(request, partitionId, present)
      inserted = Number((await c.run(sql, params.for(sql))).rowsChanged)
    }
    rowsByTable[load.table] = (rowsByTable[load.table] ?? 0) + inserted
  }
  const loaded = Object.values(rowsByTable).reduce((a, b) => a + b, 0)
  if (loaded === 0) {
    // Rows were there but none came through (a line-ending or layout mismatch would look like this): never a
    // silent empty load. A file with no data row at all is the connector's to call a gap.
    const first = await firstDataRecord(c, request)
    if (first) {
      throw new PartitionDataError({
        file: request.file.name,
        line: first.line,
        row: first.row,
        column: null,
        received: null,
        expected:
          'rows the loader can read: the file holds data rows but none was loaded (check its layout and line endings)',
      })
    }
    // CSV and Parquet files are a source's data: one without a row is refused (archive connectors record an empty
    // day as a gap before it gets here). An API partition's NDJSON may be empty: an account with no fills that day.
    if (request.file.format !== 'ndjson') {
      const header = request.file.format === 'csv' && request.file.header
      throw new PartitionDataError({
        file: request.file.name,
        line: request.file.format === 'csv' ? (header ? 2 : 1) : null,
        column: null,
        received: null,
        expected: header ? 'at least one data row after the header' : 'at least one data row',
      })
    }
  }
  const insertSeconds = lap()
  // Domain checks over what was just written, before anything derives from it.
  for (const table of new Set(request.loads.map((l) => l.table))) {
    if (table === 'trades') await checkTradeRows(c, [...tradeParts.values()], bounds, expectationOf)
    else await checkTableRows(c, table, partitionId, bounds, expectationOf)
  }
  const checkSeconds = lap()
  if (request.tradeBars) {
    const trades = request.loads.find((l): l is RowMapping => l.kind === 'rows' && l.table === 'trades')
    if (!trades) throw new Error('trade bars requested without a trades mapping')
    // From the rows just inserted (same transaction), by part: no second parse of the file.
    const params = new SqlParams()
    const sql = tradeBarsInsert(request, trades, [...tradeParts.values()], partitionId, params)
    const result = await c.run(sql, params.for(sql))
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
  // The series' rollups of what the partition now holds (bars, loaded or derived, and prices). Its rows lie within
  // that range, derived bars up to a minute before it (a bar opens at its interval's start; an hour is allowed).
  if (rowsByTable.bars || rowsByTable.prices) {
    const within = minUs !== null && maxUs !== null ? { fromUs: minUs - 3_600_000_000n, toUs: maxUs } : undefined
    await writeMinuteRollups(c, [partitionId], within)
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
      const params = new SqlParams()
      const sql = gapsInsert(request.cadence, partitionId, { start, end }, params)
      await c.run(sql, params.for(sql))
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
  await writePartitionNote(c, partitionId, upstream.unverified ? 'unverified' : null)
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
    stageSeconds: {
      delete: deleteSeconds,
      insert: insertSeconds,
      checks: checkSeconds,
      bars: barsSeconds,
      finish: lap(),
    },
  }
}
