// Runs a backtest to completion for report tests and returns its id: a run of kind backtest, as the API submits it.
import { jobRegistry } from '../../jobs/registry.ts'
import { RunManager } from '../../jobs/runManager.ts'
import type { Runtime } from '../../src/app/runtime.ts'

export async function runBacktestToEnd(runtime: Runtime, request: Record<string, unknown>): Promise<string> {
  const runs = new RunManager(runtime, jobRegistry)
  try {
    const result = await runs.run('backtest', request, { trigger: 'api' })
    if (result.status !== 'succeeded') throw new Error(`backtest ${result.status}: ${result.error}`)
    return result.runId
  } finally {
    await runs.stop(5000)
  }
}
