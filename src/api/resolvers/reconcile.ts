// reconcileRun: the reconciliation report of an account replay (thin: the report is built in replay/backtest).
import { reconcileRun as buildReport } from '../../replay/backtest/reconcile.ts'
import type { QueryResolvers } from '../generated/resolvers-types.ts'

export const reconcileRun: QueryResolvers['reconcileRun'] = async (_p, { runId, window }, { runtime }) => {
  const report = await buildReport(runtime, { runId, windowSeconds: window ?? 3600 })
  return {
    ...report,
    causes: Object.entries(report.causes)
      .map(([cause, count]) => ({ cause, count }))
      .sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
  }
}
