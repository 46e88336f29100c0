// The scenario library as a source: loading every scenario through the partition loader with rows that pass domain
// checks, determinism (same seed, same bytes; another seed, another attack), idempotent loads, seed replacement, and
// removal that leaves the store exactly as it was.
import { describe, expect, test } from 'vitest'
import { SCENARIO_VENUE } from '../src/domain/scenario.ts'
import { isDetectorId } from '../src/domain/detection.ts'
import { InvalidInputError } from '../src/errors.ts'
import {
  generateScenario,
  listScenarios,
  loadScenario,
  readScenarioTruth,
  removeScenario,
  type ScenarioRecord,
} from '../src/ingest/scenarios/index.ts'
import type { DuckStore } from '../src/store/duck/open.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

const rows = async (store: DuckStore, sql: string, params: Array<string | number | null> = []) =>
  store.use(async (c) => (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[])

/** Every table scenario loading may touch, as (rows, content hash): equal fingerprints mean an unchanged store. */
const TABLES = [
  'partitions',
  'partition_gaps',
  'partition_changes',
  'trade_parts',
  'trades_data',
  'bars',
  'prices',
  'funding',
  'open_interest',
  'liquidations',
  'fills',
  'ledger',
  'scenario_truth',
]
async function fingerprint(store: DuckStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of TABLES) {
    const [r] = await rows(
      store,
      `SELECT count(*)::VARCHAR || ':' || coalesce(bit_xor(hash(t::VARCHAR)), 0)::VARCHAR AS f FROM ${table} t`,
    )
    out[table] = String(r!.f)
  }
  return out
}

describe('generation', () => {
  test('the library lists every scenario with an incident, valid detector ids and at least three calm controls', () => {
    const all = listScenarios()
    expect(all.length).toBeGreaterThanOrEqual(3)
    for (const s of all) {
      expect(s.incident.length).toBeGreaterThan(20)
      expect(s.markets.length).toBeGreaterThan(0)
      for (const p of s.patterns) expect(isDetectorId(p)).toBe(true)
    }
    expect(all.filter((s) => s.patterns.length === 0).length).toBeGreaterThanOrEqual(1)
  })

  test('an unknown scenario is an input error naming the valid ones; a bad seed too; nothing is written', async () => {
    const before = await fingerprint(runtime.duck)
    const unknown = await loadScenario(runtime, 'mango', { seed: 1 }).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(InvalidInputError)
    expect(String((unknown as Error).message)).toContain('received "mango"; expected one of mango-self-trade-pump')
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) {
      const bad = await loadScenario(runtime, 'calm-trend', { seed }).catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(InvalidInputError)
      expect(String((bad as Error).message)).toContain('seed: received')
    }
    await expect(removeScenario(runtime, 'nope')).rejects.toBeInstanceOf(InvalidInputError)
    expect(await fingerprint(runtime.duck)).toEqual(before)
  })
})

