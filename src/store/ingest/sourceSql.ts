// Turns a connector's file description and column mappings into DuckDB SQL: the reader call and one expression per
// normalized column. Types are always explicit, so nothing is sniffed and a bad value fails loudly. The file's path and
// column map are bound parameters; only checked identifiers and type names are SQL text.
import { structValue } from '@duckdb/node-api'
import type { SourceColumn, SourceFile, TimeUnit, ValueExpr } from '../../domain/loadSpec.ts'
import { constant, filePath, ident, numberText, typeName, type SqlParams } from './sqlText.ts'

export interface RelationOptions {
  /** Parquet: the columns the file has; an optional column it lacks reads as NULL. */
  present?: ReadonlySet<string>
  /** Adds `__rn`, the 1-based number of the record in the file (data rows only, in file order). */
  ordinality?: boolean
  /**
   * Reads every column as the file holds it (text for CSV and NDJSON) and converts with TRY_CAST, keeping the raw
   * value as `__raw_<column>`: a row that does not convert reads as NULL instead of failing, so a diagnosis can find it.
   */
  tolerant?: boolean
}

/** Column name of the raw (unconverted) value in a tolerant relation. */
export const rawColumn = (name: string): string => ident(`__raw_${name}`)

/**
 * How a typed value is read from what the reader gives. TIMESTAMP goes through TIMESTAMPTZ: an offset or a Z is
 * honoured and a time without a zone is UTC (the loading connection's TimeZone is UTC), and the result is the naive UTC
 * time the tables hold. A plain TIMESTAMP cast would drop the offset: 00:00:01+05:00 would be stored as 00:00:01.
 */
function converted(value: string, type: SourceColumn['type'], tolerant: boolean): string {
  const cast = tolerant ? 'TRY_CAST' : 'CAST'
  if (type === 'TIMESTAMP') return `timezone('UTC', ${cast}(${value} AS TIMESTAMPTZ))`
  return `${cast}(${value} AS ${typeName(type)})`
}

/** The reader's own type for a column: timestamps as TIMESTAMPTZ (converted above), text when tolerant. */
const readType = (c: SourceColumn, tolerant: boolean) =>
  tolerant ? 'VARCHAR' : c.type === 'TIMESTAMP' ? 'TIMESTAMPTZ' : typeName(c.type)

/** A FROM-clause item that yields the file's columns, typed. */
export function sourceRelation(file: SourceFile, params: SqlParams, options: RelationOptions = {}): string {
  if (file.columns.length === 0) throw new Error(`no columns described for ${file.name}`)
  const tolerant = !!options.tolerant
  const path = params.bind(filePath(file.path))
  const ord = options.ordinality ? ' WITH ORDINALITY' : ''
  const rn = options.ordinality ? ', ordinality AS __rn' : ''
  if (file.format === 'parquet') {
    const cols = file.columns.map((c) => {
      const absent = c.optional && options.present && !options.present.has(c.name)
      const raw = absent ? `CAST(NULL AS VARCHAR)` : ident(c.name)
      const value = absent ? `CAST(NULL AS ${typeName(c.type)})` : converted(raw, c.type, tolerant)
      return `${value} AS ${ident(c.name)}` + (tolerant ? `, ${raw} AS ${rawColumn(c.name)}` : '')
    })
    return `(SELECT ${cols.join(', ')}${rn} FROM read_parquet(${path})${ord})`
  }
  const columnMap = params.bind(
    structValue(Object.fromEntries(file.columns.map((c) => [c.name, readType(c, tolerant)]))),
  )
  const reader =
    file.format === 'csv'
      ? // No new_line: DuckDB finds LF, CRLF or CR per file. Given '\n', a CRLF file with a header read as 0 rows.
        `read_csv(${path}, header = ${file.header ? 'true' : 'false'}, columns = ${columnMap}, auto_detect = false, ` +
        `delim = ${params.bind(file.delimiter ?? ',')}, quote = '"', escape = '"', strict_mode = true)`
      : `read_json(${path}, format = 'newline_delimited', columns = ${columnMap})`
  // A CSV of one column reads an empty line as a record holding NULL (the two cannot be told apart): skipped, as
  // empty lines are in any other CSV.
  const blank =
    file.format === 'csv' && file.columns.length === 1 ? ` WHERE ${ident(file.columns[0]!.name)} IS NOT NULL` : ''
  const needsConversion = tolerant || file.columns.some((c) => c.type === 'TIMESTAMP')
  if (!needsConversion && !options.ordinality && !blank) return reader
  const cols = file.columns.map((c) => {
    const name = ident(c.name)
    if (tolerant) return `${converted(name, c.type, true)} AS ${name}, ${name} AS ${rawColumn(c.name)}`
    return c.type === 'TIMESTAMP' ? `timezone('UTC', ${name}) AS ${name}` : name
  })
  return `(SELECT ${cols.join(', ')}${rn} FROM ${reader}${ord}${blank})`
}

const EPOCH_FACTOR: Record<TimeUnit, number> = { s: 1_000_000, ms: 1_000, us: 1 }

