// Accounting lanes: sweep points that differ from one another only in what a liquidation pays and where it goes (fee
// rates, the fund's opening balance) run as lanes of one kernel. Each point must come out exactly as the same rule
// set run as a single backtest — output hash and figures — whether its lane followed the kernel to the end, or
// diverged (a loss reaching ADL, a clip charging another fee) and was replayed by a kernel of its own.
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { loadScenario, readScenarioTruth } from '../src/ingest/scenarios/index.ts'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { executeSweep } from '../src/replay/sweep/execute.ts'
import { microsOf } from '../src/replay/sweep/frontier.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const dir = tempDir()
const MARKET = 'CASCADE-BTC-PERP'
const population = { initialPositions: 600, entryLookbackHours: 0 }
let window: { from: Date; to: Date }

beforeAll(async () => {
  await loadScenario(runtime, 'cascade-crash', { seed: 1 })
  const [truth] = await readScenarioTruth(runtime.duck, { scenario: 'cascade-crash', seed: 1 })
  window = { from: truth!.attackFrom!, to: truth!.attackTo! }
}, 120_000)

/** A rule file from Binance's with the given changes. */
function baseFile(name: string, changes: Array<{ path: string; value: unknown }>): string {
  const file = path.join(dir, `${name}.json`)
  const base = deriveRuleSet(
    findPreset('binance-um').rules,
    [{ path: 'insuranceFund.takeoverNotionalCap', value: null }, ...changes],
    { name, derivedFrom: 'binance-um' },
  )
  fs.writeFileSync(file, base.body)
  return file
}

/** Runs the sweep, then every point as a single backtest: both must agree on every output and figure. */
async function sweepAgainstSingles(ruleSet: string, vary: string[]) {
  const request = {
    ruleSet,
    venue: 'synthetic',
    markets: [MARKET],
    windows: [window],
    positions: 'synthetic',
    population,
    vary,
  }
  const prepared = await prepareSweep(runtime, request, { allowFiles: true })
  const { document, timings } = await executeSweep(runtime, prepared)
  for (const point of prepared.points) {
    const file = path.join(dir, `point-${point.index}.json`)
    fs.writeFileSync(file, point.ruleSet!.body)
    const single = await prepareBacktest(
      runtime,
      { ruleSet: file, venue: 'synthetic', markets: [MARKET], ...window, positions: 'synthetic', population },
      { allowFiles: true },
    )
    const run = await executeBacktest(runtime, single, { runId: `lane-single-${point.index}` })
    const figures = document.points[point.index]!.windows[0]!
    const s = run.summary
    expect(figures.outputHash, `point ${point.index}`).toBe(s.outputHash)
    expect(figures.risk.badDebt).toBe(s.totalBadDebt)
    expect(figures.risk.fundLow).toBe(s.fund.low)
    expect(figures.risk.fundMaxDrawdownFraction).toBe(s.fund.maxDrawdownFraction)
    expect(figures.liquidations).toBe(s.liquidations)
  }
  return { document, timings }
}

describe('points differing in fees and fund size share one kernel', () => {
  test('with a fund-only waterfall every lane follows its kernel to the end, bad debt and all', async () => {
    const file = baseFile('fund-only', [
      { path: 'insuranceFund.initialBalance', value: '1000' },
      { path: 'waterfall', value: [{ kind: 'insuranceFund' }] },
    ])
    // the crash leaves ≈ 2,400 of shortfalls: a fund of 1,000 runs dry, one of 400,000 does not
    const { document, timings } = await sweepAgainstSingles(file, [
      `fees.marketRates.${MARKET}=0.001,0.012`,
      'insuranceFund.initialBalance=1000,400000',
    ])
    // the base (0.003, a fund of 1,000) and the four points: one kernel, four lanes
    expect(timings.lanes).toBe(4)
    expect(timings.divergedLanes).toBe(0)
    expect(timings.kernels).toBe(1)
    expect(timings.feedReads).toBe(1)
    // the points do differ: four hashes, fees rising with the rate, bad debt falling with the fund
    const w = document.points.map((p) => p.windows[0]!)
    expect(new Set(w.map((x) => x.outputHash)).size).toBe(4)
    expect(microsOf(w[2]!.cost.liquidationFees)).toBeGreaterThan(microsOf(w[0]!.cost.liquidationFees))
    expect(microsOf(w[0]!.risk.badDebt)).toBeGreaterThan(microsOf(w[1]!.risk.badDebt))
  }, 300_000)

  test('an uncapped fee makes shortfalls differ between lanes: each keeps its own deficits', async () => {
    const file = baseFile('uncapped', [
      { path: 'insuranceFund.initialBalance', value: '13000' },
      { path: 'fees.cap', value: 'none' },
      { path: 'waterfall', value: [{ kind: 'insuranceFund' }] },
    ])
    const { document, timings } = await sweepAgainstSingles(file, [`fees.marketRates.${MARKET}=0.002,0.02`])
    expect(timings.divergedLanes).toBe(0)
    const [low, high] = document.points.map((p) => p.windows[0]!)
    expect(microsOf(high!.risk.totalShortfall)).toBeGreaterThan(microsOf(low!.risk.totalShortfall))
  }, 300_000)

  test('a loss that reaches ADL ends the lanes: their points are replayed by kernels of their own', async () => {
    const file = baseFile('adl', [{ path: 'insuranceFund.initialBalance', value: '1000' }])
    const { timings } = await sweepAgainstSingles(file, ['insuranceFund.initialBalance=1000,1500'])
    expect(findPreset('binance-um').rules.waterfall.some((s) => s.kind === 'adl')).toBe(true)
    expect(timings.lanes).toBe(1)
    expect(timings.divergedLanes).toBe(1)
    expect(timings.kernels).toBe(2)
    expect(timings.feedReads).toBe(2)
  }, 300_000)

  test('a partial clip charging another fee ends the lane; one charging the same fee does not', async () => {
    const partial = { thresholdNotional: 0, fraction: 0.5, cooldownS: 0 }
    const file = baseFile('partial', [
      { path: 'execution.partial', value: partial },
      { path: 'waterfall', value: [{ kind: 'insuranceFund' }] },
    ])
    const fees = await sweepAgainstSingles(file, [`fees.marketRates.${MARKET}=0.001,0.01`])
    expect(fees.timings.divergedLanes).toBeGreaterThan(0)
    const funds = await sweepAgainstSingles(file, ['insuranceFund.initialBalance=1000,2000000'])
    expect(funds.timings.lanes).toBeGreaterThan(0)
    expect(funds.timings.divergedLanes).toBe(0)
  }, 300_000)
})
