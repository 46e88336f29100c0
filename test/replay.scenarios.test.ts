// Scenario tests with explicit positions on hand-made price paths: a 50x whale through a −3% wick, two opposite
// accounts with the price pushed 10×, a fund exhausted → ADL by each ranking strategy, socialized loss, clips and
// backstop, the fillable price, pauses, funding and multi-market cross accounts. Expected values come from the
// venue-rules formulas, computed here.
import { describe, expect, test } from 'vitest'
import { allocBatch, EventKind, pushEvent } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { AT_TRIGGER, barsBatch, flat, kernelWith, micros, rows, rulesFrom, SEC, T0 } from './support/replay.ts'

describe('a 50x whale through a −3% wick (Binance, fixed 1% slippage)', () => {
  const rules = rulesFrom('binance-um', {
    ...AT_TRIGGER,
    'execution.slippage': { model: 'fixed', fraction: 0.01 },
    'insuranceFund.initialBalance': '10000000',
  })
  const whale = {
    accounts: [
      {
        id: 'whale',
        positions: [{ market: 'BTCUSDT', side: 'long' as const, qty: 10, entry: 60_000, margin: '12000' }],
      },
    ],
  }
  // 600k notional: bracket 3 (MMR 1%, cum 1,300) [B4]; LP = (WB + cum − q·E)/(q·MMR − q) [B1]
  const lp = (12_000 + 1_300 - 600_000) / (10 * 0.01 - 10)
  const bp = 60_000 - 12_000 / 10

  test('the wick crosses the liquidation price: closed at bankruptcy, the fund covers the slippage beyond it', () => {
    const k = kernelWith(rules, ['BTCUSDT'], whale)
    k.process(barsBatch(0, [...flat(0, 60, 60_000), [60, 58_200, 60_000, 59_500, 1e6], ...flat(61, 10, 59_500)]))
    const [liq, ...more] = rows(k.outputs.liquidations)
    expect(more).toEqual([])
    expect(liq!.ts).toBe(T0 + 60 * SEC)
    expect(liq!.triggerMark).toBeCloseTo(lp, 6)
    expect(liq!.fillPrice).toBeCloseTo(bp, 6) // the trader leaves at the bankruptcy price
    expect(liq!.marketPrice).toBeCloseTo(lp * 0.99, 6) // the fund closes in the market
    expect(liq!.equity).toBeCloseTo(micros(12_000 + 10 * (lp - 60_000)), -1)
    expect(liq!.slippage).toBeCloseTo(micros(10 * lp * 0.01), -1)
    expect(liq!.fee).toBe(0) // capped by what is left
    // at the trigger, equity = MM = q·LP·1% − 1,300, so the loss beyond it is exactly the maintenance amount
    expect(liq!.shortfall).toBe(micros(1_300))
    const [deficit] = rows(k.outputs.deficits)
    expect(deficit).toMatchObject({ shortfall: micros(1_300), fund: micros(1_300), adl: 0, uncovered: 0 })
    const fund = rows(k.outputs.fund)
    expect(fund.map((r) => r.delta)).toEqual([0, -micros(1_300)])
    expect(fund[1]!.balance).toBe(micros(10_000_000 - 1_300))
  })

  test('the same path without the wick liquidates nothing', () => {
    const k = kernelWith(rules, ['BTCUSDT'], whale)
    k.process(barsBatch(0, [...flat(0, 60, 60_000), [60, lp + 1, 60_000, 59_500, 1e6], ...flat(61, 10, 59_500)]))
    expect(k.outputs.liquidations.length).toBe(0)
  })
})

