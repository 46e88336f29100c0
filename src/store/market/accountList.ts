// Accounts with account-level data as a filterable, keyset-paged list (accountsConnection), summarised from the
// partition manifest like listAccounts: account-scoped partitions hold the account in the manifest's market column.
import type { DuckStore } from '../duck/open.ts'
import { readDuckList, type DuckRowList } from '../query/duckList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { ACCOUNT_TABLES, type AccountSummary } from './markets.ts'

const accountTables = ACCOUNT_TABLES.map((t) => `'${t}'`).join(', ')

export const ACCOUNT_LIST: DuckRowList<AccountSummary> = {
  name: 'accounts',
  row: {
    venue: 'text',
    account: 'text',
    datasets: 'text[]',
    firstTs: 'timestamp?',
    lastTs: 'timestamp?',
    rows: 'double',
  },
  from: `(SELECT venue, market AS account, venue || '/' || market AS key,
                 list(DISTINCT dataset ORDER BY dataset) AS datasets,
                 min(min_ts) AS first_ts, max(max_ts) AS last_ts, sum(rows)::DOUBLE AS rows
            FROM partitions
           WHERE status = 'loaded' AND split_part(target_table, ',', 1) IN (${accountTables})
           GROUP BY venue, market)`,
  select: `venue, account, datasets, first_ts AS "firstTs", last_ts AS "lastTs", rows`,
  fields: {
    key: { type: 'string', sortable: true },
    venue: { type: 'string', sortable: true },
    account: { type: 'string', sortable: true },
    firstTs: { type: 'timestamp' },
    lastTs: { type: 'timestamp' },
    rows: { type: 'double', sortable: true },
  },
  columns: { key: 'key', venue: 'venue', account: 'account', firstTs: 'first_ts', lastTs: 'last_ts', rows: 'rows' },
  id: 'key',
  defaultOrder: [
    { field: 'venue', direction: 'ASC' },
    { field: 'account', direction: 'ASC' },
  ],
}

export function readAccountList(duck: DuckStore, query: ListQuery): Promise<ListPage<AccountSummary>> {
  return readDuckList(duck, ACCOUNT_LIST, { sql: 'TRUE', params: [] }, query)
}
