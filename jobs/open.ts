// Opening the stores with the run system on top, as every process that runs work does (server and CLI): the runtime,
// the process's RunManager, and crash recovery of runs whose owner is gone — done here, so no process skips it.
import {
  closeRuntime,
  openRuntime,
  type AppliedMigrations,
  type OpenOptions,
  type Runtime,
} from '../src/app/runtime.ts'
import type { Config } from '../src/config/load.ts'
import type { JobDefinition } from './job.ts'
import { recoverRuns, type RecoveredRun } from './recovery.ts'
import { jobRegistry } from './registry.ts'
import { RunManager } from './runManager.ts'
import { raiseInliningBudget } from '../src/replay/host/inliningBudget.ts'

export interface RunSystem extends AsyncDisposable {
  runtime: Runtime
  runs: RunManager
  registry: ReadonlyMap<string, JobDefinition<never>>
  applied: AppliedMigrations
  /** Runs a crash had left open, ended by this process when it opened the stores. */
  recovered: RecoveredRun[]
  /** Cancels this process's runs (up to the shutdown budget), then closes the stores. */
  close(timeoutMs?: number): Promise<void>
}

export async function openRunSystem(
  config: Config,
  options: OpenOptions & { registry?: ReadonlyMap<string, JobDefinition<never>> } = {},
): Promise<RunSystem> {
  const registry = options.registry ?? jobRegistry
  // process-wide V8 flags: before any run of this process starts a kernel thread
  raiseInliningBudget(config.v8Inlining)
  const { runtime, applied } = await openRuntime(config, options)
  let recovered: RecoveredRun[]
  try {
    recovered = await recoverRuns(runtime, registry)
  } catch (error) {
    await closeRuntime(runtime)
    throw error
  }
  const runs = new RunManager(runtime, registry, { limits: config.runConcurrency })
  let closed: Promise<void> | null = null
  const close = (timeoutMs = config.shutdownTimeoutMs) =>
    (closed ??= (async () => {
      try {
        await runs.stop(timeoutMs)
      } finally {
        await closeRuntime(runtime)
      }
    })())
  return { runtime, runs, registry, applied, recovered, close, [Symbol.asyncDispose]: () => close() }
}
