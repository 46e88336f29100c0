// What a paged, filtered, ordered list read asks the store for, and how each store describes the fields it allows:
// the API builds a ListQuery from its typed inputs, the store compiles it (bound parameters, never SQL from input).
import { InvalidInputError, type InputProblem } from '../../errors.ts'

/** How a field is stored, which decides the operators it takes and how a cursor value is checked. */
export type FieldType = 'string' | 'enum' | 'timestamp' | 'decimal' | 'double' | 'bigint'

export interface FieldSpec {
  type: FieldType
  /** Allowed values of an enum field. */
  values?: readonly string[]
  /** May appear in orderBy. */
  sortable?: boolean
  /**
   * The column may hold NULL (DuckDB lists only): ordered NULLS LAST whichever the direction, and a cursor carries
   * null for a row whose value is null, so pages through nulls and ties neither skip nor repeat rows.
   */
  nullable?: boolean
}

export type FieldSpecs = Record<string, FieldSpec>

/** `{field: {equals, in, notIn, gt, gte, lt, lte}}` conditions, combined with AND, OR and NOT (GraphQL's shape). */
export interface FilterInput {
  AND?: readonly FilterInput[] | null
  OR?: readonly FilterInput[] | null
  NOT?: FilterInput | null
  [field: string]: unknown
}

export type Direction = 'ASC' | 'DESC'

export interface OrderKey {
  field: string
  direction: Direction
  /** Where nulls of a nullable field come in this order: LAST (the list's order), FIRST when reading it backward. */
  nulls?: 'FIRST' | 'LAST'
}

/** A sort-key value in a cursor: the value's text, or null for a nullable field's null. */
export type CursorValue = string | null

/** A decoded `after` cursor: the order it was made for and the sort-key values of the row it points at. */
export interface CursorPosition {
  order: string[]
  values: CursorValue[]
}

export interface ListQuery {
  /** Rows wanted (the store reads one more to know whether another page follows); `last` when paging backward. */
  first: number
  after: CursorPosition | null
  /**
   * Paging backward (`last` / `before`): the `first` rows just before `before` (or the list's end), still returned in
   * the list's order. `after` is null then.
   */
  backward?: boolean
  before?: CursorPosition | null
  filter: FilterInput | null
  /** As asked; the store appends its unique id as the last key. */
  orderBy: OrderKey[]
  /**
   * The row fields the caller will read (the query's selection); a list that can select per field reads only these
   * (its rows then hold only these). Absent or null: every field.
   */
  fields?: ReadonlySet<string> | null
}

export interface ListPage<Row> {
  rows: Row[]
  /** The sort-key values of each row, to encode as its cursor. */
  keys: CursorValue[][]
  /** The order the keys follow ("field:ASC"), recorded in every cursor so a cursor is refused under another order. */
  order: string[]
  hasNextPage: boolean
  /** Set when paging backward: whether rows come before this page. */
  hasPreviousPage?: boolean
  /** Rows matching the filter, ignoring the cursor (read only when asked for). */
  totalCount: () => Promise<number>
}

export const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const
const LIST_OPS = ['in', 'notIn'] as const
/** Most values one `in` / `notIn` list may hold, and most conditions in one filter. */
export const MAX_LIST = 1000
export const MAX_CONDITIONS = 200
export const MAX_NESTING = 8

const OPERATORS: Record<FieldType, readonly string[]> = {
  string: ['equals', ...LIST_OPS],
  enum: ['equals', ...LIST_OPS],
  timestamp: ['equals', 'gt', 'gte', 'lt', 'lte'],
  decimal: ['equals', 'gt', 'gte', 'lt', 'lte'],
  double: ['equals', 'gt', 'gte', 'lt', 'lte'],
  bigint: ['equals', 'gt', 'gte', 'lt', 'lte'],
}

/** One leaf condition after checking: `field op value`, value already in the store's text form for its type. */
export interface Condition {
  field: string
  op: 'equals' | 'in' | 'notIn' | keyof typeof COMPARISONS
  value: string | number | Date | Array<string>
}

export type FilterTree =
  | { kind: 'and'; parts: FilterTree[] }
  | { kind: 'or'; parts: FilterTree[] }
  | { kind: 'not'; part: FilterTree }
  | { kind: 'condition'; condition: Condition }

/** Integer and fraction digits a Decimal filter value may have (it is compared as DECIMAL(38, 12)). */
const DECIMAL_VALUE = /^-?\d{1,24}(\.\d{1,12})?$/

