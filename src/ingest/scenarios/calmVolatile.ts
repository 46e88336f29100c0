// Control: two days of a SOL-like perp in a high-volatility regime (6–8 % daily, strong clustering, jumps) with the
// ordinary liquidations such days bring, clustered but not self-exciting to the point of a cascade. Nothing planted.
import { calmMarket } from './calmMarket.ts'
import type { ScenarioDefinition } from './definition.ts'

const MARKET = 'CALM-VOLATILE-PERP'
/** Wednesday 5 February 2025, 00:00 UTC. */
const ANCHOR = Date.UTC(2025, 1, 5)

export const calmVolatile: ScenarioDefinition = {
  name: 'calm-volatile',
  description:
    'Two days of a SOL-like perp with high but ordinary volatility (6–8 %/day, clustered, jumps) and normal liquidations',
  incident:
    'Control, no incident: a volatile day without manipulation (SOL-like, $140–220, GARCH α 0.12 β 0.85, ~2 jumps a ' +
    'day, ~120 liquidations/day with branching 0.5, 300 traders, 5 market makers, 8-hourly funding)',
  patterns: [],
  markets: [MARKET],
  generate(ctx) {
    const r = ctx.rng('parameters')
    const startPrice = r.uniform(140, 220)
    return calmMarket(ctx, {
      market: MARKET,
      fromMs: ANCHOR,
      hours: 48,
      path: {
        startPrice,
        dailyVol: r.uniform(0.06, 0.08),
        driftPerDay: r.uniform(-0.02, 0.02),
        alpha: 0.12,
        beta: 0.85,
        tailNu: 5,
        jumpsPerDay: 2,
        jumpSize: 5,
        maxVarianceRatio: 12,
      },
      spec: {
        market: MARKET,
        tick: 0.001,
        lot: 0.01,
        ordersPerDay: 50_000,
        halfSpreadBps: 1.2,
        levelDepthQuote: 40_000,
        sizes: { medianQuote: 1_200, sigma: 1.4 },
      },
      traders: 300,
      makers: 5,
      traderQuote: 25_000,
      makerQuote: 300_000,
      openInterestQuote: 40_000_000,
      hotWallets: 5,
      transfersPerDay: 3,
      liquidationsPerDay: 120,
      branching: 0.5,
      liquidationSizes: { medianQuote: 5_000, sigma: 1.3 },
      fundingIntervalH: 8,
      premiumMeanBps: 0.5,
      idBase: 3_200_000_000,
    })
  },
}
