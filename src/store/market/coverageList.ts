// Data coverage of every market as a filterable, keyset-paged list (dataCoverageConnection): one row per venue,
// market, source, dataset and table. The page is picked in SQL over the manifest grouped per dataset (every field a
// filter or order names is an aggregate there), then only the page's datasets are summarised in memory (ranges, gaps,
// holes) like marketCoverage: a page of 100 of 12 k datasets summarises 100, not all of them.
import type { DuckStore } from '../duck/open.ts'
import { readDuckList, type DuckRowList } from '../query/duckList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { coverage, coverageGroup, type DatasetCoverage } from './coverage.ts'

/** A coverage row's unique key: venue/market/source/dataset/table (the names hold no '/' beyond a market's own). */
export const coverageKey = (c: DatasetCoverage) => [c.venue, c.market, c.source, c.dataset, c.table].join('/')

const LOADED = `p.status = 'loaded'`

/** What the list's page yields: a dataset's identity (its figures are summarised in memory after). */
type GroupRow = Pick<DatasetCoverage, 'venue' | 'market' | 'source' | 'dataset' | 'table'>

export const COVERAGE_LIST: DuckRowList<GroupRow> = {
  name: 'data coverage',
  row: { venue: 'text', market: 'text', source: 'text', dataset: 'text', table: 'text' },
  // the figures summarise() and coverage() compute, per dataset: loaded / missing partitions, rows, first and last
  // times of loaded partitions, and the holes recorded inside loaded partitions
  from: `(SELECT p.venue, p.market, p.source, p.dataset, p.target_table,
                 concat_ws('/', p.venue, p.market, p.source, p.dataset, p.target_table) AS key,
                 (count(*) FILTER (WHERE ${LOADED}))::DOUBLE AS partitions,
                 (count(*) FILTER (WHERE NOT ${LOADED}))::DOUBLE AS missing_partitions,
                 coalesce(sum(p.rows) FILTER (WHERE ${LOADED}), 0)::DOUBLE AS rows,
                 min(p.min_ts) FILTER (WHERE ${LOADED}) AS first_ts,
                 max(p.max_ts) FILTER (WHERE ${LOADED}) AS last_ts,
                 coalesce(sum(g.missing), 0)::DOUBLE AS missing_rows,
                 coalesce(sum(g.ms), 0)::DOUBLE / 60000 AS missing_minutes
            FROM partitions p
            LEFT JOIN (SELECT partition_id, sum(missing) AS missing, sum(epoch_ms(gap_to) - epoch_ms(gap_from)) AS ms
                         FROM partition_gaps GROUP BY partition_id) g
              ON g.partition_id = p.partition_id AND ${LOADED}
           GROUP BY p.venue, p.market, p.source, p.dataset, p.target_table)`,
  select: `venue, market, source, dataset, target_table AS "table"`,
  fields: {
    key: { type: 'string', sortable: true },
    venue: { type: 'string', sortable: true },
    market: { type: 'string', sortable: true },
    source: { type: 'string', sortable: true },
    dataset: { type: 'string', sortable: true },
    table: { type: 'string', sortable: true },
    firstTs: { type: 'timestamp' },
    lastTs: { type: 'timestamp' },
    partitions: { type: 'double', sortable: true },
    missingPartitions: { type: 'double', sortable: true },
    rows: { type: 'double', sortable: true },
    missingRows: { type: 'double', sortable: true },
    missingMinutes: { type: 'double', sortable: true },
  },
  columns: {
    key: 'key',
    venue: 'venue',
    market: 'market',
    source: 'source',
    dataset: 'dataset',
    table: 'target_table',
    firstTs: 'first_ts',
    lastTs: 'last_ts',
    partitions: 'partitions',
    missingPartitions: 'missing_partitions',
    rows: 'rows',
    missingRows: 'missing_rows',
    missingMinutes: 'missing_minutes',
  },
  id: 'key',
  defaultOrder: [
    { field: 'venue', direction: 'ASC' },
    { field: 'market', direction: 'ASC' },
    { field: 'source', direction: 'ASC' },
    { field: 'dataset', direction: 'ASC' },
  ],
}

export async function readCoverageList(duck: DuckStore, query: ListQuery): Promise<ListPage<DatasetCoverage>> {
  const page = await readDuckList(duck, COVERAGE_LIST, { sql: 'TRUE', params: [] }, { ...query, fields: null })
  const groups = page.rows.map(coverageGroup)
  // a page within one venue and market (the common filter) is read by equality alone: that market's few datasets,
  // without matching each partition against the page's list (the map below keeps only the page's datasets)
  const only = (names: string[]) => (new Set(names).size === 1 ? names[0]! : null)
  const venue = only(page.rows.map((r) => r.venue))
  const market = only(page.rows.map((r) => r.market))
  const scope = { venue, market, groups: venue !== null && market !== null ? null : groups }
  const summaries = new Map(
    (groups.length ? await coverage(duck, scope) : []).map((c) => [coverageGroup(c), c] as const),
  )
  // a dataset whose partitions were all deleted between the two reads is left out with its cursor
  const rows: DatasetCoverage[] = []
  const keys: typeof page.keys = []
  groups.forEach((group, i) => {
    const summary = summaries.get(group)
    if (!summary) return
    rows.push(summary)
    keys.push(page.keys[i]!)
  })
  return { ...page, rows, keys }
}
