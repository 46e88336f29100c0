// What the store knows about the accounts of an account replay: size steps of their markets, margin mode and
// leverage evidence (fill directions, margin snapshots, leverage-update ledger rows), ledger and snapshot coverage.
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { accountsSql, inMarkets } from './replayData.ts'

/** Mode / leverage evidence for one account in one market. */
export interface AccountMarketEvidence {
  account: string
  market: string
  /** Fills whose direction names the mode ("Liquidated Isolated Long", "Liquidated Cross Short"). */
  isolatedFills: number
  crossFills: number
  /** The venue's margin snapshot (latest at or before the window end, else the first after). */
  snapshotMode: 'cross' | 'isolated' | null
  snapshotLeverage: number | null
  /** The latest leverage-update ledger row up to the window end (extra {"type":"updateLeverage",…}). */
  ledgerMode: 'cross' | 'isolated' | null
  ledgerLeverage: number | null
}

export interface AccountEvidence {
  account: string
  ledgerRows: number
  fundingRows: number
  snapshots: number
  fills: number
}

export interface AccountData {
  /** In the order of the replay's account dictionary (index = position). */
  accounts: AccountEvidence[]
  markets: AccountMarketEvidence[]
  /** Decimals of each market's size step, from the fills (at most 18); 0 for markets without fills. */
  sizeDecimals: number[]
  /** Largest fill size per market (to check exact integer units stay below 2^53). */
  maxQty: number[]
}

const us = (n: number) => BigInt(Math.round(n))
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
const mode = (v: unknown) => (v === 'cross' || v === 'isolated' ? v : null)

/** Evidence up to `toUs` for the accounts of (venue, markets); DuckDB does the grouping. */
export async function describeAccountData(
  store: DuckStore,
  venue: string,
  markets: readonly string[],
  toUs: number,
): Promise<AccountData> {
  return store.use(async (c) => {
    const params = [venue, us(toUs), listValue([...markets])]
    const rows = async (sql: string) => (await c.runAndReadAll(sql, params)).getRowObjectsJS()
    const names = (await rows(accountsSql('$3'))).map((r) => String(r.account))
    const perAccount = await rows(
      `SELECT account, sum(ledger)::DOUBLE AS ledger, sum(funding)::DOUBLE AS funding, sum(snapshots)::DOUBLE AS snapshots,
              sum(fills)::DOUBLE AS fills FROM (
         SELECT account, count(*) AS ledger, count(*) FILTER (WHERE kind = 'funding') AS funding, 0 AS snapshots, 0 AS fills
           FROM ledger WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) GROUP BY account
         UNION ALL SELECT account, 0, 0, count(*), 0 FROM account_states
           WHERE venue = $1 GROUP BY account
         UNION ALL SELECT account, 0, 0, 0, count(*) FROM fills
           WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets('$3')} GROUP BY account)
       GROUP BY account`,
    )
    const byAccount = new Map(perAccount.map((r) => [String(r.account), r]))
    const evidence = await rows(
      `WITH dirs AS (
         SELECT account, market, count(*) FILTER (WHERE dir ILIKE '%isolated%')::DOUBLE AS iso,
                count(*) FILTER (WHERE dir ILIKE '%cross%')::DOUBLE AS cross
           FROM fills WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets('$3')}
            AND (dir ILIKE '%isolated%' OR dir ILIKE '%cross%') GROUP BY ALL),
       snaps AS (
         SELECT account, market,
                coalesce(arg_max(leverage_type, ts) FILTER (WHERE ts < make_timestamp($2::BIGINT)),
                         arg_min(leverage_type, ts)) AS mode,
                coalesce(arg_max(leverage, ts) FILTER (WHERE ts < make_timestamp($2::BIGINT)),
                         arg_min(leverage, ts))::DOUBLE AS leverage
           FROM account_positions WHERE venue = $1 AND ${inMarkets('$3')} GROUP BY ALL),
       updates AS (
         SELECT account, market, arg_max(extra, ts) AS extra
           FROM ledger WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets('$3')}
            AND json_extract_string(extra, '$.type') = 'updateLeverage' GROUP BY ALL),
       keys AS (SELECT account, market FROM dirs UNION SELECT account, market FROM snaps
                UNION SELECT account, market FROM updates)
       SELECT k.account, k.market, coalesce(d.iso, 0) AS iso, coalesce(d.cross, 0) AS cross, s.mode, s.leverage,
              CASE WHEN json_extract(u.extra, '$.isCross')::BOOLEAN THEN 'cross'
                   WHEN NOT json_extract(u.extra, '$.isCross')::BOOLEAN THEN 'isolated' END AS umode,
              TRY_CAST(json_extract(u.extra, '$.leverage') AS DOUBLE) AS ulev
         FROM keys k LEFT JOIN dirs d USING (account, market) LEFT JOIN snaps s USING (account, market)
         LEFT JOIN updates u USING (account, market)
        ORDER BY k.account, k.market`,
    )
    const sizes = await rows(
      `SELECT market, max(length(rtrim(split_part(CAST(qty AS VARCHAR), '.', 2), '0')))::DOUBLE AS decimals,
              max(qty)::DOUBLE AS max_qty
         FROM fills WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets('$3')} GROUP BY market`,
    )
    const size = new Map(sizes.map((r) => [String(r.market), r]))
    return {
      accounts: names.map((account) => {
        const r = byAccount.get(account)
        return {
          account,
          ledgerRows: Number(r?.ledger ?? 0),
          fundingRows: Number(r?.funding ?? 0),
          snapshots: Number(r?.snapshots ?? 0),
          fills: Number(r?.fills ?? 0),
        }
      }),
      markets: evidence.map((r) => ({
        account: String(r.account),
        market: String(r.market),
        isolatedFills: Number(r.iso),
        crossFills: Number(r.cross),
        snapshotMode: mode(r.mode),
        snapshotLeverage: num(r.leverage),
        ledgerMode: mode(r.umode),
        ledgerLeverage: num(r.ulev),
      })),
      sizeDecimals: markets.map((m) => Number(size.get(m)?.decimals ?? 0)),
      maxQty: markets.map((m) => Number(size.get(m)?.max_qty ?? 0)),
    }
  })
}
