// Turns a connector's file description and column mappings into DuckDB SQL: the reader call and one expression per
// normalized column. Types are always explicit, so nothing is sniffed and a bad value fails loudly.
import type { SourceColumn, SourceFile, TimeUnit, ValueExpr } from '../../domain/loadSpec.ts'
import { ident, literal, str } from './sqlText.ts'

/**
 * A FROM-clause item that yields the file's columns, typed. For Parquet, `present` lists the columns the file has;
 * an optional column it lacks reads as NULL.
 */
export function sourceRelation(file: SourceFile, present?: ReadonlySet<string>): string {
  if (file.columns.length === 0) throw new Error(`no columns described for ${file.name}`)
  const columnMap = `{${file.columns.map((c) => `${str(c.name)}: ${str(c.type)}`).join(', ')}}`
  switch (file.format) {
    case 'csv':
      return (
        `read_csv(${str(file.path)}, header = ${file.header ? 'true' : 'false'}, columns = ${columnMap}, ` +
        `auto_detect = false, delim = ${str(file.delimiter ?? ',')}, quote = '"', escape = '"', ` +
        `new_line = '\\n', strict_mode = true)`
      )
    case 'ndjson':
      return `read_json(${str(file.path)}, format = 'newline_delimited', columns = ${columnMap})`
    case 'parquet':
      return `(SELECT ${file.columns
        .map((c) =>
          c.optional && present && !present.has(c.name)
            ? `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`
            : `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}`,
        )
        .join(', ')} FROM read_parquet(${str(file.path)}))`
  }
}

const EPOCH_FACTOR: Record<TimeUnit, number> = { s: 1_000_000, ms: 1_000, us: 1 }

/** SQL for one mapped value over the source relation. */
export function valueSql(expr: ValueExpr, columns: readonly SourceColumn[], fileName: string): string {
  const ref = (name: string): string => {
    if (!columns.some((c) => c.name === name))
      throw new Error(`mapping refers to unknown column ${name} of ${fileName}`)
    return ident(name)
  }
  if ('column' in expr) {
    return expr.otherwise === undefined ? ref(expr.column) : `coalesce(${ref(expr.column)}, ${literal(expr.otherwise)})`
  }
  if ('literal' in expr) return literal(expr.literal)
  if ('epoch' in expr) {
    const column = columns.find((c) => c.name === expr.epoch)
    const factor = EPOCH_FACTOR[expr.unit]
    const c = ref(expr.epoch)
    const integral = column?.type === 'BIGINT' || column?.type === 'INTEGER'
    // Fractional seconds (Bybit) are rounded to the microsecond; integers are scaled exactly.
    if (integral) return factor === 1 ? `make_timestamp(${c})` : `make_timestamp(${c} * ${factor})`
    return `make_timestamp(CAST(round(${c} * ${factor}) AS BIGINT))`
  }
  if ('lookup' in expr) return lookupSql(expr, columns, fileName, literal)
  if ('ratio' in expr) {
    const [a, b] = expr.ratio
    return `CASE WHEN ${ref(b)} = 0 THEN NULL ELSE ${ref(a)} / ${ref(b)} END`
  }
  if ('product' in expr) return `${ref(expr.product[0])} * ${ref(expr.product[1])}`
  return `${ref(expr.span[1])} - ${ref(expr.span[0])} + 1`
}

/**
 * A lookup mapping as SQL, with each mapped value written by `target` (a SQL literal of the mapped value, or of what
 * the store keeps instead of it, e.g. a boolean for a side).
 */
export function lookupSql(
  expr: Extract<ValueExpr, { lookup: string }>,
  columns: readonly SourceColumn[],
  fileName: string,
  target: (value: string | null) => string,
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
  const keys = Object.keys(expr.values)
  const cases = Object.entries(expr.values)
    .map(([from, to]) => `WHEN ${str(from.toLowerCase())} THEN ${target(to)}`)
    .join(' ')
  const complaint = `${fileName}: column ${expr.lookup}: received `
  // lower() once per row (CASE operand form); NULL stays NULL, anything unknown fails the partition.
  return (
    `CASE WHEN ${c} IS NULL THEN NULL ELSE CASE lower(CAST(${c} AS VARCHAR)) ${cases} ` +
    `ELSE error(${str(complaint)} || CAST(${c} AS VARCHAR) || ${str(`; expected one of ${keys.join(', ')}`)}) END END`
  )
}
