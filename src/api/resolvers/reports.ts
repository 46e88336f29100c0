// Reports: the `reports` connection (newest first, keyset cursors over createdAt and id), `report(id)`, and the
// Report fields that read its stored headline and files.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { parseStoredHeadline } from '../../report/storedHeadline.ts'
import { REPORT_JOB } from '../../report/reportRun.ts'
import {
  addSchedule,
  backtestSchedules as listBacktestSchedules,
  changeSchedule,
  removeSchedule,
  setScheduleEnabled,
} from '../../report/schedule/manage.ts'
import {
  countReports,
  getReport,
  listReports,
  type ReportCursor,
  type ReportFilter as StoreFilter,
  type StoredReport,
} from '../../store/meta/reports.ts'
import { pageDirection } from '../common/pagination.ts'
import type { ApiContext } from '../context.ts'
import { getRun } from '../../store/meta/runs.ts'
import type { MutationResolvers, QueryResolvers, ReportResolvers, RunResolvers } from '../generated/resolvers-types.ts'
import { runsOf } from './backtests.ts'

const MAX_FIRST = 500

/** Opaque cursor: base64url of [createdAt in ms, id]. */
export const encodeCursor = (r: { createdAt: Date; id: string }) =>
  Buffer.from(JSON.stringify([r.createdAt.getTime(), r.id])).toString('base64url')

export function decodeCursor(text: string): ReportCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string')
      return { createdAt: new Date(value[0] as number), id: value[1] }
  } catch {
    // reported below
  }
  return null
}

const date = (value: Date | string | null | undefined) => (value == null ? null : new Date(value))

