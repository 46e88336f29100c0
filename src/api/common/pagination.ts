// Connections: the cursor codec (opaque base64url of the order and the row's sort-key values), the checks of
// first / after and last / before, and a store page turned into edges, nodes, pageInfo and a lazy totalCount.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type {
  CursorPosition,
  CursorValue,
  FilterInput,
  ListPage,
  ListQuery,
  OrderKey,
} from '../../store/query/listQuery.ts'

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

export function encodeCursor(order: string[], values: CursorValue[]): string {
  return Buffer.from(JSON.stringify({ o: order, v: values }), 'utf8').toString('base64url')
}

const notACursor = (received: unknown, path: 'after' | 'before') =>
  new InvalidInputError('invalid cursor', [
    {
      path,
      received,
      expected: `a cursor from edges.cursor or pageInfo.${path === 'after' ? 'endCursor' : 'startCursor'} of the same list`,
    },
  ])

export function decodeCursor(text: string, path: 'after' | 'before' = 'after'): CursorPosition {
  if (text.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(text)) throw notACursor(text, path)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw notACursor(text, path)
  }
  const isTexts = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string')
  // a null value is a nullable sort key's null (the store checks the field may be null)
  const isValues = (x: unknown): x is CursorValue[] =>
    Array.isArray(x) && x.every((e) => typeof e === 'string' || e === null)
  if (typeof parsed !== 'object' || parsed === null) throw notACursor(text, path)
  const { o, v } = parsed as { o?: unknown; v?: unknown }
  if (!isTexts(o) || !isValues(v) || o.length === 0 || o.length > 16) throw notACursor(text, path)
  return { order: o, values: v }
}

export interface ConnectionArgs {
  first?: number | null
  after?: string | null
  /** Backward paging: the last n rows, before `before` when given. */
  last?: number | null
  before?: string | null
  filter?: FilterInput | null
  orderBy?: ReadonlyArray<{ field: string; direction?: OrderKey['direction'] | null }> | null
}

/** The sizes a connection allows: `first` / `last` from `min` to `max`, `fallback` when neither is given. */
export interface PageLimits {
  min: number
  max: number
  fallback: number
}

const LIST_LIMITS: PageLimits = { min: 0, max: MAX_FIRST, fallback: DEFAULT_FIRST }

/**
 * Which end a page is read from and how many rows: forward with `first` / `after`, backward when `last` or `before`
 * is given (`first` is then not used); `after` with `last` / `before` is a problem (a page is read from one end).
 * Problems are added to `problems`; the cursors are the caller's to decode (a connection may have its own format).
 */
export function pageDirection(
  args: Pick<ConnectionArgs, 'first' | 'after' | 'last' | 'before'>,
  problems: InputProblem[],
  limits: PageLimits = LIST_LIMITS,
): { backward: boolean; size: number } {
  const backward = args.last != null || args.before != null
  const path = backward ? 'last' : 'first'
  const given = backward ? args.last : args.first
  const size = given ?? limits.fallback
  if (!Number.isInteger(size) || size < limits.min || size > limits.max)
    problems.push({ path, received: given, expected: `an integer from ${limits.min} to ${limits.max}` })
  if (backward && args.after != null)
    problems.push({
      path: 'after',
      received: args.after,
      expected: 'no after with last / before (page forward with first / after, backward with last / before)',
    })
  return { backward, size }
}

/**
 * The store's list query from a connection field's arguments: forward (`first` 0–5000, default 100, `after`), or
 * backward when `last` or `before` is given (`last` 0–5000, default 100; `first` is then not used). `after` and
 * `before` together are refused: a page is read from one end.
 */
export function listQuery(args: ConnectionArgs): ListQuery {
  const problems: InputProblem[] = []
  const { backward, size } = pageDirection(args, problems)
  if (problems.length) throw new InvalidInputError('invalid page', problems)
  return {
    first: size,
    after: !backward && args.after != null ? decodeCursor(args.after, 'after') : null,
    backward,
    before: backward && args.before != null ? decodeCursor(args.before, 'before') : null,
    filter: args.filter ?? null,
    orderBy: (args.orderBy ?? []).map((k) => ({ field: k.field, direction: k.direction ?? 'ASC' })),
  }
}

/**
 * A store page as a connection. Edges (a cursor per row) are built only when a query selects them: a 1000-row page
 * read through `nodes` skips 1000 cursor encodings; pageInfo's cursors are the first and last rows'.
 */
export function toConnection<Row>(page: ListPage<Row>, query: ListQuery): ConnectionModel<Row> {
  // the store's typed rows are the nodes (codegen maps each GraphQL node type to its row type)
  const nodes = page.rows
  const cursorAt = (i: number) => encodeCursor(page.order, page.keys[i]!)
  let edges: ConnectionModel<Row>['edges'] | undefined
  const last = nodes.length - 1
  return {
    get edges() {
      return (edges ??= nodes.map((n, i) => ({ cursor: cursorAt(i), node: n })))
    },
    nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage ?? query.after !== null,
      startCursor: last >= 0 ? cursorAt(0) : null,
      endCursor: last >= 0 ? cursorAt(last) : null,
    },
    totalCount: page.totalCount,
  }
}
