// Sweeps on a scenario window (cascade-crash, seed 1, the BTC perp through its crash) where the base rule set —
// Binance's, with a small insurance fund as the only waterfall step — leaves bad debt: scaling the maintenance
// rates finds points without any, the frontier is monotone, the recommendation is the cheapest of those points, a
// re-run gives the same bytes, and a point's outputs hash like the same rule set run as a single backtest.
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { loadScenario, readScenarioTruth } from '../src/ingest/scenarios/index.ts'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { executeSweep, type SweepDocument } from '../src/replay/sweep/execute.ts'
import { compareCost, microsOf } from '../src/replay/sweep/frontier.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const dir = tempDir()
const baseFile = path.join(dir, 'small-fund.json')
let window: { from: Date; to: Date }

beforeAll(async () => {
  await loadScenario(runtime, 'cascade-crash', { seed: 1 })
  const [truth] = await readScenarioTruth(runtime.duck, { scenario: 'cascade-crash', seed: 1 })
  window = { from: truth!.attackFrom!, to: truth!.attackTo! }
  const base = deriveRuleSet(
    findPreset('binance-um').rules,
    [
      { path: 'insuranceFund.initialBalance', value: '13000' },
      { path: 'insuranceFund.takeoverNotionalCap', value: null },
      { path: 'waterfall', value: [{ kind: 'insuranceFund' }] },
    ],
    { name: 'binance-um-small-fund', derivedFrom: 'binance-um' },
  )
  fs.writeFileSync(baseFile, base.body)
}, 120_000)

const request = (extra: Record<string, unknown> = {}) => ({
  ruleSet: baseFile,
  venue: 'synthetic',
  markets: ['CASCADE-BTC-PERP'],
  windows: [window],
  positions: 'synthetic',
  // every position opened at the window's first mark (no lookback): a book built right at the crash's edge, the
  // stress case where the base rule set's small fund runs out
  population: { initialPositions: 2000, entryLookbackHours: 0 },
  vary: ['maintenanceScale=1,1.5,1.95'],
  ...extra,
})

const sweep = async (extra?: Record<string, unknown>) => {
  const prepared = await prepareSweep(runtime, request(extra), { allowFiles: true })
  return { prepared, ...(await executeSweep(runtime, prepared)) }
}

