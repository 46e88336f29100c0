// Appends columns to a DuckDB table 2,048 rows at a time as data chunks filled from typed arrays
// (copy_data_to_vector), instead of one appender call per value: results of long runs write in a fraction of the time.
// The appender's calls are synchronous, so it is flushed and the event loop given a turn after every chunk: a large
// batch stages in pieces of milliseconds instead of holding the thread (measured: 2.5 s in one piece for 490k rows).
import duckdb from '@duckdb/node-bindings'
import { DuckDBDataChunk, type DuckDBConnection } from '@duckdb/node-api'

/** Physical layout of a column: DECIMAL(18, 6) is a 64-bit integer of the scaled value (micro-units). */
export type ColumnKind = 'varchar' | 'bigint' | 'timestamp' | 'double' | 'decimal' | 'integer'

export interface ColumnSpec {
  kind: ColumnKind
  /** Numbers: timestamps in µs, decimals as scaled integers (exact below 2^53). */
  values?: Float64Array
  /** Text by row (null = NULL). */
  text?: (row: number) => string | null
  /** A double that is NaN is written as NULL. */
  nullIfNaN?: boolean
  /** A bigint below zero (a missing sequence number) is written as NULL. */
  nullBelowZero?: boolean
}

const CHUNK = 2048
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Appends `length` rows to `table` in one commit; `columns` follow the table's column order exactly. */
export async function appendColumns(
  connection: DuckDBConnection,
  table: string,
  length: number,
  columns: readonly ColumnSpec[],
): Promise<void> {
  if (!length) return
  const appender = await connection.createAppender(table)
  try {
    const types = columns.map((_, i) => appender.columnType(i))
    for (let start = 0; start < length; start += CHUNK) {
      const n = Math.min(CHUNK, length - start)
      const chunk = DuckDBDataChunk.create(types)
      columns.forEach((col, ci) => fillColumn(duckdb.data_chunk_get_vector(chunk.chunk, ci), col, start, n))
      chunk.rowCount = n
      appender.appendDataChunk(chunk)
      if (start + CHUNK < length) {
        // the chunk goes into the table now (a flush costs in proportion to the rows it holds), then other work
        // gets a turn
        appender.flushSync()
        await nextTurn()
      }
    }
  } finally {
    appender.closeSync()
  }
}

// Scratch buffers for one column of one chunk: copy_data_to_vector copies them into the vector at once, so they are
// reused for every column of every chunk instead of allocating (and collecting) a typed array each time.
const i32 = new Int32Array(CHUNK)
const u32x2 = new Uint32Array(CHUNK * 2)
const validity = new Uint8Array(CHUNK / 8)

function fillColumn(vector: duckdb.Vector, col: ColumnSpec, start: number, n: number): void {
  let hasNull = false
  const setNull = (i: number) => {
    if (!hasNull) {
      validity.fill(0xff)
      hasNull = true
    }
    validity[i >> 3]! &= ~(1 << (i & 7))
  }
  const v = col.values
  switch (col.kind) {
    case 'varchar': {
      const text = col.text!
      for (let i = 0; i < n; i++) {
        const s = text(start + i)
        if (s === null) setNull(i)
        else duckdb.vector_assign_string_element(vector, i, s)
      }
      break
    }
    case 'double': {
      if (col.nullIfNaN) for (let i = 0; i < n; i++) if (Number.isNaN(v![start + i]!)) setNull(i)
      // straight from the caller's column: doubles need no conversion
      duckdb.copy_data_to_vector(vector, 0, v!.buffer as ArrayBuffer, v!.byteOffset + start * 8, n * 8)
      break
    }
    case 'integer': {
      for (let i = 0; i < n; i++) i32[i] = v![start + i]!
      duckdb.copy_data_to_vector(vector, 0, i32.buffer, 0, n * 4)
      break
    }
    case 'bigint':
    case 'timestamp':
    case 'decimal': {
      // int64 as two little-endian 32-bit words, without a BigInt per value (exact for |x| < 2^53); a decimal is
      // its integer of micro-units, which must already be exact
      const buf = u32x2
      for (let i = 0; i < n; i++) {
        const raw = v![start + i]!
        if (col.kind === 'decimal' && !Number.isSafeInteger(raw))
          throw new Error(`decimal ${raw} is not an exact integer of micro-units`)
        const x = Math.round(raw)
        if (col.nullBelowZero && !(x >= 0)) {
          setNull(i)
          buf[2 * i] = 0
          buf[2 * i + 1] = 0
          continue
        }
        buf[2 * i] = x >>> 0
        buf[2 * i + 1] = Math.floor(x / 4294967296) >>> 0
      }
      duckdb.copy_data_to_vector(vector, 0, buf.buffer, 0, n * 8)
      break
    }
  }
  if (hasNull) {
    duckdb.vector_ensure_validity_writable(vector)
    duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, Math.ceil(n / 64) * 8)
  }
}
