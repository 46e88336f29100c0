// OKX preset: margin ratio ≤ 100% incl. the liquidation fee [O1], ADL at mark on a 30% / 8 h fund drawdown [O2].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

export const okxPresets: RuleSetInput[] = [
  {
    name: 'okx',
    venue: 'okx',
    description:
      'OKX perpetual swaps: liquidation at margin ratio ≤ 100% including the fee, tiered partial liquidation, ADL at mark.',
    effective: {
      from: '2026-04-01',
      basis: 'attested',
      note: 'the cited OKX pages are undated mirrors [O1][O2]; the preset is what they described when venue-rules was compiled',
    },
    sources: ['O1', 'O2', 'O3', 'O4'],
    notes: [
      'OKX MMR tiers are not in venue-rules: one tier (MMR 0.4%, 100x) is an assumption; set the real tiers with derive',
      'liquidation fee 0.5% is an assumption (OKX publishes it per tier)',
      'partial liquidation of tier ≥ 3 positions [O3] is modelled as 50% steps with a 60 s check interval',
      'the ADL ranking is not described in [O2]; PnL × leverage is assumed',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      'insuranceFund.initialBalance $18.3M per market: 1% of the $1.83B OKX reported for all its risk reserves in its August 2024 security report (via a mirror); venue-rules has no figure and OKX does not publish the split per underlying, so 1% is a conservative share for one market',
    ],
    price: { mark: { method: 'indexMovingAverageBasis', basisWindowS: 60, basisSampleS: 1 } },
    margin: { mode: 'cross', default: { brackets: [{ notionalFloor: 0, maxLeverage: 100, mmr: 0.004, imr: 0.01 }] } },
    trigger: { kind: 'marginRatioInclFee', includeLiquidationFee: true, inclusive: true },
    execution: {
      kind: 'market',
      partial: { thresholdNotional: 1_000_000, fraction: 0.5, cooldownS: 60 },
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: DEFAULT_IMPACT,
    },
    fees: { liquidationFeeRate: 0.005, cap: 'remainingEquity' },
    insuranceFund: { label: 'risk reserve', initialBalance: '18300000', scope: 'perMarket' },
    waterfall: [
      { kind: 'insuranceFund' },
      {
        kind: 'adl',
        trigger: { kind: 'fundDrawdown', fraction: 0.3, windowS: 28_800 },
        ranking: 'pnlPercentTimesLeverage',
        fillPrice: 'mark',
      },
    ],
    funding: { intervalH: 8, source: 'observed' },
  },
]
