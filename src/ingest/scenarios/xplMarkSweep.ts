// Hyperliquid XPL hyperp, 26–27 Aug 2025: on a thin pre-launch market priced only from its own book, one freshly
// funded taker sweeps the asks and lifts the mark ×2.6–3.2 in about two minutes while the external pre-market price
// stays flat; a cluster of short liquidations follows; linked wallets that were long beforehand sell into it.
import { ledgerRow } from './attack.ts'
import { HOUR, MINUTE, type ScenarioDefinition } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { addOverlay, generatePath, midAtMs, ramp, scaleSigma } from './pricePath.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp } from './recipes.ts'
import { hourlySettlement } from './seasonality.ts'
import { Tape, type MarketSpec } from './tape.ts'
import { syntheticMaintenanceRate } from '../../domain/syntheticVenue.ts'

const PERP = 'XPL-SWEEP-PERP'
/** Tuesday 26 August 2025, 00:00 UTC; 36 hours of data. */
const ANCHOR = Date.UTC(2025, 7, 26)

export const xplMarkSweep: ScenarioDefinition = {
  name: 'xpl-mark-sweep',
  description:
    'A thin pre-launch perp priced from its own book is swept ×2.6–3.2 in 1.5–3 min by one taker while the ' +
    'external pre-market reference stays flat; short liquidations cluster right after',
  incident:
    'Hyperliquid XPL hyperp, 26–27 Aug 2025: a wallet deposited $16M and swept the book 0.60 → 1.80 in ~2 min vs ' +
    'Binance pre-market 0.55; ≥$17M liquidations, four wallets made $38–46M; the hyperp mark was then capped at ' +
    '10× its 8 h EMA (venue-rules §2, [H22]–[H25])',
  patterns: ['oracle-deviation', 'thin-market-push', 'liquidation-cascade'],
  markets: [PERP],
  generate(ctx) {
    const hours = 36
    const seconds = hours * 3600
    const fromMs = ANCHOR
    const toMs = fromMs + hours * HOUR
    const r = ctx.rng('attack')
    const startPrice = r.uniform(0.55, 0.65)
    const richness = r.uniform(0.03, 0.09)
    const sweepStart = (24 + r.uniform(0, 8)) * 3600
    const sweepS = r.uniform(90, 180)
    const sweepEnd = sweepStart + sweepS
    const factor = r.uniform(2.6, 3.2)
    const holdS = r.uniform(2, 8) * 60
    const settle = r.uniform(1.15, 1.5)
    const retraceS = r.uniform(30, 90) * 60
    const deposit = r.uniform(12e6, 20e6)
    const linked = r.intBetween(2, 3)

    const path = generatePath(ctx.rng('path'), fromMs, seconds, { startPrice, dailyVol: 0.1, jumpsPerDay: 1 })
    const lnF = Math.log(factor)
    const lnS = Math.log(settle)
    const sweep = (s: number) => {
      if (s < sweepStart) return 0
      if (s < sweepEnd) return lnF * ((s - sweepStart) / sweepS) ** 0.8
      if (s < sweepEnd + holdS) return lnF
      return lnS + (lnF - lnS) * Math.exp(-(s - sweepEnd - holdS) / retraceS)
    }
    addOverlay(path, sweep)
    scaleSigma(
      path,
      (s) =>
        1 +
        2 *
          ramp(s, sweepStart - 30, sweepStart + 30) *
          (1 - ramp(s, sweepEnd + holdS, sweepEnd + holdS + 2 * retraceS)),
    )
    const spec: MarketSpec = {
      market: PERP,
      tick: 0.0001,
      lot: 1,
      ordersPerDay: 9_000,
      halfSpreadBps: 15,
      levelDepthQuote: 6_000,
      sizes: { medianQuote: 700, sigma: 1.4 },
      seasonality: hourlySettlement(0.05),
    }
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 200,
      makers: 3,
      traderScale: 30_000 / startPrice,
      makerScale: 300_000 / startPrice,
      openInterest: 8_000_000 / startPrice,
      lot: spec.lot,
    })
    const [sweeper, ...longs] = ctx.accounts.addresses(ctx.rng('attackers'), 1 + linked) as [number, ...number[]]
    const wallet = ctx.rng('attackers/wallet').address()
    const tape = new Tape(spec, path, ctx.rng('tape'), {
      rate: (s) => 1 + 4 * ramp(s, sweepStart, sweepEnd) * (1 - ramp(s, sweepEnd + holdS, sweepEnd + holdS + retraceS)),
      spread: (s) =>
        1 + 2 * ramp(s, sweepStart, sweepEnd) * (1 - ramp(s, sweepEnd + holdS, sweepEnd + holdS + retraceS)),
    })
    tape.background()

    // Linked wallets buy quietly in the hours before, then sell into the squeeze.
    const lr = ctx.rng('attack/ledger')
    let linkedQty = 0
    let first = sweepStart
    for (const id of longs) {
      const entry = sweepStart - r.uniform(1, 6) * 3600
      const funded = entry - r.uniform(600, 3600)
      first = Math.min(first, funded)
      ledgerRow(ctx, lr, PERP, {
        ms: fromMs + funded * 1000,
        account: id,
        delta: r.uniform(0.8e6, 2e6),
        kind: 'deposit',
        counterparty: wallet,
      })
      let qty = 0
      for (let k = 0; k < 8; k++) {
        qty += tape.order({
          ms: fromMs + (entry + k * r.uniform(60, 600)) * 1000,
          side: 'buy',
          notional: r.logNormal(150_000, 0.3),
          taker: id,
        }).qty
      }
      // Out in slices while the liquidations buy.
      const slices = 12
      for (let k = 0; k < slices; k++) {
        const exit = sweepEnd + r.uniform(10, holdS)
        const part = k === slices - 1 ? qty - Math.floor(qty / slices) * (slices - 1) : Math.floor(qty / slices)
        tape.order({ ms: fromMs + exit * 1000, side: 'sell', qty: part, taker: id })
      }
      linkedQty += qty
    }
    // The sweep: one account, freshly funded, market-buys through the book every second or two.
    ledgerRow(ctx, lr, PERP, {
      ms: fromMs + (sweepStart - r.uniform(600, 3600)) * 1000,
      account: sweeper,
      delta: deposit,
      kind: 'deposit',
      counterparty: wallet,
    })
    let swept = 0
    let sweptQty = 0
    for (let s = sweepStart; s < sweepEnd; s += r.uniform(0.6, 2.2)) {
      const f = tape.order({
        ms: fromMs + s * 1000,
        side: 'buy',
        notional: r.logNormal(150_000, 0.4),
        taker: sweeper,
        depthFactor: 0.4,
      })
      swept += f.notional
      sweptQty += f.qty
    }
    // The sweeper takes profit into the liquidation buying, before the retrace.
    for (let k = 0; k < 30; k++) {
      const s = sweepEnd + holdS * (0.1 + 0.03 * k)
      tape.order({ ms: fromMs + s * 1000, side: 'sell', qty: Math.floor(sweptQty / 30), taker: sweeper })
    }

    // Shorts are liquidated in a self-exciting cluster as the mark runs.
    const log = new LiquidationLog(tape)
    plantLiquidations(ctx.rng('liquidations'), log, path, {
      times: movementDrivenTimes(ctx.rng('hawkes'), path, {
        perDay: 10,
        branching: (s) =>
          0.35 + 0.55 * ramp(s, sweepStart, sweepStart + 30) * (1 - ramp(s, sweepEnd + holdS, sweepEnd + holdS + 300)),
        decayS: 8,
        sensitivity: 1.5,
        maxPerSecond: 0.2,
      }),
      sizes: { medianQuote: 15_000, sigma: 1.0, tailAlpha: 1.6, maxMultiple: 60 },
      lookbackS: 600,
    })

    writePerp(ctx, tape, {
      idBase: 9_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(path, ms),
      liquidations: { log, accounts: null },
      funding: { price: startPrice, wallets: 4 },
    })
    // A hyperp has no spot oracle: the mark comes from its own book; the pre-market venues are published beside it
    // (trading a few percent below, as XPL's did) and never see the sweep.
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: richness * 1e4, sdBps: 60, halfLifeS: 1800 })
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path,
      spec,
      premium,
      everyS: 2,
      referenceLogPrice: (s) => path.logMid[s]! - sweep(s) - premium[s]!,
      references: [
        { source: 'ref-premarket-a', basisBps: 40 },
        { source: 'ref-premarket-b', basisBps: 60, lagS: 5 },
      ],
    })
    publishFunding(ctx, PERP, path, feeds.premium!, { intervalH: 1 }, 4)
    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP],
      accounts: [sweeper, ...longs].map((id) => ctx.accounts.name(id)),
      attackFrom: new Date(fromMs + first * 1000),
      attackTo: new Date(fromMs + (sweepEnd + holdS) * 1000 + 30 * MINUTE),
      details: {
        sweepStart: new Date(fromMs + sweepStart * 1000).toISOString(),
        sweepSeconds: Math.round(sweepS),
        factor: Number(factor.toFixed(3)),
        sweptQuote: Math.round(swept),
        depositQuote: Math.round(deposit),
        linkedWallets: linked,
        linkedQty,
        liquidations: log.count,
        maxLeverage: 0.5 / syntheticMaintenanceRate(PERP),
      },
    }
  },
}
