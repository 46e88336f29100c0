// GMX v2 preset from gmx-synthetics@a5c0c883 [G1]–[G4]: oracle pricing, remaining collateral < size·minCollateralFactor
// with close costs, keeper liquidation with capped impact, the GM pool as counterparty, ADL on PnL-to-pool factor.
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

export const gmxPresets: RuleSetInput[] = [
  {
    name: 'gmx-v2',
    venue: 'gmx',
    description:
      'GMX v2: oracle-priced, liquidatable when remaining collateral < size × minCollateralFactor; the pool absorbs losses.',
    effective: { from: '2026-03-13', basis: 'codeSnapshot', note: 'gmx-io/gmx-synthetics@a5c0c883' },
    sources: ['G1', 'G2', 'G3', 'G4', 'G8'],
    notes: [
      'minCollateralFactor 0.5% (venue range 0.25–1% [G4]); size in USD is fixed at entry, so maintenance is entry-based',
      'MIN_COLLATERAL_USD, MAX_PNL_FACTOR_FOR_ADL and the impact cap are governance values not in venue-rules: $1, 0.45 → 0.4 and 1% are assumptions',
      "the GM pool is modelled as the insurance fund: $50M per market, no GM pool balance being in venue-rules; it is the order of GMX v1's GLP at its $576M peak (3p) over its ~10 markets, an assumption",
      IMPACT_NOTE +
        '; liquidation impact capped at 1% (MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS, an assumed governance value [G1])',
      INTRABAR_NOTE + ' (keepers execute with the oracle price of the block; 1 s is an assumption [G7])',
    ],
    price: { mark: { method: 'oracle' } },
    margin: {
      mode: 'isolated',
      maintenanceBase: 'entry',
      default: { brackets: [{ notionalFloor: 0, maxLeverage: 100, mmr: 0.005, imr: 0.01 }] },
    },
    trigger: { kind: 'minCollateralFactor', includeLiquidationFee: true, minCollateral: '1' },
    execution: {
      kind: 'market',
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: { ...DEFAULT_IMPACT, maxFraction: 0.01 },
    },
    fees: { liquidationFeeRate: 0.002, cap: 'remainingEquity', insuranceShare: 1 },
    insuranceFund: { label: 'GM pool', initialBalance: '50000000', scope: 'perMarket' },
    waterfall: [{ kind: 'insuranceFund' }],
    profitAdl: { maxPnlToPoolFactor: 0.45, targetPnlToPoolFactor: 0.4, ranking: 'unrealizedPnl' },
    funding: { intervalH: 1, source: 'observed', paymentPrice: 'mark' },
  },
]