/** The source columns an expression reads. */
export function sourceColumnsOf(expr: ValueExpr): string[] {
  if ('column' in expr) return [expr.column]
  if ('epoch' in expr) return [expr.epoch]
  if ('lookup' in expr) return [expr.lookup]
  if ('ratio' in expr) return [...expr.ratio]
  if ('product' in expr) return [...expr.product]
  if ('span' in expr) return [...expr.span]
  return []
}

export interface ValueSqlOptions {
  /** Lookups read an unknown value as NULL instead of failing (a diagnosis reports it). */
  lenientLookups?: boolean
}

/** SQL for one mapped value over the source relation. */
export function valueSql(
  expr: ValueExpr,
  columns: readonly SourceColumn[],
  fileName: string,
  params: SqlParams,
  options: ValueSqlOptions = {},
): string {
  const ref = (name: string): string => {
    if (!columns.some((c) => c.name === name))
      throw new Error(`mapping refers to unknown column ${name} of ${fileName}`)
    return ident(name)
  }
  if ('column' in expr) {
    if (expr.otherwise === undefined) return ref(expr.column)
    const type = columns.find((c) => c.name === expr.column)!.type
    return `coalesce(${ref(expr.column)}, ${params.bind(expr.otherwise, type)})`
  }
  if ('literal' in expr) return expr.literal === null ? 'NULL' : params.bind(expr.literal)
  if ('epoch' in expr) {
    const column = columns.find((c) => c.name === expr.epoch)
    const factor = EPOCH_FACTOR[expr.unit]
    const c = ref(expr.epoch)
    const integral = column?.type === 'BIGINT' || column?.type === 'INTEGER'
    // Fractional seconds (Bybit) are rounded to the microsecond; integers are scaled exactly.
    if (integral) return factor === 1 ? `make_timestamp(${c})` : `make_timestamp(${c} * ${numberText(factor)})`
    return `make_timestamp(CAST(round(${c} * ${numberText(factor)}) AS BIGINT))`
  }
  if ('lookup' in expr)
    return lookupSql(expr, columns, fileName, params, (v) => (v === null ? 'NULL' : constant(v)), options)
  if ('ratio' in expr) {
    const [a, b] = expr.ratio
    return `CASE WHEN ${ref(b)} = 0 THEN NULL ELSE ${ref(a)} / ${ref(b)} END`
  }
  if ('product' in expr) return `${ref(expr.product[0])} * ${ref(expr.product[1])}`
  return `${ref(expr.span[1])} - ${ref(expr.span[0])} + 1`
}

/**
 * A lookup mapping as SQL, with each mapped value written by `target` (a SQL literal of the mapped value, or of what
 * the store keeps instead of it, e.g. a boolean for a side). An unknown value fails the statement (the failure is then
 * located by a diagnosis), or reads as NULL with `lenientLookups`.
 */
export function lookupSql(
  expr: Extract<ValueExpr, { lookup: string }>,
  columns: readonly SourceColumn[],
  fileName: string,
  params: SqlParams,
  target: (value: string | null) => string,
  options: ValueSqlOptions = {},
): string {
  if (!columns.some((col) => col.name === expr.lookup))
    throw new Error(`mapping refers to unknown column ${expr.lookup} of ${fileName}`)
  const c = ident(expr.lookup)
  const type = columns.find((col) => col.name === expr.lookup)?.type
  const keys0 = Object.keys(expr.values).map((k) => k.toLowerCase())
  // A BOOLEAN column can hold nothing else: a plain CASE, no text conversion per row.
  if (type === 'BOOLEAN' && keys0.every((k) => k === 'true' || k === 'false')) {
    const value = (k: string) =>
      target(Object.entries(expr.values).find(([key]) => key.toLowerCase() === k)?.[1] ?? null)
    return `CASE WHEN ${c} THEN ${value('true')} WHEN NOT ${c} THEN ${value('false')} END`
  }
  const cases = Object.entries(expr.values)
    .map(([from, to]) => `WHEN ${constant(from.toLowerCase())} THEN ${target(to)}`)
    .join(' ')
  const unknown = options.lenientLookups
    ? 'NULL'
    : `error(${params.bind(`${fileName}: column ${expr.lookup}: received `)} || CAST(${c} AS VARCHAR) || ` +
      `${params.bind(`; expected one of ${Object.keys(expr.values).join(', ')}`)})`
  // lower() once per row (CASE operand form); NULL stays NULL, anything unknown fails the partition.
  const empty = expr.otherwise === undefined ? 'NULL' : target(expr.otherwise)
  return `CASE WHEN ${c} IS NULL THEN ${empty} ELSE CASE lower(CAST(${c} AS VARCHAR)) ${cases} ELSE ${unknown} END END`
}

/** Whether a lookup knows the (non-null) value in `column`: SQL for diagnoses. */
export function lookupKnownSql(expr: Extract<ValueExpr, { lookup: string }>, column: string): string {
  const keys = Object.keys(expr.values).map((k) => constant(k.toLowerCase()))
  return `lower(CAST(${column} AS VARCHAR)) IN (${keys.join(', ')})`
}