/**
 * Checks a filter against the fields a list allows and turns it into a tree of conditions; every problem is listed
 * (path, value received, what is valid), and nothing is read when there is one.
 */
export function checkFilter(filter: FilterInput | null, fields: FieldSpecs, path = 'filter'): FilterTree | null {
  if (!filter) return null
  const problems: InputProblem[] = []
  let conditions = 0
  const walk = (node: FilterInput, at: string, depth: number): FilterTree => {
    if (depth > MAX_NESTING) {
      problems.push({
        path: at,
        received: `${depth} levels`,
        expected: `AND / OR / NOT nested at most ${MAX_NESTING} deep`,
      })
      return { kind: 'and', parts: [] }
    }
    const parts: FilterTree[] = []
    for (const [key, raw] of Object.entries(node)) {
      if (raw === null || raw === undefined) continue
      if (key === 'AND' || key === 'OR') {
        const list = raw as readonly FilterInput[]
        const inner = list.map((n, i) => walk(n, `${at}.${key}[${i}]`, depth + 1))
        parts.push({ kind: key === 'AND' ? 'and' : 'or', parts: inner })
        continue
      }
      if (key === 'NOT') {
        parts.push({ kind: 'not', part: walk(raw as FilterInput, `${at}.NOT`, depth + 1) })
        continue
      }
      const spec = Object.hasOwn(fields, key) ? fields[key] : undefined
      if (!spec) {
        problems.push({
          path: `${at}.${key}`,
          received: key,
          expected: `one of ${Object.keys(fields).join(', ')}, AND, OR, NOT`,
        })
        continue
      }
      for (const [op, value] of Object.entries(raw as Record<string, unknown>)) {
        if (value === null || value === undefined) continue
        const here = `${at}.${key}.${op}`
        if (!OPERATORS[spec.type].includes(op)) {
          problems.push({ path: here, received: op, expected: `one of ${OPERATORS[spec.type].join(', ')}` })
          continue
        }
        if (++conditions > MAX_CONDITIONS) {
          if (conditions === MAX_CONDITIONS + 1)
            problems.push({
              path: at,
              received: 'more conditions',
              expected: `at most ${MAX_CONDITIONS} conditions in one filter`,
            })
          continue
        }
        const checked = checkValue(spec, op, value, here, problems)
        if (checked !== undefined)
          parts.push({ kind: 'condition', condition: { field: key, op: op as Condition['op'], value: checked } })
      }
    }
    return { kind: 'and', parts }
  }
  const tree = walk(filter, path, 0)
  if (problems.length) throw new InvalidInputError('invalid filter', problems)
  return tree
}

function checkValue(
  spec: FieldSpec,
  op: string,
  value: unknown,
  path: string,
  problems: InputProblem[],
): Condition['value'] | undefined {
  if (op === 'in' || op === 'notIn') {
    if (!Array.isArray(value)) {
      problems.push({ path, received: value, expected: 'a list' })
      return undefined
    }
    if (value.length > MAX_LIST) {
      problems.push({ path, received: `${value.length} values`, expected: `at most ${MAX_LIST} values` })
      return undefined
    }
    const out: string[] = []
    value.forEach((v, i) => {
      const one = checkScalar(spec, v, `${path}[${i}]`, problems)
      if (typeof one === 'string') out.push(one)
    })
    return out
  }
  return checkScalar(spec, value, path, problems)
}

function checkScalar(
  spec: FieldSpec,
  value: unknown,
  path: string,
  problems: InputProblem[],
): Condition['value'] | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value === 'string') return value
      problems.push({ path, received: value, expected: 'a string' })
      return undefined
    case 'enum':
      if (typeof value === 'string' && spec.values!.includes(value)) return value
      problems.push({ path, received: value, expected: `one of ${spec.values!.join(', ')}` })
      return undefined
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null
      if (d && Number.isFinite(d.getTime())) return d
      problems.push({ path, received: value, expected: 'an RFC 3339 date-time' })
      return undefined
    }
    case 'decimal':
      if (typeof value === 'string' && DECIMAL_VALUE.test(value)) return value
      problems.push({ path, received: value, expected: 'a decimal of at most 24 integer and 12 fraction digits' })
      return undefined
    case 'double':
    case 'bigint':
      if (typeof value === 'number' && Number.isFinite(value)) return value
      problems.push({ path, received: value, expected: 'a finite number' })
      return undefined
  }
}

/**
 * The order keys with the list's unique id appended (in the direction of the last key, so a newest-first list stays
 * newest-first), checked against the sortable fields; the default order when none is asked for.
 */
