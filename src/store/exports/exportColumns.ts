// The columns an export file holds. A file keeps each stored type: the API's text casts of exact amounts and its
// Float casts of integer ids exist because JSON has no decimal or 64-bit integer, but a CSV writes a DECIMAL as the
// same exact text and Parquet carries DECIMAL and BIGINT natively. The `…Approx` Float twins are redundant in a file
// (a double written as text is the exact text, rounded) and are left out unless `columns=` names them: writing them
// and the text casts was most of an export's CPU (ARCHITECTURE.md, Exports).
import type { DuckDBConnection } from '@duckdb/node-api'
import type { InputProblem } from '../../errors.ts'
import type { DuckListSpec } from '../query/duckList.ts'

/** `column::VARCHAR AS "field"` or `column::DOUBLE AS field`: a cast of a bare stored column, for JSON. */
const JSON_CAST = /^(\w+)::(?:VARCHAR|DOUBLE)\s+AS\s+"?(\w+)"?$/i

/** Stored types a file keeps exactly as they are (CSV writes them as their exact text). */
const EXACT_TYPE = /^(DECIMAL\(\d+,\s*\d+\)|BIGINT|INTEGER|SMALLINT|UBIGINT|UINTEGER|HUGEINT)$/

/** Every field a file of this list may hold, in the list's order (the API's field names). */
export const exportableColumns = (list: DuckListSpec): string[] => Object.keys(list.selectFields ?? {})

/** An `…Approx` field whose exact twin is also a field of the list. */
const isTwin = (field: string, all: readonly string[]) => field.endsWith('Approx') && all.includes(field.slice(0, -6))

/** The columns a file holds without `columns=`: every field but the `…Approx` twins. */
export const defaultColumns = (list: DuckListSpec): string[] => {
  const all = exportableColumns(list)
  return all.filter((f) => !isTwin(f, all))
}

/**
 * The problems of a `columns=` list against the list's fields (none when it is valid): each known, none twice, at
 * least one. The problem names the first bad entry and every valid name.
 */
export function columnProblems(name: string, list: DuckListSpec, columns: readonly string[]): InputProblem[] {
  const all = exportableColumns(list)
  const bad = columns.find((c, i) => !all.includes(c) || columns.indexOf(c) !== i)
  if (columns.length && bad === undefined) return []
  return [
    {
      path: 'columns',
      received: bad ?? columns.join(','),
      expected: `a comma-separated list of distinct columns of ${name}: ${all.join(', ')}`,
    },
  ]
}

/** Stored column types of each table, read once per connection's database (DDL runs only at open). */
const storedTypes = new WeakMap<object, Map<string, Map<string, string>>>()

async function typesOf(c: DuckDBConnection, key: object, table: string): Promise<Map<string, string>> {
  let tables = storedTypes.get(key)
  if (!tables) storedTypes.set(key, (tables = new Map()))
  let types = tables.get(table)
  if (!types) {
    // a table name from the code (a list spec's FROM), never from input
    const rows = (await c.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJS()
    types = new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]))
    tables.set(table, types)
  }
  return types
}

/**
 * The SELECT list of a file: each field's API expression, except that a JSON cast of a stored DECIMAL or integer
 * column is undone (the file keeps the stored type; CSV text is unchanged but for integers, written without `.0`).
 * `storeKey` identifies the database whose types are cached (the DuckStore).
 */
export async function exportSelect(
  c: DuckDBConnection,
  storeKey: object,
  list: DuckListSpec,
  columns: readonly string[],
): Promise<string> {
  const types = await typesOf(c, storeKey, list.from)
  return columns
    .map((field) => {
      const expression = list.selectFields![field]!
      const cast = JSON_CAST.exec(expression.trim())
      if (!cast || cast[2] !== field || field.endsWith('Approx')) return expression
      const stored = types.get(cast[1]!)
      return stored && EXACT_TYPE.test(stored) ? `${cast[1]} AS "${field}"` : expression
    })
    .join(', ')
}
