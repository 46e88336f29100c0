// Bybit USDT perpetual preset: entry-value maintenance [Y1], 5 min basis mark [Y3], ADL at bankruptcy [Y4][Y5].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

export const bybitPresets: RuleSetInput[] = [
  {
    name: 'bybit',
    venue: 'bybit',
    description:
      'Bybit USDT perpetuals: isolated LP on entry value, bankruptcy-price liquidation, pooled IF, ADL on drawdown.',
    effective: {
      from: '2025-01-01',
      basis: 'attested',
      note: 'the ADL drawdown trigger is from a 2025 help page [Y5]; pool structure from [Y6] (3p)',
    },
    sources: ['Y1', 'Y3', 'Y4', 'Y5', 'Y6', 'Y2'],
    notes: [
      'only the base risk-limit tier (MMR 0.5%, 100x) is in venue-rules [Y1]; add higher tiers with derive',
      'liquidation fee = taker fee 0.075% of the closed notional [Y2][Y4]',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      'insuranceFund.initialBalance $2M: the low end of the $2–4M Bybit portfolio pools held [Y6] (3p); a conservative figure for one pool',
    ],
    price: { mark: { method: 'medianFundingBasis', basisWindowS: 300, basisSampleS: 1 } },
    margin: {
      mode: 'isolated',
      maintenanceBase: 'entry',
      default: { brackets: [{ notionalFloor: 0, maxLeverage: 100, mmr: 0.005, imr: 0.01 }] },
    },
    trigger: { kind: 'equityBelowMaintenance' },
    execution: { kind: 'bankruptcyTakeover', intrabar: { path: 'ohlc', reactionS: 1 }, impact: DEFAULT_IMPACT },
    fees: { liquidationFeeRate: 0.00075, cap: 'remainingEquity', takerFeeRate: 0.00075 },
    insuranceFund: { label: 'insurance pool', initialBalance: '2000000', scope: 'pooled' },
    waterfall: [
      { kind: 'insuranceFund' },
      {
        kind: 'adl',
        trigger: { kind: 'fundDrawdown', fraction: 1, windowS: 28_800 },
        ranking: 'pnlPercentTimesLeverage',
        fillPrice: 'bankruptcy',
      },
    ],
    funding: { intervalH: 8, source: 'observed' },
  },
]
