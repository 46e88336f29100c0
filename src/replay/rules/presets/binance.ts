// Binance USDⓈ-M presets: 2021-03-18 brackets [B4] with the 1 min mark basis, and the 2025-09-18 30 s basis [B8].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_SLIPPAGE, FUND_SIZE_NOTE, SLIPPAGE_NOTE } from './common.ts'

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

function binance(effectiveFrom: string, basisWindowS: number, basisSampleS: number, note: string): RuleSetInput {
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
      SLIPPAGE_NOTE,
      FUND_SIZE_NOTE,
    ],
    price: { mark: { method: 'medianFundingBasis', basisWindowS, basisSampleS } },
    margin: {
      mode: 'isolated',
      maintenanceBase: 'mark',
      default: { brackets: BTCUSDT_BRACKETS },
      markets: { BTCUSDT: { brackets: BTCUSDT_BRACKETS } },
    },
    trigger: { kind: 'equityBelowMaintenance' },
    execution: { kind: 'bankruptcyTakeover', slippage: DEFAULT_SLIPPAGE },
    fees: { liquidationFeeRate: 0.005, marketRates: { BTCUSDT: 0.003 }, cap: 'remainingEquity', insuranceShare: 1 },
    insuranceFund: {
      label: 'insurance fund',
      initialBalance: '10000000',
      scope: 'pooled',
      separateMarkets: ['BTCUSDT', 'ETHUSDT'],
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
  ),
  binance('2025-09-18', 30, 1, 'mark basis averaged over 30 × 1 s samples from 2025-09-18 08:01 UTC [B8]'),
]
