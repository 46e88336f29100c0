// Data coverage of every market as a filterable, keyset-paged list (dataCoverageConnection): one row per venue,
// market, source, dataset and table, summarised in memory from the partition manifest like marketCoverage.
import type { DuckStore } from '../duck/open.ts'
import type { FilterInput, ListPage, ListQuery } from '../query/listQuery.ts'
import { readMemoryList, type MemoryListSpec } from '../query/memoryList.ts'
import { coverage, type DatasetCoverage } from './coverage.ts'

/** A coverage row's unique key: venue/market/source/dataset/table (the names hold no '/' beyond a market's own). */
export const coverageKey = (c: DatasetCoverage) => [c.venue, c.market, c.source, c.dataset, c.table].join('/')

const NUMBERS = ['partitions', 'missingPartitions', 'rows', 'missingRows', 'missingMinutes'] as const

export const COVERAGE_LIST: MemoryListSpec<DatasetCoverage> = {
  fields: {
    key: { type: 'string', sortable: true },
    venue: { type: 'string', sortable: true },
    market: { type: 'string', sortable: true },
    source: { type: 'string', sortable: true },
    dataset: { type: 'string', sortable: true },
    table: { type: 'string', sortable: true },
    firstTs: { type: 'timestamp' },
    lastTs: { type: 'timestamp' },
    ...Object.fromEntries(NUMBERS.map((f) => [f, { type: 'double' as const, sortable: true }])),
  },
  value: (c, field) =>
    field === 'key' ? coverageKey(c) : (c[field as keyof DatasetCoverage] as Date | number | string),
  id: 'key',
  defaultOrder: [
    { field: 'venue', direction: 'ASC' },
    { field: 'market', direction: 'ASC' },
    { field: 'source', direction: 'ASC' },
    { field: 'dataset', direction: 'ASC' },
  ],
}

/** A top-level `{field: {equals}}` of the filter: every matching row has it, so the manifest read can be narrowed. */
function topLevelEquals(filter: FilterInput | null, field: string): string | null {
  const condition = filter?.[field] as { equals?: unknown } | null | undefined
  return typeof condition?.equals === 'string' ? condition.equals : null
}

export async function readCoverageList(duck: DuckStore, query: ListQuery): Promise<ListPage<DatasetCoverage>> {
  const rows = await coverage(duck, {
    venue: topLevelEquals(query.filter, 'venue'),
    market: topLevelEquals(query.filter, 'market'),
  })
  return readMemoryList(COVERAGE_LIST, rows, query)
}
