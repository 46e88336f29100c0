// Stress realism [issue 16]: liquidations fill along the bar's path after the crossing, pay square-root impact that
// cascades share, move the mark in stress mode, and shocks scale returns and liquidity; the synthetic population
// respects the brackets and matches open interest; explicit positions the venue would refuse are refused; every run
// says how close it came to a deficit. Expected values come from the formulas in ARCHITECTURE ("Stress realism").
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { summarize } from '../src/replay/backtest/summary.ts'
import { searchShock } from '../src/replay/backtest/distanceToFailure.ts'
import { PosState } from '../src/replay/kernel/book.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import type { StressConfig } from '../src/replay/kernel/kernelState.ts'
import type { MarketState } from '../src/replay/kernel/markets.ts'
import { leverageAt, populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { compileTier } from '../src/replay/margin/brackets.ts'
import { positionRisk, tierFor } from '../src/replay/margin/positionRisk.ts'
import { initialRate } from '../src/replay/margin/requirement.ts'
import { bracketAt } from '../src/replay/margin/brackets.ts'
import { parseExplicitPositions } from '../src/replay/positions/explicit.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { barsBatch, flat, kernelWith, micros, rows, rulesFrom, T0 } from './support/replay.ts'

const NO_IMPACT = { 'execution.impact': null, 'execution.slippage': { model: 'none' } } as const

/** 10 BTC long at 60,000 on 12,000 of margin: LP = (12,000 + 1,300 − 600,000)/(0.1 − 10) [B1], bankruptcy 58,800. */
const WHALE = {
  accounts: [
    { id: 'whale', positions: [{ market: 'BTCUSDT', side: 'long' as const, qty: 10, entry: 60_000, margin: '12000' }] },
  ],
}
const LP = (12_000 + 1_300 - 600_000) / (10 * 0.01 - 10)
const BK = 58_800

describe('a liquidation fills along the bar path after the crossing', () => {
  // a bar that opens at 60,000 (its high), wicks to 58,000 and closes at 59,900: through bankruptcy and back
  const wick = barsBatch(0, [...flat(0, 60, 60_000), [60, 58_000, 60_000, 59_900, 1e6], ...flat(61, 5, 59_900)])

  test('a 1 s bar that goes through bankruptcy fills at its low: the shortfall is what the low left', () => {
    const k = kernelWith(rulesFrom('binance-um', NO_IMPACT), ['BTCUSDT'], WHALE)
    k.process(wick)
    const [liq] = rows(k.outputs.liquidations)
    expect(liq!.triggerMark).toBeCloseTo(LP, 6)
    expect(liq!.marketPrice).toBe(58_000)
    // the fund closed what it took over at 58,000, 800 below the bankruptcy price on 10 BTC
    expect(liq!.shortfall).toBe(micros(10 * (BK - 58_000)))
    expect(k.totals.bankruptcies).toBe(1)
  })

  test('filled at the trigger (the engine before issue 16), the same bar leaves no shortfall', () => {
    const k = kernelWith(
      rulesFrom('binance-um', { ...NO_IMPACT, 'execution.intrabar.path': 'trigger' }),
      ['BTCUSDT'],
      WHALE,
    )
    k.process(wick)
    const [liq] = rows(k.outputs.liquidations)
    expect(liq!.marketPrice).toBeCloseTo(LP, 6)
    expect(liq!.shortfall).toBe(0)
  })

  test('in a 60 s bar the engine acts reactionS into the path: 1 s misses the wick, 30 s reaches its low', () => {
    // path 60,000 → 58,000 → 59,900 is 3,900 long; the crossing is 60,000 − LP into it
    const crossing = 60_000 - LP
    const oneSecond = kernelWith(rulesFrom('binance-um', NO_IMPACT), ['BTCUSDT'], WHALE, { pathSpanS: [60] })
    oneSecond.process(wick)
    const [quick] = rows(oneSecond.outputs.liquidations)
    expect(quick!.marketPrice).toBeCloseTo(60_000 - crossing - 3_900 / 60, 6)
    expect(quick!.shortfall).toBe(0)
    const slow = kernelWith(
      rulesFrom('binance-um', { ...NO_IMPACT, 'execution.intrabar.reactionS': 30 }),
      ['BTCUSDT'],
      WHALE,
      {
        pathSpanS: [60],
      },
    )
    slow.process(wick)
    expect(rows(slow.outputs.liquidations)[0]!.marketPrice).toBe(58_000)
  })

  test('the fill is never better than the trigger and never outside the range the bar traded (property)', () => {
    const k = kernelWith(rulesFrom('binance-um', NO_IMPACT), ['X'], null, { pathSpanS: [60] })
    const s = k.markets[0]!
    const pathFill = (side: number, pt: number) =>
      (k as unknown as { pathFill(s: MarketState, side: number, pt: number): number }).pathFill(s, side, pt)
    fc.assert(
      fc.property(
        fc.double({ min: 50, max: 150, noNaN: true }),
        fc.double({ min: 50, max: 150, noNaN: true }),
        fc.double({ min: 50, max: 150, noNaN: true }),
        fc.double({ min: 50, max: 150, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 120, noNaN: true }),
        (prev, x, y, z, u, reaction) => {
          const low = Math.min(x, y, z)
          const high = Math.max(x, y, z)
          const close = [x, y, z].sort((a, b) => a - b)[1]!
          k.process(barsBatch(0, [[0, prev, prev, prev, 1e6]]))
          k.process(barsBatch(0, [[60, low, high, close, 1e6]]))
          ;(k.rules.execution.intrabar as { reactionS: number }).reactionS = reaction
          // a trigger the bar reached: low + u·(high − low) can round one ulp past the high (u = 1), where the path
          // never reaches it and the fill is the trigger itself — outside the premise, not a fill outside the range
          const pt = Math.min(low + u * (high - low), high)
          const long = pathFill(1, pt)
          const short = pathFill(-1, pt)
          expect(long).toBeLessThanOrEqual(pt)
          expect(long).toBeGreaterThanOrEqual(low)
          expect(short).toBeGreaterThanOrEqual(pt)
          expect(short).toBeLessThanOrEqual(high)
          if (reaction === 0) {
            // acting at once: the crossing point itself, or the first traded price after a gap
            const open = Math.min(Math.max(prev, low), high)
            expect(long).toBeCloseTo(Math.min(pt, open), 9)
            expect(short).toBeCloseTo(Math.max(pt, open), 9)
          }
        },
      ),
      // the counterexample a CI rehearsal drew (7 Dec 2026, seed 77215594) is always among the runs
      { numRuns: 300, examples: [[50, 50.00000000000011, 114.5950359862252, 50.00000000000011, 1, 0]] },
    )
    ;(k.rules.execution.intrabar as { reactionS: number }).reactionS = 1
  })
})

/** Bars with a constant 0.2% range around 100 (σ and V hold still), one market, `volume` quote per bar. */
function choppy(from: number, seconds: number, volume: number): Array<[number, number, number, number, number]> {
  return Array.from(
    { length: seconds },
    (_, i) => [from + i, 99.9, 100.1, 100, volume] as [number, number, number, number, number],
  )
}

const longs = (n: number, qty: number, margin: (i: number) => number) => ({
  accounts: Array.from({ length: n }, (_, i) => ({
    id: `L${String(i).padStart(2, '0')}`,
    positions: [{ market: 'X', side: 'long' as const, qty, entry: 100, margin: margin(i).toFixed(6) }],
  })),
})

describe('square-root impact: liquidations in one interval share the liquidity', () => {
  const rules = rulesFrom('binance-um', {
    'execution.intrabar.path': 'trigger',
    'insuranceFund.initialBalance': '1000000000',
  })
  // 10,000 X at 100 on 500 of margin each: LP = (500 + 0 − 1,000,000)/(10,000·0.005 − 10,000)·… (bracket at 1M: cum 16,300)
  const one = longs(1, 10_000, () => 50_000)
  const ten = longs(10, 10_000, () => 50_000)
  const crash = (k: ReplayKernel) => k.process(barsBatch(0, [...choppy(0, 120, 1e6), [120, 90, 100, 91, 1e6]]))

  test('ten liquidations in one bar pay more impact per unit than one, each more than the one before', () => {
    const single = kernelWith(rules, ['X'], one)
    crash(single)
    const cascade = kernelWith(rules, ['X'], ten)
    crash(cascade)
    const perUnit = (l: Record<string, number>) => l.slippage! / l.notional!
    const [alone] = rows(single.outputs.liquidations)
    const all = rows(cascade.outputs.liquidations)
    expect(all).toHaveLength(10)
    expect(perUnit(all[0]!)).toBeCloseTo(perUnit(alone!), 12)
    for (let i = 1; i < all.length; i++) expect(perUnit(all[i]!)).toBeGreaterThan(perUnit(all[i - 1]!))
    const mean = all.reduce((s, l) => s + perUnit(l), 0) / all.length
    expect(mean).toBeGreaterThan(2 * perUnit(alone!))
    // the first fill pays (2/3)·k·σ/√V·√q of its trigger price: σ², V as the market smoothed them
    const s = single.markets[0]!
    const q = alone!.notional! / 1e6
    const impact = (2 / 3) * 5 * Math.sqrt(s.variancePerS / s.volumePerS) * Math.sqrt(q)
    expect(alone!.marketPrice).toBeCloseTo(alone!.triggerMark! * (1 - impact), 6)
  })

  test('the book refills: the same ten liquidations ten minutes apart each pay what one pays alone', () => {
    // margins staggered so each long goes in its own step down, ten minutes after the previous
    const spread = longs(10, 10_000, (i) => 50_000 + i * 10_000)
    const k = kernelWith(rules, ['X'], spread)
    const bars: Array<[number, number, number, number, number]> = [...choppy(0, 120, 1e6)]
    let price = 100
    for (let i = 0; i < 10; i++) {
      const t = 120 + i * 600
      price -= 1
      for (let j = 0; j < 600; j++) bars.push([t + j, price - 0.1, price + 0.1, price, 1e6])
    }
    k.process(barsBatch(0, bars))
    const all = rows(k.outputs.liquidations)
    expect(all.length).toBeGreaterThan(3)
    const perUnit = all.map((l) => l.slippage! / l.notional!)
    // no fill pays for the others' flow: within 1% of one another (σ and V drift a little with the price)
    for (const x of perUnit) expect(x / perUnit[0]!).toBeCloseTo(1, 1)
  })
})

describe('feedback (stress mode): the liquidations move the mark', () => {
  // twenty longs whose liquidation prices step down by 0.1% from just under the wick's low
  const book = {
    accounts: Array.from({ length: 20 }, (_, i) => {
      const lp = 99.4 * (1 - 0.001 * i)
      // equity at LP = MMR·notional (0.5%, notional 200k: bracket 50k–250k, cum 50) → margin = q·(100 − LP) + MM
      const qty = 2_000
      const margin = qty * (100 - lp) + qty * lp * 0.005 - 50
      return {
        id: `L${String(i).padStart(2, '0')}`,
        positions: [{ market: 'X', side: 'long' as const, qty, entry: 100, margin: margin.toFixed(6) }],
      }
    }),
  }
  const rules = rulesFrom('binance-um', { 'insuranceFund.initialBalance': '1000000000' })
  const path = barsBatch(0, [...choppy(0, 120, 1e5), [120, 99.39, 100, 99.6, 1e5], ...choppy(121, 600, 1e5)])
  const run = (stress: StressConfig) => {
    const k = kernelWith(rules, ['X'], book, { stress })
    k.process(path)
    return k
  }

  test('a borderline wick takes one long in a fidelity replay and a cascade with feedback', () => {
    const fidelity = run({ feedback: false, shockReturns: 1, shockLiquidity: 1 })
    expect(fidelity.totals.liquidations).toBe(1)
    const stressed = run({ feedback: true, shockReturns: 1, shockLiquidity: 1 })
    expect(stressed.totals.liquidations).toBeGreaterThanOrEqual(10)
    // the displacement decays away (half-life 300 s over the 600 s that follow) and is dropped once negligible
    expect(stressed.markets[0]!.displacement).toBeLessThan(0)
    const label = summarize(stressed, T0, [], 'hash', []).stress
    expect(label).toMatchObject({ mode: 'stress', feedback: true, label: 'stress: feedback on' })
    expect(summarize(fidelity, T0, [], 'hash', []).stress.label).toBe('fidelity replay')
  })

  test('the displacement decays to exactly zero, and quiet runs take over again', () => {
    const k = run({ feedback: true, shockReturns: 1, shockLiquidity: 1 })
    k.process(barsBatch(0, choppy(721, 20_000, 1e5)))
    expect(k.markets[0]!.displacement).toBe(0)
    expect(k.markets[0]!.mark).toBe(100)
  })
})

describe('shocks', () => {
  test('returns are scaled around the first price: p → p₀·(p/p₀)^k', () => {
    const k = kernelWith(rulesFrom('binance-um'), ['X'], null, {
      stress: { feedback: false, shockReturns: 2, shockLiquidity: 1 },
    })
    const input = barsBatch(0, [...flat(0, 3, 100), [3, 80, 110, 90, 1e6]])
    const before = Float64Array.from(input.c)
    k.process(input)
    const s = k.markets[0]!
    expect(s.mark).toBeCloseTo(100 * 0.9 ** 2, 9)
    expect(s.markLow).toBeCloseTo(100 * 0.8 ** 2, 9)
    expect(s.markHigh).toBeCloseTo(100 * 1.1 ** 2, 9)
    // the caller's batch is untouched (it may feed other kernels)
    expect(Array.from(input.c)).toEqual(Array.from(before))
  })

  /** Random isolated positions at 100 and a random path; the total shortfall under each shock. */
  const positions = fc.array(
    fc.record({
      side: fc.constantFrom('long' as const, 'short' as const),
      leverage: fc.double({ min: 2, max: 60, noNaN: true }),
      notional: fc.double({ min: 1_000, max: 2_000_000, noNaN: true }),
    }),
    { minLength: 1, maxLength: 20 },
  )
  const doc = (ps: Array<{ side: 'long' | 'short'; leverage: number; notional: number }>) => ({
    accounts: ps.map((p, i) => ({
      id: `p${i}`,
      positions: [
        { market: 'X', side: p.side, qty: p.notional / 100, entry: 100, margin: (p.notional / p.leverage).toFixed(6) },
      ],
    })),
  })
  const bar = fc.record({
    a: fc.double({ min: 0.6, max: 1.4, noNaN: true }),
    b: fc.double({ min: 0.6, max: 1.4, noNaN: true }),
    c: fc.double({ min: 0.6, max: 1.4, noNaN: true }),
    volume: fc.double({ min: 1e4, max: 1e7, noNaN: true }),
  })
  // the fund only (no ADL or social loss, so no liquidation changes another position) and ample
  const rules = rulesFrom('binance-um', {
    waterfall: [{ kind: 'insuranceFund' }],
    'insuranceFund.initialBalance': '1000000000',
    'insuranceFund.takeoverNotionalCap': null,
  })
  const shortfall = (
    ps: Parameters<typeof doc>[0],
    bars: Array<[number, number, number, number, number]>,
    stress: StressConfig,
  ) => {
    const k = kernelWith(rules, ['X'], doc(ps), { stress, pathSpanS: [60] })
    k.process(barsBatch(0, bars))
    return k.totals.shortfall.value
  }
  const toBars = (path: Array<{ a: number; b: number; c: number; volume: number }>) => {
    let t = 60
    const bars: Array<[number, number, number, number, number]> = flat(0, 60, 100)
    for (const x of path) {
      const [low, mid, high] = [x.a, x.b, x.c].map((v) => v * 100).sort((p, q) => p - q)
      bars.push([(t += 60), low!, high!, mid!, x.volume])
    }
    return bars
  }

  test('thinner liquidity never gives less shortfall (property: any path, independent positions)', () => {
    fc.assert(
      fc.property(positions, fc.array(bar, { minLength: 1, maxLength: 12 }), (ps, path) => {
        const bars = toBars(path)
        let prev = -1n
        for (const f of [1, 0.5, 0.2, 0.05, 0.01]) {
          const s = shortfall(ps, bars, { feedback: false, shockReturns: 1, shockLiquidity: f })
          expect(s).toBeGreaterThanOrEqual(prev)
          prev = s
        }
      }),
      { numRuns: 60 },
    )
  })

  test('a sharper move never gives less shortfall when the adverse move is one bar (property)', () => {
    fc.assert(
      fc.property(positions, bar, (ps, crash) => {
        const bars = [...toBars([crash]), ...flat(180, 60, 100 * [crash.a, crash.b, crash.c].sort()[1]!)]
        let prev = -1n
        for (const k of [1, 1.3, 2, 3]) {
          const s = shortfall(ps, bars, { feedback: false, shockReturns: k, shockLiquidity: 1 })
          expect(s).toBeGreaterThanOrEqual(prev)
          prev = s
        }
      }),
      {
        numRuns: 60,
        // at ×3 the extremes were equally far from the open in price (not in log) terms and the path took the low
        // first, filling better than at ×2: the path order is now decided in log terms, which a shock cannot flip
        examples: [
          [
            [{ side: 'long', leverage: 2, notional: 1000 }],
            { a: 0.6, b: 1.1682514881173411, c: 1.2128254040884003, volume: 29485.205218127525 },
          ],
        ],
      },
    )
  })

  test('over several bars a sharper move can take a position earlier, before the gap that bankrupted it', () => {
    // a 10x long: a gentle −5% bar, then a gap to −30%. At ×1 the gap takes it far past bankruptcy; at ×2 the
    // first bar (−9.75%) already crosses its liquidation price and it leaves before the gap
    const ps = [{ side: 'long' as const, leverage: 10, notional: 100_000 }]
    const bars: Array<[number, number, number, number, number]> = [
      ...flat(0, 60, 100),
      [120, 95, 100, 95, 1e6],
      [180, 70, 70, 70, 1e6],
    ]
    const noImpact = { feedback: false, shockReturns: 1, shockLiquidity: 1e6 }
    const at1 = shortfall(ps, bars, noImpact)
    const at2 = shortfall(ps, bars, { ...noImpact, shockReturns: 2 })
    expect(at1).toBeGreaterThan(0n)
    expect(at2).toBe(0n)
  })

  test('the search brackets the first deficit with at most 8 re-runs (liquidity shrinking, returns growing)', async () => {
    // a deficit appears once the factor passes 3.3
    const evaluate = async (f: number) => ({ deficit: f >= 3.3, shortfall: f >= 3.3 ? '1' : '0' })
    const found = await searchShock([1.25, 1.6, 2.5, 4, 8], evaluate)
    expect(found.runs.length).toBeLessThanOrEqual(8)
    expect(found.deficitAt).toBeGreaterThanOrEqual(3.3)
    expect(found.noDeficitUpTo).toBeLessThan(3.3)
    expect(found.deficitAt! / found.noDeficitUpTo).toBeLessThan(1.1)
    const thin = await searchShock([0.5, 0.25, 0.1], async (f) => ({ deficit: f <= 0.2, shortfall: '0' }))
    expect(thin.deficitAt).toBeLessThanOrEqual(0.2)
    expect(thin.noDeficitUpTo).toBeGreaterThan(0.2)
    const never = await searchShock([1.25, 1.6], async () => ({ deficit: false, shortfall: '0' }))
    expect(never).toMatchObject({ deficitAt: null, noDeficitUpTo: 1.6 })
  })
})

describe('realistic books', () => {
  test('synthetic positions stay within their bracket (maximum leverage and initial margin) at every size', () => {
    const rules = rulesFrom('binance-um')
    const population = populationRuntime(
      populationSchema.parse({
        initialPositions: 20_000,
        notionalMedian: 200_000,
        notionalSigma: 2.5,
        leverageMax: 125,
      }),
      [1e6],
    )
    const k = kernelWith(rules, ['BTCUSDT'], null, { population })
    k.process(barsBatch(0, flat(0, 30, 60_000)))
    const tier = compileTier(tierFor(rules, 'BTCUSDT'))
    const b = k.book
    let checked = 0
    let large = 0
    for (let p = 0; p < b.extent; p++) {
      if (b.state[p] !== PosState.OPEN) continue
      const notional = b.qty[p]! * b.entry[p]!
      const bracket = bracketAt(tier, notional)
      const leverage = notional / (b.margin[p]! / 1e6)
      expect(leverage).toBeLessThanOrEqual(tier.maxLeverage[bracket]! * (1 + 1e-6))
      expect(1 / leverage).toBeGreaterThanOrEqual(initialRate(tier, bracket, b.qty[p]!) * (1 - 1e-6))
      if (bracket >= 4) large++
      checked++
    }
    expect(checked).toBeGreaterThan(15_000)
    // sizes reach the brackets where 125x is not allowed
    expect(large).toBeGreaterThan(1_000)
  })

  test("the population's open interest matches the one given (or stored), and the leverage follows the quantiles", () => {
    const population = populationRuntime(populationSchema.parse({ openInterestNotional: 50_000_000 }), [1e6])
    const k = kernelWith(rulesFrom('bitmex'), ['XBTUSDT'], null, { population })
    k.process(barsBatch(0, flat(0, 60, 50_000)))
    const s = k.markets[0]!
    expect((Math.max(s.longQty, s.shortQty) * 50_000) / 50_000_000).toBeCloseTo(1, 1)
    expect(k.warningList().some((w) => /matched to the open interest/.test(w))).toBe(true)
    // 36% of draws at or below 3x, 84% at or below 7x (HYPERLIQUID_2025_LEVERAGE)
    expect(leverageAt(population, 0.36)).toBeCloseTo(3, 9)
    expect(leverageAt(population, 0.84)).toBeCloseTo(7, 9)
    const b = k.book
    let low = 0
    let n = 0
    for (let p = 0; p < b.extent; p++) {
      if (b.state[p] !== PosState.OPEN) continue
      n++
      if ((b.qty[p]! * b.entry[p]!) / (b.margin[p]! / 1e6) <= 3 + 1e-9) low++
    }
    expect(low / n).toBeCloseTo(0.36, 1)
  })

  test('an explicit position the venue would refuse is refused with the calculator’s warning', () => {
    const rules = findPreset('binance-um').rules
    const whale = { market: 'BTCUSDT', side: 'long' as const, qty: 3_000, entry: 100_000, leverage: 20 }
    const risk = positionRisk(rules, { ...whale, mode: 'isolated' })
    expect(risk.warnings).toContain('leverage 20x exceeds the maximum 1.00x for this size')
    expect(() => parseExplicitPositions({ accounts: [{ id: 'w', positions: [whale] }] }, ['BTCUSDT'], rules)).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({
            path: 'positions.accounts[0].positions[0].leverage',
            received: 20,
            expected: expect.stringContaining('leverage 20x exceeds the maximum 1.00x for this size'),
          }),
        ],
      }),
    )
    // the same size at 1x opens; a cross wallet below the positions' initial margin is refused
    expect(() =>
      parseExplicitPositions({ accounts: [{ id: 'w', positions: [{ ...whale, leverage: 1 }] }] }, ['BTCUSDT'], rules),
    ).not.toThrow()
    expect(() =>
      parseExplicitPositions(
        { accounts: [{ id: 'c', mode: 'cross', wallet: '1000', positions: [{ ...whale, leverage: undefined }] }] },
        ['BTCUSDT'],
        rules,
      ),
    ).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ path: 'positions.accounts[0].wallet' })] }),
    )
  })

  test('one without an entry opens at the first mark and the run says the venue would refuse it', () => {
    const k = kernelWith(rulesFrom('binance-um'), ['BTCUSDT'], {
      accounts: [{ id: 'w', positions: [{ market: 'BTCUSDT', side: 'long', qty: 3_000, leverage: 20 }] }],
    })
    k.process(barsBatch(0, flat(0, 2, 100_000)))
    expect(k.warningList()).toContain(
      'w BTCUSDT opened at the first mark 100000: leverage 20x exceeds the maximum 1.00x for this size (the venue would refuse it)',
    )
  })
})

describe('distance to failure', () => {
  test('the summary names the fills nearest their bankruptcy price and what ate their buffer', () => {
    const k = kernelWith(rulesFrom('binance-um', NO_IMPACT), ['BTCUSDT'], WHALE, { pathSpanS: [60] })
    k.process(barsBatch(0, [...flat(0, 60, 60_000), [60, 58_000, 60_000, 59_900, 1e6], ...flat(61, 5, 59_900)]))
    const d = summarize(k, T0, [], 'hash', []).distanceToFailure
    expect(d.nearest).toHaveLength(1)
    const [near] = d.nearest
    expect(near!.buffer).toBeCloseTo((LP - BK) / BK, 12)
    expect(near!.pathOvershoot).toBeCloseTo(3_900 / 60 / BK, 9)
    expect(near!.impact).toBe(0)
    expect(near!.margin).toBeCloseTo(near!.buffer - near!.pathOvershoot, 12)
    expect(d.closestMargin).toBe(near!.margin)
    expect(d.text).toMatch(/^No deficit\. Closest: whale \(BTCUSDT long\)/)
    expect(d.text).toMatch(/not searched/)
  })
})
