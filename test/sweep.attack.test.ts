// Cost of attack per sweep point over a small hand-made store (one thin market: trades for 6 h before the attack
// time, 1 s bars for the hour after it): a point with higher maintenance rates costs more to break, a point's cost is
// that of the same rule set searched alone, the run counts the searches in its progress and can be cancelled during
// them, GraphQL serves each point's costs, the CLI option parses, and a bad pattern or time is refused at submission
// naming what is valid, with nothing recorded.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { printTable, sweepInput } from '../src/cli/commands/sweep.ts'
import { InvalidInputError } from '../src/errors.ts'
import { executeAttackCost } from '../src/replay/attack/execute.ts'
import { prepareAttackCost } from '../src/replay/attack/prepare.ts'
import { Prng } from '../src/replay/kernel/prng.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { executeSweep, type SweepDocument } from '../src/replay/sweep/execute.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { gqlClient } from './support/graphql.ts'
import { barsOf, insertBarRows, insertTrades, type TradeRow } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'
import fs from 'node:fs'
import path from 'node:path'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})
const SEC = 1_000_000
const HOUR = 3600 * SEC
const T0 = Date.UTC(2025, 2, 3) * 1000
const AT = T0 + 6 * HOUR
const VENUE = 'sweepattack'
const iso = (us: number) => new Date(us / 1000).toISOString()

beforeAll(async () => {
  const r = new Prng(7)
  const trades: TradeRow[] = []
  let p = 100
  for (let t = T0; t < AT; t += 30 * SEC) {
    const step = (r.next() - 0.5) * 0.004
    p *= Math.exp(step)
    trades.push({ tsUs: t, price: p, qty: 20, side: step > 0 ? 'buy' : 'sell' })
  }
  const closes: number[] = []
  for (let i = 0; i < 3600; i++) {
    p *= Math.exp((r.next() - 0.5) * 0.0004)
    closes.push(p)
  }
  await insertTrades(runtime.duck, VENUE, 'THIN-PERP', trades)
  await insertBarRows(runtime.duck, VENUE, 'THIN-PERP', 1, barsOf(AT, SEC, closes, 2_000))
}, 60_000)

/** The search's settings as the cost-of-attack tests use them: a handful of replays of the hour. */
const attack = { pattern: 'thin-market-push', at: iso(AT), window: '1h', lookback: '6h', precision: 0.05 }

const request = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'binance-um',
  venue: VENUE,
  markets: ['THIN-PERP'],
  windows: [{ from: iso(AT), to: iso(AT + HOUR) }],
  positions: 'synthetic',
  population: { initialPositions: 50, entryLookbackHours: 0 },
  vary: ['maintenanceScale=1,1.5'],
  attackCost: [{ ...attack, minCapital: 100_000 }],
  ...extra,
})

const amount = (text: string | null | undefined) => {
  expect(text).toBeTruthy()
  return Number(text)
}

let document: SweepDocument