describe('two opposite accounts, price pushed 10× (Binance, ADL at bankruptcy)', () => {
  const pair = {
    accounts: [
      {
        id: 'A',
        positions: [{ market: 'JELLYUSDT', side: 'long' as const, qty: 1_000_000, entry: 0.01, margin: '2000' }],
      },
      {
        id: 'B',
        positions: [{ market: 'JELLYUSDT', side: 'short' as const, qty: 1_000_000, entry: 0.01, margin: '2000' }],
      },
    ],
  }
  const path = barsBatch(0, [...flat(0, 10, 0.01), [10, 0.1, 0.1, 0.1, 1e6], ...flat(11, 5, 0.1)])

  test('over the fund’s held-notional cap the fund covers the capped share; the rest goes to the long counterparty at B’s bankruptcy price [B11][B13]', () => {
    const k = kernelWith(
      rulesFrom('binance-um', {
        'insuranceFund.initialBalance': '10000',
        ...AT_TRIGGER,
        'execution.slippage': { model: 'none' },
      }),
      ['JELLYUSDT'],
      pair,
    )
    k.process(path)
    const [liq] = rows(k.outputs.liquidations)
    // the gap is first seen at 0.1: B loses 90,000 on 2,000 of margin
    expect(liq).toMatchObject({
      account: 1,
      side: -1,
      triggerMark: 0.1,
      equity: micros(2_000 - 90_000),
      shortfall: micros(88_000),
    })
    // the fund (10,000, cap 100% of it) may take over 10,000 of B's 100,000 notional: a tenth of the loss
    const [guard] = rows(k.outputs.guardrails)
    expect(guard).toMatchObject({ kind: 5, action: 6, value: 100_000, threshold: 10_000 }) // takeoverNotionalCap, limitFund
    const [adl, ...rest] = rows(k.outputs.adl)
    expect(rest).toEqual([])
    // bankruptcy price of B = 0.01 + 2,000 / 1,000,000; each unit of A covers 0.1 − 0.012
    expect(adl).toMatchObject({ account: 0, side: 1, covered: micros(79_200), realizedPnl: micros(1_800) })
    expect(adl!.qty).toBeCloseTo(79_200 / 0.088, 6)
    expect(adl!.fillPrice).toBeCloseTo(0.012, 12)
    expect(adl!.haircut).toBe(micros(79_200))
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ fund: micros(8_800), adl: micros(79_200), uncovered: 0 })
    expect(k.book.qty[0]).toBeCloseTo(1_000_000 - 79_200 / 0.088, 6)
  })

  test('a fund with nothing to hold against skips the takeover: the whole loss goes to the counterparty', () => {
    const k = kernelWith(
      rulesFrom('binance-um', {
        'insuranceFund.initialBalance': '0',
        ...AT_TRIGGER,
        'execution.slippage': { model: 'none' },
      }),
      ['JELLYUSDT'],
      pair,
    )
    k.process(path)
    expect(rows(k.outputs.guardrails).map((g) => [g.kind, g.action])).toEqual([[5, 4]]) // takeoverNotionalCap, skipFund
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ fund: 0, adl: micros(88_000), uncovered: 0 })
  })

  test('without the cap the fund pays first, then ADL covers the rest', () => {
    const k = kernelWith(
      rulesFrom('binance-um', {
        'insuranceFund.initialBalance': '10000',
        'insuranceFund.takeoverNotionalCap': null,
        ...AT_TRIGGER,
        'execution.slippage': { model: 'none' },
      }),
      ['JELLYUSDT'],
      pair,
    )
    k.process(path)
    expect(rows(k.outputs.deficits)[0]).toMatchObject({
      shortfall: micros(88_000),
      fund: micros(10_000),
      adl: micros(78_000),
      uncovered: 0,
    })
    const [adl] = rows(k.outputs.adl)
    expect(adl!.qty).toBeCloseTo(78_000 / 0.088, 6)
    expect(k.book.qty[0]).toBeCloseTo(1_000_000 - 78_000 / 0.088, 6)
  })

  test('Hyperliquid: negative equity is deleveraged at the previous mark, not the fund [H2]', () => {
    const k = kernelWith(
      rulesFrom('hyperliquid', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } }),
      ['JELLY'],
      {
        accounts: pair.accounts.map((a) => ({
          ...a,
          mode: 'isolated' as const,
          positions: a.positions.map((p) => ({ ...p, market: 'JELLY' })),
        })),
      },
    )
    k.process(barsBatch(0, [...flat(0, 10, 0.01), [10, 0.1, 0.1, 0.1, 1e6]]))
    const [adl] = rows(k.outputs.adl)
    // previous mark 0.01: each unit covers 0.1 − 0.01, so 88,000 needs 977,777.7… units of A
    expect(adl!.fillPrice).toBe(0.01)
    expect(adl!.qty).toBeCloseTo(88_000 / 0.09, 4)
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ fund: 0, adl: micros(88_000), uncovered: 0 })
  })
})

