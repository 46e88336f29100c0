// Runs a backtest to completion for report tests and returns its id (one place to follow the run system's API).
import type { Runtime } from '../../src/app/runtime.ts'
import { executeBacktest, prepareBacktest } from '../../src/replay/backtest/run.ts'

export async function runBacktestToEnd(runtime: Runtime, request: Record<string, unknown>): Promise<string> {
  const prepared = await prepareBacktest(runtime, request, { allowFiles: false })
  const outcome = await executeBacktest(runtime, prepared)
  if (outcome.status !== 'succeeded') throw new Error(`backtest ${outcome.status}: ${outcome.error}`)
  return prepared.run.id
}
