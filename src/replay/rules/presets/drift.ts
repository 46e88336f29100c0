// Drift v2 preset from protocol-v2@0ae3e3b1 [R1]–[R8]: oracle margining, per-market capped IF claims by contract
// tier, fee pool, loss socialized through cumulative funding, mark/oracle band on fills.
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

export const driftPresets: RuleSetInput[] = [
  {
    name: 'drift',
    venue: 'drift',
    description:
      'Drift v2 perps: total collateral < maintenance, liquidator takeover, IF (capped per market) → fee pool → socialized loss.',
    effective: { from: '2026-04-01', basis: 'codeSnapshot', note: 'drift-labs/protocol-v2@0ae3e3b1' },
    sources: ['R1', 'R2', 'R3', 'R4', 'R6', 'R7', 'R8'],
    notes: [
      'per-market margin ratios are not in venue-rules: 10% initial / 5% maintenance is an assumption; size premium disabled (imfFactor 0)',
      'IF claim caps by contract tier: A $100M (SOL/BTC/ETH-PERP here), B $1M (others) [R4]',
      'liquidator fee 1% (to the liquidator) and the IF fee are modelled as one 1% fee, 10% of it to the IF',
      'a liquidation closes just enough to bring equity back to maintenance + 2% of notional [R1][R4]; the progressive cap on how much may go per slot (about a minute to 100%) and the liquidator-fee escalation are not modelled',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      "insuranceFund.initialBalance $1M: venue-rules and the sources found give no Drift fund balance; $1M (the per-market claim cap of tier B [R4], and dYdX v4's seeded fund) is a conservative default: losses reach the fee pool and socialization sooner",
    ],
    price: { mark: { method: 'oracle' } },
    margin: { mode: 'cross', default: { brackets: [{ notionalFloor: 0, maxLeverage: 10, mmr: 0.05, imr: 0.1 }] } },
    trigger: { kind: 'collateralBelowMaintenance' },
    execution: {
      kind: 'market',
      partial: { sizing: 'restoreMargin', fraction: 1, marginBuffer: 0.02 },
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: DEFAULT_IMPACT,
    },
    fees: { liquidationFeeRate: 0.01, cap: 'remainingEquity', insuranceShare: 0.1, otherRecipient: 'liquidator' },
    insuranceFund: {
      label: 'insurance fund',
      initialBalance: '1000000',
      scope: 'pooled',
      cumulativeClaimCap: '1000000',
      marketCumulativeClaimCaps: { 'SOL-PERP': '100000000', 'BTC-PERP': '100000000', 'ETH-PERP': '100000000' },
      minReserve: '0.000001',
    },
    feePool: { initialBalance: '0' },
    waterfall: [{ kind: 'insuranceFund' }, { kind: 'feePool' }, { kind: 'socializeLoss' }],
    guardrails: { priceBand: { maxDeviation: 0.1, referenceWindowS: 300 } },
    funding: { intervalH: 1, source: 'observed', paymentPrice: 'oracle' },
  },
]