describe('cost of attack per sweep point', () => {
  test('a point with higher maintenance rates costs more to attack; each cost is its rule set searched alone', async () => {
    const prepared = await prepareSweep(runtime, request(), { allowFiles: true })
    document = (await executeSweep(runtime, prepared)).document
    expect(document.sweep.attackCost).toEqual([
      {
        pattern: 'thin-market-push',
        market: 'THIN-PERP',
        at: iso(AT),
        window: `${iso(AT)}/${iso(AT + HOUR)}`,
        breaks: 'deficit',
      },
    ])
    const [low, high] = document.points
    expect(low!.values).toEqual([{ path: 'maintenanceScale', value: 1 }])
    expect(low!.attackCost).toHaveLength(1)
    expect(high!.attackCost).toHaveLength(1)
    expect(amount(high!.attackCost![0]!.costOfAttack)).toBeGreaterThan(amount(low!.attackCost![0]!.costOfAttack))
    expect(high!.attackCost![0]!.statement).toContain('sweep point 1')

    // the point at scale 1 is binance-um itself, the point at 1.5 a file of the same rules: searched alone, the same
    const alone = async (ruleSet: string) =>
      (
        await executeAttackCost(
          runtime,
          await prepareAttackCost(
            runtime,
            { ...attack, minCapital: 100_000, ruleSet, venue: VENUE, market: 'THIN-PERP' },
            { allowFiles: true },
          ),
        )
      ).document
    expect((await alone('binance-um')).costOfAttack).toBe(low!.attackCost![0]!.costOfAttack)
    const base = findPreset('binance-um').rules
    const scaled = deriveRuleSet(
      base,
      base.margin.default.brackets.map((b, i) => ({ path: `margin.default.brackets[${i}].mmr`, value: b.mmr * 1.5 })),
      { name: 'binance-um-mmr-x1.5', derivedFrom: 'binance-um' },
    )
    const file = path.join(tempDir(), 'mmr.json')
    fs.writeFileSync(file, scaled.body)
    const single = await alone(file)
    expect(single.costOfAttack).toBe(high!.attackCost![0]!.costOfAttack)
    expect(single.steps.length).toBe(high!.attackCost![0]!.steps)
  }, 120_000)

  test('a sweep without searches has no attackCost anywhere in its document', async () => {
    const prepared = await prepareSweep(runtime, request({ attackCost: undefined }), { allowFiles: true })
    const plain = (await executeSweep(runtime, prepared)).document
    expect(plain.sweep.attackCost).toBeUndefined()
    expect(plain.points.every((p) => !('attackCost' in p))).toBe(true)
    // the backtests are those of the sweep with searches
    expect(plain.points.map((p) => p.windows)).toEqual(document.points.map((p) => p.windows))
  }, 120_000)
})

describe('as a run through GraphQL', () => {
  const mutation = `mutation($input: SweepInput!) { runSweep(input: $input) { id kind status } }`
  test('progress counts the searches; sweep(id) serves each point’s cost of attack', async () => {
    const ok = await client.run(mutation, { input: request() })
    expect(ok.errors).toBeUndefined()
    const id = (ok.data!.runSweep as { id: string }).id
    const searches = new Set<number>()
    let searchesTotal = 0
    for await (const event of runs.watch(id))
      if (event.type === 'progress' && event.progress.counts.searchesTotal !== undefined) {
        searches.add(event.progress.counts.searches!)
        searchesTotal = event.progress.counts.searchesTotal
      }
    await runs.idle()
    expect(searchesTotal).toBe(2)
    expect([...searches].sort()).toEqual([0, 1, 2])
    const got = await client.run(`query($id: ID!) { sweep(id: $id) { points { nodes { index attackCost } } } }`, {
      id,
    })
    expect(got.errors).toBeUndefined()
    const nodes = (got.data!.sweep as { points: { nodes: Array<{ index: number; attackCost: unknown }> } }).points.nodes
    expect(nodes.map((n) => n.attackCost)).toEqual(document.points.map((p) => p.attackCost))

    // the cheapest break and the count of searches that broke each point, as columns a list filters on
    const low = document.points[0]!.attackCost![0]!.costOfAttack!
    const high = document.points[1]!.attackCost![0]!.costOfAttack!
    const page = async (filter: object) => {
      const r = await client.run(
        `query($id: ID!, $f: SweepPointFilter) { sweep(id: $id) {
           points(filter: $f) { totalCount nodes { index cheapestAttackCost attackSearchesBroken } } } }`,
        { id, f: filter },
      )
      expect(r.errors).toBeUndefined()
      return (r.data!.sweep as { points: { totalCount: number; nodes: Array<Record<string, unknown>> } }).points
    }
    const all = await page({})
    expect(all.nodes.map((n) => [Number(n.cheapestAttackCost), n.attackSearchesBroken])).toEqual([
      [Number(low), 1],
      [Number(high), 1],
    ])
    // only the point the attacker needs more than the cheaper point's capital to break
    const dearer = await page({ cheapestAttackCost: { gt: low } })
    expect(dearer.nodes.map((n) => n.index)).toEqual([1])
    expect((await page({ attackSearchesBroken: { equals: 0 } })).totalCount).toBe(0)
  }, 120_000)

  test('cancelled during the searches, the run keeps nothing', async () => {
    const submitted = await runs.submit('sweep', request(), { trigger: 'api' })
    let cancelled = false
    for await (const event of runs.watch(submitted.runId)) {
      if (!cancelled && event.type === 'progress' && event.progress.counts.searchesTotal !== undefined) {
        cancelled = true
        await runs.cancel(submitted.runId)
      }
    }
    expect(cancelled).toBe(true)
    expect((await submitted.done).status).toBe('cancelled')
    const rows = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM sweep_points WHERE run_id = $1', [submitted.runId])
      ).getRowObjectsJS(),
    )
    expect(rows[0]!.n).toBe(0)
  }, 120_000)
})