export function checkOrder(orderBy: OrderKey[], fields: FieldSpecs, id: string, defaults: OrderKey[]): OrderKey[] {
  const problems: InputProblem[] = []
  const keys = orderBy.length ? orderBy : defaults
  const seen = new Set<string>()
  keys.forEach((k, i) => {
    const spec = Object.hasOwn(fields, k.field) ? fields[k.field] : undefined
    if (!spec?.sortable && k.field !== id)
      problems.push({
        path: `orderBy[${i}].field`,
        received: k.field,
        expected: `one of ${Object.keys(fields)
          .filter((f) => fields[f]!.sortable)
          .join(', ')}`,
      })
    if (seen.has(k.field))
      problems.push({ path: `orderBy[${i}].field`, received: k.field, expected: 'each field once' })
    seen.add(k.field)
  })
  if (problems.length) throw new InvalidInputError('invalid orderBy', problems)
  const last = keys[keys.length - 1]
  return seen.has(id)
    ? keys.slice(0, keys.findIndex((k) => k.field === id) + 1)
    : [...keys, { field: id, direction: last?.direction ?? 'ASC' }]
}

export const orderLabel = (keys: OrderKey[]) => keys.map((k) => `${k.field}:${k.direction}`)

/** The keys to read in: the list's order, or its exact reverse when paging backward (rows are flipped back after). */
export const readingKeys = (keys: OrderKey[], query: Pick<ListQuery, 'backward'>): OrderKey[] =>
  query.backward
    ? keys.map((k) => ({ field: k.field, direction: k.direction === 'ASC' ? 'DESC' : 'ASC', nulls: 'FIRST' }))
    : keys.map((k) => ({ ...k, nulls: 'LAST' }))

/** The cursor the page starts from: `after`, or `before` when paging backward. */
export const startCursor = (query: ListQuery): CursorPosition | null =>
  (query.backward ? query.before : query.after) ?? null

/** hasNextPage / hasPreviousPage of a page read `more` (a row beyond it exists in the reading direction). */
export function pageFlags(query: ListQuery, more: boolean): Pick<ListPage<unknown>, 'hasNextPage' | 'hasPreviousPage'> {
  return query.backward
    ? { hasNextPage: (query.before ?? null) !== null, hasPreviousPage: more }
    : { hasNextPage: more }
}

/** The cursor's values, checked to belong to this order and to be valid for each key's type. */
export function checkCursor(
  after: CursorPosition,
  keys: OrderKey[],
  fields: FieldSpecs & Record<string, FieldSpec>,
  path: 'after' | 'before' = 'after',
): CursorValue[] {
  const want = orderLabel(keys)
  if (after.order.length !== want.length || after.order.some((k, i) => k !== want[i]))
    throw new InvalidInputError('invalid cursor', [
      {
        path,
        received: `a cursor for orderBy ${after.order.join(', ')}`,
        expected: `a cursor from this list under the same orderBy (${want.join(', ')})`,
      },
    ])
  const problems: InputProblem[] = []
  after.values.slice(0, keys.length).forEach((v, i) => {
    const spec = fields[keys[i]!.field]!
    const type = spec.type
    if (v === null ? !spec.nullable : !cursorValueValid(type, v))
      problems.push({ path, received: v, expected: `a cursor value of type ${type} for ${keys[i]!.field}` })
  })
  if (after.values.length !== keys.length)
    problems.push({ path, received: `${after.values.length} values`, expected: `${keys.length} values` })
  if (problems.length) throw new InvalidInputError('invalid cursor', problems)
  return after.values
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z?$/

function cursorValueValid(type: FieldType, v: string): boolean {
  switch (type) {
    case 'string':
    case 'enum':
      return true
    case 'timestamp': {
      const m = TIMESTAMP_TEXT.exec(v)
      if (!m) return false
      const [, y, mo, d, h, mi, s] = m.map(Number) as number[]
      const t = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!))
      // the components must survive the round trip (no 2025-02-30)
      return (
        t.getUTCFullYear() === y &&
        t.getUTCMonth() === mo! - 1 &&
        t.getUTCDate() === d &&
        t.getUTCHours() === h &&
        t.getUTCMinutes() === mi &&
        t.getUTCSeconds() === s
      )
    }
    case 'decimal':
      return /^-?\d{1,30}(\.\d{1,12})?$/.test(v)
    case 'double':
      return v.trim() === v && v !== '' && Number.isFinite(Number(v))
    case 'bigint':
      return /^-?\d{1,18}$/.test(v)
  }
}
