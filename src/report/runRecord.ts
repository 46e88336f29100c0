// The backtest run a report reads: its record in the metadata store, checked to have succeeded with a summary.
import { InvalidInputError, NotFoundError, formatReceived } from '../errors.ts'
import type { MetaClient } from '../store/meta/client.ts'
import { getBacktestRun } from '../store/meta/backtestRuns.ts'

export interface ReportRun {
  id: string
  status: string
  ruleSetRef: string
  ruleSetHash: string
  ruleSetVersionId: string | null
  venue: string
  markets: string[]
  from: Date
  to: Date
  positionsSource: string
  seed: number | null
  summary: Record<string, unknown>
}

/** The run `id` (`path` names the argument in errors); a run that has not succeeded cannot be reported. */
export async function loadReportRun(meta: MetaClient, id: string, path: string): Promise<ReportRun> {
  const run = await getBacktestRun(meta, id)
  if (!run) throw new NotFoundError(`no backtest run ${formatReceived(id)} (${path})`)
  // the status lives on the run (one lifecycle for every kind)
  const status = run.run.status
  if (status !== 'succeeded' || !run.summary) {
    throw new InvalidInputError('only a succeeded backtest run can be reported', [
      { path, received: `${id} (${status})`, expected: 'the id of a run whose status is succeeded' },
    ])
  }
  return {
    id: run.id,
    status,
    ruleSetRef: run.ruleSetRef,
    ruleSetHash: run.ruleSetHash,
    ruleSetVersionId: run.ruleSetVersionId,
    venue: run.venue,
    markets: run.markets as string[],
    from: run.fromTs,
    to: run.toTs,
    positionsSource: run.positionsSource,
    seed: run.seed,
    summary: run.summary as Record<string, unknown>,
  }
}
