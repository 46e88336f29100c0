// Locates why a load failed, after its transaction rolled back: reads the file again, tolerantly (values that do not
// convert read as NULL) and with record numbers, and finds the first row that breaks something — a value that does
// not convert, an unknown code, an empty required field, a domain check, a repeated row — with its line, column and
// value. Runs only on the failure path, so it may read the whole file.
import type { DuckDBConnection } from '@duckdb/node-api'
import {
  NORMALIZED_TABLES,
  type LoadRequest,
  type NormalizedTable,
  type RowMapping,
  type SourceColumn,
  type ValueExpr,
} from '../../domain/loadSpec.ts'
import { DUPLICATE_POLICY, NORMALIZED_COLUMNS, describeCheck } from '../../domain/normalizedTables.ts'
import type { DuckStore } from '../duck/open.ts'
import { boundTimes, checkSql, duplicateExpectation } from './domainChecks.ts'
import { PartitionDataError, typeWords } from './loadError.ts'
import { scanRecords } from './recordLines.ts'
import { lookupKnownSql, rawColumn, sourceColumnsOf, sourceRelation, valueSql } from './sourceSql.ts'
import { ident, SqlParams } from './sqlText.ts'

interface Probe {
  /** SQL true when the row is fine (never NULL). */
  ok: string
  /** SQL of the value to quote (text). */
  value: string
  column: string
  expected: string
}

interface Found {
  rn: number
  column: string
  value: string | null
  expected: string
  /** A repeated row: the record it repeats. */
  repeats?: number
}

const isNormalized = (table: string): table is NormalizedTable =>
  (NORMALIZED_TABLES as readonly string[]).includes(table)

/** What a mapped value means for a table column: its type, required-ness and check. */
const targetColumn = (table: string, name: string) =>
  isNormalized(table) ? NORMALIZED_COLUMNS[table].find((c) => c.name === name) : undefined

function probesFor(
  request: LoadRequest,
  mapping: RowMapping,
  params: SqlParams,
  bounds: { loUs: bigint; hiUs: bigint },
): Probe[] {
  const { file } = request
  const columns: readonly SourceColumn[] = file.columns
  const time = boundTimes(params, bounds)
  const probes: Probe[] = []
  const converted = new Set<string>()
  const values: Array<[string, ValueExpr]> = Object.entries(mapping.values)
  if (mapping.table === 'trades' && request.tradeBars?.tradeCount)
    values.push(['trade_count', request.tradeBars.tradeCount])
  const mapped = (expr: ValueExpr) => valueSql(expr, columns, file.name, params, { lenientLookups: true })
  const other = (name: string) => {
    const expr = mapping.values[name]
    return expr ? `TRY(${mapped(expr)})` : 'NULL'
  }
  for (const [target, expr] of values) {
    const sources = sourceColumnsOf(expr)
    // 1. A source value that does not convert to its column's type.
    for (const s of sources) {
      if (converted.has(s)) continue
      converted.add(s)
      const type = columns.find((c) => c.name === s)!.type
      probes.push({
        ok: `NOT (${rawColumn(s)} IS NOT NULL AND ${ident(s)} IS NULL)`,
        value: `CAST(${rawColumn(s)} AS VARCHAR)`,
        column: s,
        expected: typeWords(type),
      })
    }
    const shown = sources.length === 1 ? sources[0]! : target
    // what the file holds, as it holds it (the raw text of a CSV or NDJSON field)
    const shownValue = sources.length === 1 ? `CAST(${rawColumn(sources[0]!)} AS VARCHAR)` : null
    // 2. A code the mapping does not know.
    if ('lookup' in expr) {
      probes.push({
        ok: `coalesce(${ident(expr.lookup)} IS NULL OR ${lookupKnownSql(expr, ident(expr.lookup))}, false)`,
        value: `CAST(${ident(expr.lookup)} AS VARCHAR)`,
        column: expr.lookup,
        expected: `one of ${Object.keys(expr.values).join(', ')}`,
      })
    }
    // trades keep the side as is_buy, but the mapping's text (buy / sell) is what the check reads
    const value = `TRY(${mapped(expr)})`
    // 3. An epoch that does not fit a timestamp.
    if ('epoch' in expr) {
      probes.push({
        ok: `(${ident(expr.epoch)} IS NULL OR ${value} IS NOT NULL)`,
        value: `CAST(${ident(expr.epoch)} AS VARCHAR)`,
        column: expr.epoch,
        expected: `an epoch time in ${expr.unit === 'us' ? 'microseconds' : expr.unit === 'ms' ? 'milliseconds' : 'seconds'}`,
      })
    }
    const col = targetColumn(mapping.table, target === 'trade_count' ? '' : target)
    // 4. An empty required field.
    if (col?.required && col.default === undefined && !('literal' in expr)) {
      probes.push({
        ok: `(${value} IS NOT NULL)`,
        value: shownValue ?? 'NULL',
        column: shown,
        expected: `a value (${target} is required)`,
      })
    }
    // 5. The table's domain check.
    if (col?.check) {
      probes.push({
        ok: checkSql(col.check, value, col.type, other, time),
        value: shownValue ?? `CAST(${value} AS VARCHAR)`,
        column: shown,
        expected: describeCheck(col.check, col.type),
      })
    }
    if (target === 'trade_count') {
      probes.push({
        ok: `coalesce(${value} IS NULL OR ${value} >= 1, false)`,
        value: `CAST(${value} AS VARCHAR)`,
        column: shown,
        expected: 'a trade count ≥ 1 (the last trade id at or after the first)',
      })
    }
  }
  return probes
}