export const reports: QueryResolvers['reports'] = async (_p, { filter, first, after, last, before }, { runtime }) => {
  const problems: InputProblem[] = []
  const { backward, size } = pageDirection({ first, after, last, before }, problems, {
    min: 1,
    max: MAX_FIRST,
    fallback: 50,
  })
  const cursorOf = (text: string | null | undefined, path: 'after' | 'before') => {
    if (text == null) return null
    const cursor = decodeCursor(text)
    if (!cursor) problems.push({ path, received: text, expected: 'an endCursor or edge cursor of this connection' })
    return cursor
  }
  const cursor = cursorOf(after, 'after')
  const beforeCursor = cursorOf(before, 'before')
  const createdAt = filter?.createdAt
  const range = { gte: date(createdAt?.gte), lt: date(createdAt?.lt) }
  for (const key of ['gte', 'lt'] as const)
    if (range[key] && Number.isNaN(range[key].getTime()))
      problems.push({ path: `filter.createdAt.${key}`, received: createdAt?.[key], expected: 'an RFC 3339 time' })
  if (problems.length) throw new InvalidInputError('invalid reports query', problems)
  const storeFilter: StoreFilter = {
    scheduleId: filter?.scheduleId ?? null,
    runId: filter?.runId ?? null,
    kind: filter?.kind ?? null,
    deliveryStatus: filter?.deliveryStatus ?? null,
    createdAt: range,
  }
  const [{ rows, more }, totalCount] = await Promise.all([
    listReports(runtime.meta, storeFilter, { first: size, after: cursor, backward, before: beforeCursor }),
    countReports(runtime.meta, storeFilter),
  ])
  const edges = rows.map((node) => ({ cursor: encodeCursor(node), node }))
  return {
    edges,
    nodes: rows,
    pageInfo: {
      // as the other connections: backward, a next page exists past `before`; a previous one when rows were left
      hasNextPage: backward ? beforeCursor !== null : more,
      hasPreviousPage: backward ? more : cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  }
}

export const report: QueryResolvers['report'] = (_p, { id }, { runtime }) => getReport(runtime.meta, id)

const files = (r: StoredReport) => (r.files as Array<{ name: string }>).map((f) => f.name)

export const Report: ReportResolvers = {
  formats: (r) => r.formats as Array<'html' | 'md' | 'json'>,
  runIds: (r) => r.runIds as string[],
  links: (r) => {
    const names = files(r)
    return {
      html: names.includes('report.html') ? `/reports/${r.id}.html` : null,
      markdown: names.includes('report.md') ? `/reports/${r.id}.md` : null,
      json: names.includes('report.json') ? `/reports/${r.id}.json` : null,
      charts: names.filter((n) => n.endsWith('.svg')).map((n) => `/reports/${r.id}/${n}`),
    }
  },
  headline: (r) => {
    const h = parseStoredHeadline(r.headline, r.id)
    return {
      ...h,
      liquidatedNotionalApprox: Number(h.liquidatedNotional),
      totalBadDebtApprox: Number(h.totalBadDebt),
      fundLowApprox: Number(h.fundLow),
      maxFundDrawdownApprox: Number(h.maxFundDrawdown),
      // a sweep report's headline (its base's figures) has no drawdown fraction: see ReportHeadline in the schema
      maxFundDrawdownFraction: h.maxFundDrawdownFraction ?? 0,
    }
  },
  deliveryStatus: (r) => r.deliveryStatus as 'none' | 'pending' | 'delivered' | 'partial' | 'failed',
}

/**
 * Submits a report run (kind report) and returns it queued; its report is `Run.report` once it has succeeded. Operator
 * role once the API-key plugin lands (src/api/rest/reports.ts has the same hook for reads).
 */
export const generateReport: MutationResolvers['generateReport'] = async (
  _p,
  { runId, sweepId, compare, formats },
  context,
) => {
  const submitted = await runsOf(context).submit(
    REPORT_JOB,
    {
      ...(runId != null ? { runId } : {}),
      ...(sweepId != null ? { sweepId } : {}),
      compare: compare ?? [],
      ...(formats ? { formats } : {}),
    },
    { trigger: 'api' },
  )
  return (await getRun(context.runtime.meta, submitted.runId))!
}

/** The report a run produced: a report run's has the run's id; a scheduled run names it in its result. */
export const runReport: RunResolvers['report'] = async (run, _a, { runtime }) => {
  const own = await getReport(runtime.meta, run.id)
  if (own) return own
  const reportId = (run.result as { reportId?: unknown } | null)?.reportId
  return typeof reportId === 'string' ? getReport(runtime.meta, reportId) : null
}

const checkDeps = (runtime: ApiContext['runtime']) => ({
  duck: runtime.duck,
  meta: runtime.meta,
  config: runtime.config,
  now: new Date(),
})

export const backtestSchedules: QueryResolvers['backtestSchedules'] = (_p, _a, { runtime }) =>
  listBacktestSchedules(runtime)

export const createBacktestSchedule: MutationResolvers['createBacktestSchedule'] = (_p, { input }, { runtime }) =>
  addSchedule(checkDeps(runtime), { name: input.name, cron: input.cron, params: input.params })

export const updateBacktestSchedule: MutationResolvers['updateBacktestSchedule'] = (
  _p,
  { name, cron, params },
  { runtime },
) => {
  if (params != null && (typeof params !== 'object' || Array.isArray(params)))
    throw new InvalidInputError('invalid schedule change', [
      { path: 'params', received: params, expected: 'a JSON object of parameters' },
    ])
  return changeSchedule(checkDeps(runtime), name, {
    cron: cron ?? null,
    params: (params as Record<string, unknown> | null) ?? null,
  })
}

export const pauseBacktestSchedule: MutationResolvers['pauseBacktestSchedule'] = (_p, { name }, { runtime }) =>
  setScheduleEnabled(runtime, name, false)

export const resumeBacktestSchedule: MutationResolvers['resumeBacktestSchedule'] = (_p, { name }, { runtime }) =>
  setScheduleEnabled(runtime, name, true)

export const deleteBacktestSchedule: MutationResolvers['deleteBacktestSchedule'] = (_p, { name }, { runtime }) =>
  removeSchedule(runtime, name)