describe('loading', () => {
  test.each(listScenarios().map((s) => s.name))(
    '%s loads through the partition loader; every row is in its window and passes domain checks',
    async (name) => {
      const result = await loadScenario(runtime, name, { seed: 3 })
      expect(result.status).toBe('loaded')
      const t = result.truth
      expect(t.venue).toBe(SCENARIO_VENUE)
      expect(t.from.getTime()).toBeLessThanOrEqual(t.attackFrom.getTime())
      expect(t.attackFrom.getTime()).toBeLessThan(t.attackTo.getTime())
      expect(t.attackTo.getTime()).toBeLessThanOrEqual(t.to.getTime())
      expect(t.from.getUTCFullYear()).toBeGreaterThanOrEqual(2024)
      expect(t.to.getUTCFullYear()).toBeLessThanOrEqual(2026)
      const [stored] = await readScenarioTruth(runtime.duck, { scenario: name })
      expect(stored).toMatchObject({ seed: 3, patterns: t.patterns, accounts: t.accounts, dataHash: t.dataHash })
      const window = [t.from.toISOString(), t.to.toISOString()]
      const markets = JSON.stringify(t.markets)
      // Every row of the copy: in the window, under the synthetic venue, one of its markets, finite and positive.
      const checks: Array<[string, string]> = [
        [
          'trades',
          `price > 0 AND qty > 0 AND isfinite(price) AND isfinite(qty) AND side IN ('buy', 'sell') AND trade_id IS NOT NULL`,
        ],
        [
          'prices',
          `isfinite(price) AND (price > 0 OR kind = 'premium') AND kind IN ('mark', 'index', 'oracle', 'last', 'premium')`,
        ],
        ['funding', `isfinite(rate) AND abs(rate) < 0.01 AND interval_h IN (1, 4, 8) AND mark_price > 0`],
        ['open_interest', `oi_base >= 0 AND oi_quote >= 0 AND isfinite(oi_base)`],
        ['liquidations', `price > 0 AND qty > 0 AND side IN ('long', 'short') AND kind IN ('liquidation', 'adl')`],
        [
          'fills',
          `price > 0 AND qty > 0 AND side IN ('buy', 'sell') AND liquidity IN ('maker', 'taker') AND trade_id IS NOT NULL`,
        ],
        ['ledger', `delta_quote <> 0 AND kind IN ('deposit', 'withdrawal', 'transfer')`],
      ]
      let total = 0
      for (const [table, ok] of checks) {
        const market = table === 'ledger' ? '$3 IS NOT NULL' : `list_contains(from_json($3, '["VARCHAR"]'), market)`
        const [r] = await rows(
          runtime.duck,
          `SELECT count(*)::DOUBLE AS n,
                  count(*) FILTER (WHERE NOT (${ok}) OR ts < $1::TIMESTAMP OR ts >= $2::TIMESTAMP OR venue <> 'synthetic'
                                      OR NOT ${market})::DOUBLE AS bad
             FROM ${table} WHERE partition_id LIKE 'scenario/%' AND partition_id LIKE $4`,
          [window[0]!, window[1]!, markets, `%/${name}@3`],
        )
        expect({ table, bad: Number(r!.bad) }).toEqual({ table, bad: 0 })
        total += Number(r!.n)
      }
      expect(total).toBe(t.rows)
      // Ids are unique where the venue makes them so: trade ids per market, fills per (trade, account side).
      const [dups] = await rows(
        runtime.duck,
        `SELECT (SELECT count(*) - count(DISTINCT (market, trade_id)) FROM trades WHERE partition_id LIKE $1)::DOUBLE AS trades,
                (SELECT count(*) - count(DISTINCT (market, trade_id, account, side)) FROM fills WHERE partition_id LIKE $1)::DOUBLE AS fills`,
        [`%/${name}@3`],
      )
      expect(dups).toEqual({ trades: 0, fills: 0 })

      // Deterministic: the same seed gives the same bytes; another seed other data and another attack.
      const same = generateScenario(name, 3)
      expect(same.dataHash).toBe(t.dataHash)
      expect(same.details).toEqual(t.details)
      const other = generateScenario(name, 4)
      expect(other.dataHash).not.toBe(t.dataHash)
      expect(other.details).not.toEqual(t.details)
      if (t.patterns.length) expect(other.truth.attackFrom.getTime()).not.toBe(t.attackFrom.getTime())
    },
    180_000,
  )
})

/** Trades of `market` before `end` (the attack's start; calm controls: their whole window). */
const before = (t: ScenarioRecord) => (t.patterns.length ? t.attackFrom.toISOString() : t.to.toISOString())

