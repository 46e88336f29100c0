// Markets with loaded data as a filterable, keyset-paged list (marketsConnection), summarised from the partition
// manifest like listMarkets; account-level partitions are accounts, not markets.
import type { DuckStore } from '../duck/open.ts'
import { readDuckList, type DuckRowList } from '../query/duckList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { ACCOUNT_TABLES, type MarketSummary } from './markets.ts'

const accountTables = ACCOUNT_TABLES.map((t) => `'${t}'`).join(', ')

export const MARKET_LIST: DuckRowList<MarketSummary> = {
  name: 'markets',
  row: {
    venue: 'text',
    market: 'text',
    datasets: 'text[]',
    firstTs: 'timestamp?',
    lastTs: 'timestamp?',
    rows: 'double',
  },
  from: `(SELECT venue, market, venue || '/' || market AS key, list(DISTINCT dataset ORDER BY dataset) AS datasets,
                 min(min_ts) AS first_ts, max(max_ts) AS last_ts, sum(rows)::DOUBLE AS rows
            FROM partitions
           WHERE status = 'loaded' AND split_part(target_table, ',', 1) NOT IN (${accountTables})
           GROUP BY venue, market)`,
  select: `venue, market, datasets, first_ts AS "firstTs", last_ts AS "lastTs", rows`,
  fields: {
    key: { type: 'string', sortable: true },
    venue: { type: 'string', sortable: true },
    market: { type: 'string', sortable: true },
    firstTs: { type: 'timestamp' },
    lastTs: { type: 'timestamp' },
    rows: { type: 'double', sortable: true },
  },
  columns: { key: 'key', venue: 'venue', market: 'market', firstTs: 'first_ts', lastTs: 'last_ts', rows: 'rows' },
  id: 'key',
  defaultOrder: [
    { field: 'venue', direction: 'ASC' },
    { field: 'market', direction: 'ASC' },
  ],
}

export function readMarketList(duck: DuckStore, query: ListQuery): Promise<ListPage<MarketSummary>> {
  return readDuckList(duck, MARKET_LIST, { sql: 'TRUE', params: [] }, query)
}