describe('a per-block cap on what the fund may lose (dYdX max_quantums_insurance_lost) [D5]', () => {
  // three 50x whales (each one's loss beyond bankruptcy is the 1,300 maintenance amount, as above) and a short
  // that profits from the fall: the fund may lose 2,000 per one-second block
  const whale = (id: string, margin: string) => ({
    id,
    positions: [{ market: 'BTCUSDT', side: 'long' as const, qty: 10, entry: 60_000, margin }],
  })
  const accounts = [
    whale('W1', '12000'),
    whale('W2', '12000'),
    whale('W3', '20000'),
    { id: 'S', positions: [{ market: 'BTCUSDT', side: 'short' as const, qty: 5, entry: 60_000, margin: '100000' }] },
  ]
  const lp3 = (20_000 + 1_300 - 600_000) / (10 * 0.01 - 10)
  const path = barsBatch(0, [
    ...flat(0, 60, 60_000),
    [60, 59_000, 60_000, 59_200, 1e6], // W1 and W2 (LP ≈ 59,263) in one block
    [61, 59_100, 59_300, 59_200, 1e6],
    [62, 58_200, 59_200, 58_300, 1e6], // W3 (LP ≈ 58,455) in the next-but-one block
    ...flat(63, 5, 58_300),
  ])
  const rules = (cap: unknown) =>
    rulesFrom('binance-um', {
      ...AT_TRIGGER,
      'execution.slippage': { model: 'fixed', fraction: 0.01 },
      'insuranceFund.takeoverNotionalCap': null,
      'insuranceFund.blockLossCap': cap,
    })

  test('claims in one block share the cap; the rest is deleveraged; the next block starts afresh', () => {
    const k = kernelWith(rules({ amount: '2000', blockS: 1 }), ['BTCUSDT'], { accounts })
    k.process(path)
    expect(rows(k.outputs.liquidations).map((l) => [l.account, l.ts, l.shortfall])).toEqual([
      [0, T0 + 60 * SEC, micros(1_300)],
      [1, T0 + 60 * SEC, micros(1_300)],
      [2, T0 + 62 * SEC, micros(1_300)],
    ])
    expect(rows(k.outputs.liquidations)[2]!.triggerMark).toBeCloseTo(lp3, 6)
    expect(rows(k.outputs.deficits).map((d) => [d.fund, d.adl, d.uncovered])).toEqual([
      [micros(1_300), 0, 0],
      [micros(700), micros(600), 0],
      [micros(1_300), 0, 0],
    ])
    // the short counterparty covered what the fund could not pay in that block
    expect(rows(k.outputs.adl).map((a) => [a.account, a.covered])).toEqual([[3, micros(600)]])
    const [guard, ...more] = rows(k.outputs.guardrails)
    expect(more).toEqual([])
    // blockLossCap, limitFund: the claim (1,300) against what the block still allowed (700)
    expect(guard).toMatchObject({ kind: 7, action: 6, value: 1_300, threshold: 700, ts: T0 + 60 * SEC })
  })

  test('without the cap the fund pays every claim whole', () => {
    const k = kernelWith(rules(null), ['BTCUSDT'], { accounts })
    k.process(path)
    expect(rows(k.outputs.deficits).map((d) => [d.fund, d.adl])).toEqual([
      [micros(1_300), 0],
      [micros(1_300), 0],
      [micros(1_300), 0],
    ])
    expect(k.outputs.adl.length).toBe(0)
  })
})

