// Inverse (coin-margined) contracts through the replay engine: the calculator's inverse conformance vectors
// (venue-rules §1.9 V3, Y2, and vectors derived for bitmex-2020-03) replayed as one position driven by a price path
// to liquidation, with the engine's liquidation and bankruptcy prices, fee, notional and equity (coin PnL) equal to
// the calculator's; funding, the insurance fund and ADL in coin; and the bad input the engine refuses.
import { describe, expect, test } from 'vitest'
import { InvalidInputError } from '../src/errors.ts'
import { allocBatch, EventKind, pushEvent, type EventBatch } from '../src/replay/kernel/events.ts'
import { positionRisk, type RiskPosition } from '../src/replay/margin/positionRisk.ts'
import { parseMicros, toMicros } from '../src/replay/money.ts'
import { contractOf, replayContractProblems } from '../src/replay/rules/contract.ts'
import type { RuleSet } from '../src/replay/rules/schema.ts'
import { PosState, Waiting } from '../src/replay/kernel/book.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { reciprocalPopulation } from '../src/replay/kernel/inverse.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { isLiquidatable, requirementAt } from '../src/replay/margin/requirement.ts'
import { AT_TRIGGER, barsBatch, kernelWith, rows, rulesFrom, SEC, T0 } from './support/replay.ts'

type Bar = [number, number, number, number, number]

/** One-second bars from `from` moving by `step` (relative) each second, each bar spanning its move (no gaps). */
function path(from: number, step: number, seconds: number): Bar[] {
  const bars: Bar[] = []
  let p = from
  for (let i = 0; i < seconds; i++) {
    const next = p * (1 + step)
    bars.push([i, Math.min(p, next), Math.max(p, next), next, 1e6])
    p = next
  }
  return bars
}

/** Replays `position` under `rules` down (long) or up (short) until it is liquidated; the first liquidation row. */
function liquidateThroughEngine(rules: RuleSet, position: RiskPosition & { wallet?: number }) {
  const cross = position.mode === 'cross'
  const explicit = {
    accounts: [
      {
        id: 'trader',
        mode: position.mode ?? 'isolated',
        wallet: cross ? String(position.wallet) : '0',
        positions: [
          {
            market: position.market,
            side: position.side,
            qty: position.qty,
            entry: position.entry,
            ...(cross ? {} : position.wallet !== undefined ? { margin: String(position.wallet) } : {}),
            ...(cross || position.wallet !== undefined ? {} : { leverage: position.leverage }),
          },
        ],
      },
    ],
  }
  const k = kernelWith(rules, [position.market], explicit)
  k.process(barsBatch(0, path(position.entry, position.side === 'long' ? -0.0005 : 0.0005, 2_000)))
  k.presentOutputs()
  const liquidations = rows(k.outputs.liquidations)
  expect(liquidations.length).toBeGreaterThan(0)
  return { kernel: k, row: liquidations[0]! }
}

