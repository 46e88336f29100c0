// The planted signal of each attack scenario is in the data, measured from the stored rows the way venue-rules §2.1
// describes it (not read back from the generator): pumps of the published size and speed, self-trades sharing trade
// ids between accounts funded from one wallet, withdrawals that leave margin just above maintenance, liquidation
// bursts, OI growth on flat volume, funding far from other venues', entries just before oracle jumps. (Products of two
// DECIMAL(38,18) columns overflow DuckDB's 38 digits, hence the casts to DOUBLE.)
import { describe, expect, test } from 'vitest'
import { syntheticMaintenanceRate } from '../src/domain/syntheticVenue.ts'
import { loadScenario, type ScenarioRecord } from '../src/ingest/scenarios/index.ts'
import type { DuckStore } from '../src/store/duck/open.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const SEED = 2

const rows = async (store: DuckStore, sql: string, params: Array<string | number | null> = []) =>
  store.use(async (c) => (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[])
const one = async (sql: string, params: Array<string | number | null> = []) =>
  (await rows(runtime.duck, sql, params))[0]!
const num = (v: unknown) => Number(v)

async function load(name: string): Promise<ScenarioRecord> {
  return (await loadScenario(runtime, name, { seed: SEED })).truth
}
const iso = (d: Date) => d.toISOString()

/** Largest ratio max(p[t..t+window]) / p[t] of a price series (minute closes), within [from, to). */
async function fastestRise(where: string, params: Array<string | number | null>, windowMin: number) {
  const r = await one(
    `WITH m AS (SELECT date_trunc('minute', ts) AS t, arg_max(price, ts) AS p FROM prices WHERE ${where} GROUP BY 1)
     SELECT max(b.p / a.p) AS rise FROM m a JOIN m b ON b.t > a.t AND b.t <= a.t + INTERVAL (${windowMin}) MINUTE`,
    params,
  )
  return num(r.rise)
}

/** Equity over maintenance of `account` in `market` at `at`, from its fills, ledger and the mark then. */
async function marginRatio(account: string, market: string, at: string): Promise<number> {
  const r = await one(
    `WITH pos AS (
       SELECT sum(CASE WHEN side = 'buy' THEN qty::DOUBLE ELSE -qty::DOUBLE END) AS q,
              sum(CASE WHEN side = 'buy' THEN -1 ELSE 1 END * qty::DOUBLE * price::DOUBLE) AS cash,
              sum(fee)::DOUBLE AS fees
         FROM fills WHERE account = $1 AND market = $2 AND ts <= $3::TIMESTAMP),
     money AS (SELECT coalesce(sum(delta_quote), 0)::DOUBLE AS m FROM ledger WHERE account = $1 AND ts <= $3::TIMESTAMP),
     mark AS (SELECT arg_max(price, ts) AS p FROM prices
               WHERE market = $2 AND kind = 'mark' AND ts <= $3::TIMESTAMP AND ts > $3::TIMESTAMP - INTERVAL 10 MINUTE)
     SELECT (money.m + pos.cash - pos.fees + pos.q * mark.p) / ($4 * abs(pos.q) * mark.p) AS ratio, pos.q AS q
       FROM pos, money, mark`,
    [account, market, at, syntheticMaintenanceRate(market)],
  )
  return num(r.ratio)
}

describe('attack scenarios carry their documented signal', () => {
  test('mango-self-trade-pump: linked self-trade, oracle ×10 within 35 min, withdrawal to just above maintenance', async () => {
    const t = await load('mango-self-trade-pump')
    const [a, b] = t.accounts as [string, string]
    const perp = 'MANGO-PUMP-PERP'
    // Both accounts funded by the same wallet, minutes apart.
    const funding = await one(
      `SELECT count(DISTINCT counterparty)::DOUBLE AS sources, (max(ts) - min(ts)) < INTERVAL 15 MINUTE AS close,
              count(DISTINCT account)::DOUBLE AS accounts
         FROM ledger WHERE account IN ($1, $2) AND kind = 'deposit'`,
      [a, b],
    )
    expect(funding).toEqual({ sources: 1, close: true, accounts: 2 })
    // A sold to B: fills on both sides with the same trade ids, millions of dollars.
    const self = await one(
      `SELECT count(*)::DOUBLE AS trades, sum(x.qty::DOUBLE * x.price::DOUBLE)::DOUBLE AS notional
         FROM fills x JOIN fills y ON x.trade_id = y.trade_id AND x.market = y.market
        WHERE x.account = $1 AND y.account = $2 AND x.side = 'sell' AND y.side = 'buy' AND x.market = $3`,
      [a, b, perp],
    )
    expect(num(self.trades)).toBeGreaterThanOrEqual(3)
    expect(num(self.notional)).toBeGreaterThan(5e6)
    // The oracle rose at least tenfold within 35 minutes inside the attack window.
    const rise = await fastestRise(
      `market = $1 AND kind = 'oracle' AND ts >= $2::TIMESTAMP AND ts < $3::TIMESTAMP`,
      [perp, iso(t.attackFrom), iso(t.attackTo)],
      35,
    )
    expect(rise).toBeGreaterThanOrEqual(10)
    // B's withdrawals against unrealized PnL leave equity just above maintenance (1–2×).
    const w = await one(
      `SELECT max(ts)::VARCHAR AS last, sum(-delta_quote)::DOUBLE AS out FROM ledger WHERE account = $1 AND kind = 'withdrawal'`,
      [b],
    )
    expect(num(w.out)).toBeGreaterThan(2e7)
    const ratio = await marginRatio(b, perp, String(w.last))
    expect(ratio).toBeGreaterThan(1)
    expect(ratio).toBeLessThan(2)
    expect(ratio / num(t.details.equityOverMaintenanceAfterWithdrawal)).toBeCloseTo(1, 1)
    // The backstop inherited liquidated positions.
    const backstop = await one(
      `SELECT count(*)::DOUBLE AS n FROM fills WHERE account = 'backstop-vault' AND market = $1`,
      [perp],
    )
    expect(num(backstop.n)).toBeGreaterThanOrEqual(1)
  })

  test('jelly-self-trade-takeover: linked self-trade, oracle ×3.5 within 95 min off a lagging venue, backstop takeover', async () => {
    const t = await load('jelly-self-trade-takeover')
    const perp = 'JELLY-TAKEOVER-PERP'
    const [short, ...longs] = t.accounts as [string, ...string[]]
    const self = await one(
      `SELECT count(*)::DOUBLE AS trades, sum(x.qty::DOUBLE * x.price::DOUBLE)::DOUBLE AS notional
         FROM fills x JOIN fills y ON x.trade_id = y.trade_id AND x.market = y.market
        WHERE x.account = $1 AND list_contains(from_json($2, '["VARCHAR"]'), y.account) AND x.side = 'sell' AND y.side = 'buy'`,
      [short, JSON.stringify(longs)],
    )
    expect(num(self.trades)).toBeGreaterThanOrEqual(3)
    expect(num(self.notional)).toBeGreaterThan(2.5e6)
    const sources = await one(
      `SELECT count(DISTINCT counterparty)::DOUBLE AS n FROM ledger WHERE kind = 'deposit' AND list_contains(from_json($1, '["VARCHAR"]'), account)`,
      [JSON.stringify(t.accounts)],
    )
    expect(num(sources.n)).toBe(1)
    const rise = await fastestRise(
      `market = $1 AND kind = 'oracle' AND ts >= $2::TIMESTAMP AND ts < $3::TIMESTAMP`,
      [perp, iso(t.attackFrom), iso(t.attackTo)],
      95,
    )
    expect(rise).toBeGreaterThanOrEqual(3.2)
    // The oracle leaves the half-following venue far behind during the pump.
    const dev = await one(
      `SELECT max(o.price / c.price - 1)::DOUBLE AS dev FROM prices o JOIN prices c
          ON c.market = o.market AND c.kind = 'index' AND c.source = 'ref-cex-c'
         AND c.ts BETWEEN o.ts - INTERVAL 5 SECOND AND o.ts + INTERVAL 5 SECOND
       WHERE o.market = $1 AND o.kind = 'oracle'`,
      [perp],
    )
    expect(num(dev.dev)).toBeGreaterThan(0.3)
    const taken = await one(
      `SELECT count(*)::DOUBLE AS n FROM liquidations l JOIN fills f ON f.trade_id = l.trade_id AND f.market = l.market
        WHERE l.account = $1 AND l.side = 'short' AND f.account = 'backstop-vault' AND f.side = 'sell'`,
      [short],
    )
    expect(num(taken.n)).toBe(1)
  })

  test('cascade-crash: a liquidation burst far above its baseline in every market, a deep drop, volume spike, ADL', async () => {
    const t = await load('cascade-crash')
    for (const market of t.markets) {
      const burst = await one(
        `WITH m AS (SELECT date_trunc('minute', ts) AS t, count(*) AS n, sum(qty::DOUBLE * price::DOUBLE) AS notional,
                           count(*) FILTER (WHERE side = 'long') AS longs
                      FROM liquidations WHERE market = $1 AND kind = 'liquidation' GROUP BY 1)
         SELECT (SELECT max(n) FROM m WHERE t BETWEEN $2::TIMESTAMP AND $3::TIMESTAMP)::DOUBLE AS peak,
                (SELECT sum(n) FROM m WHERE t < $2::TIMESTAMP)::DOUBLE / (SELECT (epoch($2::TIMESTAMP) - epoch(min(t))) / 60 FROM m) AS base,
                (SELECT sum(longs) / sum(n) FROM m WHERE t BETWEEN $2::TIMESTAMP AND $3::TIMESTAMP)::DOUBLE AS long_share`,
        [market, iso(t.attackFrom), iso(t.attackTo)],
      )
      expect(num(burst.peak)).toBeGreaterThan(40)
      expect(num(burst.peak) / num(burst.base)).toBeGreaterThan(200)
      expect(num(burst.long_share)).toBeGreaterThan(0.8)
      const moves = await one(
        `WITH m AS (SELECT date_trunc('minute', ts) AS t, min(price) AS lo, count(*) AS n FROM trades WHERE market = $1 GROUP BY 1)
         SELECT (SELECT min(lo) FROM m WHERE t BETWEEN $2::TIMESTAMP AND $3::TIMESTAMP) /
                (SELECT arg_max(lo, t) FROM m WHERE t < $2::TIMESTAMP) AS drop,
                (SELECT max(n) FROM m WHERE t BETWEEN $2::TIMESTAMP AND $3::TIMESTAMP)::DOUBLE /
                (SELECT median(n) FROM m WHERE t < $2::TIMESTAMP) AS volume`,
        [market, iso(t.attackFrom), iso(t.attackTo)],
      )
      expect(num(moves.drop)).toBeLessThan(0.9)
      expect(num(moves.volume)).toBeGreaterThan(5)
    }
    const adl = await one(`SELECT count(*)::DOUBLE AS n FROM liquidations WHERE kind = 'adl' AND venue = 'synthetic'`)
    expect(num(adl.n)).toBeGreaterThan(0)
  })
})
