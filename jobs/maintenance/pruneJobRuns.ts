// Job: delete finished job-run records older than the retention period, so the run history stays small.
import { z } from 'zod'
import { pruneJobRuns } from '../../src/store/meta/jobRuns.ts'
import { defineJob, emptyOutcome } from '../job.ts'

export const pruneJobRunsJob = defineJob({
  name: 'maintenance.prune-job-runs',
  description: 'Delete finished job runs older than keepDays (running ones are never deleted).',
  params: z.object({ keepDays: z.number().int().min(1).max(3650).default(90) }).strict(),
  async run({ runtime, log }, { keepDays }) {
    const cutoff = new Date(Date.now() - keepDays * 86_400_000)
    const { count } = await pruneJobRuns(runtime.meta, cutoff)
    log.info({ deleted: count, cutoff }, 'pruned job runs')
    return emptyOutcome()
  },
})
