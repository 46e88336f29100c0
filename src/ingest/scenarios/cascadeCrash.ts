// A market-wide crash modelled on 10 Oct 2025: a macro shock, then a self-exciting liquidation cascade across BTC,
// ETH and SOL perps (Hawkes branching ratio near 1 during the cascade, ~0.35 before), books thinning to a few percent
// of their depth, spreads widening, volume exploding, ADL at the worst minutes, then a partial recovery.
import { HOUR, MINUTE, type ScenarioDefinition } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { addOverlay, generatePath, midAtMs, ramp, scaleSigma, type PricePath } from './pricePath.ts'
import { ouPerSecond, publishFeeds, publishFunding, writeTrades } from './recipes.ts'
import type { Rng } from './random.ts'
import { Tape, type MarketSpec } from './tape.ts'
import { roundTo } from './tradeSizes.ts'
import type { ScenarioContext } from './definition.ts'

/** Thursday 9 October 2025, 00:00 UTC; the data runs 36 h. */
const ANCHOR = Date.UTC(2025, 9, 9)

interface CoinSpec {
  market: string
  price: readonly [number, number]
  beta: number
  /** Drop relative to BTC's. */
  dropScale: number
  tick: number
  lot: number
  ordersPerDay: number
  depth: number
  sizeMedian: number
  liquidationsPerDay: number
  oiQuote: number
}

const COINS: readonly CoinSpec[] = [
  {
    market: 'CASCADE-BTC-PERP',
    price: [115_000, 125_000],
    beta: 1,
    dropScale: 1,
    tick: 0.1,
    lot: 0.001,
    ordersPerDay: 100_000,
    depth: 400_000,
    sizeMedian: 3_000,
    liquidationsPerDay: 60,
    oiQuote: 9e9,
  },
  {
    market: 'CASCADE-ETH-PERP',
    price: [4_100, 4_500],
    beta: 1.25,
    dropScale: 1.4,
    tick: 0.01,
    lot: 0.001,
    ordersPerDay: 70_000,
    depth: 250_000,
    sizeMedian: 2_000,
    liquidationsPerDay: 50,
    oiQuote: 6e9,
  },
  {
    market: 'CASCADE-SOL-PERP',
    price: [210, 230],
    beta: 1.5,
    dropScale: 2.2,
    tick: 0.001,
    lot: 0.01,
    ordersPerDay: 40_000,
    depth: 80_000,
    sizeMedian: 1_200,
    liquidationsPerDay: 40,
    oiQuote: 2e9,
  },
]