describe('fund exhausted → ADL by each ranking strategy', () => {
  // L: long 100 @100 on 1,000; the price gaps to 80: equity −1,000, bankruptcy 90, each ADL unit covers 10
  const shorts = [
    { id: 'S1', entry: 100, margin: 5_000 },
    { id: 'S2', entry: 120, margin: 600 },
    { id: 'S3', entry: 90, margin: 1_000 },
    { id: 'S4', entry: 110, margin: 2_000 },
  ]
  const doc = {
    accounts: [
      { id: 'L', positions: [{ market: 'X', side: 'long' as const, qty: 100, entry: 100, margin: '1000' }] },
      ...shorts.map((s) => ({
        id: s.id,
        positions: [{ market: 'X', side: 'short' as const, qty: 50, entry: s.entry, margin: String(s.margin) }],
      })),
    ],
  }
  const mark = 80
  const equity = (s: (typeof shorts)[number]) => s.margin + 50 * (s.entry - mark)
  const notional = 50 * mark
  const scores: Record<string, (s: (typeof shorts)[number]) => number> = {
    // PnL% × EffLev [X3]
    pnlPercentTimesLeverage: (s) => ((s.entry - mark) / s.entry) * (notional / equity(s)),
    // (entry/mark)·(notional/account value) for a short [H2]
    markOverEntryTimesNotionalOverEquity: (s) => (s.entry / mark) * (notional / equity(s)),
    leverage: (s) => notional / equity(s),
    unrealizedPnl: (s) => 50 * (s.entry - mark),
  }

  for (const ranking of [...Object.keys(scores), 'randomStart']) {
    test(ranking, () => {
      const run = (seed: number) => {
        const k = kernelWith(
          rulesFrom('binance-um', {
            'insuranceFund.initialBalance': '0',
            'insuranceFund.takeoverNotionalCap': null,
            ...AT_TRIGGER,
            'execution.slippage': { model: 'none' },
            'waterfall[1].ranking': ranking,
          }),
          ['X'],
          doc,
          { seed },
        )
        k.process(barsBatch(0, [...flat(0, 5, 100), [5, 80, 80, 80, 1e6]]))
        return { k, fills: rows(k.outputs.adl) }
      }
      const { k, fills } = run(7)
      expect(rows(k.outputs.deficits)[0]).toMatchObject({ shortfall: micros(1_000), adl: micros(1_000), uncovered: 0 })
      expect(fills.map((f) => [f.qty, f.covered, f.fillPrice])).toEqual([
        [50, micros(500), 90],
        [50, micros(500), 90],
      ])
      const names = fills.map((f) => k.accounts.names[f.account])
      if (ranking === 'randomStart') {
        // consecutive in position order from a seeded start [D3]; same seed, same start
        const order = ['S1', 'S2', 'S3', 'S4']
        const start = order.indexOf(names[0]!)
        expect(names[1]).toBe(order[(start + 1) % 4])
        expect(run(7).fills.map((f) => f.account)).toEqual(fills.map((f) => f.account))
        const starts = new Set([1, 2, 3, 4, 5, 6, 8, 9].map((seed) => run(seed).fills[0]!.account))
        expect(starts.size).toBeGreaterThan(1)
      } else {
        const expected = [...shorts].sort((a, b) => scores[ranking]!(b) - scores[ranking]!(a)).map((s) => s.id)
        expect(names).toEqual(expected.slice(0, 2))
      }
    })
  }
})

describe('Drift: IF capped, fee pool, then socialized through funding [R2]', () => {
  test('the rest is split over every open position by |base|, exactly', () => {
    const rules = rulesFrom('drift', {
      'insuranceFund.initialBalance': '0',
      ...AT_TRIGGER,
      'execution.slippage': { model: 'none' },
    })
    const k = kernelWith(rules, ['SOL-PERP'], {
      accounts: [
        {
          id: 'L',
          mode: 'isolated',
          positions: [{ market: 'SOL-PERP', side: 'long', qty: 100, entry: 100, margin: '1000' }],
        },
        {
          id: 'a',
          mode: 'isolated',
          positions: [{ market: 'SOL-PERP', side: 'long', qty: 300, entry: 100, margin: '30000' }],
        },
        {
          id: 'b',
          mode: 'isolated',
          positions: [{ market: 'SOL-PERP', side: 'short', qty: 700, entry: 100, margin: '70000' }],
        },
      ],
    })
    k.process(barsBatch(0, [...flat(0, 5, 100), [5, 80, 80, 80, 1e6]]))
    const [liq] = rows(k.outputs.liquidations)
    // equity 1,000 − 2,000 = −1,000; no fee left to take
    expect(liq).toMatchObject({ shortfall: micros(1_000), fee: 0 })
    const [social] = rows(k.outputs.social)
    expect(social).toMatchObject({ amount: micros(1_000), totalBase: 1_000, positions: 2 })
    expect(social!.perBase).toBe(1) // Δcum_funding = loss / Σ|base|
    expect(k.book.margin[1]).toBe(micros(30_000 - 300))
    expect(k.book.margin[2]).toBe(micros(70_000 - 700))
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ fund: 0, feePool: 0, socialized: micros(1_000), uncovered: 0 })
  })
})

