// Crash recovery, in one place for every kind: any process that opens the stores ends the runs whose owner is gone
// (failed, or cancelled if a cancel was asked for) and discards their partial outputs; the server then re-runs the
// interrupted ones worth another attempt.
import type { Runtime } from '../src/app/runtime.ts'
import type { FinishedRunStatus } from '../src/domain/run.ts'
import { bumpDataGeneration } from '../src/store/generation.ts'
import { findOrphanedRuns, findRunsToRetry, markRunInterrupted, type StoredRun } from '../src/store/meta/runs.ts'
import type { JobDefinition } from './job.ts'
import { STALE_AFTER_MS, isProcessAlive } from './liveness.ts'

export const MAX_ATTEMPTS = 3

export interface RecoveredRun {
  id: string
  job: string
  status: FinishedRunStatus
}

/**
 * Ends every open run whose process is gone (its pid on this host, or a heartbeat older than STALE_AFTER_MS
 * anywhere) and deletes what it wrote, through its job's `discard`. Safe to run from several processes at once.
 */
export async function recoverRuns(
  runtime: Runtime,
  registry: ReadonlyMap<string, JobDefinition<never>>,
): Promise<RecoveredRun[]> {
  const orphaned = await findOrphanedRuns(runtime.meta, { staleAfterMs: STALE_AFTER_MS, isAlive: isProcessAlive })
  const recovered: RecoveredRun[] = []
  for (const run of orphaned) {
    const job = registry.get(run.job)
    // outputs first: a crash here leaves the run open, and the next recovery discards again
    if (job?.discard) {
      try {
        await job.discard(runtime, run.id)
      } catch (error) {
        runtime.log.error({ err: error, runId: run.id, job: run.job }, 'could not discard an interrupted run')
        continue
      }
    }
    const status = await markRunInterrupted(runtime.meta, run)
    bumpDataGeneration()
    if (!status) continue
    recovered.push({ id: run.id, job: run.job, status })
    runtime.log.warn(
      { runId: run.id, job: run.job, kind: run.kind, pid: run.pid, host: run.host, status },
      `run was interrupted: marked ${status}`,
    )
  }
  return recovered
}

/** Interrupted runs of jobs that are re-run after a crash, with attempts left and not re-run yet. */
export function runsToRetry(
  runtime: Runtime,
  registry: ReadonlyMap<string, JobDefinition<never>>,
): Promise<StoredRun[]> {
  const jobs = [...registry.values()].filter((job) => job.retryOnCrash ?? true).map((job) => job.name)
  return findRunsToRetry(runtime.meta, { jobs, maxAttempts: MAX_ATTEMPTS })
}
