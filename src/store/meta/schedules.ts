// Backtest schedules in JobSchedule (job backtest.scheduled): add, update, pause, resume, remove, list, and the
// latest run of a schedule (for catching up a run missed while the server was down).
import { ConflictError, NotFoundError, formatReceived } from '../../errors.ts'
import type { Prisma } from './generated/client.ts'
import type { MetaClient } from './client.ts'

export interface NewSchedule {
  name: string
  job: string
  cron: string
  params: Prisma.InputJsonValue
  enabled?: boolean
  origin?: 'user' | 'config'
}

export async function createSchedule(meta: MetaClient, schedule: NewSchedule) {
  if (await meta.jobSchedule.findUnique({ where: { name: schedule.name } }))
    throw new ConflictError(
      `a schedule named ${formatReceived(schedule.name)} already exists: update it or choose another name`,
    )
  return meta.jobSchedule.create({
    data: { ...schedule, timezone: 'UTC', enabled: schedule.enabled ?? true, origin: schedule.origin ?? 'user' },
  })
}

/** A schedule of `job` by id or name; NotFoundError naming what was asked. */
export async function findSchedule(meta: MetaClient, job: string, idOrName: string) {
  const found = await meta.jobSchedule.findFirst({ where: { job, OR: [{ id: idOrName }, { name: idOrName }] } })
  if (!found) throw new NotFoundError(`no backtest schedule ${formatReceived(idOrName)} (give its name or id)`)
  return found
}

export type StoredSchedule = Awaited<ReturnType<typeof findSchedule>>

export function updateSchedule(
  meta: MetaClient,
  id: string,
  change: { cron?: string; params?: Prisma.InputJsonValue; enabled?: boolean },
) {
  return meta.jobSchedule.update({ where: { id }, data: change })
}

export function deleteSchedule(meta: MetaClient, id: string) {
  return meta.jobSchedule.delete({ where: { id } })
}

export function listSchedules(meta: MetaClient, job: string) {
  return meta.jobSchedule.findMany({ where: { job }, orderBy: { name: 'asc' } })
}

/** The most recent run of `job` triggered by a schedule, whatever its status. */
export function latestScheduleRun(meta: MetaClient, scheduleId: string, job: string) {
  return meta.jobRun.findFirst({ where: { scheduleId, job }, orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }] })
}

/** Another run of the same job and schedule as run `runId` that is running now (its id), or null. */
export async function otherOpenScheduleRun(meta: MetaClient, scheduleId: string, runId: string) {
  const self = await meta.jobRun.findUnique({ where: { id: runId }, select: { job: true } })
  if (!self) return null
  const other = await meta.jobRun.findFirst({
    where: { scheduleId, job: self.job, status: 'running', id: { not: runId } },
    select: { id: true },
  })
  return other?.id ?? null
}

/** The schedule that triggered a run, if any. */
export async function scheduleOfRun(meta: MetaClient, runId: string) {
  const run = await meta.jobRun.findUnique({ where: { id: runId }, select: { schedule: true } })
  return run?.schedule ?? null
}