/** The problems of a refused submission; and no run was recorded for it. */
async function refused(extra: Record<string, unknown>) {
  const before = await runtime.meta.jobRun.count()
  const error = await runs.submit('sweep', request(extra), { trigger: 'api' }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect(await runtime.meta.jobRun.count()).toBe(before)
  return (error as InvalidInputError).problems
}

describe('bad searches are refused at submission', () => {
  test('an unknown pattern names the valid ones', async () => {
    const [p] = await refused({ attackCost: [{ pattern: 'flash-loan', at: iso(AT) }] })
    expect(p).toMatchObject({ path: 'attackCost[0].pattern', received: 'flash-loan' })
    expect(p!.expected).toContain('thin-market-push')
    expect(p!.expected).toContain('withdrawal-to-maintenance')
  })

  test('a time with no prices after it, and bad bounds, each under its search', async () => {
    const problems = await refused({
      attackCost: [attack, { ...attack, at: iso(AT + 2 * HOUR) }, { ...attack, minCapital: -1 }],
    })
    expect(problems.map((p) => p.path)).toEqual(['attackCost[1].at', 'attackCost[2].minCapital'])
  })
})

describe('backstop sweep --attack-cost', () => {
  const options = {
    rules: 'binance-um',
    venue: VENUE,
    markets: 'THIN-PERP',
    vary: ['maintenanceScale=1,1.5'],
    windows: `${iso(AT)}/${iso(AT + HOUR)}`,
    positions: 'synthetic',
  }
  test('PATTERN@TIME[@MARKET],… becomes the request’s searches', () => {
    const input = sweepInput({
      ...options,
      attackCost: `thin-market-push@${iso(AT)},withdrawal-to-maintenance@${iso(AT)}@ETH`,
    })
    expect(input.attackCost).toEqual([
      { pattern: 'thin-market-push', at: iso(AT) },
      { pattern: 'withdrawal-to-maintenance', at: iso(AT), market: 'ETH' },
    ])
  })
  test('the table shows each point’s cost of attack, or what none broke it up to', () => {
    const lines: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
    const holds = { ...document.points[1]!.attackCost![0]!, costOfAttack: null }
    try {
      printTable({ ...document, points: [document.points[0]!, { ...document.points[1]!, attackCost: [holds] }] })
    } finally {
      log.mockRestore()
    }
    expect(lines[1]).toContain('cost of attack')
    expect(lines[2]).toContain(`thin-market-push ${document.points[0]!.attackCost![0]!.costOfAttack}`)
    expect(lines[3]).toContain(`thin-market-push none up to ${holds.maxCapital}`)
  })
  test('a search without its time is refused naming the form', () => {
    let error: unknown = null
    try {
      sweepInput({ ...options, attackCost: 'thin-market-push' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).problems[0]).toMatchObject({
      path: '--attack-cost[0]',
      received: 'thin-market-push',
    })
  })
})
