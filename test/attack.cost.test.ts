// Cost of attack over a small hand-made store: two markets with the same price path, one traded 100× thinner than
// the other (lower measured liquidity), replayed after the attack time through the real kernel. A thinner market
// costs less to break; a higher maintenance rate costs more; the same seed gives the same bytes; bad input is
// refused with what was received and what is valid, and nothing is recorded.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { InvalidInputError } from '../src/errors.ts'
import { executeAttackCost, type AttackCostDocument } from '../src/replay/attack/execute.ts'
import { prepareAttackCost } from '../src/replay/attack/prepare.ts'
import { Prng } from '../src/replay/kernel/prng.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { readAttackCostDocument } from '../src/store/results/attackCostResults.ts'
import { gqlClient } from './support/graphql.ts'
import { barsOf, insertBarRows, insertPriceRows, insertTrades, type TradeRow } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})
const dir = tempDir()
const SEC = 1_000_000
const HOUR = 3600 * SEC
const T0 = Date.UTC(2025, 2, 3) * 1000
const AT = T0 + 6 * HOUR
const VENUE = 'testvenue'

/** One price path for both markets: trades every 30 s for 6 h before the attack, then 1 s bars for 1 h. */
function pricePath() {
  const r = new Prng(7)
  const trades: Array<{ tsUs: number; price: number; up: boolean }> = []
  let p = 100
  for (let t = T0; t < AT; t += 30 * SEC) {
    const step = (r.next() - 0.5) * 0.004
    p *= Math.exp(step)
    trades.push({ tsUs: t, price: p, up: step > 0 })
  }
  const closes: number[] = []
  for (let i = 0; i < 3600; i++) {
    p *= Math.exp((r.next() - 0.5) * 0.0004)
    closes.push(p)
  }
  return { trades, closes }
}

beforeAll(async () => {
  const { trades, closes } = pricePath()
  for (const [market, qty, barQuote] of [
    ['THIN-PERP', 20, 2_000],
    ['DEEP-PERP', 200, 20_000],
    // trades only before the attack time: it has no prices to replay after it
    ['NOPRICE-PERP', 20, 0],
    // an oracle-priced market (its oracle follows the path) and the oracle's two reference venues, as thin
    ['ORACLE-PERP', 200, 20_000],
    ['ORACLE-PERP@ref-a', 20, 0],
    ['ORACLE-PERP@ref-b', 20, 0],
  ] as const) {
    const rows: TradeRow[] = trades.map((t) => ({ tsUs: t.tsUs, price: t.price, qty, side: t.up ? 'buy' : 'sell' }))
    await insertTrades(runtime.duck, VENUE, market, rows)
    if (barQuote > 0) await insertBarRows(runtime.duck, VENUE, market, 1, barsOf(AT, SEC, closes, barQuote))
  }
  const oracle = closes.map((price, i) => ({ tsUs: AT + i * SEC, price }))
  await insertPriceRows(runtime.duck, VENUE, 'ORACLE-PERP', 'oracle', 'test-oracle', oracle)
}, 60_000)

const request = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'binance-um',
  pattern: 'thin-market-push',
  venue: VENUE,
  market: 'THIN-PERP',
  at: new Date(AT / 1000).toISOString(),
  window: '1h',
  lookback: '6h',
  precision: 0.05,
  // the doubling starts near the costs of this store, so each search is a handful of replays
  minCapital: 100_000,
  ...extra,
})

const cost = async (extra: Record<string, unknown> = {}): Promise<AttackCostDocument> => {
  const prepared = await prepareAttackCost(runtime, request(extra), { allowFiles: true })
  return (await executeAttackCost(runtime, prepared)).document
}

/** A rule set derived from a preset, written as a file (the in-process path reads files). */
function file(name: string, preset: string, overrides: Array<{ path: string; value: unknown }>): string {
  const derived = deriveRuleSet(findPreset(preset).rules, overrides, { name, derivedFrom: preset })
  const where = path.join(dir, `${name}.json`)
  fs.writeFileSync(where, derived.body)
  return where
}

/** A number from an exact decimal text (the tests compare costs, not their last micro-unit). */
const amount = (text: string | null) => {
  expect(text).not.toBeNull()
  return Number(text)
}

