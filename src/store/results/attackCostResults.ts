// Cost-of-attack results in DuckDB (DDL 0430): one row per run that succeeded, written once, read back whole.
import type { DuckStore } from '../duck/open.ts'
import type { ResultStores } from './resultLists.ts'
import { requireSucceededRun } from './servable.ts'

export interface StoredAttackCost {
  pattern: string
  venue: string
  market: string
  costOfAttack: string | null
  profitAtCost: string | null
  /** The whole document, JSON. */
  document: string
}

export async function writeAttackCostResult(duck: DuckStore, runId: string, r: StoredAttackCost): Promise<void> {
  await duck.use(async (c) => {
    await c.run('BEGIN TRANSACTION')
    try {
      await c.run('DELETE FROM attack_cost_results WHERE run_id = $1', [runId])
      await c.run(
        `INSERT INTO attack_cost_results VALUES ($1, $2, $3, $4, CAST($5 AS DECIMAL(18, 6)), CAST($6 AS DECIMAL(18, 6)), $7)`,
        [runId, r.pattern, r.venue, r.market, r.costOfAttack, r.profitAtCost, r.document],
      )
      await c.run('COMMIT')
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  })
}

export async function deleteAttackCostResult(duck: DuckStore, runId: string): Promise<void> {
  await duck.use((c) => c.run('DELETE FROM attack_cost_results WHERE run_id = $1', [runId]).then(() => undefined))
}

/** The document (JSON text) of a run that succeeded; null when the run left none (not an attackCost run). */
export async function readAttackCostDocument(stores: ResultStores, runId: string): Promise<string | null> {
  await requireSucceededRun(stores.meta, runId)
  const rows = await stores.duck.use(async (c) =>
    (await c.runAndReadAll('SELECT document FROM attack_cost_results WHERE run_id = $1', [runId])).getRowObjectsJS(),
  )
  return rows[0] ? String(rows[0].document) : null
}
