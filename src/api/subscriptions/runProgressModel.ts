// What a RunProgress field resolves from: the run's progress with the run's id, status and error beside it (inside
// Run.progress and in every runProgress subscription message).
import type { RunProgress, RunStatus } from '../../domain/run.ts'
import type { StoredRun } from '../../store/meta/runs.ts'
import { runStatus } from '../../store/meta/runs.ts'

export interface RunProgressModel extends RunProgress {
  runId: string
  status: RunStatus
  error: string | null
}

/** The progress a run record holds, or, before the run reported any, its state as progress (phase = its status). */
export function progressOfRecord(run: StoredRun): RunProgressModel {
  const status = runStatus(run)
  const saved = run.progress as RunProgress | null
  return {
    ...(saved ?? {
      phase: status,
      done: 0,
      total: null,
      unit: 'steps',
      rate: null,
      rateUnit: null,
      etaSeconds: null,
      counts: {},
      at: (run.finishedAt ?? run.startedAt ?? run.queuedAt).toISOString(),
    }),
    runId: run.id,
    status,
    error: run.error,
  }
}