describe('Drift: a liquidation closes just enough to restore maintenance + 2% [R1][R4]', () => {
  const rules = rulesFrom('drift', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } })
  // 10 SOL long at 100 on 60 of margin: MMR 5%, so liquidatable below 940 / 9.5 ≈ 98.95
  const long = {
    accounts: [
      {
        id: 'L',
        mode: 'isolated' as const,
        positions: [{ market: 'SOL-PERP', side: 'long' as const, qty: 10, entry: 100, margin: '60' }],
      },
    ],
  }

  test('the step closes base = shortage / (P·(MMR + 2% − fee)) and leaves the rest open, above maintenance', () => {
    const k = kernelWith(rules, ['SOL-PERP'], long)
    k.process(barsBatch(0, [...flat(0, 5, 100), [5, 98.9, 98.9, 98.9, 1e6], ...flat(6, 5, 98.9)]))
    const equity = 60 + 10 * (98.9 - 100)
    const base = (989 * 0.07 - equity) / (98.9 * (0.07 - 0.01))
    const [step, ...more] = rows(k.outputs.liquidations)
    expect(more).toEqual([])
    expect(step).toMatchObject({ kind: 1, triggerMark: 98.9 }) // partial
    expect(step!.qty).toBeCloseTo(base, 9)
    expect(step!.fee).toBe(micros(base * 98.9 * 0.01))
    expect(k.book.qty[0]).toBeCloseTo(10 - base, 9)
    // what is left holds exactly maintenance + 2% of its notional at 98.9 (to the micro-unit of the fee)
    const left = k.book.margin[0]! / 1e6 + (10 - base) * (98.9 - 100)
    expect(left / ((10 - base) * 98.9)).toBeCloseTo(0.07, 6)
    expect(k.outputs.deficits.length).toBe(0)
  })

  test('a gap past bankruptcy still closes the whole position', () => {
    const k = kernelWith(rules, ['SOL-PERP'], long)
    k.process(barsBatch(0, [...flat(0, 5, 100), [5, 90, 90, 90, 1e6]]))
    expect(rows(k.outputs.liquidations).map((l) => [l.kind, l.qty])).toEqual([[0, 10]]) // full
  })
})

describe('Hyperliquid clips and backstop [H1][H7]', () => {
  const rules = rulesFrom('hyperliquid', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } })
  const whale = {
    accounts: [
      {
        id: 'w',
        mode: 'isolated' as const,
        positions: [{ market: 'BTC', side: 'long' as const, qty: 10, entry: 100_000, margin: '25000' }],
      },
    ],
  }
  // BTC 40x: MMR 1.25%; LP = (25,000 − 1,000,000) / (10·0.0125 − 10)
  const lp = (25_000 - 1_000_000) / (0.125 - 10)

  test('a position over $100k loses 20% per clip, then the vault takes it below ⅔·MM during the cooldown', () => {
    const k = kernelWith(rules, ['BTC'], whale)
    k.process(barsBatch(0, [...flat(0, 5, 100_000), [5, 98_700, 100_000, 98_700, 1e6], ...flat(6, 10, 98_700)]))
    const [clip] = rows(k.outputs.liquidations)
    expect(clip).toMatchObject({ kind: 1, qty: 2 })
    expect(clip!.triggerMark).toBeCloseTo(lp, 6)
    expect(k.book.qty[0]).toBeCloseTo(8, 12)
    // margin after the clip: 25,000 + 2·(LP − 100,000); backstop when equity < ⅔·8·P·1.25%
    const margin = 25_000 + 2 * (lp - 100_000)
    const backstop = (800_000 - margin) / (8 - (2 / 3) * 8 * 0.0125)
    k.process(barsBatch(0, [[20, backstop - 1, 98_700, backstop - 1, 1e6]]))
    const all = rows(k.outputs.liquidations)
    expect(all).toHaveLength(2)
    expect(all[1]).toMatchObject({ kind: 3, qty: 8, returned: 0 })
    expect(all[1]!.triggerMark).toBeCloseTo(backstop, 4)
    // the vault takes what equity is left
    expect(all[1]!.surplus).toBe(all[1]!.equity)
    expect(rows(k.outputs.fund).at(-1)).toMatchObject({ reason: 2, delta: all[1]!.equity })
  })
})

