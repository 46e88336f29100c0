// What the next start owes. Backtest schedules whose last fire time passed while no process ran them (the server was
// down), or whose run of it was interrupted by a crash before its report existed: each is run once, however many
// fire times it missed (SCHEDULE_CATCH_UP). And reports whose delivery is still pending (a stop came between render
// and delivery): delivered by a report.deliver run, to the targets not yet delivered.
import type { Runtime } from '../../src/app/runtime.ts'
import { INTERRUPTED_PREFIX } from '../../src/domain/run.ts'
import { previousFire } from '../../src/report/schedule/cron.ts'
import { SCHEDULED_BACKTEST_JOB } from '../../src/report/schedule/params.ts'
import { listEnabledSchedules } from '../../src/store/meta/jobRuns.ts'
import { reportsPendingDelivery, scheduleReportSince, scheduleRunOpen } from '../../src/store/meta/reports.ts'
import { latestScheduleRun } from '../../src/store/meta/schedules.ts'

export type MissedSchedule = Awaited<ReturnType<typeof listEnabledSchedules>>[number] & { missedAt: Date }

export async function missedScheduleRuns(runtime: Runtime, now: Date): Promise<MissedSchedule[]> {
  if (!runtime.config.scheduleCatchUp) return []
  const missed: MissedSchedule[] = []
  for (const schedule of await listEnabledSchedules(runtime.meta)) {
    if (schedule.job !== SCHEDULED_BACKTEST_JOB) continue
    const last = previousFire(schedule.cron, now)
    // a fire time before the schedule existed was never owed
    if (!last || last.getTime() < schedule.createdAt.getTime()) continue
    const run = await latestScheduleRun(runtime.meta, schedule.id, SCHEDULED_BACKTEST_JOB)
    const interrupted = run?.status === 'failed' && run.error?.startsWith(INTERRUPTED_PREFIX)
    if (run && run.queuedAt.getTime() >= last.getTime() && !interrupted) continue
    // interrupted after its report was recorded: the report stands (its pending delivery is resumed), no second run
    if (interrupted && (await scheduleReportSince(runtime.meta, schedule.id, run.queuedAt))) continue
    missed.push({ ...schedule, missedAt: last })
  }
  return missed
}

/**
 * Reports whose delivery is pending and that no live process is delivering: a report of a schedule with a run still
 * open (in another process; recovery has ended this host's dead ones) is left to that run. Call before this process
 * starts any scheduled run.
 */
export async function reportsOwedDelivery(runtime: Runtime): Promise<string[]> {
  const owed: string[] = []
  for (const report of await reportsPendingDelivery(runtime.meta, 1000)) {
    if (report.scheduleId && (await scheduleRunOpen(runtime.meta, report.scheduleId, SCHEDULED_BACKTEST_JOB))) continue
    owed.push(report.id)
  }
  return owed
}