function derived(preset: string, overrides: Record<string, unknown>): RuleSet {
  return rulesFrom(preset, { ...AT_TRIGGER, ...overrides })
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe('the calculator inverse vectors replayed through the engine', () => {
  const vectors: Array<{ name: string; rules: RuleSet; position: RiskPosition; bankruptcy?: number }> = [
    {
      name: 'V3 Bybit inverse: long 5,000 contracts @7,890.08 at 50x → bankruptcy 7,735.37 [Y4]',
      rules: derived('bybit', { 'contract.type': 'inverse' }),
      position: { market: 'BTCUSD', side: 'long', qty: 5_000, entry: 7_890.08, leverage: 50 },
      bankruptcy: 7_735.37,
    },
    {
      name: 'bitmex-2020-03: long 10,000 XBTUSD @8,000 at 25x (mark-based maintenance 0.5%)',
      rules: derived('bitmex-2020-03', {}),
      position: { market: 'XBTUSD', side: 'long', qty: 10_000, entry: 8_000, leverage: 25 },
    },
    {
      name: 'bitmex-2020-03: short 20,000 XBTUSD @5,000 on 0.2 XBT of margin',
      rules: derived('bitmex-2020-03', {}),
      position: { market: 'XBTUSD', side: 'short', qty: 20_000, entry: 5_000, wallet: 0.2 },
    },
    {
      name: 'bitmex-2020-03 with 100 USD contracts: long 300 @9,000 at 50x',
      rules: derived('bitmex-2020-03', { 'contract.contractValue': 100 }),
      position: { market: 'XBTUSD', side: 'long', qty: 300, entry: 9_000, leverage: 50 },
    },
  ]

  test.each(vectors)('$name', ({ rules, position: given, bankruptcy }) => {
    // the engine posts leverage's margin rounded once to micro-units of the coin: the calculator gets that margin
    const contractValue = contractOf(rules, given.market).contractValue
    const position =
      given.leverage === undefined
        ? given
        : { ...given, wallet: toMicros((given.qty * contractValue) / given.entry / given.leverage) / 1e6 }
    const calc = positionRisk(rules, position)
    const { row } = liquidateThroughEngine(rules, position)
    const lp = calc.liquidationPrice!
    expect(row.side).toBe(position.side === 'long' ? 1 : -1)
    expect(relative(row.liquidationPrice, lp)).toBeLessThan(1e-12)
    expect(relative(row.bankruptcyPrice, calc.bankruptcyPrice!)).toBeLessThan(1e-12)
    if (bankruptcy !== undefined) expect(Number(row.bankruptcyPrice.toFixed(2))).toBe(bankruptcy)
    // filled at the trigger (AT_TRIGGER): the liquidation price itself
    expect(relative(row.triggerMark, lp)).toBeLessThan(1e-12)
    // quantity in quote (contracts × contract value); amounts in coin micro-units
    const q = position.qty * contractValue
    expect(row.qty).toBe(q)
    expect(row.notional).toBe(toMicros(q / lp))
    expect(row.fee).toBe(parseMicros(calc.liquidationFeeAtLiquidation!))
    // coin PnL: the equity left at the trigger is the calculator's equity at a mark of the liquidation price
    const atLp = positionRisk(rules, { ...position, mark: lp })
    expect(Math.abs(row.equity - parseMicros(atLp.equity))).toBeLessThanOrEqual(1)
    // and it sits on the maintenance requirement there (mark- or entry-based, in coin)
    expect(Math.abs(row.equity - parseMicros(atLp.liquidationRequirement))).toBeLessThanOrEqual(1)
    // value conserved: equity = slippage + fee + surplus + returned − shortfall
    expect(row.slippage + row.fee + row.surplus + row.returned - row.shortfall).toBe(row.equity)
  })

  test('Y2 Bybit inverse cross with the fee in the trigger: the engine reserves the fee at the mark, within 0.0005% of the calculator', () => {
    // The calculator reserves f·Q/BP (the closing fee at the bankruptcy price [Y2]); the engine holds the position
    // linear in 1/P, where the fee term of the requirement is f·Q/P. The two liquidation prices differ by about
    // f·(1 − BP/LP) of a contract's value: 0.075% × 0.4% here. The engine's bankruptcy price is where equity is
    // zero (no fee reserved, as for its linear positions): Q / (C + Q/E).
    const rules = derived('bybit', { 'contract.type': 'inverse', 'trigger.includeLiquidationFee': true })
    const position: RiskPosition = {
      market: 'BTCUSD',
      side: 'long',
      qty: 10_000,
      entry: 8_000,
      wallet: 0.5,
      mode: 'cross',
    }
    const calc = positionRisk(rules, position)
    expect(Number(calc.bankruptcyPrice!.toFixed(2))).toBe(5_718.57)
    const { row } = liquidateThroughEngine(rules, position)
    expect(relative(row.bankruptcyPrice, 10_000 / (0.5 + 10_000 / 8_000))).toBeLessThan(1e-12)
    // the engine's root, entry-based with the fee at the mark: Q·(1 + f) / (C + (1 − mmr)·Q/E) …
    const f = rules.fees.liquidationFeeRate
    expect(relative(row.liquidationPrice, (10_000 * (1 + f)) / (0.5 + ((1 - 0.005) * 10_000) / 8_000))).toBeLessThan(
      1e-12,
    )
    // … 0.0003% from the calculator's (and the venue's 5,739.12 before rounding to the tick)
    expect(relative(row.liquidationPrice, calc.liquidationPrice!)).toBeLessThan(5e-6)
    expect(relative(row.liquidationPrice, calc.liquidationPrice!)).toBeGreaterThan(1e-7)
    expect(relative(row.liquidationPrice, 5_739.12)).toBeLessThan(1e-5)
  })
})

describe('coin-margined money through the kernel', () => {
  const rules = derived('bitmex-2020-03', {})

  test.each([
    ['long', 1],
    ['short', -1],
  ] as const)('a %s pays contracts × value / mark × rate in XBT when funding falls due', (side, sign) => {
    const k = kernelWith(rules, ['XBTUSD'], {
      accounts: [{ id: 'a', positions: [{ market: 'XBTUSD', side, qty: 10_000, entry: 8_000, leverage: 10 }] }],
    })
    // flat bars at 0..5 s, then a funding event at 5 s (after the bar of 5 s in the merge order)
    const batch = allocBatch(8)
    for (const [sec, low, high, close, vol] of path(8_000, 0, 6))
      pushEvent(batch, T0 + sec * SEC, EventKind.BAR, 0, low, high, close, vol)
    pushEvent(batch, T0 + 5 * SEC, EventKind.FUNDING, 0, 0.0001, Number.NaN, 8)
    k.process(batch)
    // longs pay a positive rate, shorts receive it: 10,000 / 8,000 × 0.01% = 0.000125 XBT
    expect(k.totals.fundingPaidByPositions.value).toBe(BigInt(sign * toMicros((10_000 / 8_000) * 0.0001)))
  })

  test('a gap through bankruptcy: the fund pays the shortfall in XBT; with no fund, the most profitable short is deleveraged at the bankruptcy price', () => {
    const explicit = {
      accounts: [
        {
          id: 'long',
          positions: [{ market: 'XBTUSD', side: 'long' as const, qty: 10_000, entry: 8_000, leverage: 25 }],
        },
        {
          id: 'short',
          positions: [{ market: 'XBTUSD', side: 'short' as const, qty: 30_000, entry: 8_200, leverage: 2 }],
        },
      ],
    }
    // flat at 8,000, then a gap to 7,000: the long's bankruptcy price is 10,000 / 1.3 = 7,692.31
    const gap: Bar[] = [
      ...path(8_000, 0, 5),
      [5, 7_000, 7_000, 7_000, 1e6],
      ...path(7_000, 0, 5).map((b) => [b[0] + 6, 7_000, 7_000, 7_000, 1e6] as Bar),
    ]
    const bankruptcy = 10_000 / (0.05 + 10_000 / 8_000)

    const funded = kernelWith(derived('bitmex-2020-03', {}), ['XBTUSD'], explicit)
    funded.process(barsBatch(0, gap))
    funded.presentOutputs()
    const [liq] = rows(funded.outputs.liquidations)
    const [deficit] = rows(funded.outputs.deficits)
    expect(liq!.side).toBe(1)
    expect(relative(liq!.marketPrice, 7_000)).toBeLessThan(1e-12)
    expect(relative(liq!.bankruptcyPrice, bankruptcy)).toBeLessThan(1e-12)
    // the fund took 10,000 contracts over at the bankruptcy price and closed them at 7,000: its loss in XBT
    const loss = toMicros(10_000 * (1 / 7_000 - 1 / bankruptcy))
    expect(liq!.shortfall).toBe(loss)
    expect(deficit!.fund).toBe(loss)
    expect(funded.funds.balance[0]).toBe(parseMicros('36493') - loss)

    const unfunded = kernelWith(
      derived('bitmex-2020-03', { 'insuranceFund.initialBalance': '0' }),
      ['XBTUSD'],
      explicit,
    )
    unfunded.process(barsBatch(0, gap))
    unfunded.presentOutputs()
    const [adl] = rows(unfunded.outputs.adl)
    expect(adl).toBeDefined()
    // the counterparty is the short, closed at the long's bankruptcy price, its gain counted in XBT
    expect(adl!.side).toBe(-1)
    expect(relative(adl!.fillPrice, bankruptcy)).toBeLessThan(1e-12)
    expect(Math.abs(adl!.realizedPnl - toMicros(adl!.qty * (1 / bankruptcy - 1 / 8_200)))).toBeLessThanOrEqual(1)
    const [d] = rows(unfunded.outputs.deficits)
    expect(d!.adl).toBe(loss)
  })

  test('socialised loss is charged in XBT over the open contracts', () => {
    const explicit = {
      accounts: [
        {
          id: 'long',
          positions: [{ market: 'XBTUSD', side: 'long' as const, qty: 10_000, entry: 8_000, leverage: 25 }],
        },
        {
          id: 'short',
          positions: [{ market: 'XBTUSD', side: 'short' as const, qty: 30_000, entry: 8_200, margin: '2' }],
        },
      ],
    }
    const gap: Bar[] = [...path(8_000, 0, 5), [5, 7_000, 7_000, 7_000, 1e6], [6, 7_000, 7_000, 7_000, 1e6]]
    const rules = derived('bitmex-2020-03', {
      'insuranceFund.initialBalance': '0',
      waterfall: [{ kind: 'insuranceFund' }, { kind: 'socializeLoss' }],
    })
    const k = kernelWith(rules, ['XBTUSD'], explicit)
    const shortMargin = () => k.book.margin[1]!
    const before = shortMargin()
    k.process(barsBatch(0, gap))
    const loss = toMicros(10_000 * (1 / 7_000 - 1 / (10_000 / (0.05 + 10_000 / 8_000))))
    const [social] = rows(k.outputs.social)
    expect(social).toMatchObject({ amount: loss, totalBase: 30_000, positions: 1 })
    expect(social!.perBase).toBeCloseTo(loss / 1e6 / 30_000, 15)
    // the short's margin (coin) paid all of it
    expect(before - shortMargin()).toBe(loss)
  })
})

describe('the fast paths hold for inverse markets (a population in coin, funding both ways, a crash and a squeeze)', () => {
  /** `seconds` of XBTUSD 1 s bars around 8,000 (seeded walk, −12% crash, +10% squeeze), funding every 10 minutes. */
  function xbt(seconds: number, seed: number): EventBatch {
    const batch = allocBatch(seconds + seconds / 600 + 8)
    let x = seed >>> 0
    const rnd = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return (x >>> 8) / 2 ** 24
    }
    let price = 8_000
    for (let i = 0; i < seconds; i++) {
      const t = T0 + i * SEC
      const shock = i === Math.floor(seconds * 0.4) ? -0.12 : i === Math.floor(seconds * 0.7) ? 0.1 : 0
      const close = price * (1 + (rnd() - 0.5) * 0.004 + shock)
      const low = Math.min(price, close) * (1 - rnd() * 0.002)
      const high = Math.max(price, close) * (1 + rnd() * 0.002)
      pushEvent(batch, t, EventKind.BAR, 0, low, high, close, 2e7 + rnd() * 8e7)
      if (i > 0 && i % 600 === 0) pushEvent(batch, t, EventKind.FUNDING, 0, (rnd() - 0.5) * 0.01, Number.NaN, 8)
      price = close
    }
    return batch
  }
  const kernel = (seed: number, quietRuns: boolean): ReplayKernel => {
    const population = populationRuntime(
      populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.5, leverageMax: 50, notionalMedian: 0.25 }),
      [6e7],
    )
    const accounts = [
      { id: 'a0', positions: [{ market: 'XBTUSD', side: 'long' as const, qty: 20_000, entry: 8_000, margin: '0.3' }] },
      { id: 'a1', positions: [{ market: 'XBTUSD', side: 'short' as const, qty: 30_000, entry: 8_000, margin: '0.4' }] },
    ]
    const rules = rulesFrom('bitmex-2020-03', { 'insuranceFund.initialBalance': '3' })
    return kernelWith(rules, ['XBTUSD'], { accounts }, { seed, population, quietRuns })
  }
  const outputsOf = (k: ReplayKernel) => {
    k.presentOutputs()
    const o = k.outputs
    return [o.liquidations, o.deficits, o.fund, o.adl, o.social].map((b) => rows(b as never))
  }

  test('runs of quiet bars give the outputs of event-by-event processing', () => {
    const data = xbt(4 * 3600, 3)
    const fast = kernel(3, true)
    const slow = kernel(3, false)
    for (let from = 0, size = 1; from < data.length; from += size, size = (size * 7) % 4093 || 1) {
      const to = Math.min(data.length, from + size)
      fast.process(data, from, to)
      slow.process(data, from, to)
    }
    expect(fast.totals.liquidations).toBeGreaterThan(50)
    expect(outputsOf(fast)).toEqual(outputsOf(slow))
    // venue sides: the crash liquidates longs, the squeeze shorts
    const sides = new Set(rows(fast.outputs.liquidations).map((r) => r.side))
    expect(sides).toEqual(new Set([1, -1]))
  })

  test('lazily settled funding leaves no liquidatable position in a heap (checked in 1/P, as the kernel holds it)', () => {
    const data = xbt(1800, 9)
    const k = kernel(9, true)
    const b = k.book
    const settle = (p: number) => (k as unknown as { settleFunding(p: number): void }).settleFunding(p)
    let checked = 0
    for (let i = 0; i < data.length; i++) {
      k.process(data, i, i + 1)
      const s = k.markets[0]!
      if (Number.isNaN(s.mark)) continue
      for (let p = 0; p < b.extent; p++) {
        if (b.state[p] !== PosState.OPEN || b.slot[p]! < 0 || b.waiting[p] !== Waiting.NONE || b.account[p]! >= 0)
          continue
        settle(p)
        const equity = b.margin[p]! / 1e6 + b.side[p]! * b.qty[p]! * (s.mark - b.entry[p]!)
        if (isLiquidatable(s.params, equity, requirementAt(s.tier, s.params, b.qty[p]!, b.entry[p]!, s.mark)))
          throw new Error(`position ${p} is liquidatable at the mark ${1 / s.mark} after event ${i} and still open`)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(50_000)
    expect(k.totals.eventsByKind[EventKind.FUNDING]).toBeGreaterThanOrEqual(2)
  })
})

