// Reading query results for the detectors: whole columns as typed arrays (numbers, µs timestamps) or plain values.
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api'
import { BIGINT, DuckDBListValue, DuckDBTimestampValue, LIST, VARCHAR } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

/** µs since the epoch as a DuckDB TIMESTAMP parameter. */
export const tsParam = (us: number) => new DuckDBTimestampValue(BigInt(Math.round(us)))

/**
 * Parameter types for a statement: an empty list has no item type DuckDB could infer, so lists are typed explicitly
 * (lists of BigInts as BIGINT[], every other list as VARCHAR[]); other values are inferred.
 */
export function paramTypes(values: DuckDBValue[]): DuckDBType[] {
  // undefined entries are inferred by the binding (its typings only admit a full array)
  return values.map((v) =>
    v instanceof DuckDBListValue ? LIST(typeof v.items[0] === 'bigint' ? BIGINT : VARCHAR) : undefined,
  ) as DuckDBType[]
}

/** Result columns by name, values as the node API's JS conversion gives them. */
export async function queryColumns(
  store: DuckStore,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<{ length: number; col: (name: string) => unknown[] }> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(sql, values, paramTypes(values))
    const columns = reader.getColumnsObjectJS() as Record<string, unknown[]>
    const length = reader.currentRowCount
    return {
      length,
      col: (name: string) => {
        const column = columns[name]
        if (!column) throw new Error(`query has no column ${name}`)
        return column
      },
    }
  })
}

/** Rows as plain objects (small results). */
export async function queryRows(
  store: DuckStore,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<Array<Record<string, unknown>>> {
  return store.use(
    async (c) =>
      (await c.runAndReadAll(sql, values, paramTypes(values))).getRowObjectsJS() as Array<Record<string, unknown>>,
  )
}

/** Numbers (DOUBLE, BIGINT, DECIMAL as double) to a Float64Array; NULL becomes NaN. */
export function f64(values: unknown[]): Float64Array {
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    out[i] = v === null || v === undefined ? Number.NaN : Number(v)
  }
  return out
}

export const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v))
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** DECIMAL text without trailing fractional zeros ("12.500000" → "12.5", "0.000000" → "0"). */
export const trimDecimal = (text: string): string =>
  text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
