// Control: two days of a liquid perp trending steadily, with ordinary flow, liquidations, funding and accounts. Nothing
// is planted; every detector should stay at info or below.
import { calmMarket } from './calmMarket.ts'
import type { ScenarioDefinition } from './definition.ts'

const MARKET = 'CALM-TREND-PERP'
/** Tuesday 3 June 2025, 00:00 UTC. */
const ANCHOR = Date.UTC(2025, 5, 3)

export const calmTrend: ScenarioDefinition = {
  name: 'calm-trend',
  description: 'Two days of a liquid ETH-like perp trending 2–4 %/day with ordinary flow, funding and accounts',
  incident:
    'Control, no incident: an ordinary trending market (ETH-like, $2,400–3,600, 2.2–3.2 % daily volatility, ' +
    '~45k taker orders/day, 400 traders and 6 market makers, shared hot-wallet funding, 8-hourly funding)',
  patterns: [],
  markets: [MARKET],
  generate(ctx) {
    const r = ctx.rng('parameters')
    const direction = r.chance(0.5) ? 1 : -1
    const trend = direction * r.uniform(0.02, 0.04)
    const startPrice = r.uniform(2400, 3600)
    const g = calmMarket(ctx, {
      market: MARKET,
      fromMs: ANCHOR,
      hours: 48,
      path: { startPrice, dailyVol: r.uniform(0.022, 0.032), driftPerDay: trend },
      spec: {
        market: MARKET,
        tick: 0.01,
        lot: 0.001,
        ordersPerDay: 45_000,
        halfSpreadBps: 0.6,
        levelDepthQuote: 80_000,
        sizes: { medianQuote: 1_500, sigma: 1.35 },
      },
      traders: 400,
      makers: 6,
      traderQuote: 40_000,
      makerQuote: 500_000,
      openInterestQuote: 80_000_000,
      hotWallets: 5,
      transfersPerDay: 3,
      liquidationsPerDay: 25,
      branching: 0.35,
      liquidationSizes: { medianQuote: 8_000, sigma: 1.2 },
      fundingIntervalH: 8,
      premiumMeanBps: direction * 1.2,
      idBase: 3_100_000_000,
    })
    return { ...g, details: { ...g.details, trendPerDay: Number(trend.toFixed(4)) } }
  },
}