describe('cost of attack', () => {
  let thin: AttackCostDocument
  test('a thinner market (lower measured liquidity) costs less to attack than a deeper one', async () => {
    thin = await cost()
    const deep = await cost({ market: 'DEEP-PERP' })
    // the thin market trades a tenth of the deep one's volume on the same returns
    expect(thin.liquidity.amihud).toBeGreaterThan(5 * deep.liquidity.amihud)
    expect(amount(thin.costOfAttack)).toBeLessThan(amount(deep.costOfAttack))
    for (const d of [thin, deep]) {
      // the search brackets the cost: the last step below it did not break the rule set, the cost did
      const broke = d.steps.filter((s) => s.broke).map((s) => Number(s.capital))
      const held = d.steps.filter((s) => !s.broke).map((s) => Number(s.capital))
      expect(Math.min(...broke)).toBe(amount(d.costOfAttack))
      expect(Math.max(...held)).toBeLessThan(amount(d.costOfAttack))
      expect(Math.max(...held)).toBeGreaterThanOrEqual(amount(d.costOfAttack) * (1 - 0.05) - 1e-6)
      expect(d.atMinimum).toBe(false)
      const at = d.steps.find((s) => s.capital === d.costOfAttack)!
      expect(Number(at.deficit)).toBeGreaterThan(0)
      expect(at.victimLiquidated).toBe(true)
      expect(d.profitAtCost).toBe(at.profit)
    }
  }, 120_000)

  test('raising the maintenance rate raises the cost', async () => {
    const base = findPreset('binance-um').rules
    const scaled = deriveRuleSet(
      base,
      base.margin.default.brackets.map((b, i) => ({ path: `margin.default.brackets[${i}].mmr`, value: b.mmr * 1.5 })),
      { name: 'binance-um-mmr-x1.5', derivedFrom: 'binance-um' },
    )
    const file = path.join(dir, 'mmr.json')
    fs.writeFileSync(file, scaled.body)
    const higher = await cost({ ruleSet: file })
    expect(amount(higher.costOfAttack)).toBeGreaterThan(amount(thin.costOfAttack))
  }, 120_000)

  test('the same seed gives the same bytes', async () => {
    const again = await cost()
    expect(JSON.stringify(again)).toBe(JSON.stringify(thin))
  }, 120_000)

  test('withdrawal to maintenance: the victim keeps only maintenance margin and its liquidation leaves a deficit', async () => {
    const w = await cost({ pattern: 'withdrawal-to-maintenance' })
    expect(w.plan!.withdrawn).toBeGreaterThan(0)
    expect(w.plan!.legs[0]).toMatchObject({ role: 'victim', side: 'long' })
    expect(w.plan!.legs[0]!.margin).toBeLessThan(w.plan!.legs[0]!.marginPosted)
    const at = w.steps.find((s) => s.capital === w.costOfAttack)!
    expect(at.victimLiquidated).toBe(true)
    expect(Number(at.deficit)).toBeGreaterThan(0)
  }, 120_000)

  test('oracle reference push: priced on the reference venues, it breaks an oracle-priced rule set', async () => {
    const d = await cost({ pattern: 'oracle-reference-push', market: 'ORACLE-PERP', ruleSet: 'drift' })
    expect(d.plan!.push.target).toBe('references')
    expect(d.liquidity.references!.map((r) => r.market)).toEqual(['ORACLE-PERP@ref-a', 'ORACLE-PERP@ref-b'])
    // two equal references: the capital moves each by half of what it would move one
    expect(d.liquidity.amihud).toBeCloseTo(d.liquidity.references![0]!.amihud / 2, 12)
    const at = d.steps.find((s) => s.capital === d.costOfAttack)!
    expect(at.victimLiquidated).toBe(true)
    expect(Number(at.deficit)).toBeGreaterThan(0)
    // the market's own trade bars are not pushed: a rule set marking on them sees no attack up to the same capital
    const own = await cost({
      pattern: 'oracle-reference-push',
      market: 'ORACLE-PERP',
      ruleSet: file('drift-last', 'drift', [{ path: 'price.mark', value: { method: 'last' } }]),
      maxCapital: Number(d.costOfAttack),
    })
    expect(own.costOfAttack).toBeNull()
  }, 120_000)

  test('as a run: recorded with progress per step, its document stored and served once it succeeded', async () => {
    const submitted = await runs.submit('attackCost', request(), { trigger: 'api' })
    const steps = new Set<number>()
    for await (const event of runs.watch(submitted.runId))
      if (event.type === 'progress' && event.progress.counts.step) steps.add(event.progress.counts.step)
    const result = await submitted.done
    expect(result.status).toBe('succeeded')
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })
    expect([stored.kind, stored.job]).toEqual(['attackCost', 'attackCost'])
    const document = JSON.parse((await readAttackCostDocument(runtime, submitted.runId))!) as AttackCostDocument
    expect(steps.size).toBe(document.steps.length)
    expect(document.costOfAttack).not.toBeNull()
  }, 120_000)
  test('cancelled during a step, the run keeps nothing', async () => {
    const submitted = await runs.submit('attackCost', request({ minCapital: 1000 }), { trigger: 'api' })
    let cancelled = false
    for await (const event of runs.watch(submitted.runId)) {
      if (!cancelled && event.type === 'progress' && (event.progress.counts.step ?? 0) >= 2) {
        cancelled = true
        await runs.cancel(submitted.runId)
      }
    }
    expect((await submitted.done).status).toBe('cancelled')
    const rows = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM attack_cost_results WHERE run_id = $1', [
          submitted.runId,
        ])
      ).getRowObjectsJS(),
    )
    expect(rows[0]!.n).toBe(0)
    await expect(readAttackCostDocument(runtime, submitted.runId)).rejects.toThrow(/cancelled/)
  }, 120_000)
})

