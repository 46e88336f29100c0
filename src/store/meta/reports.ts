// Report records: created once a report's files exist, read by id, listed newest first with keyset cursors, the
// previous report of a schedule (for deltas), delivery outcomes, and retention.
import type { Prisma } from './generated/client.ts'
import type { MetaClient } from './client.ts'

export interface NewReport {
  id: string
  kind: 'backtest' | 'comparison' | 'sweep'
  title: string
  params: Prisma.InputJsonValue
  formats: string[]
  /** Relative to the data directory. */
  path: string
  files: Array<{ name: string; bytes: number; sha256: string }>
  scheduleId: string | null
  runId: string
  runIds: string[]
  headline: Prisma.InputJsonValue
  deliveryStatus: 'none' | 'pending'
  /** One pending entry per delivery target, when the report has targets. */
  deliveries?: TargetDelivery[]
  jobRunId: string | null
  createdAt: Date
}

export function createReport(meta: MetaClient, report: NewReport) {
  const { deliveries, ...rest } = report
  return meta.report.create({
    data: {
      ...rest,
      formats: report.formats,
      files: report.files,
      runIds: report.runIds,
      ...(deliveries?.length ? { deliveries: deliveries as unknown as Prisma.InputJsonValue } : {}),
    },
  })
}

export function getReport(meta: MetaClient, id: string) {
  return meta.report.findUnique({ where: { id } })
}

export type StoredReport = NonNullable<Awaited<ReturnType<typeof getReport>>>

/** The latest report of a schedule created before `before` (the one the next report's deltas compare with). */
export function previousScheduleReport(meta: MetaClient, scheduleId: string, before: Date) {
  return meta.report.findFirst({
    where: { scheduleId, createdAt: { lt: before } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  })
}

export interface ReportFilter {
  scheduleId?: string | null
  runId?: string | null
  kind?: string | null
  deliveryStatus?: string | null
  createdAt?: { gte?: Date | null; lt?: Date | null } | null
}

const whereOf = (filter: ReportFilter): Prisma.ReportWhereInput => ({
  ...(filter.scheduleId ? { scheduleId: filter.scheduleId } : {}),
  ...(filter.runId ? { runId: filter.runId } : {}),
  ...(filter.kind ? { kind: filter.kind } : {}),
  ...(filter.deliveryStatus ? { deliveryStatus: filter.deliveryStatus } : {}),
  ...(filter.createdAt?.gte || filter.createdAt?.lt
    ? {
        createdAt: {
          ...(filter.createdAt.gte ? { gte: filter.createdAt.gte } : {}),
          ...(filter.createdAt.lt ? { lt: filter.createdAt.lt } : {}),
        },
      }
    : {}),
})

/** Where a page starts: after this report in (createdAt desc, id desc) order. */
export interface ReportCursor {
  createdAt: Date
  id: string
}

/**
 * A page of reports, newest first; `first + 1` rows are read to know whether another page follows. Paging backward
 * (`before`, or from the oldest end when it is null) reads oldest-first from the cursor and flips the page back, so
 * a page is in the list's order either way and `more` says a row lies beyond it in the reading direction.
 */
export async function listReports(
  meta: MetaClient,
  filter: ReportFilter,
  page: { first: number; after: ReportCursor | null; backward?: boolean; before?: ReportCursor | null },
) {
  const where = whereOf(filter)
  const from = page.backward ? (page.before ?? null) : page.after
  const op = page.backward ? 'gt' : 'lt'
  const direction = page.backward ? 'asc' : 'desc'
  const rows = await meta.report.findMany({
    where: from
      ? {
          AND: [
            where,
            { OR: [{ createdAt: { [op]: from.createdAt } }, { createdAt: from.createdAt, id: { [op]: from.id } }] },
          ],
        }
      : where,
    orderBy: [{ createdAt: direction }, { id: direction }],
    take: page.first + 1,
  })
  const picked = rows.slice(0, page.first)
  if (page.backward) picked.reverse()
  return { rows: picked, more: rows.length > page.first }
}

export function countReports(meta: MetaClient, filter: ReportFilter) {
  return meta.report.count({ where: whereOf(filter) })
}

/** Where one target of a report stands: pending until delivered, or failed once its attempts ran out. */
export interface TargetDelivery {
  /** "webhook host" or "email via host": never the address itself (it may hold a secret). */
  target: string
  kind: 'webhook' | 'email'
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  lastError: string | null
  lastAttemptAt: string | null
  deliveredAt: string | null
}

export interface DeliveryRecord {
  deliveryStatus: 'pending' | 'delivered' | 'partial' | 'failed'
  deliveryAttempts: number
  deliveryErrors: Array<{ target: string; attempt: number; at: string; error: string }>
  deliveries: TargetDelivery[]
  deliveredAt: Date | null
}

/** The row's delivery state as it was last recorded (entries written before per-target states are read as such). */
export function storedDeliveries(report: StoredReport): TargetDelivery[] {
  return Array.isArray(report.deliveries) ? (report.deliveries as unknown as TargetDelivery[]) : []
}

export function recordDelivery(meta: MetaClient, id: string, record: DeliveryRecord) {
  return meta.report.update({
    where: { id },
    data: {
      ...record,
      deliveryErrors: record.deliveryErrors,
      deliveries: record.deliveries as unknown as Prisma.InputJsonValue,
    },
  })
}

/** Reports with a delivery still pending (oldest first): a stop came between their render and their delivery. */
export function reportsPendingDelivery(meta: MetaClient, take = 100) {
  return meta.report.findMany({
    where: { deliveryStatus: 'pending' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take,
    select: { id: true, scheduleId: true },
  })
}

/** A report of schedule `scheduleId` recorded at or after `since` (a run of it that got as far as its report). */
export function scheduleReportSince(meta: MetaClient, scheduleId: string, since: Date) {
  return meta.report.findFirst({
    where: { scheduleId, createdAt: { gte: since } },
    select: { id: true, deliveryStatus: true },
  })
}

/** Whether a run of `job` for schedule `scheduleId` is queued or running (its owner is alive: recovery ran first). */
export async function scheduleRunOpen(meta: MetaClient, scheduleId: string, job: string): Promise<boolean> {
  const open = await meta.jobRun.findFirst({
    where: { scheduleId, job, status: { in: ['queued', 'running'] } },
    select: { id: true },
  })
  return open !== null
}

/** Reports created before `before` (oldest first), for retention. */
export function reportsOlderThan(meta: MetaClient, before: Date, take = 1000) {
  return meta.report.findMany({
    where: { createdAt: { lt: before } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take,
    select: { id: true, path: true },
  })
}

export function deleteReport(meta: MetaClient, id: string) {
  return meta.report.deleteMany({ where: { id } })
}

/** Ids of the reports among `ids` that have a row (the others are folders without a record). */
export async function existingReportIds(meta: MetaClient, ids: string[]): Promise<Set<string>> {
  const rows = await meta.report.findMany({ where: { id: { in: ids } }, select: { id: true } })
  return new Set(rows.map((r) => r.id))
}