describe('realism (measured on the loaded copies, before each attack)', () => {
  test.each(listScenarios().map((s) => s.name))(
    '%s: trade sizes are heavy-tailed with no excess of round sizes',
    async (name) => {
      const [t] = await readScenarioTruth(runtime.duck, { scenario: name })
      for (const market of t!.markets) {
        const [r] = await rows(
          runtime.duck,
          `WITH x AS (SELECT qty, price FROM trades WHERE market = $1 AND ts < $2::TIMESTAMP),
              dq AS (SELECT DISTINCT round(qty, 9) AS q FROM x),
              l AS (SELECT round(min(d), 9) AS lot FROM (SELECT q - lag(q) OVER (ORDER BY q) AS d FROM dq) WHERE d > 0),
              k AS (SELECT round(qty / lot)::BIGINT AS n, qty, lot FROM x, l)
         SELECT count(*)::DOUBLE AS trades, any_value(lot) AS lot,
                (SELECT quantile_cont(qty * price, 0.99) / quantile_cont(qty * price, 0.5) FROM x) AS tail,
                ${[1, 10, 100]
                  .map(
                    (
                      u,
                    ) => `count(*) FILTER (WHERE qty >= ${u} AND ${u} / lot >= 10 AND n % round(${u} / lot)::BIGINT = 0)::DOUBLE AS r${u},
                (count(*) FILTER (WHERE qty >= ${u} AND ${u} / lot >= 10) * any_value(lot) / ${u})::DOUBLE AS e${u}`,
                  )
                  .join(',\n                ')}
           FROM k`,
          [market, before(t!)],
        )
        if (Number(r!.trades) < 3000) continue
        // Log-normal body with a Pareto tail: the 99th percentile order is far above the median one.
        expect({ market, tail: Number(r!.tail) > 8 }).toEqual({ market, tail: true })
        // A size that is a whole multiple of 1, 10 or 100 units is no likelier than the lot grid makes it.
        for (const u of [1, 10, 100]) {
          const observed = Number(r![`r${u}`])
          const expected = Number(r![`e${u}`])
          expect({ market, u, observed, ok: observed <= 2 * expected + 4 * Math.sqrt(expected) + 5 }).toMatchObject({
            ok: true,
          })
        }
      }
    },
  )

  test.each(listScenarios().map((s) => s.name))(
    '%s: volatility clusters, volume has an intraday shape, arrivals are bursty',
    async (name) => {
      const [t] = await readScenarioTruth(runtime.duck, { scenario: name })
      const market = t!.markets[0]!
      const end = before(t!)
      // |returns| of the venue's quoted price (mark, else the first index) are positively autocorrelated at short lags.
      const [acf] = await rows(
        runtime.duck,
        `WITH src AS (SELECT kind, source FROM prices WHERE market = $1 AND kind IN ('mark', 'index')
                     GROUP BY ALL ORDER BY kind DESC, source LIMIT 1),
            m AS (SELECT time_bucket(INTERVAL 1 MINUTE, ts) AS t, arg_max(price, ts) AS p FROM prices
                   WHERE market = $1 AND (kind, source) = (SELECT (kind, source) FROM src) AND ts < $2::TIMESTAMP GROUP BY 1),
            r AS (SELECT t, abs(ln(p / lag(p) OVER (ORDER BY t))) AS a FROM m),
            l AS (SELECT a, lag(a, 1) OVER (ORDER BY t) AS a1, lag(a, 2) OVER (ORDER BY t) AS a2, lag(a, 3) OVER (ORDER BY t) AS a3 FROM r)
       SELECT (corr(a, a1) + corr(a, a2) + corr(a, a3)) / 3 AS acf, count(*)::DOUBLE AS n FROM l`,
        [market, end],
      )
      expect(Number(acf!.n)).toBeGreaterThan(500)
      expect(Number(acf!.acf)).toBeGreaterThan(0.05)
      // Trades by hour of day: busiest hour at least twice the quietest, far from flat.
      const [hours] = await rows(
        runtime.duck,
        `WITH h AS (SELECT hour(ts) AS h, count(*) AS n FROM trades WHERE market = $1 AND ts < $2::TIMESTAMP GROUP BY 1)
       SELECT max(n)::DOUBLE / min(n) AS ratio, stddev(n) / avg(n) AS cv, count(*)::DOUBLE AS hours FROM h`,
        [market, end],
      )
      expect(Number(hours!.hours)).toBe(24)
      expect(Number(hours!.ratio)).toBeGreaterThan(2)
      expect(Number(hours!.cv)).toBeGreaterThan(0.2)
      // Time-varying Poisson arrivals: inter-arrival times are over-dispersed (a regular clock would give ~0, a
      // constant-rate Poisson process 1).
      const [gaps] = await rows(
        runtime.duck,
        `WITH d AS (SELECT DISTINCT ts FROM trades WHERE market = $1 AND ts < $2::TIMESTAMP),
            g AS (SELECT epoch(ts) - epoch(lag(ts) OVER (ORDER BY ts)) AS g FROM d)
       SELECT stddev(g) / avg(g) AS cv FROM g`,
        [market, end],
      )
      expect(Number(gaps!.cv)).toBeGreaterThan(1)
      // Reference venues quote near each other: small, non-zero bases.
      const [basis] = await rows(
        runtime.duck,
        `WITH p AS (SELECT time_bucket(INTERVAL 1 MINUTE, ts) AS t, source, arg_max(price, ts) AS price FROM prices
                   WHERE market = $1 AND kind = 'index' AND ts < $2::TIMESTAMP GROUP BY ALL)
       SELECT median(abs(r.price / i.price - 1)) AS basis, count(DISTINCT r.source)::DOUBLE AS venues
         FROM p r JOIN p i ON i.t = r.t AND i.source = 'synthetic-index' WHERE r.source <> 'synthetic-index'`,
        [market, end],
      )
      if (Number(basis!.venues) > 0) {
        expect(Number(basis!.basis)).toBeGreaterThan(0)
        expect(Number(basis!.basis)).toBeLessThan(0.005)
      }
    },
  )
})

