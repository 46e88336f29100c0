// Runs one job: validates its parameters, takes the job's lock, records a JobRun from start to finish.
import crypto from 'node:crypto'
import os from 'node:os'
import type { Runtime } from '../src/app/runtime.ts'
import { ConflictError, InvalidInputError } from '../src/errors.ts'
import { assertSafeInput } from '../src/userInput.ts'
import {
  acquireJobLock,
  createJobRun,
  finishJobRun,
  heartbeatJobRun,
  releaseJobLock,
  type JobRunStart,
} from '../src/store/meta/jobRuns.ts'
import { emptyOutcome, type JobContext, type JobDefinition, type JobOutcome } from './job.ts'
import { HEARTBEAT_MS, STALE_AFTER_MS, isProcessAlive } from './liveness.ts'

export class JobBusyError extends ConflictError {}

export interface RunOptions {
  trigger: JobRunStart['trigger']
  scheduleId?: string | null
  retryOfId?: string | null
  attempt?: number
  signal?: AbortSignal
  /** Passed to the job as `context.progress`. */
  progress?: JobContext['progress']
}

export interface RunResult {
  runId: string
  status: 'succeeded' | 'failed'
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
 * Runs `job` once. Throws JobBusyError when another live run of the same job holds its lock, and
 * InvalidInputError for bad parameters (in both cases nothing is recorded). Any other failure is recorded
 * on the JobRun (status failed) and returned, not thrown.
 */
export async function runJob<P>(
  runtime: Runtime,
  job: JobDefinition<P>,
  rawParams: unknown,
  options: RunOptions,
): Promise<RunResult> {
  const params = parseJobParams(job, rawParams)
  const { meta, metrics } = runtime
  const runId = crypto.randomUUID()
  const host = os.hostname()
  const lock = await acquireJobLock(
    meta,
    job.name,
    { runId, host, pid: process.pid },
    {
      staleAfterMs: STALE_AFTER_MS,
      isAlive: isProcessAlive,
    },
  )
  if (!lock.acquired) {
    throw new JobBusyError(
      `job ${job.name} is already running (run ${lock.holder.runId}, pid ${lock.holder.pid} on ${lock.holder.host})`,
    )
  }
  const started = performance.now()
  const log = runtime.log.child({ job: job.name, runId })
  const controller = new AbortController()
  const onAbort = () => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let heartbeat: NodeJS.Timeout | undefined
  try {
    await createJobRun(meta, {
      id: runId,
      job: job.name,
      trigger: options.trigger,
      params,
      scheduleId: options.scheduleId ?? null,
      retryOfId: options.retryOfId ?? null,
      attempt: options.attempt ?? 1,
      host,
      pid: process.pid,
    })
    heartbeat = setInterval(() => {
      heartbeatJobRun(meta, runId, job.name).catch((error) => log.warn({ err: error }, 'job heartbeat failed'))
    }, HEARTBEAT_MS)
    heartbeat.unref()
    metrics.jobsRunning.inc()
    log.info({ trigger: options.trigger, params }, 'job started')
    let outcome = emptyOutcome()
    let error: string | null = null
    try {
      const context: JobContext = { runtime, log, signal: controller.signal, runId }
      if (options.progress) context.progress = options.progress
      outcome = await job.run(context, params)
    } catch (e) {
      error = e instanceof Error ? e.message : String(e)
      log.error({ err: e }, 'job failed')
    }
    const status = error === null && outcome.partitionsFailed === 0 ? 'succeeded' : 'failed'
    const durationMs = performance.now() - started
    await finishJobRun(meta, runId, { status, durationMs, ...outcome, error })
    metrics.jobRuns.inc({ job: job.name, status })
    metrics.jobDuration.observe({ job: job.name }, durationMs / 1000)
    log.info({ status, durationMs: Math.round(durationMs), ...outcome, errors: outcome.errors.length }, 'job finished')
    return { runId, status, outcome, error }
  } finally {
    if (heartbeat) {
      clearInterval(heartbeat)
      metrics.jobsRunning.dec()
    }
    options.signal?.removeEventListener('abort', onAbort)
    await releaseJobLock(meta, job.name, runId)
  }
}
