// What front ends (the API, and the CLI through the same object) may ask of the process's run system. Implemented by
// jobs/runManager.ts and handed to them by the composer (serve, CLI), since neither may import jobs/.
import type { RunTrigger } from '../domain/run.ts'
import type { StoredRun } from '../store/meta/runs.ts'

export interface RunControl {
  /**
   * Validates and records a run of the named job, queued; returns its id at once. Bad input throws
   * InvalidInputError and records nothing.
   */
  submit(
    job: string,
    params: unknown,
    /** `settings`: per-run settings the job applies to its configuration, never recorded (SubmitContext.settings). */
    options: { trigger: RunTrigger; settings?: Readonly<Record<string, unknown>> },
  ): Promise<{
    runId: string
    /** Settles once a run of this process has finished (never rejects). */
    done?: Promise<{ status: string }>
  }>
  /**
   * Asks a run to stop, whichever process runs it: a queued run is cancelled at once, a running one within about a
   * second. Throws NotFoundError, or ConflictError for a run that already succeeded or failed.
   */
  cancel(runId: string): Promise<StoredRun>
  /** The names of the jobs this run system can run (e.g. ingest.binance-um), for front ends that name them. */
  jobNames(): string[]
}
