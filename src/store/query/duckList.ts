// Paged list reads from DuckDB: a checked filter compiled to SQL with bound parameters, keyset pagination on the
// sort keys plus a unique id (never OFFSET: a page deep in a million rows reads from where the cursor points), and
// LIMIT n+1 to know whether another page follows.
import type { DuckStore } from '../duck/open.ts'
import { readKeyedRows, type ColumnsOf } from '../duck/typedRows.ts'
import {
  checkCursor,
  checkFilter,
  checkOrder,
  COMPARISONS,
  orderLabel,
  type CursorValue,
  type FieldSpecs,
  type FieldType,
  type FilterTree,
  type ListPage,
  type ListQuery,
  type OrderKey,
  pageFlags,
  readingKeys,
  startCursor,
} from './listQuery.ts'

/** A DuckDB list: its fields (name → column and type) and the fixed parts of its statement. */
export interface DuckListSpec {
  /** FROM clause (a table name from the code, never from input). */
  from: string
  /** Select list with camelCase aliases: rows come back in the API's shape. */
  select: string
  /**
   * The same select list per row field (field → expression), when the list can read only the fields a query
   * selects: `ListQuery.fields` then picks from it (a 1000-row page of 4 of 26 columns converts 4 columns, not 26).
   */
  selectFields?: Record<string, string>
  fields: FieldSpecs
  /**
   * Column of each field (a constant from the code). Filters, keys and ORDER BY name it as `src.<column>`: a
   * select alias of the same name (an amount selected as text) would otherwise win in ORDER BY.
   */
  columns: Record<string, string>
  /** The field that is unique within the scope; the last order key. */
  id: string
  defaultOrder: OrderKey[]
}

/**
 * A list the API reads: its spec and the declaration of its rows (the select list's columns, one per row field),
 * checked against each page's result before its rows are built.
 */
export interface DuckRowList<Row> extends DuckListSpec {
  /** What the list holds, naming it in a column mismatch error (`detections`). */
  name: string
  row: ColumnsOf<Row>
}

