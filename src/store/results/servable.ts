// Whole results only: a run's result rows are served once the run has succeeded, never while it is queued or
// running (they are being written) nor after it failed or was cancelled (they are deleted, or being deleted).
import { assertNever } from '../../domain/run.ts'
import { ConflictError, NotFoundError } from '../../errors.ts'
import type { MetaClient } from '../meta/client.ts'
import { getRun, runStatus } from '../meta/runs.ts'

/**
 * Kinds of run whose record is how their results are found (and whose success is remembered below): their records
 * are never pruned, or their rows would be orphaned and a remembered id would serve them without a record.
 */
export const RESULT_RUN_KINDS: readonly string[] = ['backtest', 'sweep', 'attackCost']

/** The results of a run that has not succeeded; extensions carry its status and, when it ended badly, why. */
export class ResultsNotServableError extends ConflictError {}

/**
 * Runs seen succeeded, per metadata store. A succeeded run never changes status (only open runs move), so a page of
 * its results needs no metadata round trip once one page has seen it; a bounded set, forgotten whole when full.
 */
const succeededRuns = new WeakMap<MetaClient, Set<string>>()
const MAX_REMEMBERED_RUNS = 10_000

/** Throws NotFoundError for an unknown run and ResultsNotServableError unless it succeeded. */
export async function requireSucceededRun(meta: MetaClient, runId: string): Promise<void> {
  let succeeded = succeededRuns.get(meta)
  if (succeeded?.has(runId)) return
  const run = await getRun(meta, runId)
  if (!run) throw new NotFoundError(`no run with id ${runId}`, { runId })
  const status = runStatus(run)
  const details = { runId, status, ...(run.error ? { reason: run.error } : {}) }
  switch (status) {
    case 'succeeded':
      if (!succeeded) succeededRuns.set(meta, (succeeded = new Set()))
      if (succeeded.size >= MAX_REMEMBERED_RUNS) succeeded.clear()
      succeeded.add(runId)
      return
    case 'queued':
    case 'running':
      throw new ResultsNotServableError(
        `run ${runId} is ${status}: its results are served once it has succeeded`,
        details,
      )
    case 'failed':
    case 'cancelled':
      throw new ResultsNotServableError(
        `run ${runId} ${status === 'failed' ? 'failed' : 'was cancelled'}${run.error ? ` (${run.error})` : ''}: it keeps no results`,
        details,
      )
    default:
      assertNever(status)
  }
}
