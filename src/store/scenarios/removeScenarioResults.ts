// What was derived from loaded scenarios, removed with them (`scenario remove`): backtests over venue synthetic whose
// markets are the removed ones (their result rows, series rollups and run records), and the detections and incidents
// of those markets (over the data or over those backtests). Run records go last, so a removal cut short is finished
// by running it again (each step finds what is left).
import { SCENARIO_VENUE } from '../../domain/scenario.ts'
import type { DuckStore } from '../duck/open.ts'
import type { MetaClient } from '../meta/client.ts'
import { RESULT_TABLES } from '../results/backtestResults.ts'
import { deleteRunSeriesRollups } from '../series/runSeriesRollups.ts'

export interface RemovedScenarioResults {
  backtestRuns: number
  detections: number
  incidents: number
}

const IN_LIST = `IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`

/** Finished backtest runs over venue synthetic that replayed any of `markets` (null: every one). */
export async function scenarioBacktestRuns(meta: MetaClient, markets: readonly string[] | null): Promise<string[]> {
  const runs = await meta.backtestRun.findMany({
    // a queued or running one is left alone: its run discards or keeps its own outputs
    where: { venue: SCENARIO_VENUE, run: { status: { in: ['succeeded', 'failed', 'cancelled'] } } },
    select: { id: true, markets: true },
  })
  return runs
    .filter((r) => markets === null || (Array.isArray(r.markets) && r.markets.some((m) => markets.includes(String(m)))))
    .map((r) => r.id)
}

/**
 * Removes the results of backtest runs `runIds` and the synthetic venue's detections and incidents on `markets` (null:
 * all of them) or made over those runs, in one DuckDB transaction; then the runs' records (JobRun, with its
 * BacktestRun). Detections and incidents of other scenarios' markets stay as they are: incidents group members on the
 * same market or linked accounts, and each scenario has markets and accounts of its own.
 */
export async function removeScenarioResults(
  stores: { duck: DuckStore; meta: MetaClient },
  markets: readonly string[] | null,
  runIds: readonly string[],
): Promise<RemovedScenarioResults> {
  const removed = await stores.duck.transaction(async (c) => {
    const ids = [JSON.stringify(runIds)]
    for (const t of RESULT_TABLES) await c.run(`DELETE FROM ${t} WHERE run_id ${IN_LIST}`, ids)
    for (const id of runIds) await deleteRunSeriesRollups(c, id)
    const scope = [SCENARIO_VENUE, markets === null ? null : JSON.stringify(markets), JSON.stringify(runIds)]
    const incidentIds = (
      await c.runAndReadAll(
        `SELECT id FROM incidents
          WHERE venue = $1
            AND ($2::VARCHAR IS NULL OR list_has_any(markets, from_json($2, '["VARCHAR"]'))
                 OR run_id IN (SELECT unnest(from_json($3, '["VARCHAR"]'))))`,
        scope,
      )
    )
      .getRowObjectsJS()
      .map((r) => String(r.id))
    const incidentList = [JSON.stringify(incidentIds)]
    await c.run(`DELETE FROM incident_members WHERE incident_id ${IN_LIST}`, incidentList)
    await c.run(`DELETE FROM incidents WHERE id ${IN_LIST}`, incidentList)
    const detections = await c.run(
      `DELETE FROM detections
        WHERE venue = $1
          AND ($2::VARCHAR IS NULL OR market IN (SELECT unnest(from_json($2, '["VARCHAR"]')))
               OR run_id IN (SELECT unnest(from_json($3, '["VARCHAR"]'))))`,
      scope,
    )
    return { detections: Number(detections.rowsChanged), incidents: incidentIds.length }
  })
  const { count } = await stores.meta.jobRun.deleteMany({ where: { id: { in: [...runIds] }, kind: 'backtest' } })
  return { ...removed, backtestRuns: count }
}
