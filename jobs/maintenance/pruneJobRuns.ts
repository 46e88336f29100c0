// Job: delete finished run records older than the retention period, so the run history stays small. Only kinds
// whose record is bookkeeping: a backtest's record is how its results are found, so it is kept.
import { z } from 'zod'
import { pruneRuns } from '../../src/store/meta/runs.ts'
import { RESULT_RUN_KINDS } from '../../src/store/results/servable.ts'
import { defineJob, emptyOutcome } from '../job.ts'

export const pruneJobRunsJob = defineJob({
  name: 'maintenance.prune-job-runs',
  description: 'Delete finished runs of the given kinds older than keepDays (queued and running ones never).',
  params: z
    .object({
      keepDays: z.number().int().min(1).max(3650).default(90),
      kinds: z
        .array(
          z
            .string()
            .regex(/^[a-z][a-zA-Z0-9-]*$/, 'a run kind')
            .refine((kind) => !RESULT_RUN_KINDS.includes(kind), {
              message: `runs of kinds ${RESULT_RUN_KINDS.join(', ')} hold results and are never pruned`,
            }),
        )
        .min(1)
        .default(['ingest', 'maintenance']),
    })
    .strict(),
  async run({ runtime, log }, { keepDays, kinds }) {
    const cutoff = new Date(Date.now() - keepDays * 86_400_000)
    const { count } = await pruneRuns(runtime.meta, cutoff, kinds)
    log.info({ deleted: count, cutoff, kinds }, 'pruned runs')
    return emptyOutcome()
  },
})
