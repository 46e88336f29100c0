// Account-level data for the detectors: fills and ledger rows as columns, the two sides of each trade matched
// (self-trades and linked-account trades), and where accounts were funded from.
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { inSnapshot, num, queryColumns, queryRows, queryTyped, str, tsParam } from './read.ts'

export interface FillColumns {
  length: number
  ts: Float64Array
  account: string[]
  market: string[]
  /** +1 buy, −1 sell. */
  side: Int8Array
  price: Float64Array
  qty: Float64Array
  fee: Float64Array
  liquidation: Int8Array
  /** 1 taker, 0 maker, −1 when the venue does not say. */
  taker: Int8Array
}

/**
 * Fills of a venue, optionally only some markets / accounts, with ts < toUs (and ≥ fromUs when given), in time order
 * (ties by account, trade id, side). Money columns are read as doubles: detectors estimate, the ledger stays exact.
 * Numbers are copied from DuckDB's vectors as typed arrays; accounts and markets cross as integer codes into their
 * sorted name lists (read in the same transaction, so codes and names agree), not as a JS string per row.
 */
export async function readFills(
  store: DuckStore,
  venue: string,
  o: {
    markets?: string[] | null
    /** Leave this market out (its fills are read elsewhere). */
    exceptMarket?: string | null
    accounts?: string[] | null
    fromUs?: number | null
    toUs: number
  },
): Promise<FillColumns> {
  const values = [
    venue,
    o.markets ? listValue(o.markets) : null,
    o.accounts ? listValue(o.accounts) : null,
    o.fromUs != null ? tsParam(o.fromUs) : null,
    tsParam(o.toUs),
    o.exceptMarket ?? null,
  ]
  const where = `venue = $1 AND ($2::VARCHAR[] IS NULL OR list_contains($2, market))
        AND ${o.accounts ? 'account IN (SELECT unnest($3::VARCHAR[]))' : '$3::VARCHAR[] IS NULL'}
        AND ($4::TIMESTAMP IS NULL OR ts >= $4) AND ts < $5 AND ($6::VARCHAR IS NULL OR market <> $6)`
  return inSnapshot(store, async (snapshot) => {
    // names in code order (codes are ranks in byte order, so sorting by code sorts by name)
    const names = await queryColumns(
      snapshot,
      `SELECT k, name FROM (SELECT DISTINCT 'a' AS k, account AS name FROM fills WHERE ${where}
         UNION ALL SELECT DISTINCT 'm' AS k, market AS name FROM fills WHERE ${where})
        ORDER BY k, name`,
      values,
    )
    const accounts: string[] = []
    const markets: string[] = []
    const kind = names.col('k')
    const name = names.col('name')
    for (let i = 0; i < names.length; i++) (kind[i] === 'a' ? accounts : markets).push(String(name[i]))
    const r = await queryTyped(
      snapshot,
      `WITH f AS (SELECT ts, account, market, side, price, qty, fee, liquidation, liquidity, trade_id
                    FROM fills WHERE ${where}),
            a AS (SELECT account, (row_number() OVER (ORDER BY account) - 1)::INTEGER AS code
                    FROM (SELECT DISTINCT account FROM f)),
            m AS (SELECT market, (row_number() OVER (ORDER BY market) - 1)::INTEGER AS code
                    FROM (SELECT DISTINCT market FROM f))
       SELECT epoch_us(f.ts)::DOUBLE AS t, a.code AS account, m.code AS market,
              (CASE f.side WHEN 'buy' THEN 1 ELSE -1 END)::TINYINT AS side,
              f.price::DOUBLE AS price, f.qty::DOUBLE AS qty, f.fee::DOUBLE AS fee,
              f.liquidation::TINYINT AS liquidation,
              (CASE f.liquidity WHEN 'taker' THEN 1 WHEN 'maker' THEN 0 ELSE -1 END)::TINYINT AS taker
         FROM f JOIN a USING (account) JOIN m USING (market)
        ORDER BY f.ts, f.account, f.trade_id, f.side`,
      values,
      {
        t: 'f64',
        account: 'i32',
        market: 'i32',
        side: 'i8',
        price: 'f64',
        qty: 'f64',
        fee: 'f64',
        liquidation: 'i8',
        taker: 'i8',
      },
    )
    const account = new Array<string>(r.length)
    const market = new Array<string>(r.length)
    for (let i = 0; i < r.length; i++) {
      account[i] = accounts[r.account[i]!]!
      market[i] = markets[r.market[i]!]!
    }
    return {
      length: r.length,
      ts: r.t,
      account,
      market,
      side: r.side,
      price: r.price,
      qty: r.qty,
      fee: r.fee,
      liquidation: r.liquidation,
      taker: r.taker,
    }
  })
}

