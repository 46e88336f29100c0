// What a job is: a named, parameterised unit of work the scheduler, the CLI and the API can run and record.
import type { z } from 'zod'
import type { Runtime } from '../src/app/runtime.ts'
import type { ProgressSink } from '../src/ingest/progress.ts'
import type { Logger } from '../src/obs/logger.ts'
import type { JobFailure } from '../src/store/meta/jobRuns.ts'

export interface JobContext {
  runtime: Runtime
  /** Logger bound to this run (job, runId). */
  log: Logger
  /** Aborted on shutdown: stop at the next safe point (between partitions) and return what was done. */
  signal: AbortSignal
  runId: string
  /** Live progress for runs started interactively (the CLI draws bars from it); absent for cron runs. */
  progress?: ProgressSink
}

/** What a run did; partition counts are zero for jobs that do not load partitions. */
export interface JobOutcome {
  partitionsLoaded: number
  partitionsSkipped: number
  partitionsFailed: number
  rows: number
  errors: JobFailure[]
}

export interface JobDefinition<P = unknown> {
  /** Stable name used by schedules and the CLI, e.g. "ingest.binance-um". */
  name: string
  description: string
  /** Validates and fills defaults for the parameters a schedule or the CLI passes. */
  params: z.ZodType<P>
  run(context: JobContext, params: P): Promise<JobOutcome>
}

export const defineJob = <P>(definition: JobDefinition<P>): JobDefinition<P> => definition

export const emptyOutcome = (): JobOutcome => ({
  partitionsLoaded: 0,
  partitionsSkipped: 0,
  partitionsFailed: 0,
  rows: 0,
  errors: [],
})