describe('the synthetic population of an inverse market', () => {
  test("arrivals follow the bars' volume against the store's mean, both valued in coin", () => {
    // bars trading exactly the mean volume: arrivals at the steady rate, 200 initial positions per mean hold of 1 h
    const population = populationRuntime(
      populationSchema.parse({
        initialPositions: 200,
        meanHoldingHours: 1,
        entryLookbackHours: 0,
        notionalMedian: 0.1,
      }),
      [2e6],
    )
    const k = kernelWith(rulesFrom('bitmex-2020-03', {}), ['XBTUSD'], null, { population })
    const bars: Bar[] = Array.from({ length: 3600 }, (_, i) => [i, 8_000, 8_000, 8_000, 2e6])
    k.process(barsBatch(0, bars))
    // 200 initial and about 200 arrivals (Poisson: ± 3σ ≈ ± 45); quote volume against a coin mean would give ~0
    expect(k.totals.positionsOpened).toBeGreaterThan(200 + 150)
    expect(k.totals.positionsOpened).toBeLessThan(200 + 250)
    // the caller's runtime is left as it was (it may feed other kernels)
    expect(population.meanVolumePerS[0]).toBe(2e6)
    expect(population.longShare).toBe(0.5)
  })

  test('in 1/P: the long share is the short share, entry history ranges are reciprocal and swapped', () => {
    const h = {
      ts: Float64Array.from([1, 2]),
      low: Float64Array.from([7_900, 3_800]),
      high: Float64Array.from([8_100, 4_000]),
      close: Float64Array.from([8_000, 3_900]),
    }
    const pop = populationRuntime(populationSchema.parse({ longShare: 0.7 }), [1], {}, [h])
    const r = reciprocalPopulation(pop)
    expect(r.longShare).toBeCloseTo(0.3, 15)
    expect(Array.from(r.entryHistory[0]!.low)).toEqual([1 / 8_100, 1 / 4_000])
    expect(Array.from(r.entryHistory[0]!.high)).toEqual([1 / 7_900, 1 / 3_800])
    expect(Array.from(r.entryHistory[0]!.close)).toEqual([1 / 8_000, 1 / 3_900])
  })
})

