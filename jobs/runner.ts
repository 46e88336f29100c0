// Running a job once, and what every run shares: parameters validated against the job's schema (every problem
// listed), the busy error of exclusive jobs, and the result of a run. The run system itself is runManager.ts.
import type { Runtime } from '../src/app/runtime.ts'
import type { FinishedRunStatus } from '../src/domain/run.ts'
import { ConflictError, InvalidInputError } from '../src/errors.ts'
import { assertSafeInput } from '../src/userInput.ts'
import type { JobDefinition, JobOutcome } from './job.ts'
import { RunManager, type SubmitOptions } from './runManager.ts'

export class JobBusyError extends ConflictError {}

export type RunOptions = SubmitOptions

export interface RunResult {
  runId: string
  status: FinishedRunStatus
  outcome: JobOutcome
  error: string | null
}

/** Validates raw parameters against the job's schema, listing every problem. */
export function parseJobParams<P>(job: JobDefinition<P>, raw: unknown): P {
  assertSafeInput(raw, 'params', `invalid parameters for job ${job.name}`)
  const parsed = job.params.safeParse(raw ?? {})
  if (parsed.success) return parsed.data
  throw new InvalidInputError(
    `invalid parameters for job ${job.name}`,
    parsed.error.issues.map((issue) => ({
      path: issue.path.length ? issue.path.join('.') : '(params)',
      received: ownValueAt(raw, issue.path),
      expected: issue.message,
    })),
  )
}

/** The value at a path of user JSON, through own properties only (a key such as "constructor" finds nothing). */
function ownValueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

/**
 * Runs `job` once in a run system of its own and waits for it. Throws JobBusyError when another live run of the same
 * job holds its lock, and InvalidInputError for bad parameters (in both cases nothing is recorded). Any other failure
 * is recorded on the run (status failed) and returned, not thrown.
 */
export async function runJob<P>(
  runtime: Runtime,
  job: JobDefinition<P>,
  rawParams: unknown,
  options: RunOptions,
): Promise<RunResult> {
  const runs = new RunManager(runtime, new Map([[job.name, job as JobDefinition<never>]]))
  try {
    return await runs.run(job as JobDefinition<never>, rawParams, options)
  } finally {
    await runs.stop(runtime.config.shutdownTimeoutMs)
  }
}
