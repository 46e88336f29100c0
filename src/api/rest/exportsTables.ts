// The tables /export/{table}.{csv|parquet} serves and how each is scoped: a succeeded run's outputs (run_id), the
// detections and incidents (everything, narrowed by filters), and market data (one venue's market over a window).
// Fields and columns are the API lists' own, so a query-string filter means what the GraphQL filter means.
import { DETECTION_LIST, INCIDENT_LIST } from '../../store/detect/detectionLists.ts'
import type { ExportScope } from '../../store/exports/copyExport.ts'
import { MARKET_LISTS } from '../../store/exports/marketLists.ts'
import type { DuckListSpec } from '../../store/query/duckList.ts'
import { RESULT_LISTS } from '../../store/results/resultLists.ts'

export interface ExportTable {
  scope: ExportScope
  list: DuckListSpec
}

export const EXPORT_TABLES = {
  liquidations: { scope: 'run', list: RESULT_LISTS.liquidations },
  deficits: { scope: 'run', list: RESULT_LISTS.deficits },
  'fund-movements': { scope: 'run', list: RESULT_LISTS.fundMovements },
  'adl-fills': { scope: 'run', list: RESULT_LISTS.adlFills },
  detections: { scope: 'all', list: DETECTION_LIST },
  incidents: { scope: 'all', list: INCIDENT_LIST },
  trades: { scope: 'market', list: MARKET_LISTS.trades },
  bars: { scope: 'market', list: MARKET_LISTS.bars },
  prices: { scope: 'market', list: MARKET_LISTS.prices },
  funding: { scope: 'market', list: MARKET_LISTS.funding },
} satisfies Record<string, ExportTable>

export type ExportTableName = keyof typeof EXPORT_TABLES

export const isExportTable = (name: string): name is ExportTableName => Object.hasOwn(EXPORT_TABLES, name)