export interface LedgerRow {
  tsUs: number
  account: string
  delta: number
  /** Exact decimal text of delta_quote. */
  deltaText: string
  kind: string
  counterparty: string | null
  txId: string | null
  market: string | null
}

/** Ledger rows of a venue (optionally some accounts) with ts < toUs (and ≥ fromUs), in time order. */
export async function readLedger(
  store: DuckStore,
  venue: string,
  o: { accounts?: string[] | null; fromUs?: number | null; toUs: number; kinds?: string[] | null },
): Promise<LedgerRow[]> {
  const rows = await queryRows(
    store,
    `SELECT epoch_us(ts)::DOUBLE AS t, account, delta_quote::DOUBLE AS d, delta_quote::VARCHAR AS dt, kind,
            counterparty, tx_id, market
       FROM ledger
      WHERE venue = $1 AND ($2::VARCHAR[] IS NULL OR list_contains($2, account))
        AND ($3::TIMESTAMP IS NULL OR ts >= $3) AND ts < $4 AND ($5::VARCHAR[] IS NULL OR list_contains($5, kind))
      ORDER BY ts, account, tx_id, delta_quote`,
    [
      venue,
      o.accounts ? listValue(o.accounts) : null,
      o.fromUs != null ? tsParam(o.fromUs) : null,
      tsParam(o.toUs),
      o.kinds ? listValue(o.kinds) : null,
    ],
  )
  return rows.map((r) => ({
    tsUs: num(r.t),
    account: String(r.account),
    delta: num(r.d),
    deltaText: String(r.dt),
    kind: String(r.kind),
    counterparty: str(r.counterparty),
    txId: str(r.tx_id),
    market: str(r.market),
  }))
}

export interface MatchedTrade {
  tsUs: number
  buyer: string
  seller: string
  price: number
  qty: number
  tradeId: string | null
  /** The two accounts are the same account. */
  same: boolean
  /** Link reasons between the two accounts (account_links), hot-wallet links excluded. */
  reasons: string[]
  vias: string[]
}

/**
 * Trades of a market whose two sides are the same account or linked accounts. Sides are matched by trade id, or,
 * for fills without one, by time, price and quantity. A same-funding-source link through a source that funded more
 * than `hubSize` accounts is not counted (exchange hot wallets fund thousands of unrelated users).
 */
