// Backtest schedules whose last fire time passed while no process ran them (the server was down), or whose run of it
// was interrupted by a crash: each is run once at the next start, however many fire times it missed
// (SCHEDULE_CATCH_UP).
import type { Runtime } from '../../src/app/runtime.ts'
import { INTERRUPTED_PREFIX } from '../../src/domain/run.ts'
import { previousFire } from '../../src/report/schedule/cron.ts'
import { SCHEDULED_BACKTEST_JOB } from '../../src/report/schedule/params.ts'
import { listEnabledSchedules } from '../../src/store/meta/jobRuns.ts'
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
    missed.push({ ...schedule, missedAt: last })
  }
  return missed
}
