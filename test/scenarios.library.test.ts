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