describe('what the engine refuses', () => {
  test('an inverse market whose tier has a bracket ladder: names the market, the tier and what is valid', () => {
    const rules = rulesFrom('bitmex-2020-03', {
      'margin.default.brackets': [
        { notionalFloor: 0, maxLeverage: 100, mmr: 0.005, imr: 0.01 },
        { notionalFloor: 200, maxLeverage: 50, mmr: 0.01, imr: 0.02 },
      ],
    })
    const problems = replayContractProblems(rules, ['XBTUSD'])
    expect(problems).toEqual([expect.objectContaining({ path: 'ruleSet.margin.default', received: '2 brackets' })])
    expect(problems[0]!.expected).toMatch(/inverse brackets for inverse market XBTUSD: one bracket/)
    expect(() => kernelWith(rules, ['XBTUSD'], null)).toThrow(InvalidInputError)
    // the same ladder on a linear rule set is fine
    expect(replayContractProblems(rulesFrom('bitmex', {}), ['XBTUSDT'])).toEqual([])
  })

  test('linear and inverse markets in one run: names both and why they cannot share an account', () => {
    const rules = rulesFrom('bitmex-2020-03', { 'contract.markets': { XBTUSDT: { type: 'linear' } } })
    expect(contractOf(rules, 'XBTUSDT').type).toBe('linear')
    expect(contractOf(rules, 'XBTUSD')).toEqual({ type: 'inverse', contractValue: 1 })
    const problems = replayContractProblems(rules, ['XBTUSD', 'XBTUSDT'])
    expect(problems).toHaveLength(1)
    expect(problems[0]!.received).toBe('XBTUSD (inverse), XBTUSDT (linear)')
    expect(problems[0]!.expected).toMatch(/inverse XBTUSD settle in XBT and linear XBTUSDT in quote/)
    expect(() => kernelWith(rules, ['XBTUSD', 'XBTUSDT'], null)).toThrow(/markets of one contract type/)
  })
})
