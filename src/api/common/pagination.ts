// Connections: the cursor codec (opaque base64url of the order and the row's sort-key values), the checks of
// first / after, and a store page turned into edges, nodes, pageInfo and a lazy totalCount.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type { CursorPosition, FilterInput, ListPage, ListQuery, OrderKey } from '../../store/query/listQuery.ts'

export const DEFAULT_FIRST = 100
export const MAX_FIRST = 5000
/** Longest cursor accepted (ours are far shorter; a longer one is not ours). */
const MAX_CURSOR = 4096

export interface ConnectionModel<Node> {
  edges: Array<{ cursor: string; node: Node }>
  nodes: Node[]
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }
  /** Called by GraphQL's default resolver only when a query selects totalCount. */
  totalCount: () => Promise<number>
}

export function encodeCursor(order: string[], values: string[]): string {
  return Buffer.from(JSON.stringify({ o: order, v: values }), 'utf8').toString('base64url')
}

const notACursor = (received: unknown) =>
  new InvalidInputError('invalid cursor', [
    { path: 'after', received, expected: 'a cursor from edges.cursor or pageInfo.endCursor of the same list' },
  ])

export function decodeCursor(text: string): CursorPosition {
  if (text.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(text)) throw notACursor(text)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw notACursor(text)
  }
  const isTexts = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string')
  if (typeof parsed !== 'object' || parsed === null) throw notACursor(text)
  const { o, v } = parsed as { o?: unknown; v?: unknown }
  if (!isTexts(o) || !isTexts(v) || o.length === 0 || o.length > 16) throw notACursor(text)
  return { order: o, values: v }
}

export interface ConnectionArgs {
  first?: number | null
  after?: string | null
  filter?: FilterInput | null
  orderBy?: ReadonlyArray<{ field: string; direction?: OrderKey['direction'] | null }> | null
}

/** The store's list query from a connection field's arguments (first 0–5000, default 100). */
export function listQuery(args: ConnectionArgs): ListQuery {
  const first = args.first ?? DEFAULT_FIRST
  const problems: InputProblem[] = []
  if (!Number.isInteger(first) || first < 0 || first > MAX_FIRST)
    problems.push({ path: 'first', received: args.first, expected: `an integer from 0 to ${MAX_FIRST}` })
  if (problems.length) throw new InvalidInputError('invalid page', problems)
  return {
    first,
    after: args.after != null ? decodeCursor(args.after) : null,
    filter: args.filter ?? null,
    orderBy: (args.orderBy ?? []).map((k) => ({ field: k.field, direction: k.direction ?? 'ASC' })),
  }
}

export function toConnection<Row, Node = Row>(
  page: ListPage<Row>,
  query: ListQuery,
  node: (row: Row) => Node = (row) => row as unknown as Node,
): ConnectionModel<Node> {
  const edges = page.rows.map((row, i) => ({ cursor: encodeCursor(page.order, page.keys[i]!), node: node(row) }))
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: query.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: page.totalCount,
  }
}
