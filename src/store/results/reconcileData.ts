// What a reconciliation compares: a run's liquidation rows, the liquidations the store observed for the same accounts
// and window (liquidations rows, and the accounts' own fills flagged as liquidations), and the coverage behind each
// event (prices in the hour before, margin snapshots).
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { inMarkets } from '../market/replayData.ts'

export interface LiquidationRecord {
  account: string
  market: string
  /** µs since the epoch. */
  ts: number
  side: 'long' | 'short'
  qty: number
  /** Quote notional (qty × price). */
  notional: number
  kind: string
}

const us = (n: number) => BigInt(Math.round(n))

/** Liquidation rows of a run per account (the run's summary splits them by reconciled and unreconciled accounts). */
export async function liquidationsByAccount(store: DuckStore, runId: string): Promise<Map<string, number>> {
  return store.use(async (c) => {
    const rows = (
      await c.runAndReadAll(
        'SELECT account, count(*)::DOUBLE AS n FROM backtest_liquidations WHERE run_id = $1 GROUP BY account',
        [runId],
      )
    ).getRowObjectsJS()
    return new Map(rows.map((r) => [String(r.account), Number(r.n)]))
  })
}

/** A run's liquidation rows in time order (every kind: full, partial, takeover, backstop, deleveraged, shadow). */
export async function runLiquidations(store: DuckStore, runId: string): Promise<LiquidationRecord[]> {
  return store.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT account, market, epoch_us(ts)::DOUBLE AS ts, side, qty, notional::DOUBLE AS notional, kind
           FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`,
        [runId],
      )
    )
      .getRowObjectsJS()
      .map((r) => ({
        account: String(r.account),
        market: String(r.market),
        ts: Number(r.ts),
        side: r.side === 'short' ? 'short' : 'long',
        qty: Number(r.qty),
        notional: Number(r.notional),
        kind: String(r.kind),
      })),
  )
}

/**
 * Liquidations the store observed for `accounts` in (venue, markets, [fromUs, toUs)): `liquidations` rows naming the
 * account (one per trade: the same liquidation seen from both sides of a fill is counted once), and the account's
 * own fills flagged `liquidation` that no such row covers (dir "Liquidated …", or no row naming another account).
 */
export async function observedLiquidations(
  store: DuckStore,
  venue: string,
  markets: readonly string[],
  accounts: readonly string[],
  fromUs: number,
  toUs: number,
): Promise<LiquidationRecord[]> {
  return store.use(async (c) =>
    (
      await c.runAndReadAll(
        `WITH acc AS (SELECT unnest($5::VARCHAR[]) AS account),
         rows AS (
           SELECT DISTINCT ON (account, market, coalesce(trade_id, CAST(epoch_us(ts) AS VARCHAR) || '/' || CAST(qty AS VARCHAR)))
                  account, market, ts, side, qty, price
             FROM liquidations
            WHERE venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT)
              AND ${inMarkets('$4')} AND account IN (SELECT account FROM acc) AND kind = 'liquidation'),
         own AS (
           SELECT f.account, f.market, f.ts, CASE WHEN f.side = 'sell' THEN 'long' ELSE 'short' END AS side,
                  f.qty, f.price
             FROM fills f
            WHERE f.venue = $1 AND f.liquidation AND f.ts >= make_timestamp($2::BIGINT) AND f.ts < make_timestamp($3::BIGINT)
              AND ${inMarkets('$4', 'f.market')} AND f.account IN (SELECT account FROM acc)
              AND (coalesce(f.dir, '') ILIKE 'liquidated%' OR NOT EXISTS (
                     SELECT 1 FROM liquidations l WHERE l.venue = f.venue AND l.market = f.market AND l.ts = f.ts
                        AND l.account IS NOT NULL AND l.account <> f.account))
              AND NOT EXISTS (SELECT 1 FROM rows r WHERE r.account = f.account AND r.market = f.market AND r.ts = f.ts))
         SELECT account, market, epoch_us(ts)::DOUBLE AS ts, side, qty::DOUBLE AS qty, (qty::DOUBLE * price::DOUBLE) AS notional
           FROM (SELECT * FROM rows UNION ALL SELECT * FROM own)
          ORDER BY ts, account, market`,
        [venue, us(fromUs), us(toUs), listValue([...markets]), listValue([...accounts])],
      )
    )
      .getRowObjectsJS()
      .map((r) => ({
        account: String(r.account),
        market: String(r.market),
        ts: Number(r.ts),
        side: r.side === 'short' ? 'short' : 'long',
        qty: Number(r.qty),
        notional: Number(r.notional),
        kind: 'observed',
      })),
  )
}

/** Price rows (bars or prices, of `venues`) of `market` in the hour before each instant: one count per instant. */
export async function pricesInHourBefore(
  store: DuckStore,
  venues: readonly string[],
  probes: ReadonlyArray<{ market: string; ts: number }>,
): Promise<number[]> {
  if (!probes.length) return []
  return store.use(async (c) => {
    const rows = (
      await c.runAndReadAll(
        `WITH p AS (SELECT unnest($2::VARCHAR[]) AS market, unnest($3::BIGINT[]) AS t, unnest(range(len($2::VARCHAR[]))) AS i)
         SELECT p.i, (
             (SELECT count(*) FROM bars b WHERE b.venue IN (SELECT unnest($1::VARCHAR[])) AND b.market = p.market
                AND b.ts >= make_timestamp(p.t - 3600000000) AND b.ts < make_timestamp(p.t))
           + (SELECT count(*) FROM prices x WHERE x.venue IN (SELECT unnest($1::VARCHAR[])) AND x.market = p.market
                AND x.ts >= make_timestamp(p.t - 3600000000) AND x.ts < make_timestamp(p.t)))::DOUBLE AS n
           FROM p ORDER BY p.i`,
        [
          listValue([...venues]),
          listValue(probes.map((p) => p.market)),
          listValue(probes.map((p) => BigInt(Math.round(p.ts)))),
        ],
      )
    ).getRowObjectsJS()
    return rows.map((r) => Number(r.n))
  })
}

/** Accounts of the list with at least one margin snapshot (account_states) of the venue up to `toUs`. */
export async function accountsWithSnapshots(
  store: DuckStore,
  venue: string,
  accounts: readonly string[],
  toUs: number,
): Promise<Set<string>> {
  return store.use(async (c) => {
    const rows = (
      await c.runAndReadAll(
        `SELECT DISTINCT account FROM account_states
          WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND account IN (SELECT unnest($3::VARCHAR[]))`,
        [venue, us(toUs), listValue([...accounts])],
      )
    ).getRowObjectsJS()
    return new Set(rows.map((r) => String(r.account)))
  })
}
