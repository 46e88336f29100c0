// Binance USDⓈ-M presets: 2021-03-18 brackets [B4] with the 1 min mark basis, and the 2025-09-18 30 s basis [B8].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

/** BTCUSDT brackets announced 2021-03-18 [B4]; cum follows from [B2] (V7). */
const BTCUSDT_BRACKETS = [
  { notionalFloor: 0, maxLeverage: 125, mmr: 0.004, imr: 0.008 },
  { notionalFloor: 50_000, maxLeverage: 100, mmr: 0.005, imr: 0.01 },
  { notionalFloor: 250_000, maxLeverage: 50, mmr: 0.01, imr: 0.02 },
  { notionalFloor: 1_000_000, maxLeverage: 20, mmr: 0.025, imr: 0.05 },
  { notionalFloor: 10_000_000, maxLeverage: 10, mmr: 0.05, imr: 0.1 },
  { notionalFloor: 20_000_000, maxLeverage: 5, mmr: 0.1, imr: 0.2 },
  { notionalFloor: 50_000_000, maxLeverage: 4, mmr: 0.125, imr: 0.25 },
  { notionalFloor: 100_000_000, maxLeverage: 3, mmr: 0.15, imr: 0.333 },
  { notionalFloor: 200_000_000, maxLeverage: 2, mmr: 0.25, imr: 0.5 },
  { notionalFloor: 300_000_000, maxLeverage: 1, mmr: 0.5, imr: 1 },
]

interface Fund {
  balance: string
  separateMarkets: string[]
  note: string
}

/**
 * Insurance funds by period. 2020–2021: the BTCUSDT fund held 21,005,925 USDT on 10 May 2020 before a drop to
 * 7,731,989 (Cointelegraph, 11 May 2020); no figure for the ETHUSDT and shared funds of the period, given the same.
 * 2025: the fund shared by BTC, ETH and BNB USDT-M contracts held ≈ $1.23B before 10 Oct 2025 and ≈ $1.04B after it
 * (Binance's Insurance Fund History as reported on Binance Square, Oct 2025).
 */
const FUND_2020: Fund = {
  balance: '21005925',
  separateMarkets: ['BTCUSDT', 'ETHUSDT'],
  note: 'insuranceFund.initialBalance 21,005,925 USDT: the BTCUSDT fund on 10 May 2020 (Cointelegraph, 11 May 2020); the ETHUSDT and shared funds of the period are not published and get the same figure',
}
const FUND_2025: Fund = {
  balance: '1230000000',
  separateMarkets: [],
  note: 'insuranceFund.initialBalance $1.23B: the fund shared by BTC, ETH and BNB USDT-M contracts before 10 Oct 2025 ($1.04B after it; Binance Insurance Fund History via Binance Square, Oct 2025); here every market shares it',
}

function binance(
  effectiveFrom: string,
  basisWindowS: number,
  basisSampleS: number,
  note: string,
  fund: Fund,
): RuleSetInput {
  return {
    name: 'binance-um',
    venue: 'binance-um',
    description:
      'Binance USDⓈ-M perpetuals: bracket MMR with maintenance amounts, liquidation at bankruptcy, IF then ADL.',
    effective: { from: effectiveFrom, basis: 'announced', note },
    sources: ['B1', 'B2', 'B4', 'B5', 'B7', 'B8', 'B9', 'B11', 'B12', 'B13'],
    notes: [
      'markets without a published bracket table use the BTCUSDT table of 2021-03-18 [B4]; override per market',
      'liquidation fee 0.3% BTCUSDT and 0.5% others is the older documented rate [B9]; 2024 reviews report 0.75–2.25% [B16]',
      IMPACT_NOTE,
      INTRABAR_NOTE,
      fund.note,
    ],
    price: { mark: { method: 'medianFundingBasis', basisWindowS, basisSampleS } },
    margin: {
      mode: 'isolated',
      maintenanceBase: 'mark',
      default: { brackets: BTCUSDT_BRACKETS },
      markets: { BTCUSDT: { brackets: BTCUSDT_BRACKETS } },
    },
    trigger: { kind: 'equityBelowMaintenance' },
    execution: { kind: 'bankruptcyTakeover', intrabar: { path: 'ohlc', reactionS: 1 }, impact: DEFAULT_IMPACT },
    fees: { liquidationFeeRate: 0.005, marketRates: { BTCUSDT: 0.003 }, cap: 'remainingEquity', insuranceShare: 1 },
    insuranceFund: {
      label: 'insurance fund',
      initialBalance: fund.balance,
      scope: 'pooled',
      separateMarkets: fund.separateMarkets,
      takeoverNotionalCap: 1,
    },
    waterfall: [
      { kind: 'insuranceFund' },
      { kind: 'adl', trigger: { kind: 'whenReached' }, ranking: 'pnlPercentTimesLeverage', fillPrice: 'bankruptcy' },
    ],
    funding: { intervalH: 8, source: 'observed', interestRate8h: 0.0001, premiumClamp8h: 0.0005, paymentPrice: 'mark' },
  }
}

export const binancePresets: RuleSetInput[] = [
  binance(
    '2021-03-18',
    60,
    5,
    'BTCUSDT brackets announced 2021-03-18 [B4]; mark basis moving average over 1 min until 2025-09-18 [B8]',
    FUND_2020,
  ),
  binance('2025-09-18', 30, 1, 'mark basis averaged over 30 × 1 s samples from 2025-09-18 08:01 UTC [B8]', FUND_2025),
]