describe('idempotence and removal', () => {
  test('same seed is skipped, force replaces without duplicates, another seed replaces the copy', async () => {
    await removeScenario(runtime, 'all')
    const first = await loadScenario(runtime, 'calm-trend', { seed: 11 })
    const after = await fingerprint(runtime.duck)
    const again = await loadScenario(runtime, 'calm-trend', { seed: 11 })
    expect(again.status).toBe('skipped')
    expect(await fingerprint(runtime.duck)).toEqual(after)
    const forced = await loadScenario(runtime, 'calm-trend', { seed: 11, force: true })
    expect(forced.status).toBe('loaded')
    const counts = async () =>
      rows(
        runtime.duck,
        `SELECT (SELECT count(*) FROM trades WHERE venue = 'synthetic')::DOUBLE AS trades,
                                 (SELECT count(*) FROM bars WHERE venue = 'synthetic')::DOUBLE AS bars,
                                 (SELECT count(*) FROM fills WHERE venue = 'synthetic')::DOUBLE AS fills`,
      )
    const [c1] = await counts()
    expect(c1!.trades).toBe(first.partitions.find((p) => p.table === 'trades')!.rows)
    const other = await loadScenario(runtime, 'calm-trend', { seed: 12 })
    expect(other.replacedSeeds).toEqual([11])
    const truths = await readScenarioTruth(runtime.duck, { scenario: 'calm-trend' })
    expect(truths.map((t) => t.seed)).toEqual([12])
    const periods = await rows(runtime.duck, `SELECT DISTINCT period FROM partitions WHERE source = 'scenario'`)
    expect(periods.map((p) => p.period)).toEqual(['calm-trend@12'])
  }, 120_000)

  test('load then remove leaves every table exactly as it was (other data untouched)', async () => {
    await removeScenario(runtime, 'all')
    await loadScenario(runtime, 'calm-trend', { seed: 5 })
    const before = await fingerprint(runtime.duck)
    await loadScenario(runtime, 'mango-self-trade-pump', { seed: 5 })
    expect(await fingerprint(runtime.duck)).not.toEqual(before)
    const removed = await removeScenario(runtime, 'mango-self-trade-pump')
    expect(removed.copies).toBe(1)
    expect(removed.partitions).toBeGreaterThan(5)
    expect(await fingerprint(runtime.duck)).toEqual(before)
    const all = await removeScenario(runtime, 'all')
    expect(all.copies).toBe(1)
    const [left] = await rows(runtime.duck, `SELECT count(*)::DOUBLE AS n FROM partitions WHERE source = 'scenario'`)
    expect(left!.n).toBe(0)
  }, 120_000)
})
