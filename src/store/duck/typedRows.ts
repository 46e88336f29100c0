// Typed rows at the DuckDB boundary: a read declares its columns (name → kind), the result's names and DuckDB types
// are checked against the declaration once per result (a clear error naming the column, the type expected and the
// type received), and rows come back typed from the declaration, with no cast at the call site.
import {
  DuckDBTypeId,
  type DuckDBDecimalValue,
  type DuckDBResultReader,
  type DuckDBTimestampValue,
} from '@duckdb/node-api'

/** What a column holds, and the JavaScript value it becomes. */
interface KindValues {
  /** BIGINT, as a bigint (exact). */
  bigint: bigint
  /** INTEGER (or a smaller integer type), as a number. */
  int: number
  /** DOUBLE, as a number. */
  double: number
  /** DECIMAL, as its exact decimal text (the digits DuckDB's `::VARCHAR` prints). */
  decimal: string
  /** VARCHAR. */
  text: string
  /** TIMESTAMP (µs), as a Date (ms: the sub-millisecond digits are dropped, as DuckDB's JS conversion does). */
  timestamp: Date
  /** TIMESTAMP (µs), as a bigint of µs since the epoch (exact). */
  timestampMicros: bigint
  /** BOOLEAN. */
  boolean: boolean
}

export type ColumnKind = keyof KindValues

/** A VARCHAR column whose every value is one of `values` (checked per value: a category stored as text). */
export interface OneOfColumn<V extends string = string> {
  oneOf: readonly V[]
  nullable?: boolean
}

/** A column: its kind (`'double?'`: may be null; otherwise a null is an error) or a closed set of text values. */
export type Column = ColumnKind | `${ColumnKind}?` | OneOfColumn

/** The declared columns of a result, in any order. */
export type Columns = Record<string, Column>

/** The value a column yields. */
export type ValueOf<C extends Column> =
  C extends OneOfColumn<infer V>
    ? C extends { nullable: true }
      ? V | null
      : V
    : C extends `${infer K extends ColumnKind}?`
      ? KindValues[K] | null
      : C extends ColumnKind
        ? KindValues[C]
        : never

type AnyKind = ColumnKind | `${ColumnKind}?`
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** The plain kinds whose value is exactly T (`number | null`: `'double?'` or `'int?'`). */
type KindFor<T> = { [C in AnyKind]: Same<ValueOf<C>, T> extends true ? C : never }[AnyKind]
/** A category column for a union of string literals (nullable when T admits null). */
type OneOfFor<T> = [NonNullable<T>] extends [string]
  ? string extends NonNullable<T>
    ? never
    : null extends T
      ? OneOfColumn<NonNullable<T>> & { nullable: true }
      : OneOfColumn<T & string> & { nullable?: false }
  : never

/**
 * The declaration of a row type: every field, each with a column whose value is exactly the field's type, and
 * nothing else (so the row type and its declaration cannot drift apart).
 */
export type ColumnsOf<Row> = { [K in keyof Row]-?: ColumnFor<Row[K]> }
export type ColumnFor<T> = KindFor<T> | OneOfFor<T>

/** A category column: every value one of `values` (null allowed when `nullable`). */
export function oneOf<const V extends string>(values: readonly V[]): OneOfColumn<V> & { nullable?: false }
export function oneOf<const V extends string>(values: readonly V[], nullable: true): OneOfColumn<V> & { nullable: true }
export function oneOf(values: readonly string[], nullable?: boolean): OneOfColumn {
  return nullable ? { oneOf: values, nullable } : { oneOf: values }
}

/** The result does not have the columns a read declared (a code or schema mismatch, never bad input). */
export class ColumnMismatchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ColumnMismatchError'
  }
}

const INTEGERS = [DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER]

