// Schedules that come from configuration (written to JobSchedule with origin=config at every start).
import type { Config } from '../src/config/load.ts'
import type { ScheduleSpec } from '../src/store/meta/jobRuns.ts'
import { ingestionSchedules } from './ingest/schedules.ts'
import { reportSchedules } from './report/schedules.ts'

export function configSchedules(config: Config): ScheduleSpec[] {
  return [
    {
      name: 'prune-job-runs',
      job: 'maintenance.prune-job-runs',
      cron: '15 3 * * *',
      params: { keepDays: 90 },
    },
    ...ingestionSchedules(config),
    ...reportSchedules(config),
  ]
}