describe('a maintenance-rate sweep over a crash window', () => {
  let first: SweepDocument
  test('the base has bad debt; some points have none; the frontier is monotone; the recommendation is the cheapest of them', async () => {
    const { document, timings } = await sweep()
    first = document
    expect(timings.feedReads).toBe(1)
    // the scale-1 point behaves like the base: they share one kernel
    expect(timings.kernels).toBe(3)
    // the kernels' own time comes back from their threads (the bench's per-kernel figure)
    expect(timings.kernelMs).toBeGreaterThan(0)
    expect(timings.kernelMs).toBeLessThan(timings.totalMs * 3)
    // and where each thread's time went (CPU on Linux: /proc/thread-self), one entry per thread of the window's feed
    expect(timings.threads.length).toBeGreaterThan(0)
    for (const t of timings.threads) {
      if (process.platform === 'linux') expect(t.cpuMs).toBeGreaterThan(0)
      expect(t.bootMs).toBeGreaterThan(0)
      expect(t.busyMs).toBeGreaterThan(0)
      expect(t.idleMs).toBeGreaterThanOrEqual(0)
      expect(t.bootMs + t.busyMs + t.idleMs).toBeLessThanOrEqual(timings.totalMs)
    }
    expect(timings.main.figuresMs).toBeGreaterThan(0)
    expect(timings.main.readMs + timings.main.heldMs + timings.main.figuresMs).toBeLessThanOrEqual(timings.totalMs)
    expect(microsOf(document.base[0]!.risk.badDebt)).toBeGreaterThan(0n)
    const points = document.points
    expect(points.map((p) => p.status)).toEqual(['evaluated', 'evaluated', 'evaluated'])
    // the scale-1 point is the base rule set itself
    expect(points[0]!.windows[0]!.outputHash).toBe(document.base[0]!.outputHash)
    const clean = points.filter((p) => p.totals!.badDebt === '0')
    expect(clean.length).toBeGreaterThan(0)
    expect(clean.length).toBeLessThan(points.length)
    // raising maintenance liquidates earlier: more positions are closed before the base closes them
    const shares = points.map((p) => Number(p.totals!.refusedOrLiquidatedEarlierShare))
    expect(shares[0]).toBe(0)
    expect(shares[2]).toBeGreaterThan(shares[0]!)
    // along the frontier cost rises and bad debt strictly falls
    const frontier = document.frontier.map((i) => points[i]!)
    expect(frontier.length).toBeGreaterThan(1)
    for (let i = 1; i < frontier.length; i++) {
      expect(microsOf(frontier[i]!.totals!.badDebt)).toBeLessThan(microsOf(frontier[i - 1]!.totals!.badDebt))
      expect(Number(frontier[i]!.totals!.refusedOrLiquidatedEarlierShare)).toBeGreaterThanOrEqual(
        Number(frontier[i - 1]!.totals!.refusedOrLiquidatedEarlierShare),
      )
    }
    // the recommendation: of the points without bad debt, the one liquidating fewest positions early
    const cheapest = [...clean].sort(
      (a, b) => Number(a.totals!.refusedOrLiquidatedEarlierShare) - Number(b.totals!.refusedOrLiquidatedEarlierShare),
    )[0]!
    expect(document.recommendation.point).toBe(cheapest.index)
    expect(document.recommendation.set.length).toBeGreaterThan(0)
    expect(
      document.recommendation.set.every((s) => /^margin\.(default|markets\.\w+)\.brackets\[\d+\]\.mmr=/.test(s)),
    ).toBe(true)
    expect(document.recommendation.command).toContain('backstop rules derive --from ')
  }, 180_000)

  test('a budget no point meets is stated, not met by the least bad point', async () => {
    const { document } = await sweep({ vary: ['maintenanceScale=1'] })
    expect(document.recommendation.point).toBeNull()
    expect(document.recommendation.statement).toMatch(/^no point keeps bad debt within 0 in every window/)
    expect(document.recommendation.set).toEqual([])
    expect(document.frontier).toEqual([0])
  }, 180_000)

  test('re-running the sweep gives byte-identical JSON', async () => {
    const { document } = await sweep()
    expect(JSON.stringify(document)).toBe(JSON.stringify(first))
  }, 180_000)

  test("a point's outputs hash like the same rule set run as a single backtest", async () => {
    const { prepared } = await sweep({ vary: ['maintenanceScale=1.5'] })
    const point = prepared.points[0]!
    const file = path.join(dir, 'point.json')
    fs.writeFileSync(file, point.ruleSet!.body)
    const single = await prepareBacktest(
      runtime,
      {
        ruleSet: file,
        venue: 'synthetic',
        markets: ['CASCADE-BTC-PERP'],
        from: window.from,
        to: window.to,
        positions: 'synthetic',
        population: { initialPositions: 2000, entryLookbackHours: 0 },
      },
      { allowFiles: true },
    )
    const run = await executeBacktest(runtime, single, { runId: 'sweep-single' })
    expect(first.points[1]!.windows[0]!.outputHash).toBe(run.summary.outputHash)
    expect(first.points[1]!.windows[0]!.risk.badDebt).toBe(run.summary.totalBadDebt)
    expect(first.points[1]!.windows[0]!.liquidations).toBe(run.summary.liquidations)
    // the fund's drawdown as a fraction of its peak, as the backtest's summary has it (the small fund is drawn on)
    expect(run.summary.fund.maxDrawdownFraction).toBeGreaterThan(0)
    expect(first.points[1]!.windows[0]!.risk.fundMaxDrawdownFraction).toBe(run.summary.fund.maxDrawdownFraction)
    // and a different point does not
    expect(first.points[2]!.windows[0]!.outputHash).not.toBe(run.summary.outputHash)
  }, 180_000)
})

describe('points that behave alike', () => {
  test("a default liquidation fee the market's own rate shadows changes nothing: those points share one kernel", async () => {
    const { document, timings } = await sweep({
      population: { initialPositions: 500, entryLookbackHours: 0 },
      vary: ['fees.marketRates={},{"CASCADE-BTC-PERP":0.003}', 'fees.liquidationFeeRate=0,0.0001'],
    })
    const hashes = document.points.map((p) => p.windows[0]!.outputHash)
    // without a rate of its own the market pays the default: each default is its own kernel, with its own outputs
    expect(new Set([document.base[0]!.outputHash, hashes[0], hashes[1]]).size).toBe(3)
    // with one, the default is never read: both points run on one kernel, which is neither of the others
    expect(hashes[3]).toBe(hashes[2])
    expect(hashes[2]).not.toBe(hashes[0])
    expect(hashes[2]).not.toBe(hashes[1])
    // four distinct rule sets, differing only in fees: one kernel, the other three its accounting lanes
    expect(timings.kernels).toBe(1)
    expect(timings.lanes).toBe(3)
    expect(timings.divergedLanes).toBe(0)
  }, 180_000)
})

describe('cost order', () => {
  test('initial margin per notional first, then the refused / earlier share, then fees', () => {
    const p = (m: bigint, n: bigint, earlier: number, fee: bigint) => ({
      marginMicros: m,
      notionalMicros: n,
      earlier,
      population: 100,
      feeMicros: fee,
    })
    expect(compareCost(p(1n, 10n, 50, 9n), p(2n, 10n, 0, 0n))).toBeLessThan(0)
    expect(compareCost(p(1n, 10n, 5, 9n), p(2n, 20n, 6, 0n))).toBeLessThan(0)
    expect(compareCost(p(1n, 10n, 5, 9n), p(2n, 20n, 5, 10n))).toBeLessThan(0)
    expect(compareCost(p(1n, 10n, 5, 9n), p(2n, 20n, 5, 9n))).toBe(0)
  })
})
