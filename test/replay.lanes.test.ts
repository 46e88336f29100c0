// Accounting lanes in the kernel (kernel/accountingLanes.ts): for every preset, a synthetic population with named
// cross and isolated accounts through a crash, a squeeze and heavy funding, replayed once with lanes whose fees, fee
// split and fund sizes differ from the kernel's own. Each lane that followed the kernel to the end must have exactly
// the outputs (hash of every column) and summary of the same rule set replayed by a kernel of its own; a lane that
// diverged says why. Across the presets both happen, so neither half of the check is empty.
import { describe, expect, test } from 'vitest'
import { OutputHash } from '../src/replay/backtest/outputHash.ts'
import { outputColumns } from '../src/replay/backtest/outputs.ts'
import { summarize } from '../src/replay/backtest/summary.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { allocBatch, EventKind, pushEvent, type EventBatch } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import type { RuleSet } from '../src/replay/rules/schema.ts'
import { hashLaneOutputs, laneSummary } from '../src/replay/sweep/laneOutputs.ts'
import { laneKey } from '../src/replay/sweep/laneSharing.ts'
import { kernelWith, namedAccounts, PRESET_MARKET, rulesFrom, SEC, T0 } from './support/replay.ts'

/** 1 s bars of a seeded walk with a −18 % crash and a +14 % squeeze, funding every 10 minutes up to ±0.5 %. */
function path(seconds: number, seed: number): EventBatch {
  const batch = allocBatch(seconds + seconds / 600 + 8)
  let x = seed >>> 0
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) / 2 ** 24
  }
  let price = 100
  for (let i = 0; i < seconds; i++) {
    const t = T0 + i * SEC
    const shock = i === Math.floor(seconds * 0.35) ? -0.18 : i === Math.floor(seconds * 0.75) ? 0.14 : 0
    const close = price * (1 + (rnd() - 0.5) * 0.004 + shock)
    const low = Math.min(price, close) * (1 - rnd() * 0.002)
    const high = Math.max(price, close) * (1 + rnd() * 0.002)
    pushEvent(batch, t, EventKind.BAR, 0, low, high, close, 2e5 + rnd() * 8e5)
    if (i > 0 && i % 600 === 0) pushEvent(batch, t, EventKind.FUNDING, 0, (rnd() - 0.5) * 0.01, Number.NaN, 8)
    price = close
  }
  return batch
}

const population = () =>
  populationRuntime(
    populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.5, leverageMax: 60, notionalMedian: 2_000 }),
    [5e5],
  )

function kernel(rules: RuleSet, market: string, lanes: RuleSet[] = []): ReplayKernel {
  return kernelWith(rules, [market], namedAccounts(market), { seed: 7, population: population(), lanes })
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
      const ownHash = new OutputHash()
      outputColumns(own, ownHash)
      const laneHash = new OutputHash()
      hashLaneOutputs(shared, lane, laneHash)
      const sharedHash = new OutputHash()
      outputColumns(shared, sharedHash)
      const names = own.accounts.names
      const expected = summarize(own, T0, [], ownHash.digest(names), [])
      const got = laneSummary(shared, lane, spec(lanes[i]!), laneHash.digest(names, sharedHash))
      expect(got).toEqual(expected)
    })
    if (process.env.LANE_DEBUG)
      console.log(
        preset,
        shared.lanes!.lanes.map((l) => l.diverged),
      )
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
    const ownHash = new OutputHash()
    outputColumns(own, ownHash)
    const laneHash = new OutputHash()
    hashLaneOutputs(shared, lane, laneHash)
    const sharedHash = new OutputHash()
    outputColumns(shared, sharedHash)
    expect(laneHash.digest([], sharedHash)).toBe(ownHash.digest([]))
  })

  test('the presets exercise both halves: lanes that follow their kernel and lanes that diverge', () => {
    expect(seen.followed).toBeGreaterThan(4)
    expect(seen.diverged).toBeGreaterThan(2)
  })
})