describe('runAttackCost and attackCost(runId)', () => {
  const mutation = `mutation($input: AttackCostInput!) { runAttackCost(input: $input) { id kind status } }`
  test('bad input is BAD_USER_INPUT naming the value and starts nothing', async () => {
    const before = await runtime.meta.jobRun.count()
    const bad = await client.run(mutation, { input: request({ minCapital: -1 }) })
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(JSON.stringify(bad.errors?.[0]?.extensions)).toContain('minCapital')
    expect(await runtime.meta.jobRun.count()).toBe(before)
  })

  test('a run returned at once, then its cost, profit, steps and document', async () => {
    const ok = await client.run(mutation, { input: request() })
    expect(ok.errors).toBeUndefined()
    const run = ok.data!.runAttackCost as { id: string; kind: string }
    expect(run.kind).toBe('attackCost')
    await runs.idle()
    const got = await client.run(
      `query($id: ID!) { attackCost(runId: $id) { id run { status } pattern market costOfAttack profitAtCost statement steps liquidity document } }`,
      { id: run.id },
    )
    expect(got.errors).toBeUndefined()
    const a = got.data!.attackCost as {
      run: { status: string }
      costOfAttack: string
      profitAtCost: string
      steps: unknown[]
      document: AttackCostDocument
    }
    expect(a.run.status).toBe('succeeded')
    expect(a.costOfAttack).toBe(a.document.costOfAttack)
    expect(a.profitAtCost).toBe(a.document.profitAtCost)
    expect(a.steps).toEqual(a.document.steps)
    const unknown = await client.run(`query { attackCost(runId: "nope") { id } }`)
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  }, 120_000)
})

/** The problems of a refused submission; and no run was recorded for it. */
async function refused(extra: Record<string, unknown>) {
  const before = await runtime.meta.jobRun.count()
  const error = await runs.submit('attackCost', request(extra), { trigger: 'api' }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect(await runtime.meta.jobRun.count()).toBe(before)
  return (error as InvalidInputError).problems
}

describe('bad input is refused before any run exists', () => {
  test('a reference push on a market without reference venues', async () => {
    const [p] = await refused({ pattern: 'oracle-reference-push', market: 'DEEP-PERP' })
    expect(p!.path).toBe('market')
    expect(String(p!.received)).toContain('DEEP-PERP@SOURCE')
  })

  test('an unknown pattern names the valid ones', async () => {
    const [p] = await refused({ pattern: 'flash-loan' })
    expect(p).toMatchObject({ path: 'pattern', received: 'flash-loan' })
    expect(p!.expected).toContain('thin-market-push')
    expect(p!.expected).toContain('withdrawal-to-maintenance')
  })

  test('a market with no trades before the time has no liquidity estimate', async () => {
    const [p] = await refused({ market: 'NOTRADES-PERP' })
    expect(p!.path).toBe('market')
    expect(String(p!.received)).toContain('NOTRADES-PERP')
    expect(p!.expected).toContain('trades')
    // the same market before its first trades
    const [q] = await refused({ at: new Date(T0 / 1000).toISOString() })
    expect(q!.path).toBe('market')
  })

  test('a time after the stored prices', async () => {
    const [p] = await refused({ market: 'NOPRICE-PERP' })
    expect(p).toMatchObject({ path: 'at', received: new Date(AT / 1000).toISOString() })
    expect(p!.expected).toContain('NOPRICE-PERP')
  })

  test('negative or zero bounds, and a maximum below the minimum', async () => {
    const problems = await refused({ minCapital: 0, maxCapital: -5, precision: 0 })
    expect(problems.map((p) => [p.path, p.received])).toEqual([
      ['minCapital', 0],
      ['maxCapital', -5],
      ['precision', 0],
    ])
    const [p] = await refused({ minCapital: 5000, maxCapital: 4000 })
    expect(p).toMatchObject({ path: 'maxCapital', received: 4000 })
    expect(p!.expected).toContain('5000')
    const [w] = await refused({ window: '10m' })
    expect(w).toMatchObject({ path: 'window', received: '10m' })
  })
})