describe('dYdX fillable price [D2][D3]', () => {
  const rules = rulesFrom('dydx-v4', {
    'execution.partial': null,
    ...AT_TRIGGER,
    'execution.slippage': { model: 'fixed', fraction: 0.002 },
  })
  const accounts = [
    {
      id: 'L',
      mode: 'isolated' as const,
      positions: [{ market: 'BTC-USD', side: 'long' as const, qty: 1, entry: 50_000, margin: '5000' }],
    },
    {
      id: 'S',
      mode: 'isolated' as const,
      positions: [{ market: 'BTC-USD', side: 'short' as const, qty: 5, entry: 50_000, margin: '100000' }],
    },
  ]
  // Large-Cap MMF 1.2%: LP = (5,000 − 50,000) / (0.012 − 1)
  const lp = (5_000 - 50_000) / (0.012 - 1)

  test('no fill while the book is worse than the fillable price; a retry fills once the spread allows it', () => {
    const k = kernelWith(rules, ['BTC-USD'], { accounts })
    // just through the trigger: ABR ≈ 0, so FP ≈ the mark and 0.2% slippage is too much
    k.process(barsBatch(0, [...flat(0, 3, 50_000), [3, lp - 1, lp - 1, lp - 1, 1e6]]))
    expect(k.outputs.liquidations.length).toBe(0)
    expect(rows(k.outputs.guardrails).map((g) => [g.kind, g.action])).toEqual([[6, 5]]) // fillRejected, retry
    // lower: TNC/TMMR falls, ABR rises, FP moves below the book
    const p = lp * 0.99
    k.process(barsBatch(0, [[4, p, p, p, 1e6]]))
    const [liq] = rows(k.outputs.liquidations)
    expect(liq!.marketPrice).toBeCloseTo(p * 0.998, 6)
    const tnc = 5_000 + (p - 50_000)
    const pmmr = p * 0.012
    const fp = (p - Math.min(Math.max(1 - tnc / pmmr, 0), 1) * 1.5 * pmmr) / 1
    expect(liq!.marketPrice).toBeGreaterThanOrEqual(fp)
  })

  test('with TNC < 0 and no fill the position is deleveraged at its bankruptcy price', () => {
    // at 40,000: TNC −5,000, ABR 1, FP = 40,000 − 1.5·480 = 39,280; 2% slippage puts the book at 39,200
    const thin = rulesFrom('dydx-v4', {
      'execution.partial': null,
      ...AT_TRIGGER,
      'execution.slippage': { model: 'fixed', fraction: 0.02 },
    })
    const k = kernelWith(thin, ['BTC-USD'], { accounts })
    k.process(barsBatch(0, [...flat(0, 3, 50_000), [3, 40_000, 40_000, 40_000, 1e6]]))
    const [liq] = rows(k.outputs.liquidations)
    expect(liq).toMatchObject({ kind: 4, triggerMark: 40_000, shortfall: micros(5_000) })
    const [adl] = rows(k.outputs.adl)
    expect(adl).toMatchObject({ qty: 1, fillPrice: 45_000, covered: micros(5_000) })
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ fund: 0, adl: micros(5_000), uncovered: 0 })
  })
})

describe('open-interest cap [G9][H17]', () => {
  test('openings that would take OI over the cap are refused, one row when it starts and one when it stops', () => {
    const cap = 150_000
    const population = populationRuntime(
      populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.05, leverageMax: 20, notionalMedian: 1_000 }),
      [5e5],
    )
    const rules = rulesFrom('binance-um', { 'guardrails.oiCap': { maxNotional: cap } })
    const k = kernelWith(rules, ['BTCUSDT'], null, { population })
    // an hour of a flat price, then a fall that liquidates the longs and frees room under the cap
    k.process(barsBatch(0, [...flat(0, 1_800, 100), ...flat(1_800, 1_800, 90)]))
    expect(k.totals.refusedByOiCap).toBeGreaterThan(0)
    const rowsOf = rows(k.outputs.guardrails)
    expect(rowsOf.length).toBeGreaterThan(1)
    // rows alternate refuse / acceptOpenings, each at the cap's crossing, starting with a refusal
    rowsOf.forEach((g, i) => {
      expect(g).toMatchObject({ kind: 3, threshold: cap, action: i % 2 ? 7 : 3 }) // oiCap; refuse, acceptOpenings
      if (i % 2 === 0) expect(g.value).toBeGreaterThan(cap)
      else expect(g.value).toBeLessThanOrEqual(cap)
    })
    // the book never holds more than the cap on either side at the last mark
    expect(Math.max(k.markets[0]!.longQty, k.markets[0]!.shortQty) * 90).toBeLessThanOrEqual(cap)
  })
})

