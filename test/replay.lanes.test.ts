// Accounting lanes in the kernel (kernel/accountingLanes.ts): for every preset, a synthetic population with named
// cross and isolated accounts through a crash, a squeeze and heavy funding, replayed once with lanes whose fees, fee
// split and fund sizes differ from the kernel's own. Each lane that followed the kernel to the end must have exactly
// the outputs (hash of every column) and summary of the same rule set replayed by a kernel of its own; a lane that
// diverged says why. Across the presets both happen, so neither half of the check is empty.
import { describe, expect, test } from 'vitest'
import { OutputHash } from '../src/replay/backtest/outputHash.ts'
import { outputColumns } from '../src/replay/backtest/outputs.ts'
import { summarize } from '../src/replay/backtest/summary.ts'
import type { AccountingLane } from '../src/replay/kernel/accountingLanes.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import type { EventBatch } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import type { RuleSet } from '../src/replay/rules/schema.ts'
import { hashLaneOutputs, laneSummary } from '../src/replay/sweep/laneOutputs.ts'
import { laneKey } from '../src/replay/sweep/laneSharing.ts'
import { crashAndSqueeze, kernelWith, namedAccounts, PRESET_MARKET, rulesFrom, T0 } from './support/replay.ts'

const path = (seconds: number, seed: number): EventBatch =>
  crashAndSqueeze(seconds, seed, { at: 0.35, move: -0.18 }, { at: 0.75, move: 0.14 })

const population = () =>
  populationRuntime(
    populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.5, leverageMax: 60, notionalMedian: 2_000 }),
    [5e5],
  )

function kernel(rules: RuleSet, market: string, lanes: RuleSet[] = []): ReplayKernel {
  return kernelWith(rules, [market], namedAccounts(market), { seed: 7, population: population(), lanes })
}

/** A lane's output hash as its own run's would be, and that of its rule set replayed by a kernel of its own. */
function outputHashes(shared: ReplayKernel, lane: AccountingLane, own: ReplayKernel): { lane: string; own: string } {
  const names = own.accounts.names
  const ownHash = new OutputHash()
  outputColumns(own, ownHash)
  const sharedHash = new OutputHash()
  outputColumns(shared, sharedHash)
  const laneHash = new OutputHash()
  hashLaneOutputs(shared, lane, laneHash)
  return { lane: laneHash.digest(names, sharedHash), own: ownHash.digest(names) }
}

const presets = ['binance-um', 'bybit', 'okx', 'bitmex', 'dydx-v4', 'hyperliquid', 'drift', 'gmx-v2']
const seen = { followed: 0, diverged: 0 }

describe('accounting lanes', () => {
  test.each(presets)('%s: a lane that follows its kernel has the outputs and summary of its own kernel', (preset) => {
    const market = PRESET_MARKET[preset]!
    // the kernel's fund covers every shortfall; lanes charge other fees, split them otherwise, or hold a fund so
    // small that their shortfalls reach the later waterfall steps (they diverge there, the kernel does not)
    const fund = { 'insuranceFund.initialBalance': '2000000' }
    const base = rulesFrom(preset, fund)
    const rate = base.fees.marketRates[market] ?? base.fees.liquidationFeeRate
    const variants = [
      rulesFrom(preset, { ...fund, [`fees.marketRates.${market}`]: rate * 3 + 0.001 }),
      rulesFrom(preset, { ...fund, 'fees.insuranceShare': 0.4, 'fees.otherRecipient': 'feePool', 'fees.cap': 'none' }),
      rulesFrom(preset, { 'insuranceFund.initialBalance': '1500' }),
      rulesFrom(preset, { 'insuranceFund.initialBalance': '40000' }),
    ]
    const spec = (rules: RuleSet) => ({
      config: { rules, markets: [market], seed: 7 },
      flushRows: 1,
      explicit: null,
      fromUs: T0,
      plan: [],
      warnings: [],
    })
    const key = (rules: RuleSet) => laneKey(spec(rules), false, '')
    if (key(base) === null) return // a fund with a per-block loss cap: never shared
    // where the trigger counts the fee (or a clip is sized by it) the fee lane is a kernel of its own
    const lanes = variants.filter((l) => key(l) === key(base))
    expect(lanes.length).toBeGreaterThanOrEqual(2)
    const data = path(5400, 13)
    const shared = kernel(base, market, lanes)
    const alone = lanes.map((l) => kernel(l, market))
    shared.process(data)
    for (const k of alone) k.process(data)
    shared.settleOpenFunding()
    expect(shared.totals.liquidations).toBeGreaterThan(0)
    shared.lanes!.lanes.forEach((lane, i) => {
      if (lane.diverged !== null) {
        seen.diverged++
        expect(lane.diverged).toMatch(/^(a|the) /)
        return
      }
      seen.followed++
      const own = alone[i]!
      own.settleOpenFunding()
      const hash = outputHashes(shared, lane, own)
      expect(laneSummary(shared, lane, spec(lanes[i]!), hash.lane)).toEqual(summarize(own, T0, [], hash.own, []))
    })
  })

  test('positions held by a circuit breaker with negative equity: every lane records the same deficit rows', () => {
    const market = PRESET_MARKET['binance-um']!
    // a 5 % move in a minute halts liquidations for ten: the crash's crossed positions wait, some below zero
    const breaker = { 'guardrails.circuitBreaker': { maxMove: 0.05, windowS: 60, haltS: 600 } }
    const base = rulesFrom('binance-um', { ...breaker, 'insuranceFund.initialBalance': '2000000' })
    const lanes = [rulesFrom('binance-um', { ...breaker, 'insuranceFund.initialBalance': '3000000' })]
    const shared = kernel(base, market, lanes)
    const own = kernel(lanes[0]!, market)
    const data = path(5400, 13)
    shared.process(data)
    own.process(data)
    shared.settleOpenFunding()
    own.settleOpenFunding()
    expect(shared.totals.negativeEquityRecords).toBeGreaterThan(0)
    const lane = shared.lanes!.lanes[0]!
    expect(lane.diverged).toBeNull()
    const hash = outputHashes(shared, lane, own)
    expect(hash.lane).toBe(hash.own)
  })

  test('the presets exercise both halves: lanes that follow their kernel and lanes that diverge', () => {
    expect(seen.followed).toBeGreaterThan(4)
    expect(seen.diverged).toBeGreaterThan(2)
  })
})
