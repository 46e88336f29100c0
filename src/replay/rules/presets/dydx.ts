// dYdX v4 preset from the code and sample genesis [D1]–[D6]: liquidity tiers with OI-scaled IMF, fillable price,
// 1.5% max liquidation fee, per-block limits, deleveraging from a pseudo-random start.
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

/** MMF = IMF × maintenance fraction [D1]; tiers from the sample genesis [D5]. */
const tier = (imf: number, fraction: number, lower: number, upper: number) => ({
  brackets: [{ notionalFloor: 0, maxLeverage: 1 / imf, mmr: imf * fraction, imr: imf }],
  oiScaledInitial: { lowerCapNotional: lower, upperCapNotional: upper },
})

export const DYDX_TIERS = {
  largeCap: tier(0.02, 0.6, 0, 0),
  midCap: tier(0.05, 0.6, 40_000_000, 100_000_000),
  smallCap: tier(0.1, 0.5, 20_000_000, 50_000_000),
  longTail: tier(0.2, 0.5, 5_000_000, 10_000_000),
  isolated: tier(0.05, 0.6, 500_000, 1_000_000),
  safety: tier(1, 0.2, 2_000_000, 5_000_000),
  fx: tier(0.01, 0.5, 500_000, 1_000_000),
}

export const dydxPresets: RuleSetInput[] = [
  {
    name: 'dydx-v4',
    venue: 'dydx',
    description:
      'dYdX v4: oracle-priced TNC < TMMR trigger, fillable-price liquidation orders, IF, deleveraging from a random start.',
    effective: {
      from: '2026-03-04',
      basis: 'codeSnapshot',
      note: 'dydxprotocol/v4-chain@84d4664b and its sample genesis; live values are set by governance [D5]',
    },
    sources: ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D11'],
    notes: [
      'BTC-USD and ETH-USD use the Large-Cap tier, every other market Mid-Cap; assign others with derive',
      'per-block limits are modelled as steps of ≤ 10% (≥ $1k, ≤ $100k) one second apart, and the IF loses at most $1M per one-second block [D5]; beyond that the claim is deleveraged',
      'a fill the IF cannot fund is deleveraged at the bankruptcy price [D3]; dYdX rejects the whole fill, the engine lets the IF pay what it can first',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      'insuranceFund.initialBalance $1M: the v4 fund held 3,997 USDC when full trading opened on 28 Nov 2023 and governance seeded it with ~$1M (dYdX forum, "[DRC] Seed Insurance Fund"); later balances are not in venue-rules. The v3 fund held ≈ $22.5M before the YFI attack ($9M ≈ 40% [I1][I3])',
    ],
    price: { mark: { method: 'oracle' } },
    margin: {
      mode: 'cross',
      default: DYDX_TIERS.midCap,
      markets: { 'BTC-USD': DYDX_TIERS.largeCap, 'ETH-USD': DYDX_TIERS.largeCap },
    },
    trigger: { kind: 'netCollateralBelowMaintenance' },
    execution: {
      kind: 'fillablePrice',
      fillable: { bankruptcyAdjustment: 1, spreadToMaintenanceMultiplier: 1.5 },
      partial: { thresholdNotional: 0, fraction: 0.1, minNotional: 1_000, maxNotional: 100_000, cooldownS: 1 },
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: DEFAULT_IMPACT,
    },
    fees: { liquidationFeeRate: 0.015, cap: 'remainingEquity' },
    insuranceFund: {
      label: 'insurance fund',
      initialBalance: '1000000',
      scope: 'pooled',
      blockLossCap: { amount: '1000000', blockS: 1 },
    },
    waterfall: [
      { kind: 'insuranceFund' },
      {
        kind: 'adl',
        trigger: { kind: 'whenReached' },
        ranking: 'randomStart',
        fillPrice: 'bankruptcy',
        maxCounterparties: 500,
      },
    ],
    guardrails: { withdrawalGating: { whileDeficit: true } },
    funding: { intervalH: 1, source: 'observed', marginClampFactor: 6, paymentPrice: 'oracle' },
  },
]
