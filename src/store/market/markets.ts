// Markets and accounts with loaded data, summarised from the partition manifest.
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

/**
 * Account-level datasets are partitioned by account (the manifest's market column holds the account), so they are
 * listed as accounts, not markets. A partition is account-scoped when the first table it loads is one of these.
 */
export const ACCOUNT_TABLES = ['fills', 'ledger', 'account_states', 'account_positions']

export interface DataSummary {
  venue: string
  /** The market, or for account-level data the account. */
  key: string
  datasets: string[]
  firstTs: Date | null
  lastTs: Date | null
  rows: number
}

async function summarise(store: DuckStore, scope: 'market' | 'account', venue?: string | null): Promise<DataSummary[]> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT venue, market AS key, list(DISTINCT dataset ORDER BY dataset) AS datasets,
              min(min_ts) AS first_ts, max(max_ts) AS last_ts, sum(rows)::DOUBLE AS rows
         FROM partitions
        WHERE status = 'loaded' AND ($1::VARCHAR IS NULL OR venue = $1::VARCHAR)
          AND (split_part(target_table, ',', 1) IN (SELECT unnest($2::VARCHAR[]))) = $3::BOOLEAN
        GROUP BY venue, market
        ORDER BY venue, market`,
      [venue ?? null, listValue(ACCOUNT_TABLES), scope === 'account'],
    )
    return reader.getRowObjectsJS().map((r) => ({
      venue: String(r.venue),
      key: String(r.key),
      datasets: (r.datasets as string[]).map(String),
      firstTs: (r.first_ts as Date | null) ?? null,
      lastTs: (r.last_ts as Date | null) ?? null,
      rows: Number(r.rows ?? 0),
    }))
  })
}

export interface MarketSummary extends Omit<DataSummary, 'key'> {
  market: string
}

export interface AccountSummary extends Omit<DataSummary, 'key'> {
  account: string
}

export async function listMarkets(store: DuckStore, venue?: string | null): Promise<MarketSummary[]> {
  return (await summarise(store, 'market', venue)).map(({ key, ...rest }) => ({ ...rest, market: key }))
}

/** Accounts with account-level data (fills, ledger, margin snapshots), exactly as the venue identifies them. */
export async function listAccounts(store: DuckStore, venue?: string | null): Promise<AccountSummary[]> {
  return (await summarise(store, 'account', venue)).map(({ key, ...rest }) => ({ ...rest, account: key }))
}
