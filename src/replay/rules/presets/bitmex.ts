// BitMEX preset: close at bankruptcy with surplus to the IF [X1], ADL by PnL% × EffLev at bankruptcy [X3][X4].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

export const bitmexPresets: RuleSetInput[] = [
  {
    name: 'bitmex',
    venue: 'bitmex',
    description:
      'BitMEX: bankruptcy-price liquidation, IF surplus and aggression, ADL ranked by PnL% × effective leverage.',
    effective: {
      from: '2020-03-12',
      basis: 'incident',
      note: 'these rules were in force during the 12–13 Mar 2020 crash, when ADL was fully avoided [X6][X7][X8]',
    },
    sources: ['X1', 'X2', 'X3', 'X4', 'X5', 'X6'],
    notes: [
      'risk-limit steps are not in venue-rules: one step (MMR 0.5%, 100x) is an assumption; replay linear (USDT) contracts',
      'step-down of risk limits for larger positions [X1] is modelled as 50% partial steps above $1M',
      'the liquidation fee is not in venue-rules; 0.05% is an assumption',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      "insuranceFund.initialBalance $131,374,800: 36,493 XBT, the fund's high after 12–13 Mar 2020 [X6][X7][X8] (35,760 XBT on 9 May 2020, Cointelegraph), valued at $3,600, the crash low [§2]; the engine keeps funds in quote, so a coin fund losing value with the price is not modelled",
    ],
    price: { mark: { method: 'indexMovingAverageBasis', basisWindowS: 60, basisSampleS: 1 } },
    margin: {
      mode: 'isolated',
      default: { brackets: [{ notionalFloor: 0, maxLeverage: 100, mmr: 0.005, imr: 0.01 }] },
    },
    trigger: { kind: 'equityBelowMaintenance' },
    execution: {
      kind: 'bankruptcyTakeover',
      partial: { thresholdNotional: 1_000_000, fraction: 0.5, cooldownS: 0 },
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: DEFAULT_IMPACT,
    },
    fees: { liquidationFeeRate: 0.0005, cap: 'remainingEquity' },
    insuranceFund: { label: 'insurance fund', initialBalance: '131374800', scope: 'pooled' },
    waterfall: [
      { kind: 'insuranceFund' },
      { kind: 'adl', trigger: { kind: 'whenReached' }, ranking: 'pnlPercentTimesLeverage', fillPrice: 'bankruptcy' },
    ],
    funding: { intervalH: 8, source: 'observed' },
  },
  {
    name: 'bitmex-2020-03',
    venue: 'bitmex',
    description:
      'BitMEX XBTUSD in March 2020 as the venue ran it: an inverse contract (1 USD each, margined and settled in XBT), bankruptcy-price liquidation, IF surplus and aggression, ADL ranked by PnL% × effective leverage.',
    effective: {
      from: '2020-03-12',
      basis: 'incident',
      note: 'XBTUSD during the 12–13 Mar 2020 crash, when ADL was fully avoided [X6][X7][X8]; coin-margined, so the fund is in XBT',
    },
    sources: ['X1', 'X2', 'X3', 'X4', 'X5', 'X6'],
    notes: [
      'XBTUSD is inverse: 1 USD per contract, collateral, PnL, fees, funding and the insurance fund in XBT (every amount of this rule set is in XBT); replayed as a linear contract in 1/price (ARCHITECTURE "Inverse contracts")',
      'risk-limit steps are not in venue-rules: one step (MMR 0.5%, 100x) is an assumption',
      "step-down of risk limits for larger positions [X1] is modelled as 50% partial steps above 200 XBT of position value, XBTUSD's base risk limit (an assumption: not in venue-rules)",
      'the liquidation fee is not in venue-rules; 0.05% is an assumption',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      "insuranceFund.initialBalance 36,493 XBT: the fund's high after 12–13 Mar 2020 [X6][X7][X8] (35,760 XBT on 9 May 2020, Cointelegraph); its balance before the crash is not in the sources",
    ],
    contract: { type: 'inverse', contractValue: 1, settlementAsset: 'XBT' },
    price: { mark: { method: 'indexMovingAverageBasis', basisWindowS: 60, basisSampleS: 1 } },
    margin: {
      mode: 'isolated',
      default: { brackets: [{ notionalFloor: 0, maxLeverage: 100, mmr: 0.005, imr: 0.01 }] },
    },
    trigger: { kind: 'equityBelowMaintenance' },
    execution: {
      kind: 'bankruptcyTakeover',
      partial: { thresholdNotional: 200, fraction: 0.5, cooldownS: 0 },
      intrabar: { path: 'ohlc', reactionS: 1 },
      impact: DEFAULT_IMPACT,
    },
    fees: { liquidationFeeRate: 0.0005, cap: 'remainingEquity' },
    insuranceFund: { label: 'insurance fund', initialBalance: '36493', scope: 'pooled' },
    waterfall: [
      { kind: 'insuranceFund' },
      { kind: 'adl', trigger: { kind: 'whenReached' }, ranking: 'pnlPercentTimesLeverage', fillPrice: 'bankruptcy' },
    ],
    funding: { intervalH: 8, source: 'observed' },
  },
]
