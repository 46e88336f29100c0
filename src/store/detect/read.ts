// Reading query results for the detectors: whole columns as typed arrays (numbers, µs timestamps) or plain values.
import duckdb from '@duckdb/node-bindings'
import type { DuckDBDataChunk, DuckDBResultReader, DuckDBType, DuckDBValue } from '@duckdb/node-api'
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

/**
 * Called after every detector query with its text, the query's wall time, the conversion of its result to JS values,
 * and its row count (benchmarks profile with it).
 */
export type QueryObserver = (sql: string, queryMs: number, convertMs: number, rows: number) => void
let observer: QueryObserver | null = null
/** Installs (or, with null, removes) the query observer; returns the previous one. */
export function observeDetectQueries(next: QueryObserver | null): QueryObserver | null {
  const previous = observer
  observer = next
  return previous
}

/** What the readers need of a store: a connection to use (a store, or one connection inside a snapshot). */
export type Reader = Pick<DuckStore, 'use'>

/**
 * Runs `fn` with a reader bound to one connection inside a transaction, so every query it makes sees the same
 * snapshot of the data (a concurrent load cannot slip in between two reads that must agree).
 */
export async function inSnapshot<T>(store: Reader, fn: (snapshot: Reader) => Promise<T>): Promise<T> {
  return store.use(async (c) => {
    await c.run('BEGIN TRANSACTION')
    try {
      const out = await fn({ use: (g) => g(c) })
      await c.run('COMMIT')
      return out
    } catch (error) {
      await c.run('ROLLBACK')
      throw error
    }
  })
}

async function read<T>(
  store: Reader,
  sql: string,
  values: DuckDBValue[],
  convert: (reader: DuckDBResultReader) => T,
): Promise<{ out: T; length: number }> {
  return store.use(async (c) => {
    const started = observer ? performance.now() : 0
    const reader = await c.runAndReadAll(sql, values, paramTypes(values))
    const read = observer ? performance.now() : 0
    const out = convert(reader)
    observer?.(sql, read - started, performance.now() - read, reader.currentRowCount)
    return { out, length: reader.currentRowCount }
  })
}

/** Result columns by name, values as the node API's JS conversion gives them. */
export async function queryColumns(
  store: Reader,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<{ length: number; col: (name: string) => unknown[] }> {
  const { out: columns, length } = await read(
    store,
    sql,
    values,
    (reader) => reader.getColumnsObjectJS() as Record<string, unknown[]>,
  )
  return {
    length,
    col: (name: string) => {
      const column = columns[name]
      if (!column) throw new Error(`query has no column ${name}`)
      return column
    },
  }
}

/** Rows as plain objects (small results). */
export async function queryRows(
  store: Reader,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<Array<Record<string, unknown>>> {
  return (await read(store, sql, values, (reader) => reader.getRowObjectsJS() as Array<Record<string, unknown>>)).out
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

/** How a typed column is read: its SQL type must be exactly this (cast in the query). */
export type TypedKind = 'f64' | 'i32' | 'i8'
type TypedArrayOf<K extends TypedKind> = K extends 'f64' ? Float64Array : K extends 'i32' ? Int32Array : Int8Array
const typedSpec = {
  f64: { bytes: 8, type: duckdb.Type.DOUBLE, make: (n: number) => new Float64Array(n) },
  i32: { bytes: 4, type: duckdb.Type.INTEGER, make: (n: number) => new Int32Array(n) },
  i8: { bytes: 1, type: duckdb.Type.TINYINT, make: (n: number) => new Int8Array(n) },
} as const

/**
 * A query's columns copied straight from DuckDB's vectors into typed arrays (no JS value per cell: ~50× faster than
 * `queryColumns` on a million rows). Every column must have the SQL type its kind names (DOUBLE, INTEGER, TINYINT)
 * and the query must select exactly the columns of `kinds`, in that order. NULL in a DOUBLE column becomes NaN; NULL
 * in an integer column is an error (coalesce in SQL).
 */
export async function queryTyped<S extends Record<string, TypedKind>>(
  store: Reader,
  sql: string,
  values: DuckDBValue[],
  kinds: S,
): Promise<{ length: number } & { [K in keyof S]: TypedArrayOf<S[K]> }> {
  return store.use(async (c) => {
    const started = observer ? performance.now() : 0
    const result = await c.run(sql, values, paramTypes(values))
    const read = observer ? performance.now() : 0
    const names = Object.keys(kinds)
    if (result.columnCount !== names.length)
      throw new Error(`typed query selects ${result.columnCount} columns, expected ${names.join(', ')}`)
    for (let i = 0; i < names.length; i++) {
      const expected = typedSpec[kinds[names[i]!]!]
      if (result.columnName(i) !== names[i] || result.columnTypeId(i) !== (expected.type as number))
        throw new Error(
          `typed query column ${i} is ${result.columnName(i)}, expected ${names[i]} (${kinds[names[i]!]})`,
        )
    }
    const chunks: DuckDBDataChunk[] = []
    for (let i = 0, count = result.chunkCount; i < count; i++) {
      const chunk = result.getChunk(i)
      if (chunk.rowCount > 0) chunks.push(chunk)
    }
    const n = chunks.reduce((s, ch) => s + ch.rowCount, 0)
    const out: Record<string, Float64Array | Int32Array | Int8Array> = {}
    names.forEach((name, col) => {
      const spec = typedSpec[kinds[name]!]!
      const target = spec.make(n)
      let at = 0
      for (const chunk of chunks) {
        const k = chunk.rowCount
        const vector = duckdb.data_chunk_get_vector(chunk.chunk, col)
        const raw = duckdb.vector_get_data(vector, k * spec.bytes)
        const view =
          spec.bytes === 8
            ? new Float64Array(raw.buffer, raw.byteOffset, k)
            : spec.bytes === 4
              ? new Int32Array(raw.buffer, raw.byteOffset, k)
              : new Int8Array(raw.buffer, raw.byteOffset, k)
        target.set(view, at)
        const validity = duckdb.vector_get_validity(vector, Math.ceil(k / 64) * 8)
        if (validity && validity.length) {
          // the mask is 64-bit words, little-endian: row r is bit r % 8 of byte r / 8
          for (let r = 0; r < k; r++) {
            if (validity[r >> 3]! & (1 << (r & 7))) continue
            if (spec.bytes !== 8) throw new Error(`typed query column ${name} holds NULL (row ${at + r})`)
            target[at + r] = Number.NaN
          }
        }
        at += k
      }
      out[name] = target
    })
    observer?.(sql, read - started, performance.now() - read, n)
    return { length: n, ...out } as { length: number } & { [K in keyof S]: TypedArrayOf<S[K]> }
  })
}
