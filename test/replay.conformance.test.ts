// Conformance: every vector of venue-rules §1.9 (V1, V3, V7, V8, V11, V13, V14), plus vectors derived from the
// formulas for each preset (liquidation price long/short, bracket switch at the liquidation price, OI-scaled IMF,
// fillable price, social-loss funding delta, ADL ranking order). Expected values are computed here from the cited
// formulas, independently of the engine's own code paths.
import { describe, expect, test } from 'vitest'
import { adlScore, allocate, rankOrder } from '../src/replay/margin/adlRanking.ts'
import { maintenanceAmounts } from '../src/replay/margin/brackets.ts'
import {
  adjustedBankruptcyRating,
  bankruptcyQuote,
  fillablePrice,
  insuranceDelta,
} from '../src/replay/margin/fillable.ts'
import { fundingRate8h, fundingRatePerInterval, impactPremium } from '../src/replay/margin/funding.ts'
import { oiScaledImf } from '../src/replay/margin/oiScaled.ts'
import { positionRisk } from '../src/replay/margin/positionRisk.ts'
import { sizePremiumRatio } from '../src/replay/margin/sizePremium.ts'
import { apportion, socialLossPerBase } from '../src/replay/margin/socialLoss.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'

const rules = (ref: string) => findPreset(ref).rules

describe('venue-rules §1.9 vectors', () => {
  test('V1 Bybit isolated: long 1 BTC @20,000, 50x, MMR 0.5% → IM 400, MM 100, LP 19,700 [Y1]', () => {
    const r = positionRisk(rules('bybit'), { market: 'BTCUSDT', side: 'long', qty: 1, entry: 20_000, leverage: 50 })
    expect(r.initialMargin).toBe('400')
    expect(r.maintenanceMargin).toBe('100')
    expect(r.liquidationPrice).toBeCloseTo(19_700, 9)
  })

  test('V3 Bybit inverse: long 5,000 contracts @7,890.08 at 50x → bankruptcy 7,735.37 [Y4]', () => {
    const inverse = deriveRuleSet(rules('bybit'), [{ path: 'contract.type', value: 'inverse' }], {
      derivedFrom: 'bybit',
    }).rules
    const r = positionRisk(inverse, { market: 'BTCUSD', side: 'long', qty: 5_000, entry: 7_890.08, leverage: 50 })
    expect(r.bankruptcyPrice).toBeCloseTo((7_890.08 * 50) / 51, 9)
    expect(Number(r.bankruptcyPrice!.toFixed(2))).toBe(7_735.37)
  })

  test('V7 Binance maintenance amounts from the 2021-03-18 brackets: 0, 50, 1,300, 16,300, 266,300 … [B2][B4]', () => {
    const brackets = rules('binance-um@2021-03-18').margin.markets.BTCUSDT!.brackets
    expect(maintenanceAmounts(brackets)).toEqual([
      0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
    ])
  })

  test('V8 dYdX fillable price: $100, long 500 @1, MMF 3%, oracle 0.801 [D2][D5][D9]', () => {
    const dydx = rules('dydx-v4')
    // The Mid-Cap tier (IMF 5% × 0.6 = MMF 3%) is the default for markets other than BTC-USD / ETH-USD
    const r = positionRisk(dydx, { market: 'LINK-USD', side: 'long', qty: 500, entry: 1, wallet: 100, mark: 0.801 })
    expect(r.equity).toBe('0.5') // TNC
    expect(r.maintenanceMargin).toBe('12.015') // PMMR
    expect(r.adjustedBankruptcyRating).toBeCloseTo(0.9584, 4)
    expect(r.fillablePrice).toBeCloseTo(0.7665, 4)
    expect(r.bankruptcyPrice).toBeCloseTo(0.8, 12)
    const bk = bankruptcyQuote(0.5, 12.015, 500 * 0.801, 12.015)
    expect(bk).toBeCloseTo(400, 9)
    expect(insuranceDelta(1, 500 * r.fillablePrice!, bk)).toBeCloseTo(-16.77, 2)
  })

  test('V11 dYdX OI-scaled IMF: Small-Cap 10%, caps 20M/50M → 10%, 55%, 100% [D1][D5]', () => {
    expect(oiScaledImf(0.1, 10e6, 20e6, 50e6)).toBeCloseTo(0.1, 12)
    expect(oiScaledImf(0.1, 35e6, 20e6, 50e6)).toBeCloseTo(0.55, 12)
    expect(oiScaledImf(0.1, 60e6, 20e6, 50e6)).toBe(1)
    expect(oiScaledImf(0.1, 60e6, 0, 0)).toBe(0.1) // disabled
  })

  test('V13 Hyperliquid funding: impact bid 10,100, oracle 10,000 → premium 1%, 0.95% per 8 h, 1/8 hourly [H11]', () => {
    const premium = impactPremium(10_100, 10_100, 10_000)
    expect(premium).toBeCloseTo(0.01, 12)
    const hl = rules('hyperliquid').funding
    const f8 = fundingRate8h(premium, hl)
    expect(f8).toBeCloseTo(0.0095, 12)
    const hourly = fundingRatePerInterval(f8, { ...hl, marginClamp: null })
    expect(hourly).toBeCloseTo(0.0095 / 8, 12)
  })

  test('V14 Drift social loss: loss 10,000 over 1,000 base → Δcum_funding 10 per base unit [R2]', () => {
    expect(socialLossPerBase(10_000, 1_000)).toBe(10)
    // the exact split of 10,000 (in micro-units) over 600 long + 400 short base sums to the loss
    const parts = apportion(10_000_000_000, [600, 400])
    expect(Array.from(parts)).toEqual([6_000_000_000, 4_000_000_000])
  })
})