/** Bound parameters: `add` returns the placeholder for the next one. */
export class Params {
  readonly values: unknown[]
  constructor(initial: unknown[] = []) {
    this.values = [...initial]
  }
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

const CAST: Record<FieldType, string> = {
  string: 'VARCHAR',
  enum: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  decimal: 'DECIMAL(38, 12)',
  double: 'DOUBLE',
  bigint: 'BIGINT',
}

/** A Date as DuckDB's TIMESTAMP text (UTC, no zone suffix). */
export const timestampText = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

function bind(params: Params, type: FieldType, value: unknown): string {
  const v = value instanceof Date ? timestampText(value) : value
  return `CAST(${params.add(typeof v === 'number' ? v : String(v))} AS ${CAST[type]})`
}

/** A field's column, qualified by the list's table alias. */
const col = (spec: Pick<DuckListSpec, 'columns'>, field: string) => `src.${spec.columns[field]!}`

/** SQL for a checked filter tree (TRUE for an empty one). */
export function filterSql(
  tree: FilterTree | null,
  spec: Pick<DuckListSpec, 'fields' | 'columns'>,
  params: Params,
): string {
  if (!tree) return 'TRUE'
  switch (tree.kind) {
    case 'and':
    case 'or': {
      if (!tree.parts.length) return tree.kind === 'and' ? 'TRUE' : 'FALSE'
      return `(${tree.parts.map((p) => filterSql(p, spec, params)).join(tree.kind === 'and' ? ' AND ' : ' OR ')})`
    }
    case 'not':
      return `(NOT ${filterSql(tree.part, spec, params)})`
    case 'condition': {
      const { field, op, value } = tree.condition
      const column = col(spec, field)
      const type = spec.fields[field]!.type
      if (op === 'in' || op === 'notIn') {
        const list = value as string[]
        if (!list.length) return op === 'in' ? 'FALSE' : 'TRUE'
        return `(${column} ${op === 'in' ? 'IN' : 'NOT IN'} (${list.map((v) => bind(params, type, v)).join(', ')}))`
      }
      return `(${column} ${op === 'equals' ? '=' : COMPARISONS[op]} ${bind(params, type, value)})`
    }
  }
}

/** A key equal to the cursor's value (IS NULL for a null one). */
function sameSql(k: OrderKey, value: CursorValue, spec: DuckListSpec, params: Params): string {
  const column = col(spec, k.field)
  return value === null ? `${column} IS NULL` : `${column} = ${bind(params, spec.fields[k.field]!.type, value)}`
}

/**
 * A key strictly after the cursor's value in the reading order. For a nullable key the nulls' place counts: nulls
 * last, after a value come greater (or smaller) values and every null, after a null nothing; nulls first, after a
 * value come greater (or smaller) values only, after a null every value.
 */
function beyondSql(k: OrderKey, value: CursorValue, spec: DuckListSpec, params: Params): string {
  const column = col(spec, k.field)
  const nullsLast = k.nulls !== 'FIRST'
  if (value === null) return nullsLast ? 'FALSE' : `${column} IS NOT NULL`
  const beyond = `${column} ${k.direction === 'ASC' ? '>' : '<'} ${bind(params, spec.fields[k.field]!.type, value)}`
  return spec.fields[k.field]!.nullable && nullsLast ? `(${beyond} OR ${column} IS NULL)` : beyond
}

/** Rows after the cursor row in the given order: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, per key direction. */
export function keysetSql(keys: OrderKey[], values: CursorValue[], spec: DuckListSpec, params: Params): string {
  // checkCursor gave one value per key; a null value is a nullable key's null
  const value = (i: number): CursorValue => values[i] ?? null
  const ors: string[] = []
  for (let i = 0; i < keys.length; i++) {
    const ands: string[] = []
    for (let j = 0; j < i; j++) ands.push(sameSql(keys[j]!, value(j), spec, params))
    ands.push(beyondSql(keys[i]!, value(i), spec, params))
    ors.push(`(${ands.join(' AND ')})`)
  }
  return `(${ors.join(' OR ')})`
}

/** A key of ORDER BY: a nullable field says where its nulls go (the same place whatever the direction). */
const orderSql = (spec: DuckListSpec, k: OrderKey) =>
  `${col(spec, k.field)} ${k.direction}${spec.fields[k.field]!.nullable ? ` NULLS ${k.nulls ?? 'LAST'}` : ''}`

/** The select list for the fields asked for (every field when not asked, or when the list cannot pick). */
function selectList(spec: DuckListSpec, fields: ReadonlySet<string> | null | undefined): string {
  if (!fields || !spec.selectFields) return spec.select
  const picked: string[] = []
  for (const [field, expression] of Object.entries(spec.selectFields)) if (fields.has(field)) picked.push(expression)
  return picked.join(', ')
}

/**
 * One page of a list within `scope` (a condition from the code, e.g. `run_id = $1`, with its parameters). Input
 * problems (unknown field, bad operator, cursor of another order or of a wrong type) are InvalidInputErrors raised
 * before anything is read.
 */
export async function readDuckList<Row>(
  duck: DuckStore,
  spec: DuckRowList<Row>,
  scope: { sql: string; params: unknown[] },
  query: ListQuery,
): Promise<ListPage<Row>> {
  const tree = checkFilter(query.filter, spec.fields)
  const keys = checkOrder(query.orderBy, spec.fields, spec.id, spec.defaultOrder)
  const from = startCursor(query)
  const after = from ? checkCursor(from, keys, spec.fields, query.backward ? 'before' : 'after') : null
  // backward pages read in the reverse order from `before` and are flipped back below
  const reading = readingKeys(keys, query)
  const params = new Params(scope.params)
  const where = [scope.sql, filterSql(tree, spec, params)]
  const countParams = [...params.values]
  const countWhere = where.join(' AND ')
  if (after) where.push(keysetSql(reading, after, spec, params))
  const keyCols = keys.map((k, i) => `CAST(${col(spec, k.field)} AS VARCHAR) AS "__k${i}"`).join(', ')
  const order = reading.map((k) => orderSql(spec, k)).join(', ')
  const limit = params.add(query.first + 1)
  const select = selectList(spec, query.fields)
  // The page's rows are picked first (raw columns), then projected: the select list's text casts run on the page's
  // rows only, not on every row the top-N sort reads (first page of a 1 M-row run: 264 → 77 ms median, busy machine).
  const sql = `WITH page AS (SELECT src.* FROM ${spec.from} AS src WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit})
    SELECT ${select ? `${select}, ` : ''}${keyCols} FROM page AS src ORDER BY ${order}`
  const result = await duck.use((c) => c.runAndReadAll(sql, params.values as never))
  // the select list's columns checked against the row declaration once; the trailing key columns become the cursors
  const page = readKeyedRows<Row>(result, spec.row, `${spec.name} page`, {
    only: query.fields && spec.selectFields ? query.fields : null,
    keys: keys.map((_, i) => `__k${i}`),
  })
  const more = page.rows.length > query.first
  const rows = page.rows.slice(0, query.first)
  const cursorKeys = page.keys.slice(0, query.first)
  if (query.backward) {
    rows.reverse()
    cursorKeys.reverse()
  }
  return {
    rows,
    keys: cursorKeys,
    order: orderLabel(keys),
    ...pageFlags(query, more),
    totalCount: () =>
      duck.use(async (c) => {
        const out = await c.runAndReadAll(
          `SELECT count(*)::DOUBLE AS n FROM ${spec.from} AS src WHERE ${countWhere}`,
          countParams as never,
        )
        return Number(out.getRowObjectsJS()[0]!.n)
      }),
  }
}
