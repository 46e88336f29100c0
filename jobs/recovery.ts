// After a crash: runs left "running" by a dead process are marked failed, and re-run once more if attempts remain.
import type { Runtime } from '../src/app/runtime.ts'
import { findInterruptedRuns, markRunInterrupted } from '../src/store/meta/jobRuns.ts'
import { STALE_AFTER_MS, isProcessAlive } from './liveness.ts'

export const MAX_ATTEMPTS = 3

export interface InterruptedRun {
  id: string
  job: string
  params: unknown
  scheduleId: string | null
  attempt: number
}

/** Marks every interrupted run failed; returns those worth re-running (attempts left). */
export async function recoverInterruptedRuns(runtime: Runtime): Promise<InterruptedRun[]> {
  const interrupted = await findInterruptedRuns(runtime.meta, { staleAfterMs: STALE_AFTER_MS, isAlive: isProcessAlive })
  for (const run of interrupted) {
    await markRunInterrupted(runtime.meta, run)
    runtime.log.warn(
      { runId: run.id, job: run.job, pid: run.pid, host: run.host },
      'job run was interrupted: marked failed',
    )
  }
  return interrupted
    .filter((run) => run.attempt < MAX_ATTEMPTS)
    .map((run) => ({ id: run.id, job: run.job, params: run.params, scheduleId: run.scheduleId, attempt: run.attempt }))
}
