// Paged list reads from the metadata store: the same checked filters, orders and keyset cursors as duckList.ts,
// compiled to a Prisma `where` / `orderBy` (Prisma binds every value) instead of SQL text.
import {
  checkCursor,
  checkFilter,
  checkOrder,
  orderLabel,
  type CursorValue,
  type FieldSpec,
  type FilterTree,
  type ListPage,
  type ListQuery,
  type OrderKey,
  pageFlags,
  readingKeys,
  startCursor,
} from './listQuery.ts'

export interface PrismaFieldSpec extends FieldSpec {
  /** Where the field lives on the model, e.g. ['queuedAt'] or ['run', 'status'] across a relation. */
  path: string[]
}

export interface PrismaListSpec {
  fields: Record<string, PrismaFieldSpec>
  id: string
  defaultOrder: OrderKey[]
}

type Where = Record<string, unknown>

/** `{a: {b: leaf}}` from a path and a leaf. */
const nest = (path: string[], leaf: unknown): Where =>
  path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf) as Where

const valueOf = (spec: PrismaFieldSpec, v: unknown) =>
  spec.type === 'timestamp' && !(v instanceof Date) ? new Date(String(v)) : spec.type === 'bigint' ? Number(v) : v

export function prismaWhere(tree: FilterTree | null, spec: PrismaListSpec): Where {
  if (!tree) return {}
  switch (tree.kind) {
    case 'and':
      return { AND: tree.parts.map((p) => prismaWhere(p, spec)) }
    case 'or':
      // an empty OR matches nothing, as in SQL
      return tree.parts.length ? { OR: tree.parts.map((p) => prismaWhere(p, spec)) } : { id: { in: [] } }
    case 'not':
      return { NOT: prismaWhere(tree.part, spec) }
    case 'condition': {
      const { field, op, value } = tree.condition
      const f = spec.fields[field]!
      const v = Array.isArray(value) ? value.map((x) => valueOf(f, x)) : valueOf(f, value)
      return nest(f.path, { [op]: v })
    }
  }
}

function keysetWhere(keys: OrderKey[], values: CursorValue[], spec: PrismaListSpec): Where {
  const ors: Where[] = []
  for (let i = 0; i < keys.length; i++) {
    const ands: Where[] = []
    for (let j = 0; j < i; j++) {
      const f = spec.fields[keys[j]!.field]!
      ands.push(nest(f.path, { equals: valueOf(f, values[j]) }))
    }
    const f = spec.fields[keys[i]!.field]!
    ands.push(nest(f.path, { [keys[i]!.direction === 'ASC' ? 'gt' : 'lt']: valueOf(f, values[i]) }))
    ors.push({ AND: ands })
  }
  return { OR: ors }
}

const cursorText = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v))

/**
 * One page through `find` (the model's findMany, given where / orderBy / take) and `count`; input problems are
 * InvalidInputErrors raised before anything is read.
 */
export async function readPrismaList<Row>(
  spec: PrismaListSpec,
  query: ListQuery,
  find: (args: { where: Where; orderBy: Where[]; take: number }) => Promise<Row[]>,
  count: (args: { where: Where }) => Promise<number>,
): Promise<ListPage<Row>> {
  const tree = checkFilter(query.filter, spec.fields)
  const keys = checkOrder(query.orderBy, spec.fields, spec.id, spec.defaultOrder)
  const from = startCursor(query)
  const after = from ? checkCursor(from, keys, spec.fields, query.backward ? 'before' : 'after') : null
  // backward pages read in the reverse order from `before` and are flipped back below
  const reading = readingKeys(keys, query)
  const filtered = prismaWhere(tree, spec)
  const where = after ? { AND: [filtered, keysetWhere(reading, after, spec)] } : filtered
  const orderBy = reading.map((k) => nest(spec.fields[k.field]!.path, k.direction === 'ASC' ? 'asc' : 'desc'))
  const raw = await find({ where, orderBy, take: query.first + 1 })
  const rows = raw.slice(0, query.first)
  if (query.backward) rows.reverse()
  return {
    rows,
    keys: rows.map((r) =>
      keys.map((k) =>
        cursorText(spec.fields[k.field]!.path.reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], r)),
      ),
    ),
    order: orderLabel(keys),
    ...pageFlags(query, raw.length > query.first),
    totalCount: () => count({ where: filtered }),
  }
}