describe('guardrails, funding and cross accounts', () => {
  test('a price band pauses liquidations; negative equity while paused is recorded, and the position goes on resume', () => {
    const rules = rulesFrom('drift', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } })
    const k = kernelWith(rules, ['SOL-PERP'], {
      accounts: [
        {
          id: 'L',
          mode: 'isolated',
          positions: [{ market: 'SOL-PERP', side: 'long', qty: 10, entry: 100, margin: '100' }],
        },
      ],
    })
    const b = allocBatch(64)
    for (let s = 0; s < 5; s++) {
      pushEvent(b, T0 + s * SEC, EventKind.ORACLE, 0, 100)
      pushEvent(b, T0 + s * SEC, EventKind.BAR, 0, 100, 100, 100, 1e6)
    }
    // the mark runs 15% away from the oracle: paused, and the long is under water
    pushEvent(b, T0 + 5 * SEC, EventKind.ORACLE, 0, 100)
    pushEvent(b, T0 + 5 * SEC, EventKind.BAR, 0, 85, 85, 85, 1e6)
    pushEvent(b, T0 + 6 * SEC, EventKind.BAR, 0, 85, 85, 85, 1e6)
    k.process(b)
    expect(k.outputs.liquidations.length).toBe(0)
    expect(rows(k.outputs.guardrails)[0]).toMatchObject({ kind: 0, action: 0 })
    const [neg] = rows(k.outputs.deficits)
    expect(neg).toMatchObject({ kind: 1, shortfall: micros(50), uncovered: micros(50) })
    // back inside the band: resumed and liquidated at the mark
    const c = allocBatch(4)
    pushEvent(c, T0 + 7 * SEC, EventKind.ORACLE, 0, 100)
    pushEvent(c, T0 + 7 * SEC, EventKind.BAR, 0, 93, 93, 93, 1e6)
    k.process(c)
    expect(rows(k.outputs.guardrails).at(-1)).toMatchObject({ kind: 0, action: 1 })
    // LP = (100 − 1,000)/(0.5 − 10) = 94.7…; at 93 equity 30 < MM 46.5
    expect(rows(k.outputs.liquidations)[0]).toMatchObject({ triggerMark: 93 })
  })

  test('a circuit breaker halts liquidations after a large move, then liquidates at the mark when the halt ends', () => {
    const rules = rulesFrom('binance-um', {
      ...AT_TRIGGER,
      'execution.slippage': { model: 'none' },
      'guardrails.circuitBreaker': { maxMove: 0.05, windowS: 60, haltS: 30 },
    })
    const whale = {
      id: 'W',
      positions: [{ market: 'BTCUSDT', side: 'long' as const, qty: 10, entry: 60_000, margin: '12000' }],
    }
    const k = kernelWith(rules, ['BTCUSDT'], { accounts: [whale] })
    // a −6.7% wick at 30 s (LP ≈ 59,263 is crossed), then 57,000 through the halt
    k.process(barsBatch(0, [...flat(0, 30, 60_000), [30, 56_000, 60_000, 57_000, 1e6], ...flat(31, 40, 57_000)]))
    const [pause, resume, ...more] = rows(k.outputs.guardrails)
    expect(more).toEqual([])
    expect(pause).toMatchObject({ kind: 1, action: 0, ts: T0 + 30 * SEC, threshold: 0.05 }) // circuitBreaker, pause
    expect(pause!.value).toBeCloseTo(4_000 / 60_000, 12)
    expect(resume).toMatchObject({ kind: 1, action: 1, ts: T0 + 60 * SEC, value: 57_000 }) // resume after haltS
    const [liq, ...others] = rows(k.outputs.liquidations)
    expect(others).toEqual([])
    expect(liq).toMatchObject({ ts: T0 + 60 * SEC, triggerMark: 57_000 })
    // under water while halted: recorded as negative equity, not silently carried
    expect(rows(k.outputs.deficits)[0]).toMatchObject({ kind: 1, ts: T0 + 30 * SEC })
  })

  test('a mark cap holds the mark to a multiple of its EMA, so a spike does not liquidate a short [H22]', () => {
    const short = {
      id: 'S',
      mode: 'isolated' as const,
      positions: [{ market: 'X', side: 'short' as const, qty: 1, entry: 100, margin: '100' }],
    }
    const path = barsBatch(0, [...flat(0, 60, 100), [60, 100, 300, 300, 1e6], ...flat(61, 5, 100)])
    const capped = kernelWith(
      rulesFrom('binance-um', { 'guardrails.markCap': { maxMultipleOfEma: 1.5, emaWindowS: 60 } }),
      ['X'],
      { accounts: [short] },
    )
    capped.process(path)
    // the EMA moves 1 − e^(−1/60) of the way to 300 first: the cap is 1.5 × that
    const ema = 100 + (1 - Math.exp(-1 / 60)) * 200
    const [cap, ...more] = rows(capped.outputs.guardrails)
    expect(more).toEqual([])
    expect(cap).toMatchObject({ kind: 2, action: 2, value: 300, ts: T0 + 60 * SEC }) // markCap, capMark
    expect(cap!.threshold).toBeCloseTo(1.5 * ema, 9)
    expect(capped.outputs.liquidations.length).toBe(0)
    // the same spike without the cap crosses the short's liquidation price inside the bar: (100 + 100) / 1.004 [B1]
    const open = kernelWith(rulesFrom('binance-um'), ['X'], { accounts: [short] })
    open.process(path)
    const [liq, ...others] = rows(open.outputs.liquidations)
    expect(others).toEqual([])
    expect(liq!.triggerMark).toBeCloseTo(200 / 1.004, 9)
  })

  test('a funding payment that moves the liquidation price past the mark liquidates at the funding event', () => {
    const rules = rulesFrom('binance-um', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } })
    const k = kernelWith(rules, ['BTCUSDT'], {
      accounts: [{ id: 'L', positions: [{ market: 'BTCUSDT', side: 'long', qty: 1, entry: 100_000, margin: '1000' }] }],
    })
    // LP = (1,000 + 50 − 100,000)/(0.005 − 1) = 99,447.2… with the 50k–250k bracket
    const b = barsBatch(0, [...flat(0, 5, 99_500)])
    k.process(b)
    expect(k.outputs.liquidations.length).toBe(0)
    const f = allocBatch(1)
    // a 0.1% funding rate on 99,500 of notional costs the long 99.5
    pushEvent(f, T0 + 6 * SEC, EventKind.FUNDING, 0, 0.001, Number.NaN, 8)
    k.process(f)
    const [liq] = rows(k.outputs.liquidations)
    expect(liq).toMatchObject({ ts: T0 + 6 * SEC, triggerMark: 99_500 })
    expect(liq!.equity).toBe(micros(1_000 - 99.5 - 500))
  })

  test('a cross account with positions in two markets is liquidated on its total equity', () => {
    const rules = rulesFrom('binance-um', { ...AT_TRIGGER, 'execution.slippage': { model: 'none' } })
    const k = kernelWith(rules, ['BTCUSDT', 'ETHUSDT'], {
      accounts: [
        {
          id: 'X',
          mode: 'cross',
          wallet: '3000',
          positions: [
            { market: 'BTCUSDT', side: 'long', qty: 1, entry: 100_000 },
            { market: 'ETHUSDT', side: 'short', qty: 10, entry: 4_000 },
          ],
        },
      ],
    })
    expect(k.accounts.multi[0]).toBe(1)
    const b = allocBatch(64)
    for (let s = 0; s < 3; s++) {
      pushEvent(b, T0 + s * SEC, EventKind.BAR, 0, 100_000, 100_000, 100_000, 1e6)
      pushEvent(b, T0 + s * SEC, EventKind.BAR, 1, 4_000, 4_000, 4_000, 1e6)
    }
    // ETH up 2%: −800 on the short, equity 2,200 vs MM 440 + 163.2: safe
    pushEvent(b, T0 + 3 * SEC, EventKind.BAR, 1, 4_080, 4_080, 4_080, 1e6)
    k.process(b)
    expect(k.outputs.liquidations.length).toBe(0)
    // BTC down 2%: −2,000 more → equity 200 < MM 98,000·0.5% − 50 + 40,800·0.4% → liquidated together
    const c = allocBatch(1)
    pushEvent(c, T0 + 4 * SEC, EventKind.BAR, 0, 98_000, 98_000, 98_000, 1e6)
    k.process(c)
    const liqs = rows(k.outputs.liquidations)
    expect(liqs.map((l) => l.market).sort()).toEqual([0, 1])
    // the wallet is shared between the two settlements
    const equity = liqs.reduce((s, l) => s + l.equity, 0)
    expect(equity).toBe(micros(3_000 - 2_000 - 800))
    // every micro-unit of the shared equity is accounted for: slippage, fee, fund, trader, shortfall
    const split = liqs.reduce((s, l) => s + l.slippage + l.fee + l.surplus + l.returned - l.shortfall, 0)
    expect(split).toBe(equity)
    expect(k.accounts.wallet[0]).toBe(0) // bankruptcy-price takeover: the fund keeps what is left
    expect(k.openPositions()).toBe(0)
  })
})
