// Control: two days of a liquid perp trending steadily, with ordinary flow, liquidations, funding and accounts. Nothing
// is planted; every detector should stay at info or below.
import { DAY, type ScenarioDefinition } from './definition.ts'
import { simulateHawkes } from './hawkes.ts'
import { LiquidationLog, plantLiquidations } from './liquidations.ts'
import { generatePath, midAtMs } from './pricePath.ts'
import {
  fillsAndOpenInterest,
  fundPopulation,
  hotWallets,
  ordinaryPopulation,
  ouPerSecond,
  publishFeeds,
  publishFunding,
  writeTrades,
} from './recipes.ts'
import { Tape, type MarketSpec } from './tape.ts'

const MARKET = 'CALM-TREND-PERP'
/** Tuesday 3 June 2025, 00:00 UTC. */
const ANCHOR = Date.UTC(2025, 5, 3)

export const calmTrend: ScenarioDefinition = {
  name: 'calm-trend',
  description: 'Two days of a liquid ETH-like perp trending 2–4 %/day with ordinary flow, funding and accounts',
  incident:
    'Control, no incident: an ordinary trending market (ETH-like, $2,400–3,600, 2.2–3.2 % daily volatility, ' +
    '~45k taker orders/day, 400 traders and 6 market makers, 8-hourly funding)',
  patterns: [],
  markets: [MARKET],
  generate(ctx) {
    const days = 2
    const seconds = days * 86_400
    const fromMs = ANCHOR
    const toMs = fromMs + days * DAY
    const r = ctx.rng('parameters')
    const direction = r.chance(0.5) ? 1 : -1
    const trend = direction * r.uniform(0.02, 0.04)
    const startPrice = r.uniform(2400, 3600)
    const path = generatePath(ctx.rng('path'), fromMs, seconds, {
      startPrice,
      dailyVol: r.uniform(0.022, 0.032),
      driftPerDay: trend,
    })
    const spec: MarketSpec = {
      market: MARKET,
      tick: 0.01,
      lot: 0.001,
      ordersPerDay: 45_000,
      halfSpreadBps: 0.6,
      levelDepthQuote: 80_000,
      sizes: { medianQuote: 1_500, sigma: 1.35 },
    }
    const pop = ordinaryPopulation(ctx, MARKET, {
      traders: 400,
      makers: 6,
      traderScale: 40_000 / startPrice,
      makerScale: 500_000 / startPrice,
      openInterest: 80_000_000 / startPrice,
      lot: spec.lot,
    })
    const tape = new Tape(spec, path, ctx.rng('tape'))
    tape.background()
    const liquidations = new LiquidationLog(tape)
    plantLiquidations(ctx.rng('liquidations'), liquidations, path, {
      times: simulateHawkes(ctx.rng('hawkes'), 0, seconds, {
        baseline: () => 25 / 86_400,
        branching: () => 0.35,
        decayS: 40,
      }),
      sizes: { medianQuote: 8_000, sigma: 1.2 },
    })
    const final = tape.finalize(3_100_000_000)
    writeTrades(ctx, final)
    const mid = (ms: number) => midAtMs(path, ms)
    fillsAndOpenInterest(ctx, final, pop, { fromMs, toMs }, mid)
    liquidations.write(ctx.tables.of('liquidations', MARKET), final, null)
    fundPopulation(ctx, pop, {
      market: MARKET,
      fromMs,
      toMs,
      price: startPrice,
      hotWallets: hotWallets(ctx.rng('wallets'), 5),
    })
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: direction * 1.2, sdBps: 2.5, halfLifeS: 1800 })
    const feeds = publishFeeds(ctx, {
      market: MARKET,
      path,
      spec,
      premium,
      references: [
        { source: 'ref-cex-a', basisBps: 1.5 },
        { source: 'ref-cex-b', basisBps: 2, lagS: 1 },
        { source: 'ref-cex-c', basisBps: 3, biasBps: -1 },
      ],
      oracleSource: 'synthetic-oracle',
    })
    publishFunding(ctx, MARKET, path, feeds.premium!, { intervalH: 8 }, 2)
    const from = new Date(fromMs - 36 * 3_600_000)
    return {
      from,
      to: new Date(toMs),
      markets: [MARKET],
      accounts: [],
      attackFrom: from,
      attackTo: new Date(toMs),
      details: { trendPerDay: Number(trend.toFixed(4)), startPrice: Number(startPrice.toFixed(2)) },
    }
  },
}
