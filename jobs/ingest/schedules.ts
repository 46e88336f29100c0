// Daily ingestion schedules from configuration, one builder for every source: each source says which runs its
// settings ask for (none when nothing is configured); all run at INGEST_CRON for yesterday's data.
import type { Config } from '../../src/config/load.ts'
import { SOURCES } from '../../src/ingest/sources/index.ts'
import type { ScheduleSpec } from '../../src/store/meta/jobRuns.ts'
import { jobNameOf } from './sourceJob.ts'

export function ingestionSchedules(config: Config): ScheduleSpec[] {
  return SOURCES.flatMap((source) =>
    (source.schedules?.(config) ?? []).map((s) => ({
      name: s.name,
      job: jobNameOf(source),
      cron: config.ingestCron,
      params: s.params,
    })),
  )
}