describe('derived vectors per preset (der)', () => {
  test('Binance long: the bracket at the liquidation price replaces the one at entry [B1][B2]', () => {
    // 4.5 BTC @60,000 = 270k notional (bracket 3: 1%, cum 1,300); wallet 22,000 puts LP·q under 250k (bracket 2)
    const withEntryBracket = (22_000 + 1_300 - 270_000) / (4.5 * 0.01 - 4.5)
    expect(4.5 * withEntryBracket).toBeLessThan(250_000)
    const expected = (22_000 + 50 - 270_000) / (4.5 * 0.005 - 4.5)
    const r = positionRisk(rules('binance-um'), {
      market: 'BTCUSDT',
      side: 'long',
      qty: 4.5,
      entry: 60_000,
      wallet: 22_000,
    })
    expect(r.bracket.index).toBe(2)
    expect(r.liquidationBracket?.index).toBe(1)
    expect(r.bracketSwitched).toBe(true)
    expect(r.liquidationPrice).toBeCloseTo(expected, 9)
  })

  test('Binance short and cross: LP = (WB − TMM1 + UPNL1 + cum − s·q·EP) / (q·MMR − s·q) [B1]', () => {
    const short = positionRisk(rules('binance-um'), {
      market: 'BTCUSDT',
      side: 'short',
      qty: 1,
      entry: 20_000,
      wallet: 1_000,
    })
    expect(short.liquidationPrice).toBeCloseTo((1_000 + 0 + 20_000) / (0.004 + 1), 9)
    expect(short.bankruptcyPrice).toBeCloseTo(21_000, 9)
    const cross = positionRisk(rules('binance-um'), {
      market: 'BTCUSDT',
      side: 'long',
      qty: 2,
      entry: 30_000,
      wallet: 10_000,
      mode: 'cross',
      otherMaintenance: 500,
      otherUnrealizedPnl: -1_500,
    })
    // notional 60k → bracket 2 (0.5%, cum 50)
    expect(cross.liquidationPrice).toBeCloseTo((10_000 - 500 - 1_500 + 50 - 60_000) / (2 * 0.005 - 2), 9)
  })

  test('Bybit short: LP = Entry + (IM − MM)/size [Y1]', () => {
    const r = positionRisk(rules('bybit'), { market: 'BTCUSDT', side: 'short', qty: 2, entry: 30_000, leverage: 25 })
    const im = 60_000 / 25
    const mm = 60_000 * 0.005
    expect(r.liquidationPrice).toBeCloseTo(30_000 + (im - mm) / 2, 9)
  })

  test('Bybit inverse cross (Y2): 10,000 contracts long @8,000 on 0.5 BTC → bankruptcy 5,718.57, LP 5,739.50 [Y2]', () => {
    const inverse = deriveRuleSet(
      rules('bybit'),
      [
        { path: 'contract.type', value: 'inverse' },
        { path: 'trigger.includeLiquidationFee', value: true },
      ],
      { derivedFrom: 'bybit' },
    ).rules
    const r = positionRisk(inverse, {
      market: 'BTCUSD',
      side: 'long',
      qty: 10_000,
      entry: 8_000,
      wallet: 0.5,
      mode: 'cross',
      priceTick: 0.5,
    })
    expect(Number(r.bankruptcyPrice!.toFixed(2))).toBe(5_718.57)
    // 10,000/LP = 0.5 + 1.25 − 1.25·0.5% − 7.5/5,718.57 → 5,739.12, shown on the 0.5 tick towards the position
    expect(r.liquidationPrice).toBe(5_739.5)
  })

  test('OKX: liquidation at margin ratio ≤ 100% counts the liquidation fee in the requirement [O1]', () => {
    const r = positionRisk(rules('okx'), {
      market: 'BTC-USDT-SWAP',
      side: 'long',
      qty: 1,
      entry: 50_000,
      wallet: 2_000,
      mode: 'isolated',
    })
    expect(r.liquidationPrice).toBeCloseTo((2_000 - 50_000) / (0.004 + 0.005 - 1), 9)
    const atLp = positionRisk(rules('okx'), {
      market: 'BTC-USDT-SWAP',
      side: 'long',
      qty: 1,
      entry: 50_000,
      wallet: 2_000,
      mode: 'isolated',
      mark: r.liquidationPrice! - 1e-6,
    })
    expect(atLp.liquidatable).toBe(true)
  })

  test('Hyperliquid isolated long: (E − M/s)/(1 − l), l = 1/maintenance leverage [H9]; short mirrors it', () => {
    // BTC 40x: MMR = ½·2.5% = 1.25% [H1][H6]
    const long = positionRisk(rules('hyperliquid'), {
      market: 'BTC',
      side: 'long',
      qty: 1,
      entry: 100_000,
      wallet: 2_500,
      mode: 'isolated',
    })
    expect(long.liquidationPrice).toBeCloseTo((100_000 - 2_500) / (1 - 0.0125), 9)
    const short = positionRisk(rules('hyperliquid'), {
      market: 'BTC',
      side: 'short',
      qty: 1,
      entry: 100_000,
      wallet: 2_500,
      mode: 'isolated',
    })
    // liq = price − side·margin_available/size/(1 − l·side) with margin available at entry = M − q·E·l [H9]
    expect(short.liquidationPrice).toBeCloseTo(100_000 + (2_500 - 100_000 * 0.0125) / (1 + 0.0125), 9)
  })

  test('dYdX isolated: p′ = (e − s·p) / (|s|·MMF − s) [D10], Large-Cap MMF 1.2% [D5]', () => {
    for (const [side, s] of [
      ['long', 10],
      ['short', -10],
    ] as const) {
      const r = positionRisk(rules('dydx-v4'), {
        market: 'BTC-USD',
        side,
        qty: 10,
        entry: 60_000,
        wallet: 30_000,
        mode: 'isolated',
      })
      expect(r.liquidationPrice).toBeCloseTo((30_000 - s * 60_000) / (10 * 0.012 - s), 9)
    }
  })

  test('GMX v2: liquidatable when collateral + PnL − close fee < size·minCollateralFactor + MIN_COLLATERAL_USD [G1][G4]', () => {
    // 10x long of $50k: collateral 5,000, mcf 0.5%, fee 0.2%, min collateral $1
    const r = positionRisk(rules('gmx-v2'), { market: 'ETH/USD', side: 'long', qty: 25, entry: 2_000, wallet: 5_000 })
    expect(r.liquidationPrice).toBeCloseTo((50_000 * 0.005 + 1 - 5_000 + 25 * 2_000) / (25 * (1 - 0.002)), 9)
  })

  test('Drift: ratio = max(base, 0.8·base + √(10·size + 1)·imfFactor) [R3]', () => {
    expect(sizePremiumRatio(0.05, 100, 0, 1)).toBe(0.05)
    expect(sizePremiumRatio(0.05, 10_000, 0.0005, 1)).toBeCloseTo(0.8 * 0.05 + Math.sqrt(100_001) * 0.0005, 12)
    const premium = deriveRuleSet(
      rules('drift'),
      [{ path: 'margin.default.sizePremium', value: { imfFactor: 0.0005 } }],
      {
        derivedFrom: 'drift',
      },
    ).rules
    const r = positionRisk(premium, { market: 'SOL-PERP', side: 'long', qty: 10_000, entry: 150, wallet: 300_000 })
    const m = 0.8 * 0.05 + Math.sqrt(100_001) * 0.0005
    expect(r.maintenanceMarginRate).toBeCloseTo(m, 12)
    expect(r.liquidationPrice).toBeCloseTo((300_000 - 1_500_000) / (10_000 * m - 10_000), 9)
  })

  test('BitMEX ADL ranking order: ranks 3, 6, 1, 4, 5, 2; a 20-lot short at 650 closes A2 10 and A5 10 [X4]', () => {
    const ranks = [3, 6, 1, 4, 5, 2]
    const qty = [10, 10, 20, 30, 20, 10]
    const order = rankOrder(ranks)
    expect(order).toEqual([1, 4, 3, 0, 5, 2])
    expect(allocate(order, qty, 20)).toEqual([
      [1, 10],
      [4, 10],
    ])
  })

  test('BitMEX ranking score: PnL% × EffLev in profit, PnL% / EffLev in loss [X3]', () => {
    // long 1 @100, mark 110, collateral 10: PnL% = 10%, EffLev = 110 / (10 + 10) = 5.5
    expect(adlScore('pnlPercentTimesLeverage', { side: 1, qty: 1, entry: 100, collateral: 10 }, 110)).toBeCloseTo(
      0.1 * 5.5,
      12,
    )
    // same long at mark 95: PnL% = −5%, EffLev = 95 / 5 = 19
    expect(adlScore('pnlPercentTimesLeverage', { side: 1, qty: 1, entry: 100, collateral: 10 }, 95)).toBeCloseTo(
      -0.05 / 19,
      12,
    )
    // Hyperliquid: (mark/entry)·(notional/account value) [H2]
    expect(
      adlScore('markOverEntryTimesNotionalOverEquity', { side: 1, qty: 2, entry: 100, collateral: 20 }, 120),
    ).toBeCloseTo(1.2 * (240 / 60), 12)
  })

  test('dYdX fillable price of a short mirrors the long: the spread raises the buy-back price [D2]', () => {
    const abr = adjustedBankruptcyRating(0.5, 18, 1)
    const fp = fillablePrice({
      tnc: 0.5,
      tmmr: 18,
      pnnv: -600,
      pmmr: 18,
      size: -500,
      bankruptcyAdjustment: 1,
      spreadToMaintenanceMultiplier: 1.5,
    })
    expect(fp).toBeCloseTo(1.2 + (abr * 1.5 * 18) / 500, 12)
  })
})