export async function readLinkedTrades(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  hubSize: number,
): Promise<MatchedTrade[]> {
  const rows = await queryRows(
    store,
    `WITH f AS (SELECT ts, account, side, price, qty, trade_id FROM fills
                 WHERE venue = $1 AND market = $2 AND ts >= $3 AND ts < $4),
          pairs AS (
            SELECT b.ts, b.account AS buyer, s.account AS seller, b.price, b.qty, b.trade_id
              FROM f b JOIN f s ON b.trade_id = s.trade_id AND b.side = 'buy' AND s.side = 'sell'
             WHERE b.trade_id IS NOT NULL
            UNION ALL
            SELECT b.ts, b.account, s.account, b.price, b.qty, NULL
              FROM f b JOIN f s ON b.ts = s.ts AND b.price = s.price AND b.qty = s.qty AND b.side = 'buy'
               AND s.side = 'sell'
             WHERE b.trade_id IS NULL AND s.trade_id IS NULL),
          hubs AS (SELECT via, count(DISTINCT account) AS n FROM account_links
                    WHERE venue = $1 AND reason = 'same-funding-source' GROUP BY via),
          links AS (SELECT l.account, l.linked_account, l.reason, l.via FROM account_links l
                      LEFT JOIN hubs h ON l.via = h.via
                     WHERE l.venue = $1 AND (l.reason <> 'same-funding-source' OR h.n <= $5)),
          -- only the pairs that can qualify are grouped (a busy market has millions of unlinked pairs)
          candidates AS (SELECT * FROM pairs p
                          WHERE p.buyer = p.seller
                             OR EXISTS (SELECT 1 FROM links l WHERE l.account = p.buyer AND l.linked_account = p.seller)),
          linked AS (SELECT p.ts, p.buyer, p.seller, p.price, p.qty, p.trade_id,
                            list(DISTINCT l.reason ORDER BY l.reason) FILTER (WHERE l.reason IS NOT NULL) AS reasons,
                            list(DISTINCT l.via ORDER BY l.via) FILTER (WHERE l.via IS NOT NULL) AS vias
                       FROM candidates p LEFT JOIN links l ON l.account = p.buyer AND l.linked_account = p.seller
                      GROUP BY ALL)
     SELECT epoch_us(ts)::DOUBLE AS t, buyer, seller, price::DOUBLE AS price, qty::DOUBLE AS qty, trade_id,
            buyer = seller AS same, coalesce(reasons, []) AS reasons, coalesce(vias, []) AS vias
       FROM linked WHERE buyer = seller OR len(coalesce(reasons, [])) > 0
      ORDER BY ts, trade_id, buyer, seller`,
    [venue, market, tsParam(fromUs), tsParam(toUs), hubSize],
  )
  return rows.map((r) => ({
    tsUs: num(r.t),
    buyer: String(r.buyer),
    seller: String(r.seller),
    price: num(r.price),
    qty: num(r.qty),
    tradeId: str(r.trade_id),
    same: Boolean(r.same),
    reasons: (r.reasons as unknown[]).map(String),
    vias: (r.vias as unknown[]).map(String),
  }))
}

/**
 * Traded quote notional of a market in [fromUs, toUs): from trades when the venue has them, else from one bars series
 * (finest interval, trade-derived first), else half the fills (each trade has two sides).
 */
export async function tradedNotional(
  store: DuckStore,
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
): Promise<{ notional: number; source: 'trades' | 'bars' | 'fills' | 'none' }> {
  const v = [venue, market, tsParam(fromUs), tsParam(toUs)]
  const where = 'venue = $1 AND market = $2 AND ts >= $3 AND ts < $4'
  // one source at a time: the next is read only when the one before has no rows (each is a full scan of the window)
  const [t] = await queryRows(
    store,
    `SELECT sum(price * qty)::DOUBLE AS t, count(*)::DOUBLE AS tn FROM trades WHERE ${where}`,
    v,
  )
  if (num(t!.tn) > 0) return { notional: num(t!.t), source: 'trades' }
  const [b] = await queryRows(
    store,
    `WITH series AS (SELECT interval_s, source FROM bars WHERE ${where}
                      GROUP BY interval_s, source ORDER BY interval_s, source = 'trades' DESC, source LIMIT 1)
     SELECT sum(quote_volume)::DOUBLE AS b, count(*)::DOUBLE AS bn
       FROM bars JOIN series USING (interval_s, source) WHERE ${where}`,
    v,
  )
  if (num(b!.bn) > 0 && Number.isFinite(num(b!.b))) return { notional: num(b!.b), source: 'bars' }
  const [f] = await queryRows(
    store,
    `SELECT (sum(price::DOUBLE * qty::DOUBLE) / 2)::DOUBLE AS f, count(*)::DOUBLE AS fn FROM fills WHERE ${where}`,
    v,
  )
  if (num(f!.fn) > 0) return { notional: num(f!.f), source: 'fills' }
  return { notional: 0, source: 'none' }
}