/** The DuckDB types each kind accepts. */
const ACCEPTS: Record<ColumnKind, readonly DuckDBTypeId[]> = {
  bigint: [DuckDBTypeId.BIGINT],
  int: INTEGERS,
  double: [DuckDBTypeId.DOUBLE],
  decimal: [DuckDBTypeId.DECIMAL],
  text: [DuckDBTypeId.VARCHAR],
  timestamp: [DuckDBTypeId.TIMESTAMP],
  timestampMicros: [DuckDBTypeId.TIMESTAMP],
  boolean: [DuckDBTypeId.BOOLEAN],
}

const DUCK_NAMES: Record<ColumnKind, string> = {
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  decimal: 'DECIMAL',
  text: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  timestampMicros: 'TIMESTAMP',
  boolean: 'BOOLEAN',
}

type Convert = (value: unknown) => unknown

const asIs: Convert = (v) => v
const CONVERT: Record<ColumnKind, Convert> = {
  bigint: asIs,
  int: asIs,
  double: asIs,
  decimal: (v) => (v as DuckDBDecimalValue).toString(),
  text: asIs,
  timestamp: (v) => new Date(Number((v as DuckDBTimestampValue).micros / 1000n)),
  timestampMicros: (v) => (v as DuckDBTimestampValue).micros,
  boolean: asIs,
}

interface Plan {
  name: string
  index: number
  nullable: boolean
  convert: Convert
  /** Allowed values of a category column. */
  values: ReadonlySet<string> | null
}

function describe(column: Column): { kind: ColumnKind; nullable: boolean; values: readonly string[] | null } {
  if (typeof column === 'object') return { kind: 'text', nullable: column.nullable === true, values: column.oneOf }
  const nullable = column.endsWith('?')
  return { kind: (nullable ? column.slice(0, -1) : column) as ColumnKind, nullable, values: null }
}

/**
 * Checks the result's columns against the declaration: the same names (none missing, none extra) and, per column, a
 * DuckDB type its kind accepts. `what` names the read in the error.
 */
function plan(result: DuckDBResultReader, columns: Columns, what: string): Plan[] {
  const names = result.columnNames()
  const declared = Object.keys(columns)
  const missing = declared.filter((n) => !names.includes(n))
  const extra = names.filter((n) => !Object.hasOwn(columns, n))
  if (missing.length || extra.length)
    throw new ColumnMismatchError(
      `${what}: the result's columns (${names.join(', ')}) are not the ones declared (${declared.join(', ')})` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; not declared ${extra.join(', ')}` : ''),
    )
  return declared.map((name) => {
    const index = names.indexOf(name)
    const { kind, nullable, values } = describe(columns[name]!)
    const type = result.columnType(index)
    if (!ACCEPTS[kind].includes(type.typeId))
      throw new ColumnMismatchError(
        `${what}: column "${name}" is declared ${kind} (DuckDB ${DUCK_NAMES[kind]}) but the result has ${type.toString()}`,
      )
    return { name, index, nullable, convert: CONVERT[kind], values: values ? new Set(values) : null }
  })
}

/**
 * The result's rows as `Row`s, by the row type's declaration: the columns are checked once for the result, each value
 * for null (a column not declared nullable) and category. `what` names the read in errors.
 */
export function readRows<Row>(result: DuckDBResultReader, columns: ColumnsOf<Row>, what: string): Row[] {
  const plans = plan(result, columns as Columns, what)
  const raw = result.getRows()
  const rows: Row[] = new Array(raw.length)
  for (let r = 0; r < raw.length; r++) {
    const values = raw[r]!
    const row: Record<string, unknown> = {}
    for (const p of plans) {
      const v = values[p.index]
      if (v === null) {
        if (!p.nullable)
          throw new ColumnMismatchError(`${what}: column "${p.name}" is declared not null but row ${r} holds null`)
        row[p.name] = null
        continue
      }
      const out = p.convert(v)
      if (p.values && !p.values.has(out as string))
        throw new ColumnMismatchError(
          `${what}: column "${p.name}" holds ${JSON.stringify(out)} in row ${r}; declared one of ${[...p.values].join(', ')}`,
        )
      row[p.name] = out
    }
    rows[r] = row as Row
  }
  return rows
}
