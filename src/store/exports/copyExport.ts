// One export written by DuckDB's own writer: `COPY (SELECT … WHERE <bound filter> ORDER BY … LIMIT cap + 1) TO
// '<temp file>'`, CSV with a header row (timestamps as RFC 3339 UTC) or Parquet (zstd). The SELECT is the API list's
// fields in their stored types (exportColumns.ts) with its filter compiled to bound parameters
// (src/store/query/duckList.ts); the only text spliced in is the file path, which this module chose and checks
// against a strict pattern.
import { InvalidInputError } from '../../errors.ts'
import { columnProblems, defaultColumns, exportSelect } from './exportColumns.ts'
import type { DuckStore } from '../duck/open.ts'
import type { MetaClient } from '../meta/client.ts'
import { filterSql, Params, timestampText, type DuckListSpec } from '../query/duckList.ts'
import { checkFilter, checkOrder, type FilterInput, type OrderKey } from '../query/listQuery.ts'
import { requireSucceededRun } from '../results/servable.ts'

export type ExportFormat = 'csv' | 'parquet'

/** run: a run's rows (it must have succeeded); all: filters only; market: one venue's market over [from, to). */
export type ExportScope = 'run' | 'all' | 'market'

/** What the scope of a table needs (checked by the caller's parser; checked again here). */
export type ExportScopeValues =
  | { scope: 'run'; runId: string }
  | { scope: 'all' }
  | { scope: 'market'; venue: string; market: string; from: Date; to: Date }

export interface ExportRequest {
  /** The list exported: its projection, filterable fields and columns. */
  list: DuckListSpec
  scope: ExportScopeValues
  filter: FilterInput | null
  orderBy: OrderKey[]
  /** The file's columns, in order (checked against the list's fields); null: every field but the `…Approx` twins. */
  columns: string[] | null
}

/** A path this module writes to: absolute, no quote, no space, nothing a SQL literal could be broken out of. */
const SAFE_PATH = /^\/[A-Za-z0-9._/-]{1,1000}$/

const OPTIONS: Record<ExportFormat, string> = {
  csv: `(FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%fZ')`,
  parquet: `(FORMAT parquet, COMPRESSION zstd)`,
}

/** An export's checked filter and order, bound (no I/O): the rows it selects, whatever columns a file then holds. */
interface ExportPlan {
  from: string
  where: string
  order: string
  params: unknown[]
}

/** Checks the filter and order (InvalidInputError naming what is wrong) and binds them, scope first. */
function exportPlan(request: ExportRequest): ExportPlan {
  const spec = request.list
  const tree = checkFilter(request.filter, spec.fields)
  const keys = checkOrder(request.orderBy, spec.fields, spec.id, spec.defaultOrder)
  const params = new Params()
  const where: string[] = []
  const s = request.scope
  if (s.scope === 'run') where.push(`src.run_id = ${params.add(s.runId)}`)
  if (s.scope === 'market') {
    where.push(
      `src.venue = ${params.add(s.venue)}`,
      `src.market = ${params.add(s.market)}`,
      `src.ts >= CAST(${params.add(timestampText(s.from))} AS TIMESTAMP)`,
      `src.ts < CAST(${params.add(timestampText(s.to))} AS TIMESTAMP)`,
    )
  }
  where.push(filterSql(tree, spec, params))
  const order = keys.map((k) => `src.${spec.columns[k.field]!} ${k.direction}`).join(', ')
  return { from: spec.from, where: where.join(' AND '), order, params: params.values }
}

/**
 * The plan's SELECT of `selectList` (the file's columns as SQL, exportSelect), at most `limit` rows. Rows are sorted
 * as stored, then projected: the sort carries the raw columns (amounts as 64-bit decimals), not the projection's text
 * casts (100 k liquidations: a fifth less CPU for the same bytes). A projection keeps its input's order and COPY
 * writes in that order (insertion order is preserved: DuckDB's default, never changed here).
 */
function planSelect(plan: ExportPlan, selectList: string, limit: number): { select: string; params: unknown[] } {
  const params = new Params(plan.params)
  const bound = params.add(limit)
  return {
    select: `SELECT ${selectList} FROM (SELECT src.* FROM ${plan.from} AS src WHERE ${plan.where}
      ORDER BY ${plan.order} LIMIT ${bound}) AS src`,
    params: params.values,
  }
}

/**
 * Writes the rows to `file` and returns how many. Bad input (filter, order, columns) and a run that is unknown (NOT_FOUND) or
 * not succeeded (CONFLICT) throw before anything is written; more than `maxRows` rows throws InvalidInputError
 * naming the count (the caller removes the file).
 */
export async function copyExport(
  stores: { duck: DuckStore; meta: MetaClient },
  request: ExportRequest,
  format: ExportFormat,
  file: string,
  maxRows: number,
): Promise<{ rows: number }> {
  if (!SAFE_PATH.test(file)) throw new Error(`unsafe export path ${JSON.stringify(file)}`)
  const columns = request.columns ?? defaultColumns(request.list)
  const problems = columnProblems(request.list.from, request.list, columns)
  if (problems.length) throw new InvalidInputError(`invalid columns for ${request.list.from}`, problems)
  const plan = exportPlan(request) // bad filter or order: refused before the run lookup
  if (request.scope.scope === 'run') await requireSucceededRun(stores.meta, request.scope.runId)
  const rows = await stores.duck.use(async (c) => {
    const selectList = await exportSelect(c, stores.duck, request.list, columns)
    const { select, params } = planSelect(plan, selectList, maxRows + 1)
    const result = await c.run(`COPY (${select}) TO '${file}' ${OPTIONS[format]}`, params as never)
    return Number(result.rowsChanged)
  })
  if (rows > maxRows) {
    // the count of the rows the filter selects: no projection needed
    const { select: all, params: allParams } = planSelect(plan, 'NULL', Number.MAX_SAFE_INTEGER)
    const count = await stores.duck.use(async (c) => {
      const out = await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM (${all})`, allParams as never)
      return Number(out.getRowObjectsJS()[0]!.n)
    })
    throw new InvalidInputError(`the export matches ${count} rows, more than the ${maxRows} one export may hold`, [
      {
        path: 'rows',
        received: count,
        expected: `at most ${maxRows} (EXPORT_MAX_ROWS): narrow the filters or the time range`,
      },
    ])
  }
  return { rows }
}
