// Typed rows at the DuckDB boundary: a read declares its columns (name → kind), the result's names and DuckDB types
// are checked against the declaration once per result (a clear error naming the column, the type expected and the
// type received), and rows come back typed from the declaration, with no cast at the call site.
import {
  DuckDBListType,
  DuckDBTypeId,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBResultReader,
  type DuckDBTimestampValue,
  type DuckDBType,
} from '@duckdb/node-api'

/** What a scalar column holds, and the JavaScript value it becomes. */
interface ScalarValues {
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

type ScalarKind = keyof ScalarValues

/** A list of a scalar kind (`'text[]'`: DuckDB `VARCHAR[]`, as a string[]); an element is never null. */
type ListKind = `${ScalarKind}[]`

export type ColumnKind = ScalarKind | ListKind

/** The value of a kind. */
type KindValue<K extends ColumnKind> = K extends `${infer S extends ScalarKind}[]`
  ? Array<ScalarValues[S]>
  : K extends ScalarKind
    ? ScalarValues[K]
    : never

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
      ? KindValue<K> | null
      : C extends ColumnKind
        ? KindValue<C>
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

/** The DuckDB types each scalar kind accepts (a list kind: a LIST of one of its element's). */
const ACCEPTS: Record<ScalarKind, readonly DuckDBTypeId[]> = {
  bigint: [DuckDBTypeId.BIGINT],
  int: INTEGERS,
  double: [DuckDBTypeId.DOUBLE],
  decimal: [DuckDBTypeId.DECIMAL],
  text: [DuckDBTypeId.VARCHAR],
  timestamp: [DuckDBTypeId.TIMESTAMP],
  timestampMicros: [DuckDBTypeId.TIMESTAMP],
  boolean: [DuckDBTypeId.BOOLEAN],
}

const DUCK_NAMES: Record<ScalarKind, string> = {
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
const CONVERT: Record<ScalarKind, Convert> = {
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
  /** A scalar column's conversion, or a list column's per element. */
  convert: Convert
  /** A list column: its value is a LIST whose elements are converted one by one (none may be null). */
  list: boolean
  /** Allowed values of a category column. */
  values: ReadonlySet<string> | null
}

interface Described {
  kind: ScalarKind
  list: boolean
  nullable: boolean
  values: readonly string[] | null
}

function describe(column: Column): Described {
  if (typeof column === 'object')
    return { kind: 'text', list: false, nullable: column.nullable === true, values: column.oneOf }
  const nullable = column.endsWith('?')
  const kind = nullable ? column.slice(0, -1) : column
  const list = kind.endsWith('[]')
  return { kind: (list ? kind.slice(0, -2) : kind) as ScalarKind, list, nullable, values: null }
}

/** Whether a result column's DuckDB type is one the declared kind accepts. */
function accepts(d: Described, type: DuckDBType): boolean {
  if (!d.list) return ACCEPTS[d.kind].includes(type.typeId)
  return type instanceof DuckDBListType && ACCEPTS[d.kind].includes(type.valueType.typeId)
}

/** Which declared columns a read takes, and what else its result holds. */
interface ReadShape {
  /** Only these declared columns (the fields a query selected); every declared column when absent. */
  only?: ReadonlySet<string> | null
  /** VARCHAR columns after the declared ones, returned apart from the rows (a page's cursor keys). */
  keys?: readonly string[]
}

/**
 * Checks the result's columns against the declaration: the same names (none missing, none extra) and, per column, a
 * DuckDB type its kind accepts. `what` names the read in the error.
 */
function plan(result: DuckDBResultReader, columns: Columns, what: string, shape: ReadShape = {}): Plan[] {
  const names = result.columnNames()
  const only = shape.only
  const keys = shape.keys ?? []
  const declared = only ? Object.keys(columns).filter((n) => only.has(n)) : Object.keys(columns)
  const expected = [...declared, ...keys]
  const missing = expected.filter((n) => !names.includes(n))
  const extra = names.filter((n) => !expected.includes(n))
  if (missing.length || extra.length)
    throw new ColumnMismatchError(
      `${what}: the result's columns (${names.join(', ')}) are not the ones declared (${expected.join(', ')})` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; not declared ${extra.join(', ')}` : ''),
    )
  const column = (name: string, column: Column): Plan => {
    const index = names.indexOf(name)
    const d = describe(column)
    const type = result.columnType(index)
    if (!accepts(d, type)) {
      const declaredAs = d.list
        ? `${d.kind}[] (DuckDB ${DUCK_NAMES[d.kind]}[])`
        : `${d.kind} (DuckDB ${DUCK_NAMES[d.kind]})`
      throw new ColumnMismatchError(
        `${what}: column "${name}" is declared ${declaredAs} but the result has ${type.toString()}`,
      )
    }
    const values = d.values ? new Set(d.values) : null
    return { name, index, nullable: d.nullable, convert: CONVERT[d.kind], list: d.list, values }
  }
  return [...declared.map((n) => column(n, columns[n]!)), ...keys.map((n) => column(n, 'text?'))]
}

/** A value of a row by its plan: null checked, list elements converted (none null), category checked. */
function valueOf(p: Plan, v: unknown, r: number, what: string): unknown {
  if (v === null) {
    if (!p.nullable)
      throw new ColumnMismatchError(`${what}: column "${p.name}" is declared not null but row ${r} holds null`)
    return null
  }
  if (p.list) {
    const items = (v as DuckDBListValue).items
    const out: unknown[] = new Array(items.length)
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      if (item === null)
        throw new ColumnMismatchError(`${what}: column "${p.name}" holds a null element (${i}) in row ${r}`)
      out[i] = p.convert(item)
    }
    return out
  }
  const out = p.convert(v)
  if (p.values && !p.values.has(out as string))
    throw new ColumnMismatchError(
      `${what}: column "${p.name}" holds ${JSON.stringify(out)} in row ${r}; declared one of ${[...p.values].join(', ')}`,
    )
  return out
}

/**
 * The result's rows as `Row`s, by the row type's declaration: the columns are checked once for the result, each value
 * for null (a column not declared nullable) and category. `what` names the read in errors.
 */
export function readRows<Row>(result: DuckDBResultReader, columns: ColumnsOf<Row>, what: string): Row[] {
  return readKeyedRows<Row>(result, columns, what).rows
}

/** Rows and, per row, the text of its key columns (null kept). */
export interface KeyedRows<Row> {
  rows: Row[]
  keys: Array<Array<string | null>>
}

/**
 * readRows for a page: only the declared columns `shape.only` names (the others are absent from the rows), and the
 * `shape.keys` columns (VARCHAR, after the declared ones) returned apart as each row's keys.
 */
export function readKeyedRows<Row>(
  result: DuckDBResultReader,
  columns: ColumnsOf<Row>,
  what: string,
  shape: ReadShape = {},
): KeyedRows<Row> {
  const plans = plan(result, columns as Columns, what, shape)
  const width = plans.length - (shape.keys?.length ?? 0)
  const raw = result.getRows()
  const rows: Row[] = new Array(raw.length)
  const keys: Array<Array<string | null>> = new Array(raw.length)
  for (let r = 0; r < raw.length; r++) {
    const values = raw[r]!
    // every row built with its fields in one order: one object shape for the whole result
    const row: Record<string, unknown> = {}
    for (let j = 0; j < width; j++) {
      const p = plans[j]!
      row[p.name] = valueOf(p, values[p.index], r, what)
    }
    rows[r] = row as Row
    const k: Array<string | null> = []
    for (let j = width; j < plans.length; j++) k.push(values[plans[j]!.index] as string | null)
    keys[r] = k
  }
  return { rows, keys }
}
