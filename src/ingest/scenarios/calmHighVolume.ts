// Control: one busy weekday of a BTC-like perp — 1,200 traders, 10 market makers quoting against all of them, shared
// exchange hot wallets funding hundreds of unrelated accounts, transfers between unrelated accounts, a cohort at
// 15–30x leverage, hourly funding. Nothing planted.
import { calmMarket } from './calmMarket.ts'
import type { ScenarioDefinition } from './definition.ts'
import { hourlySettlement } from './seasonality.ts'

const MARKET = 'CALM-BUSY-PERP'
/** Thursday 14 November 2024, 00:00 UTC. */
const ANCHOR = Date.UTC(2024, 10, 14)

export const calmHighVolume: ScenarioDefinition = {
  name: 'calm-high-volume',
  description:
    'One busy day of a BTC-like perp: many accounts, market makers trading with everyone, shared hot-wallet ' +
    'funding, ordinary transfers, a high-leverage cohort, normal funding',
  incident:
    'Control, no incident: a high-volume day (BTC-like, $60–100k, ~200k taker orders, 1,200 traders, 10 market ' +
    'makers, 8 hot wallets, ~60 transfers between unrelated accounts, 60 traders at 15–30x, hourly funding)',
  patterns: [],
  markets: [MARKET],
  generate(ctx) {
    const r = ctx.rng('parameters')
    const startPrice = r.uniform(60_000, 100_000)
    return calmMarket(ctx, {
      market: MARKET,
      fromMs: ANCHOR,
      hours: 24,
      path: { startPrice, dailyVol: r.uniform(0.025, 0.04), driftPerDay: r.uniform(-0.02, 0.02) },
      spec: {
        market: MARKET,
        tick: 0.1,
        lot: 0.0001,
        ordersPerDay: 200_000,
        halfSpreadBps: 0.3,
        levelDepthQuote: 300_000,
        sizes: { medianQuote: 2_000, sigma: 1.45 },
        seasonality: hourlySettlement(0.1),
      },
      traders: 1_200,
      makers: 10,
      traderQuote: 50_000,
      makerQuote: 2_000_000,
      openInterestQuote: 300_000_000,
      hotWallets: 8,
      transfersPerDay: 60,
      liquidationsPerDay: 80,
      branching: 0.4,
      liquidationSizes: { medianQuote: 10_000, sigma: 1.3 },
      fundingIntervalH: 1,
      premiumMeanBps: 0.8,
      idBase: 3_300_000_000,
      leveraged: { count: 60, leverage: [15, 30] },
    })
  },
}
