// The query string of an export, read as the API's filters: `field=value` (equals), `field.op=value` with op one of
// equals, in, notIn (comma-separated lists), gt, gte, lt, lte; `orderBy=field:DESC,field2`; `columns=a,b` (the
// file's columns, in order); plus the table's scope (runId; or venue, market, from, to). Anything else is refused
// with the list of what the table takes.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type { ExportRequest, ExportScopeValues } from '../../store/exports/copyExport.ts'
import { columnProblems } from '../../store/exports/exportColumns.ts'
import type { FilterInput, OrderKey } from '../../store/query/listQuery.ts'
import type { ExportTable } from './exportsTables.ts'

const SCOPE_PARAMS = { run: ['runId'], all: [], market: ['venue', 'market', 'from', 'to'] } as const
const OPS = ['equals', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte'] as const
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/
/** Ids and names that may appear in a scope (and so in a file name). */
const NAME = /^[A-Za-z0-9][\w.:/-]{0,127}$/

export interface ParsedExport {
  request: Omit<ExportRequest, 'list'>
  /** File name for Content-Disposition, without extension: table plus its scope. */
  baseName: string
}

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_')

export function parseExportQuery(name: string, table: ExportTable, query: Record<string, unknown>): ParsedExport {
  const problems: InputProblem[] = []
  const reserved: readonly string[] = SCOPE_PARAMS[table.scope]
  const fields = table.list.fields
  const valid = () =>
    [...reserved, 'orderBy', 'columns', ...Object.keys(fields).map((f) => `${f}[.${OPS.join('|.')}]`)].join(', ')
  const one = (key: string): string | undefined => {
    const v = query[key]
    if (v === undefined) return undefined
    if (typeof v !== 'string') {
      problems.push({ path: key, received: v, expected: 'one value (the parameter given once)' })
      return undefined
    }
    return v
  }
  const filter: Record<string, Record<string, unknown>> = {}
  let orderBy: OrderKey[] = []
  let columns: string[] | null = null
  for (const key of Object.keys(query)) {
    if (reserved.includes(key)) continue
    const value = one(key)
    if (value === undefined) continue
    if (key === 'orderBy') {
      orderBy = value.split(',').map((part) => {
        const [field = '', direction = 'ASC'] = part.split(':')
        if (direction !== 'ASC' && direction !== 'DESC')
          problems.push({ path: 'orderBy', received: part, expected: 'field or field:ASC or field:DESC' })
        return { field, direction: direction === 'DESC' ? 'DESC' : 'ASC' }
      })
      continue
    }
    if (key === 'columns') {
      columns = value.split(',')
      problems.push(...columnProblems(name, table.list, columns))
      continue
    }
    const [field = '', op = 'equals', ...rest] = key.split('.')
    if (!Object.hasOwn(fields, field) || rest.length || !(OPS as readonly string[]).includes(op)) {
      problems.push({ path: key, received: key, expected: `a parameter of ${name}: ${valid()}` })
      continue
    }
    const type = fields[field]!.type
    const scalar = (v: string): unknown => ((type === 'double' || type === 'bigint') && NUMBER.test(v) ? Number(v) : v)
    const conditions = (filter[field] ??= {})
    conditions[op] = op === 'in' || op === 'notIn' ? (value === '' ? [] : value.split(',').map(scalar)) : scalar(value)
  }
  let scope: ExportScopeValues = { scope: 'all' }
  let baseName = name
  const required = (key: string) => {
    const v = one(key)
    if (v === undefined || v === '') problems.push({ path: key, received: v, expected: `required for ${name}` })
    else if ((key === 'from' || key === 'to') && !Number.isFinite(new Date(v).getTime()))
      problems.push({ path: key, received: v, expected: 'an RFC 3339 date-time (e.g. 2025-10-10T00:00:00Z)' })
    else if (key !== 'from' && key !== 'to' && !NAME.test(v))
      problems.push({ path: key, received: v, expected: 'a name of letters, digits and . _ : / -' })
    else return v
    return ''
  }
  if (table.scope === 'run') {
    const runId = required('runId')
    scope = { scope: 'run', runId }
    baseName = `${name}-${runId}`
  } else if (table.scope === 'market') {
    const [venue, market, from, to] = [required('venue'), required('market'), required('from'), required('to')]
    if (from && to && !(new Date(from) < new Date(to)))
      problems.push({ path: 'to', received: to, expected: `after from (${from})` })
    scope = { scope: 'market', venue, market, from: new Date(from), to: new Date(to) }
    const day = (d: string) => new Date(d).toISOString().slice(0, 10)
    if (from && to) baseName = `${name}-${venue}-${market}-${day(from)}-${day(to)}`
  }
  if (problems.length) throw new InvalidInputError(`invalid export of ${name}`, problems)
  return {
    request: { scope, filter: Object.keys(filter).length ? (filter as FilterInput) : null, orderBy, columns },
    baseName: fileSafe(baseName),
  }
}
