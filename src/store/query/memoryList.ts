// Paged list reads over rows computed in memory (coverage summaries, built-in presets): the same checked filters,
// orders and keyset cursors as duckList.ts, evaluated in JavaScript with SQL's semantics (a condition on a null value
// is unknown, and NOT of unknown is still unknown).
import {
  checkCursor,
  checkFilter,
  checkOrder,
  orderLabel,
  pageFlags,
  readingKeys,
  startCursor,
  type FieldSpec,
  type FieldType,
  type FilterTree,
  type ListPage,
  type ListQuery,
  type OrderKey,
} from './listQuery.ts'

/** Field types an in-memory list can compare (decimals live in DuckDB and are compared there). */
export type MemoryFieldType = Exclude<FieldType, 'decimal'>

export interface MemoryFieldSpec extends FieldSpec {
  type: MemoryFieldType
}

export interface MemoryListSpec<Row> {
  fields: Record<string, MemoryFieldSpec>
  /** A field's value on a row (string, number, Date or null). */
  value: (row: Row, field: string) => string | number | Date | null
  /** The field unique within the list; the last order key. */
  id: string
  defaultOrder: OrderKey[]
}

type Value = string | number | Date | null

/** A value as comparable: epoch milliseconds for times, the number for numbers, the text otherwise. */
function comparable(type: MemoryFieldType, v: Value | string): string | number | null {
  if (v === null) return null
  switch (type) {
    case 'timestamp':
      return v instanceof Date ? v.getTime() : Date.parse(cursorTimeText(String(v)))
    case 'double':
    case 'bigint':
      return typeof v === 'number' ? v : Number(v)
    case 'string':
    case 'enum':
      return String(v)
  }
}

/** DuckDB-style cursor text ("2025-10-10 21:15:00") as ISO text Date.parse reads as UTC. */
const cursorTimeText = (t: string) => (/[zZ]$/.test(t) ? t : `${t.replace(' ', 'T')}Z`)

/** Byte-order comparison of texts (code units; SQL's binary collation for the ASCII our keys hold) and numbers. */
const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)

/** true / false / null (unknown) for a filter tree on one row. */
function matches<Row>(tree: FilterTree | null, row: Row, spec: MemoryListSpec<Row>): boolean | null {
  if (!tree) return true
  switch (tree.kind) {
    case 'and': {
      let unknown = false
      for (const p of tree.parts) {
        const m = matches(p, row, spec)
        if (m === false) return false
        if (m === null) unknown = true
      }
      return unknown ? null : true
    }
    case 'or': {
      let unknown = false
      for (const p of tree.parts) {
        const m = matches(p, row, spec)
        if (m === true) return true
        if (m === null) unknown = true
      }
      return unknown ? null : false
    }
    case 'not': {
      const m = matches(tree.part, row, spec)
      return m === null ? null : !m
    }
    case 'condition': {
      const { field, op, value } = tree.condition
      const type = spec.fields[field]!.type
      const have = comparable(type, spec.value(row, field))
      if (have === null) return null
      if (op === 'in' || op === 'notIn') {
        const hit = (value as string[]).some((v) => comparable(type, v) === have)
        return op === 'in' ? hit : !hit
      }
      const c = compare(have, comparable(type, value as Value)!)
      switch (op) {
        case 'equals':
          return c === 0
        case 'gt':
          return c > 0
        case 'gte':
          return c >= 0
        case 'lt':
          return c < 0
        case 'lte':
          return c <= 0
      }
    }
  }
}

/** Cursor text of a value: ISO for times (what checkCursor accepts), the plain text otherwise. */
const cursorText = (v: Value) => (v instanceof Date ? v.toISOString() : String(v))

/** One page of `rows` (every row of the list, in any order); input problems are InvalidInputErrors. */
export function readMemoryList<Row>(spec: MemoryListSpec<Row>, rows: readonly Row[], query: ListQuery): ListPage<Row> {
  const tree = checkFilter(query.filter, spec.fields)
  const keys = checkOrder(query.orderBy, spec.fields, spec.id, spec.defaultOrder)
  const from = startCursor(query)
  const cursor = from ? checkCursor(from, keys, spec.fields, query.backward ? 'before' : 'after') : null
  const reading = readingKeys(keys, query)
  const sign = (k: OrderKey) => (k.direction === 'ASC' ? 1 : -1)
  const key = (row: Row, k: OrderKey) => comparable(spec.fields[k.field]!.type, spec.value(row, k.field))
  const filtered = rows.filter((r) => matches(tree, r, spec) === true)
  // sortable fields are never null (checkOrder allows only those), so every key compares
  const byOrder = (a: Row, b: Row) => {
    for (const k of reading) {
      const c = compare(key(a, k)!, key(b, k)!) * sign(k)
      if (c) return c
    }
    return 0
  }
  const sorted = [...filtered].sort(byOrder)
  const startAt = cursor
    ? sorted.findIndex((r) => {
        for (let i = 0; i < reading.length; i++) {
          const k = reading[i]!
          const c = compare(key(r, k)!, comparable(spec.fields[k.field]!.type, cursor[i]!)!) * sign(k)
          if (c) return c > 0
        }
        return false
      })
    : 0
  const rest = startAt < 0 ? [] : sorted.slice(startAt)
  const page = rest.slice(0, query.first)
  if (query.backward) page.reverse()
  return {
    rows: page,
    keys: page.map((r) => keys.map((k) => cursorText(spec.value(r, k.field)))),
    order: orderLabel(keys),
    ...pageFlags(query, rest.length > query.first),
    totalCount: () => Promise.resolve(filtered.length),
  }
}
