// Every job Backstop can run, by name. A stage adds its jobs here.
import { InvalidInputError } from '../src/errors.ts'
import { attackCostJob } from './attackCost.ts'
import { backtestJob } from './backtest.ts'
import { demoJob } from './demo.ts'
import { detectJob } from './detect.ts'
import { ingestionJobs } from './ingest/index.ts'
import type { JobDefinition } from './job.ts'
import { pruneJobRunsJob } from './maintenance/pruneJobRuns.ts'
import { deliverReportsJob } from './report/deliverJob.ts'
import { pruneReportsJob } from './report/pruneReports.ts'
import { reportJob } from './report/reportJob.ts'
import { scheduledBacktestJob } from './report/scheduledBacktest.ts'
import { scenarioLoadJob } from './scenarioLoad.ts'
import { scenarioRemoveJob } from './scenarioRemove.ts'
import { sweepJob } from './sweep.ts'

export const jobRegistry: ReadonlyMap<string, JobDefinition<never>> = new Map(
  (
    [
      pruneJobRunsJob,
      backtestJob,
      reportJob,
      scheduledBacktestJob,
      pruneReportsJob,
      deliverReportsJob,
      detectJob,
      sweepJob,
      attackCostJob,
      scenarioLoadJob,
      scenarioRemoveJob,
      demoJob,
      ...ingestionJobs,
    ] as JobDefinition<never>[]
  ).map((job) => [job.name, job]),
)

export function findJob(name: string): JobDefinition<never> {
  const job = jobRegistry.get(name)
  if (!job) {
    throw new InvalidInputError(`unknown job`, [
      { path: 'job', received: name, expected: `one of ${[...jobRegistry.keys()].join(', ')}` },
    ])
  }
  return job
}
