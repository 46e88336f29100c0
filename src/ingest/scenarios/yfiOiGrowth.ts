// dYdX YFI-USD, Nov 2023: one actor spreads 5x longs over 100+ wallets funded from a common source, entering in
// correlated waves, so open interest grows ×50–80 over days while volume stays near its usual level and spot is
// bought up; then the price drops 30–45 % and the wallets are liquidated in a cascade.
import { HeldPosition, ledgerRow } from './attack.ts'
import { DAY, MINUTE, type ScenarioDefinition } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { addOverlay, derivePath, generatePath, midAtMs, ramp } from './pricePath.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp, writeTrades } from './recipes.ts'
import { Tape, type MarketSpec } from './tape.ts'
import { syntheticMaintenanceRate } from '../../domain/syntheticVenue.ts'

const PERP = 'YFI-OI-PERP'
const SPOT_VENUES = ['ref-spot-a', 'ref-spot-b'] as const
/** Monday 11 November 2024, 00:00 UTC; eight days of data. */
const ANCHOR = Date.UTC(2024, 10, 11)

export const yfiOiGrowth: ScenarioDefinition = {
  name: 'yfi-oi-growth',
  description:
    'Open interest grows ×50–80 over days on flat volume as 100–150 wallets funded from a common source enter ' +
    'longs in correlated waves; then a 30–45 % drop liquidates them in a cascade',
  incident:
    'dYdX v3 YFI-USD, 17–18 Nov 2023: one actor, 100+ wallets, 5x longs, spot bought (+215 %); YFI OI $0.8M → $67M; ' +
    'YFI fell ~30 % in 1 h and 43–45 % overall; $38M liquidated, insurance fund −$9M (venue-rules §2, [I1]–[I4]). ' +
    'Scaled: OI ×50–80 over ~5 days, drop 30–45 %',
  patterns: ['oi-concentration', 'liquidation-cascade'],
  markets: [PERP, ...SPOT_VENUES.map((v) => `${PERP}@${v}`)],
  generate(ctx) {
    const days = 8
    const seconds = days * 86_400
    const fromMs = ANCHOR
    const toMs = fromMs + days * DAY
    const r = ctx.rng('attack')
    const startPrice = r.uniform(6_000, 9_000)
    const mmr = syntheticMaintenanceRate(PERP)
    const growthStart = r.uniform(1, 1.5) * 86_400
    const crash = r.uniform(6.5, 7.2) * 86_400
    const crashMinutes = r.uniform(60, 120)
    const drop = r.uniform(0.3, 0.45)
    const pump = r.uniform(0.3, 0.8)
    const growth = r.uniform(50, 80)
    const wallets = r.intBetween(100, 150)
    const initialOi = r.uniform(0.8e6, 1.2e6)

    const latent = generatePath(ctx.rng('path'), fromMs, seconds, { startPrice, dailyVol: 0.05, jumpsPerDay: 0.8 })
    // Spot is bought up in the first days of the build, then holds while the longs keep growing; then the price
    // breaks: ~70 % of the drop in the first hour.
    const plateau = growthStart + 0.45 * (crash - growthStart)
    addOverlay(latent, (s) => {
      const up = Math.log(1 + pump) * ramp(s, growthStart, plateau)
      const first = Math.min(1, (s - crash) / 3600)
      const down =
        s < crash ? 0 : 0.7 * Math.max(0, first) + 0.3 * ramp(s, crash + 3600, crash + crashMinutes * 60 + 3600)
      return up + Math.log(1 - drop * down)
    })
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: 3, sdBps: 10, halfLifeS: 3600 })
    const perpPath = derivePath(latent, (s) => premium[s]!)
    const spotPaths = SPOT_VENUES.map((venue) => {
      const basis = ouPerSecond(ctx.rng(`${venue}/basis`), seconds, { meanBps: 0, sdBps: 12, halfLifeS: 600 })
      return derivePath(latent, (s) => basis[s]!)
    })
    SPOT_VENUES.forEach((venue, v) => {
      const tape = new Tape(
        {
          market: `${PERP}@${venue}`,
          tick: 0.01,
          lot: 0.0001,
          ordersPerDay: 3_500,
          halfSpreadBps: 8,
          levelDepthQuote: 25_000,
          sizes: { medianQuote: 2_500, sigma: 1.3 },
        },
        spotPaths[v]!,
        ctx.rng(`${venue}/tape`),
      )
      tape.background()
      // The actor's spot buying: steady, small clips through the growth phase.
      const sr = ctx.rng(`${venue}/attack`)
      for (let s = growthStart; s < crash; s += sr.exponential(900)) {
        tape.order({ ms: fromMs + s * 1000, side: 'buy', notional: sr.logNormal(20_000, 0.4) })
      }
      writeTrades(ctx, tape.finalize(4_100_000_000 + v * 100_000_000))
    })

    const spec: MarketSpec = {
      market: PERP,
      tick: 0.01,
      lot: 0.0001,
      ordersPerDay: 6_000,
      halfSpreadBps: 6,
      levelDepthQuote: 40_000,
      sizes: { medianQuote: 4_000, sigma: 1.3 },
    }
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 180,
      makers: 4,
      // Small positions: the market's own open interest stays near its starting level without the actor.
      traderScale: 5_000 / startPrice,
      makerScale: 60_000 / startPrice,
      openInterest: initialOi / startPrice,
      lot: spec.lot,
    })
    // Two hedged market makers absorb the actor's buying (they hedge on spot; their perp shorts just grow).
    const absorbers = ctx.accounts.addresses(ctx.rng('absorbers'), 2)
    const actors = ctx.accounts.addresses(ctx.rng('wallets'), wallets)
    const funders = [ctx.rng('funders').address(), ctx.rng('funders/second').address()]
    const tape = new Tape(spec, perpPath, ctx.rng('perp/tape'))
    tape.background()
    const log = new LiquidationLog(tape)

    // Entries in waves: each wave a share of the wallets buys within minutes, similar sizes, similar leverage.
    const totalNotional = initialOi * (growth - 1)
    const perWallet = totalNotional / wallets
    const held = new Map<number, HeldPosition>()
    const lr = ctx.rng('attack/ledger')
    const waves = Math.round(((crash - growthStart) / 86_400) * r.uniform(2, 4))
    const remaining = new Map(actors.map((id) => [id, perWallet * r.logNormal(1, 0.2)]))
    // Later waves are larger: most of the open interest is added near the top.
    const waveShare = (w: number) => 0.1 + 0.35 * (w / Math.max(1, waves - 1))
    const funded = new Set<number>()
    for (let w = 0; w < waves; w++) {
      const t0 = growthStart + ((crash - 6 * 3600 - growthStart) * (w + r.uniform(0.1, 0.9))) / waves
      const share = waveShare(w)
      for (const id of actors) {
        if (!r.chance(share) && w < waves - 1) continue
        const left = remaining.get(id)!
        if (left <= 0) continue
        const notional = w === waves - 1 ? left : left * r.uniform(0.2, 0.5)
        remaining.set(id, left - notional)
        const at = t0 + r.uniform(0, 20 * 60)
        if (!funded.has(id)) {
          // Funded in the hours before its first entry, from one of two wallets, with similar amounts.
          funded.add(id)
          const deposit = (perWallet / 5) * lr.uniform(1.05, 1.25)
          const funder = lr.chance(0.75) ? funders[0]! : funders[1]!
          ledgerRow(ctx, lr, PERP, {
            ms: fromMs + (at - lr.uniform(600, 6 * 3600)) * 1000,
            account: id,
            delta: deposit,
            kind: 'deposit',
            counterparty: funder,
          })
          held.set(id, new HeldPosition(0, 0, deposit, mmr))
        }
        const f = tape.order({ ms: fromMs + at * 1000, side: 'buy', notional, taker: id, maker: absorbers[r.int(2)]! })
        const h = held.get(id)!
        h.entry = (h.entry * h.qty + f.notional) / (h.qty + f.qty)
        h.qty += f.qty
      }
    }
    // The drop liquidates the wallets (each at its own threshold), taken by the market as forced sells.
    let liquidated = 0
    let liquidatedNotional = 0
    for (const [id, h] of held) {
      const s = h.liquidationSecond(perpPath, crash - 3600)
      if (s === null) continue
      log.liquidate({
        ms: fromMs + (s + r.uniform(0, 20)) * 1000,
        side: 'long',
        qty: Number(h.qty.toFixed(4)),
        account: id,
      })
      liquidated++
      liquidatedNotional += h.qty * Math.exp(perpPath.logMid[s]!)
    }
    // And ordinary longs caught in it, self-exciting.
    plantLiquidations(ctx.rng('perp/liquidations'), log, perpPath, {
      times: movementDrivenTimes(ctx.rng('perp/hawkes'), perpPath, {
        perDay: 6,
        branching: (s) =>
          0.35 + 0.5 * ramp(s, crash - 300, crash + 300) * (1 - ramp(s, crash + 2 * 3600, crash + 3 * 3600)),
        decayS: 20,
        sensitivity: 1,
        maxPerSecond: 0.05,
      }),
      sizes: { medianQuote: 8_000, sigma: 1.1, maxMultiple: 100 },
      lookbackS: 600,
    })

    writePerp(ctx, tape, {
      idBase: 4_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(perpPath, ms),
      liquidations: { log, accounts: ctx.accounts },
      funding: {
        price: startPrice,
        wallets: 4,
        walletStream: 'hot',
        extra: absorbers.map((id) => ({ id, equity: totalNotional * 0.3 })),
      },
    })
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path: perpPath,
      spec,
      premium,
      everyS: 10,
      references: SPOT_VENUES.map((venue, v) => ({
        source: venue,
        basisBps: 0,
        follow: (s: number) => spotPaths[v]!.logMid[s]!,
      })),
      oracleSource: 'synthetic-oracle',
    })
    publishFunding(ctx, PERP, perpPath, feeds.premium!, { intervalH: 1 }, 2)
    return {
      from: new Date(fromMs - 36 * 3_600_000),
      to: new Date(toMs),
      markets: [PERP, ...SPOT_VENUES.map((v) => `${PERP}@${v}`)],
      accounts: actors.map((id) => ctx.accounts.name(id)),
      attackFrom: new Date(fromMs + growthStart * 1000 - 6 * 3_600_000),
      attackTo: new Date(fromMs + crash * 1000 + (crashMinutes + 90) * MINUTE),
      details: {
        wallets,
        waves,
        fundingWallets: funders,
        initialOpenInterestQuote: Math.round(initialOi),
        targetGrowth: Number(growth.toFixed(1)),
        spotPump: Number(pump.toFixed(3)),
        crashStart: new Date(fromMs + crash * 1000).toISOString(),
        drop: Number(drop.toFixed(3)),
        walletsLiquidated: liquidated,
        liquidatedNotional: Math.round(liquidatedNotional),
      },
    }
  },
}