export const cascadeCrash: ScenarioDefinition = {
  name: 'cascade-crash',
  description:
    'Market-wide crash across three perps: a macro shock, then a self-exciting liquidation cascade with thinning ' +
    'depth, wide spreads and ADL, then a partial recovery',
  incident:
    '10–11 Oct 2025 market-wide liquidations: BTC 122k → ~102–105k, alts far worse, depth ~−98 % at worst, $19.1B ' +
    'liquidated, $3.21B in 60 s at 21:15 UTC; Hyperliquid ran cross-margin ADL (venue-rules §2, [C1], [H26]–[H31]). ' +
    'Scaled: BTC −12 to −18 %, ETH ×1.4 and SOL ×2.2 of that, cascade 10–20 min',
  patterns: ['liquidation-cascade'],
  markets: COINS.map((c) => c.market),
  generate(ctx) {
    const hours = 36
    const seconds = hours * 3600
    const fromMs = ANCHOR
    const toMs = fromMs + hours * HOUR
    const r = ctx.rng('crash')
    const shockStart = (24 + r.uniform(0, 5)) * 3600
    const shockMinutes = r.uniform(25, 60)
    const cascadeStart = shockStart + shockMinutes * 60
    const cascadeMinutes = r.uniform(10, 20)
    const cascadeEnd = cascadeStart + cascadeMinutes * 60
    const btcDrop = r.uniform(0.12, 0.18)
    const recoveryShare = r.uniform(0.3, 0.6)
    const recoveryMinutes = r.uniform(60, 180)
    const branchingPeak = r.uniform(0.9, 0.97)
    const depthFloor = r.uniform(0.02, 0.08)

    // One market factor drives all three coins; each adds its own noise.
    const factor = generatePath(ctx.rng('factor'), fromMs, seconds, {
      startPrice: 1,
      dailyVol: 0.022,
      jumpsPerDay: 0.4,
    })
    const crashShape = (s: number) =>
      0.3 * ramp(s, shockStart, cascadeStart) +
      0.7 * ramp(s, cascadeStart, cascadeEnd) -
      recoveryShare * ramp(s, cascadeEnd + 5 * 60, cascadeEnd + recoveryMinutes * 60)
    const stress = (s: number) =>
      ramp(s, shockStart, cascadeStart) * 0.3 +
      ramp(s, cascadeStart, cascadeStart + 120) * 0.7 -
      ramp(s, cascadeEnd, cascadeEnd + 45 * 60) * 0.85

    let liquidationCount = 0
    let adlCount = 0
    COINS.forEach((coin, k) => {
      const cr = ctx.rng(`${coin.market}/parameters`)
      const start = cr.uniform(coin.price[0], coin.price[1])
      const drop = Math.min(0.75, btcDrop * coin.dropScale)
      const own = generatePath(ctx.rng(`${coin.market}/path`), fromMs, seconds, {
        startPrice: start,
        dailyVol: 0.012 * coin.beta,
        jumpsPerDay: 0.3,
      })
      // log price = own + beta × factor − crash.
      for (let s = 0; s < seconds; s++) own.logMid[s] = own.logMid[s]! + coin.beta * factor.logMid[s]!
      addOverlay(own, (s) => Math.log(1 - drop * crashShape(s)))
      scaleSigma(own, (s) => 1 + 6 * Math.max(0, stress(s)))
      const spec: MarketSpec = {
        market: coin.market,
        tick: coin.tick,
        lot: coin.lot,
        ordersPerDay: coin.ordersPerDay,
        halfSpreadBps: 0.5,
        levelDepthQuote: coin.depth,
        sizes: { medianQuote: coin.sizeMedian, sigma: 1.4 },
      }
      // Volume follows the path's volatility (scaled above); spreads widen and depth drains on top of it.
      const tape = new Tape(spec, own, ctx.rng(`${coin.market}/tape`), {
        spread: (s) => 1 + 8 * Math.max(0, stress(s)),
        depth: (s) => 1 - (1 - depthFloor) * Math.max(0, stress(s)),
      })
      tape.background()
      const log = new LiquidationLog(tape)
      const times = movementDrivenTimes(ctx.rng(`${coin.market}/hawkes`), own, {
        perDay: coin.liquidationsPerDay,
        branching: (s) =>
          0.35 +
          (branchingPeak - 0.35) *
            ramp(s, cascadeStart - 120, cascadeStart + 60) *
            (1 - ramp(s, cascadeEnd, cascadeEnd + 600)),
        decayS: 12,
      })
      plantLiquidations(ctx.rng(`${coin.market}/liquidations`), log, own, {
        times,
        sizes: { medianQuote: 6_000, sigma: 1.4, tailAlpha: 1.3, tailShare: 0.05 },
      })
      liquidationCount += log.count
      adlCount += plantAdl(ctx.rng(`${coin.market}/adl`), log, tape, own, cascadeStart, cascadeEnd)
      const final = tape.finalize(5_000_000_000 + k * 200_000_000)
      writeTrades(ctx, final)
      log.write(ctx.tables.of('liquidations', coin.market), final, null)
      writeOpenInterest(ctx, ctx.rng(`${coin.market}/oi`), own, coin, stress, drop)
      const premium = ouPerSecond(ctx.rng(`${coin.market}/premium`), seconds, { meanBps: 1, sdBps: 2, halfLifeS: 1800 })
      for (let s = 0; s < seconds; s++) premium[s] = premium[s]! - 0.004 * Math.max(0, stress(s)) * cr.uniform(0.8, 1.2)
      const feeds = publishFeeds(ctx, {
        market: coin.market,
        path: own,
        spec,
        premium,
        perVenue: false,
        references: [
          { source: 'ref-cex-a', basisBps: 1 },
          { source: 'ref-cex-b', basisBps: 1.5, lagS: 1 },
          { source: 'ref-cex-c', basisBps: 2 },
        ],
      })
      publishFunding(ctx, coin.market, own, feeds.premium!, { intervalH: 8 }, 2)
    })
    return {
      from: new Date(fromMs),
      to: new Date(toMs),
      markets: COINS.map((c) => c.market),
      accounts: [],
      attackFrom: new Date(fromMs + shockStart * 1000),
      attackTo: new Date(fromMs + cascadeEnd * 1000 + 30 * MINUTE),
      details: {
        shockStart: new Date(fromMs + shockStart * 1000).toISOString(),
        cascadeStart: new Date(fromMs + cascadeStart * 1000).toISOString(),
        cascadeMinutes: Number(cascadeMinutes.toFixed(1)),
        btcDrop: Number(btcDrop.toFixed(4)),
        branchingPeak: Number(branchingPeak.toFixed(3)),
        depthFloor: Number(depthFloor.toFixed(3)),
        liquidations: liquidationCount,
        adl: adlCount,
      },
    }
  },
}

/** Auto-deleveraging of profitable shorts in the worst minutes (no market trade: the venue matches them directly). */
function plantAdl(rng: Rng, log: LiquidationLog, tape: Tape, path: PricePath, from: number, to: number): number {
  const count = rng.intBetween(15, 60)
  for (let i = 0; i < count; i++) {
    const s = rng.uniform(from + 0.3 * (to - from), to)
    const ms = path.fromMs + s * 1000
    const price = tape.midAt(ms)
    const qty = Math.max(tape.spec.lot, roundTo(rng.logNormal(20_000, 1.2) / price, tape.spec.lot))
    log.record({ ms, side: 'short', kind: 'adl', qty, price })
  }
  return count
}

/** Open interest every 5 minutes: a slow random walk, flushed by the crash (liquidations and panic closes). */
function writeOpenInterest(
  ctx: ScenarioContext,
  rng: Rng,
  path: PricePath,
  coin: CoinSpec,
  stress: (s: number) => number,
  drop: number,
): void {
  const rows = ctx.tables.of('open_interest', coin.market)
  const start = coin.oiQuote / Math.exp(path.logMid[0]!)
  let walk = 0
  let flushed = 0
  for (let s = 0; s < path.seconds; s += 300) {
    walk = 0.97 * walk + 0.006 * rng.normal()
    flushed = Math.max(flushed, Math.max(0, stress(s)) * Math.min(0.5, 1.5 * drop))
    const base = start * Math.exp(walk) * (1 - flushed)
    const mid = midAtMs(path, path.fromMs + s * 1000)
    rows.add((path.fromMs + s * 1000) * 1000, Number(base.toFixed(3)), Number((base * mid).toFixed(2)))
  }
}
