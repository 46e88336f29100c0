// Managing backtest schedules for the CLI and the API: every change checked in full (checkSchedule) before the
// store is touched, so a refused change leaves the schedule as it was.
import type { Prisma } from '../../store/meta/generated/client.ts'
import {
  createSchedule,
  deleteSchedule,
  findSchedule,
  listSchedules,
  updateSchedule,
  type StoredSchedule,
} from '../../store/meta/schedules.ts'
import { SCHEDULED_BACKTEST_JOB } from './params.ts'
import { checkSchedule, type ScheduleCheckDeps, type ScheduleInput } from './validate.ts'

export async function addSchedule(deps: ScheduleCheckDeps, input: ScheduleInput): Promise<StoredSchedule> {
  const params = await checkSchedule(deps, input)
  return createSchedule(deps.meta, {
    name: input.name,
    job: SCHEDULED_BACKTEST_JOB,
    cron: input.cron,
    params: params as unknown as Prisma.InputJsonValue,
  })
}

/** Changes the cron and/or parameters (given keys replace the stored ones); the result is checked whole. */
export async function changeSchedule(
  deps: ScheduleCheckDeps,
  idOrName: string,
  change: { cron?: string | null; params?: Record<string, unknown> | null },
): Promise<StoredSchedule> {
  const current = await findSchedule(deps.meta, SCHEDULED_BACKTEST_JOB, idOrName)
  const cron = change.cron ?? current.cron
  const merged = { ...(current.params as Record<string, unknown>), ...(change.params ?? {}) }
  const params = await checkSchedule(deps, { name: current.name, cron, params: merged })
  return updateSchedule(deps.meta, current.id, { cron, params: params as unknown as Prisma.InputJsonValue })
}

export async function setScheduleEnabled(
  deps: Pick<ScheduleCheckDeps, 'meta'>,
  idOrName: string,
  enabled: boolean,
): Promise<StoredSchedule> {
  const current = await findSchedule(deps.meta, SCHEDULED_BACKTEST_JOB, idOrName)
  return updateSchedule(deps.meta, current.id, { enabled })
}

export async function removeSchedule(deps: Pick<ScheduleCheckDeps, 'meta'>, idOrName: string): Promise<StoredSchedule> {
  const current = await findSchedule(deps.meta, SCHEDULED_BACKTEST_JOB, idOrName)
  await deleteSchedule(deps.meta, current.id)
  return current
}

export const backtestSchedules = (deps: Pick<ScheduleCheckDeps, 'meta'>) =>
  listSchedules(deps.meta, SCHEDULED_BACKTEST_JOB)