/** Liquidations of `account` in [fromUs, toUs): observed rows, liquidation fills, and a run's replayed ones. */
export async function accountLiquidations(
  store: DuckStore,
  venue: string,
  account: string,
  fromUs: number,
  toUs: number,
  runId: string | null,
): Promise<Array<{ tsUs: number; market: string; source: string }>> {
  const rows = await queryRows(
    store,
    `SELECT * FROM (
       SELECT epoch_us(ts)::DOUBLE AS t, market, 'liquidations' AS s FROM liquidations
        WHERE venue = $1 AND account = $2 AND ts >= $3 AND ts < $4
       UNION ALL
       SELECT epoch_us(ts)::DOUBLE, market, 'fills' FROM fills
        WHERE venue = $1 AND account = $2 AND liquidation AND ts >= $3 AND ts < $4
       UNION ALL
       SELECT epoch_us(ts)::DOUBLE, market, 'run' FROM backtest_liquidations
        WHERE run_id = $5 AND account = $2 AND ts >= $3 AND ts < $4)
     ORDER BY t, market, s LIMIT 20`,
    [venue, account, tsParam(fromUs), tsParam(toUs), runId],
  )
  return rows.map((r) => ({ tsUs: num(r.t), market: String(r.market), source: String(r.s) }))
}

/**
 * Where each account's money came from: the counterparties of its deposits and incoming transfers, with how many
 * accounts each source funded on the venue (a hot wallet funds many). Accounts without such rows are absent.
 */
export async function readFundingSources(
  store: DuckStore,
  venue: string,
  toUs: number,
): Promise<Array<{ account: string; source: string; amount: number; firstUs: number; funded: number }>> {
  const rows = await queryRows(
    store,
    `WITH f AS (SELECT account, counterparty AS source, sum(delta_quote)::DOUBLE AS amount,
                       min(epoch_us(ts))::DOUBLE AS first
                  FROM ledger
                 WHERE venue = $1 AND ts < $2 AND counterparty IS NOT NULL AND counterparty <> account
                   AND kind IN ('deposit', 'transfer') AND delta_quote > 0
                 GROUP BY account, counterparty)
     SELECT account, source, amount, first, (count(*) OVER (PARTITION BY source))::DOUBLE AS funded
       FROM f ORDER BY account, amount DESC, source`,
    [venue, tsParam(toUs)],
  )
  return rows.map((r) => ({
    account: String(r.account),
    source: String(r.source),
    amount: num(r.amount),
    firstUs: num(r.first),
    funded: num(r.funded),
  }))
}

export interface AccountLink {
  account: string
  linked: string
  reason: string
  via: string | null
}

/**
 * Links between `accounts` (account_links view), without same-funding-source links through a source that funded
 * more than `hubSize` accounts (an exchange hot wallet or a bridge funds thousands of unrelated users).
 */
export async function readAccountLinks(
  store: DuckStore,
  venue: string,
  accounts: string[] | null,
  hubSize: number,
): Promise<AccountLink[]> {
  const rows = await queryRows(
    store,
    `WITH l AS (SELECT account, linked_account, reason, via FROM account_links WHERE venue = $1
                  AND ($2::VARCHAR[] IS NULL OR (list_contains($2, account) AND list_contains($2, linked_account)))),
          hubs AS (SELECT via, count(DISTINCT account) AS n FROM account_links
                    WHERE venue = $1 AND reason = 'same-funding-source' GROUP BY via)
     SELECT DISTINCT l.account, l.linked_account, l.reason, l.via FROM l LEFT JOIN hubs h ON l.via = h.via
      WHERE l.reason <> 'same-funding-source' OR h.n <= $3
      ORDER BY 1, 2, 3, 4`,
    [venue, accounts ? listValue(accounts) : null, hubSize],
  )
  return rows.map((r) => ({
    account: String(r.account),
    linked: String(r.linked_account),
    reason: String(r.reason),
    via: str(r.via),
  }))
}
