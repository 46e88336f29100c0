// What a job is: a named, parameterised unit of work of some kind (ingest, backtest, maintenance, …) that the
// scheduler, the CLI and the API submit to the run system, which records, queues, runs and cancels it.
import type { z } from 'zod'
import type { Runtime } from '../src/app/runtime.ts'
import type { FinishedRunStatus, RunTrigger } from '../src/domain/run.ts'
import type { Logger } from '../src/obs/logger.ts'
import type { JobFailure } from '../src/store/meta/jobRuns.ts'
import type { ProgressReporter } from './progress.ts'

/** What a job's `prepare` and `recorded` steps get: they run when the job is submitted, before it is queued. */
export interface SubmitContext {
  runtime: Runtime
  log: Logger
  trigger: RunTrigger
  /**
   * Per-run settings given besides the parameters (e.g. chainlink's rpcUrl from the local CLI): applied by the job's
   * prepare to this run's configuration, never recorded with the run.
   */
  settings?: Readonly<Record<string, unknown>>
}

export interface JobContext {
  runtime: Runtime
  /** Logger bound to this run (job, runId). */
  log: Logger
  /**
   * Aborted when the run is cancelled (from the CLI, the API or at shutdown): stop at the next safe point and
   * return or throw; the run is then recorded as cancelled whatever it returns.
   */
  signal: AbortSignal
  runId: string
  /** Progress events of this run (CLI bars, the run's record, subscriptions). */
  progress: ProgressReporter
  /** Submits runs of other jobs to the same run system (e.g. a scheduled backtest's backtests and report). */
  runs?: ChildRuns
}

/** Runs a run starts: recorded and queued like any other, and cancelled when the run that started them is. */
export interface ChildRuns {
  submit(
    job: string,
    params: unknown,
    options: { trigger: RunTrigger; scheduleId?: string | null },
  ): Promise<{
    runId: string
    done: Promise<{ runId: string; status: FinishedRunStatus; outcome: JobOutcome; error: string | null }>
  }>
}

/** What a run did; partition counts are zero for jobs that do not load partitions. */
export interface JobOutcome {
  partitionsLoaded: number
  partitionsSkipped: number
  partitionsFailed: number
  rows: number
  errors: JobFailure[]
  /** What the run produced, in the kind's own shape (stored as the run's `result`). */
  result?: unknown
}

export interface JobDefinition<P = unknown, S = P> {
  /** Stable name used by schedules and the CLI, e.g. "ingest.binance-um". */
  name: string
  /** The family of work: concurrency limits and listings are per kind. Default: the name up to its first dot. */
  kind?: string
  description: string
  /** Validates and fills defaults for the parameters a schedule, the CLI or the API passes. */
  params: z.ZodType<P>
  /** One run of this job at a time, across processes (a lock by name); default true. */
  exclusive?: boolean
  /** Re-run when a crash interrupted it (at the next server start, up to 3 attempts); default true. */
  retryOnCrash?: boolean
  /**
   * Work done when the job is submitted, before any run is recorded (checks that need the stores): bad input throws
   * here and nothing is recorded. Its result is what `run` gets; without it, `run` gets the parameters.
   */
  prepare?(context: SubmitContext, params: P): Promise<S>
  /** Once the run's record exists (still queued): records the kind's own part of it (e.g. the BacktestRun). */
  recorded?(context: SubmitContext & { runId: string }, prepared: S): Promise<void>
  run(context: JobContext, prepared: S): Promise<JobOutcome>
  /**
   * Deletes what a run of this job wrote, when it did not succeed (failed, cancelled, or interrupted by a crash):
   * a run's outputs are served whole or not at all. Must be safe to call more than once.
   */
  discard?(runtime: Runtime, runId: string): Promise<void>
}

export const defineJob = <P, S = P>(definition: JobDefinition<P, S>): JobDefinition<P, S> => definition

/** The kind of a job: its own, or its name up to the first dot (ingest.binance-um → ingest). */
export const kindOf = (job: Pick<JobDefinition, 'name' | 'kind'>): string => job.kind ?? job.name.split('.')[0]!

export const emptyOutcome = (): JobOutcome => ({
  partitionsLoaded: 0,
  partitionsSkipped: 0,
  partitionsFailed: 0,
  rows: 0,
  errors: [],
})
