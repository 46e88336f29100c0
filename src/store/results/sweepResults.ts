// Sweep results in DuckDB (DDL 0420): the sweep's document and its points, written in one transaction once the sweep
// has succeeded, read back whole (the document) or as a keyset-paged, filterable list of points.
import type { DuckStore } from '../duck/open.ts'
import { oneOf, readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { readDuckList, type DuckRowList } from '../query/duckList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { requireSucceededRun } from './servable.ts'
import type { ResultStores } from './resultLists.ts'

/** What the store keeps of a point: the figures lists filter on, and the point's JSON as the sweep wrote it. */
export interface StoredSweepPoint {
  index: number
  status: 'evaluated' | 'skipped'
  onFrontier: boolean
  badDebt: string | null
  worstWindowBadDebt: string | null
  initialMarginPerNotional: string | null
  refusedOrLiquidatedEarlierShare: string | null
  liquidationFees: string | null
  /** The cheapest capital its cost-of-attack searches found to break it (null: none did, or none was asked for). */
  cheapestAttackCost: string | null
  /** How many of its searches broke it (null: none was asked for, or the point was skipped). */
  attackSearchesBroken: number | null
  /** The point's whole JSON. */
  point: string
}

export interface SweepPointRow extends Omit<StoredSweepPoint, 'point'> {
  point: string
}

/** The columns of SWEEP_POINT_LIST's select (checked against the result before rows are read). */
const SWEEP_POINT_COLUMNS: ColumnsOf<SweepPointRow> = {
  index: 'double',
  status: oneOf(['evaluated', 'skipped']),
  onFrontier: 'boolean',
  badDebt: 'text?',
  worstWindowBadDebt: 'text?',
  initialMarginPerNotional: 'text?',
  refusedOrLiquidatedEarlierShare: 'text?',
  liquidationFees: 'text?',
  cheapestAttackCost: 'text?',
  attackSearchesBroken: 'double?',
  point: 'text',
}

export async function writeSweepResults(
  duck: DuckStore,
  runId: string,
  document: string,
  points: StoredSweepPoint[],
): Promise<void> {
  await duck.use(async (c) => {
    await c.run('BEGIN TRANSACTION')
    try {
      await c.run('DELETE FROM sweep_points WHERE run_id = $1', [runId])
      await c.run('DELETE FROM sweep_results WHERE run_id = $1', [runId])
      await c.run('INSERT INTO sweep_results VALUES ($1, $2)', [runId, document])
      for (const p of points) {
        await c.run(
          `INSERT INTO sweep_points VALUES ($1, $2, $3, $4, CAST($5 AS DECIMAL(18, 6)), CAST($6 AS DECIMAL(18, 6)),
             CAST($7 AS DECIMAL(18, 8)), CAST($8 AS DECIMAL(18, 8)), CAST($9 AS DECIMAL(18, 6)), $10,
             CAST($11 AS DECIMAL(18, 6)), $12)`,
          [
            runId,
            p.index,
            p.status,
            p.onFrontier,
            p.badDebt,
            p.worstWindowBadDebt,
            p.initialMarginPerNotional,
            p.refusedOrLiquidatedEarlierShare,
            p.liquidationFees,
            p.point,
            p.cheapestAttackCost,
            p.attackSearchesBroken,
          ],
        )
      }
      await c.run('COMMIT')
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  })
}

export async function deleteSweepResults(duck: DuckStore, runId: string): Promise<void> {
  await duck.use(async (c) => {
    await c.run('DELETE FROM sweep_points WHERE run_id = $1', [runId])
    await c.run('DELETE FROM sweep_results WHERE run_id = $1', [runId])
  })
}

/** The sweep's document (JSON text) of a run that succeeded; null when the run left none (not a sweep). */
export async function readSweepDocument(stores: ResultStores, runId: string): Promise<string | null> {
  await requireSucceededRun(stores.meta, runId)
  const rows = await stores.duck.use(async (c) =>
    (await c.runAndReadAll('SELECT document FROM sweep_results WHERE run_id = $1', [runId])).getRowObjectsJS(),
  )
  return rows[0] ? String(rows[0].document) : null
}

/** A figure a point may lack (a skipped point has none): filterable, and sortable with nulls last either way. */
const figure = { type: 'decimal', sortable: true, nullable: true } as const

/**
 * The points with the largest fund drawdown of any window as a column (from the point's JSON: a sweep has at most
 * 1024 points, so computing it per read costs nothing worth a stored column).
 */
const POINTS_WITH_DRAWDOWN = `(SELECT *, list_max(list_transform(
    json_extract_string(point, '$.windows[*].risk.fundMaxDrawdown'), x -> CAST(x AS DECIMAL(18, 6))))
    AS worst_window_fund_drawdown FROM sweep_points)`

export const SWEEP_POINT_LIST: DuckRowList<SweepPointRow> = {
  name: 'sweep points',
  row: SWEEP_POINT_COLUMNS,
  from: POINTS_WITH_DRAWDOWN,
  select: `point_index::DOUBLE AS "index", status, on_frontier AS "onFrontier", bad_debt::VARCHAR AS "badDebt",
    worst_window_bad_debt::VARCHAR AS "worstWindowBadDebt",
    initial_margin_per_notional::VARCHAR AS "initialMarginPerNotional",
    refused_or_earlier_share::VARCHAR AS "refusedOrLiquidatedEarlierShare",
    liquidation_fees::VARCHAR AS "liquidationFees", cheapest_attack_cost::VARCHAR AS "cheapestAttackCost",
    attack_searches_broken::DOUBLE AS "attackSearchesBroken", point`,
  fields: {
    index: { type: 'bigint', sortable: true },
    status: { type: 'enum', values: ['evaluated', 'skipped'], sortable: true },
    badDebt: figure,
    worstWindowBadDebt: figure,
    worstWindowFundDrawdown: figure,
    initialMarginPerNotional: figure,
    refusedOrLiquidatedEarlierShare: figure,
    liquidationFees: figure,
    cheapestAttackCost: figure,
    attackSearchesBroken: { type: 'bigint', sortable: true, nullable: true },
  },
  columns: {
    index: 'point_index',
    status: 'status',
    badDebt: 'bad_debt',
    worstWindowBadDebt: 'worst_window_bad_debt',
    worstWindowFundDrawdown: 'worst_window_fund_drawdown',
    initialMarginPerNotional: 'initial_margin_per_notional',
    refusedOrLiquidatedEarlierShare: 'refused_or_earlier_share',
    liquidationFees: 'liquidation_fees',
    cheapestAttackCost: 'cheapest_attack_cost',
    attackSearchesBroken: 'attack_searches_broken',
  },
  id: 'index',
  defaultOrder: [{ field: 'index', direction: 'ASC' }],
}

/** One page of a sweep's points (a run that succeeded). */
export async function readSweepPoints(
  stores: ResultStores,
  runId: string,
  query: ListQuery,
): Promise<ListPage<SweepPointRow>> {
  await requireSucceededRun(stores.meta, runId)
  return readDuckList(stores.duck, SWEEP_POINT_LIST, { sql: 'run_id = $1', params: [runId] }, query)
}

/** Every point's JSON of a run, in index order (the CLI's document; a sweep has at most 1024 points). */
export async function readAllSweepPoints(duck: DuckStore, runId: string): Promise<string[]> {
  const rows = await duck.use(async (c) =>
    (
      await c.runAndReadAll('SELECT point FROM sweep_points WHERE run_id = $1 ORDER BY point_index', [runId])
    ).getRowObjectsJS(),
  )
  return rows.map((r) => String(r.point))
}

/** The points of a run with these indices, in the order asked (the frontier). */
export async function readSweepPointsByIndex(
  duck: DuckStore,
  runId: string,
  indices: readonly number[],
): Promise<SweepPointRow[]> {
  if (!indices.length) return []
  const rows = await duck.use(async (c) =>
    readRows<SweepPointRow>(
      await c.runAndReadAll(
        `SELECT ${SWEEP_POINT_LIST.select} FROM sweep_points WHERE run_id = $1 AND list_contains($2::BIGINT[], point_index)`,
        [runId, `[${indices.map((i) => Math.trunc(i)).join(',')}]`],
      ),
      SWEEP_POINT_LIST.row,
      'sweep points',
    ),
  )
  const byIndex = new Map(rows.map((r) => [r.index, r]))
  return indices.flatMap((i) => byIndex.get(i) ?? [])
}
