// One ordinary perp market with nothing planted, shared by the calm controls: the path, the population with fills and
// open interest, ordinary liquidations, funding sources (shared hot wallets, transfers between unrelated accounts),
// reference venues, index, oracle, mark, premium and funding.
import { HOUR, type Generated, type ScenarioContext } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { generatePath, midAtMs, type PathSpec } from './pricePath.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp } from './recipes.ts'
import { Tape, type MarketSpec } from './tape.ts'
import type { SizeSpec } from './tradeSizes.ts'

export interface CalmMarketOptions {
  market: string
  fromMs: number
  hours: number
  path: PathSpec
  spec: MarketSpec
  traders: number
  makers: number
  /** Typical position notional of a trader and inventory of a market maker (quote). */
  traderQuote: number
  makerQuote: number
  openInterestQuote: number
  hotWallets: number
  transfersPerDay: number
  liquidationsPerDay: number
  /** Branching ratio of ordinary liquidations (0.3–0.6: some clustering, no cascade). */
  branching: number
  liquidationSizes: SizeSpec
  fundingIntervalH: 1 | 8
  premiumMeanBps: number
  idBase: number
  /** Traders funded for high leverage on their usual position (hard negatives for withdrawal checks). */
  leveraged?: { count: number; leverage: readonly [number, number] }
}

export function calmMarket(ctx: ScenarioContext, o: CalmMarketOptions): Generated {
  const seconds = o.hours * 3600
  const toMs = o.fromMs + o.hours * HOUR
  const path = generatePath(ctx.rng('path'), o.fromMs, seconds, calmBounds(o.path))
  const price = o.path.startPrice
  const pop = ordinaryPopulation(ctx, o.market, {
    traders: o.traders,
    makers: o.makers,
    traderScale: o.traderQuote / price,
    makerScale: o.makerQuote / price,
    openInterest: o.openInterestQuote / price,
    lot: o.spec.lot,
  })
  const tape = new Tape(o.spec, path, ctx.rng('tape'))
  tape.background()
  const log = new LiquidationLog(tape)
  plantLiquidations(ctx.rng('liquidations'), log, path, {
    times: movementDrivenTimes(ctx.rng('hawkes'), path, {
      perDay: o.liquidationsPerDay,
      branching: () => o.branching,
      decayS: 30,
    }),
    sizes: o.liquidationSizes,
    lookbackS: 300,
  })
  // Some traders run high leverage on their usual position size (ordinary, and not withdrawing to maintenance).
  const leveraged = o.leveraged ? new Set(pop.spec.traders.slice(0, o.leveraged.count)) : null
  const final = writePerp(ctx, tape, {
    idBase: o.idBase,
    pop,
    window: { fromMs: o.fromMs, toMs },
    mid: (ms) => midAtMs(path, ms),
    liquidations: { log, accounts: null },
    funding: {
      price,
      wallets: o.hotWallets,
      transfersPerDay: o.transfersPerDay,
      ...(leveraged && o.leveraged ? { leveraged: { ids: leveraged, leverage: o.leveraged.leverage } } : {}),
    },
  })
  const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: o.premiumMeanBps, sdBps: 2.5, halfLifeS: 1800 })
  const feeds = publishFeeds(ctx, {
    market: o.market,
    path,
    spec: o.spec,
    premium,
    references: [
      { source: 'ref-cex-a', basisBps: 1.5 },
      { source: 'ref-cex-b', basisBps: 2, lagS: 1 },
      { source: 'ref-cex-c', basisBps: 3, biasBps: -1 },
    ],
    oracleSource: 'synthetic-oracle',
  })
  publishFunding(ctx, o.market, path, feeds.premium!, { intervalH: o.fundingIntervalH }, decimals(o.spec.tick))
  const from = new Date(o.fromMs - 36 * HOUR)
  return {
    from,
    to: new Date(toMs),
    markets: [o.market],
    accounts: [],
    attackFrom: from,
    attackTo: new Date(toMs),
    details: {
      startPrice: Number(price.toFixed(2)),
      trades: final.n,
      liquidations: log.count,
      accounts: ctx.accounts.size,
    },
  }
}

/**
 * A control must be calm: no crash, only ordinary volatility. The path keeps its clustering and heavy tails, bounded:
 * minute shocks at 4 conditional σ (a t₅ beyond that is ~0.5 % of minutes, and with the variance feedback it sets
 * off it made a 3.6 % drop in 8 minutes, calm-high-volume seed 501), jumps at their nominal size, the conditional
 * variance at 12× its long-run level (calm-volatile's). The attack scenarios keep the unbounded tails.
 */
export function calmBounds(path: PathSpec): PathSpec {
  return {
    ...path,
    maxShockSigma: path.maxShockSigma ?? 4,
    maxJumpSigma: path.maxJumpSigma ?? path.jumpSize ?? 6,
    maxVarianceRatio: Math.min(path.maxVarianceRatio ?? 12, 12),
  }
}

const decimals = (tick: number) => Math.max(0, Math.round(-Math.log10(tick)))