async function firstProblem(
  c: DuckDBConnection,
  request: LoadRequest,
  mapping: RowMapping,
  present: ReadonlySet<string> | undefined,
  bounds: { loUs: bigint; hiUs: bigint },
): Promise<Found | null> {
  const params = new SqlParams()
  const probes = probesFor(request, mapping, params, bounds)
  if (probes.length === 0) return null
  const relation = sourceRelation(request.file, params, {
    ...(present ? { present } : {}),
    ordinality: true,
    tolerant: true,
  })
  const filter = mapping.requireNotNull?.length
    ? mapping.requireNotNull.map((col) => `${ident(col)} IS NOT NULL`).join(' AND ') + ' AND '
    : ''
  const which = probes.map((p, i) => `WHEN NOT ${p.ok} THEN ${i}`).join(' ')
  const value = probes.map((p) => `WHEN NOT ${p.ok} THEN ${p.value}`).join(' ')
  const sql = `SELECT __rn, CASE ${which} END AS k, CASE ${value} END AS v FROM ${relation}
        WHERE ${filter}NOT (${probes.map((p) => p.ok).join(' AND ')}) ORDER BY __rn LIMIT 1`
  const row = (await c.runAndReadAll(sql, params.for(sql))).getRowObjectsJS()[0]
  if (!row) return null
  const probe = probes[Number(row.k)]!
  return {
    rn: Number(row.__rn),
    column: probe.column,
    value: (row.v as string | null) ?? null,
    expected: probe.expected,
  }
}

/** The first row that repeats an earlier one exactly while carrying the table's id (tables that refuse repeats). */
async function firstRepeat(
  c: DuckDBConnection,
  request: LoadRequest,
  mapping: RowMapping,
  present: ReadonlySet<string> | undefined,
): Promise<Found | null> {
  if (!isNormalized(mapping.table)) return null
  const policy = DUPLICATE_POLICY[mapping.table]
  const idExpr = mapping.values[policy.kind === 'refuse-with-id' ? policy.id : '']
  if (policy.kind !== 'refuse-with-id' || !idExpr) return null
  const params = new SqlParams()
  const targets = Object.entries(mapping.values).map(
    ([, expr], i) =>
      `TRY(${valueSql(expr, request.file.columns, request.file.name, params, { lenientLookups: true })}) AS c${i}`,
  )
  const idIndex = Object.keys(mapping.values).indexOf(policy.id)
  const relation = sourceRelation(request.file, params, {
    ...(present ? { present } : {}),
    ordinality: true,
    tolerant: true,
  })
  const sql = `SELECT l[1] AS first, l[2] AS second, id FROM (
         SELECT list(__rn ORDER BY __rn) AS l, CAST(any_value(c${idIndex}) AS VARCHAR) AS id
           FROM (SELECT __rn, ${targets.join(', ')} FROM ${relation}) WHERE c${idIndex} IS NOT NULL
          GROUP BY ${targets.map((_, i) => `c${i}`).join(', ')} HAVING count(*) > 1)
        ORDER BY second LIMIT 1`
  const row = (await c.runAndReadAll(sql, params.for(sql))).getRowObjectsJS()[0]
  if (!row) return null
  return {
    rn: Number(row.second),
    repeats: Number(row.first),
    column: 'column' in idExpr ? idExpr.column : policy.id,
    value: (row.id as string | null) ?? null,
    expected: duplicateExpectation(mapping.table, policy.id),
  }
}

/**
 * The first offending row of the request's file, as a located PartitionDataError; null when nothing in the file
 * explains the failure (it was not the data's fault, or the file cannot be read at all).
 */
export async function diagnoseLoad(
  store: DuckStore,
  request: LoadRequest,
  present: ReadonlySet<string> | undefined,
  bounds: { loUs: bigint; hiUs: bigint },
): Promise<PartitionDataError | null> {
  const found = await store.use(async (c) => {
    await c.run(`SET SESSION TimeZone = 'UTC'`)
    const rows = request.loads.filter((l): l is RowMapping => l.kind === 'rows')
    let best: Found | null = null
    for (const mapping of rows) {
      const f = await firstProblem(c, request, mapping, present, bounds)
      if (f && (!best || f.rn < best.rn)) best = f
    }
    if (best) return best
    for (const mapping of rows) {
      const f = await firstRepeat(c, request, mapping, present)
      if (f && (!best || f.rn < best.rn)) best = f
    }
    return best
  })
  if (!found) return null
  const { file } = request
  if (file.format === 'parquet') {
    const repeats = found.repeats ? ` (this row repeats row ${found.repeats})` : ''
    return new PartitionDataError({
      file: file.name,
      line: null,
      row: found.rn,
      column: found.column,
      received: found.value,
      expected: found.expected.replace(' (this row repeats an earlier one exactly)', '') + repeats,
    })
  }
  const scan = await scanRecords(file, found.repeats ? [found.rn, found.repeats] : [found.rn]).catch(() => null)
  const line = scan?.lines.get(found.rn) ?? null
  const repeatsLine = found.repeats ? scan?.lines.get(found.repeats) : undefined
  return new PartitionDataError({
    file: file.name,
    line,
    ...(line === null ? { row: found.rn } : {}),
    column: found.column,
    received: found.value,
    expected: repeatsLine
      ? found.expected.replace('an earlier one exactly', `line ${repeatsLine} exactly`)
      : found.expected,
  })
}
