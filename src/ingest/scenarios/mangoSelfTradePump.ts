// Mango Markets, 11 Oct 2022: two accounts funded from one wallet minutes apart, one sells a huge perp position to the
// other, the oracle's spot venues are pumped ×10–20 in 20–30 min through thin books, the long withdraws against its
// unrealized PnL down to just above maintenance, then the price collapses and the backstop inherits both sides.
import { backstopTakeover, HeldPosition, ledgerRow, selfTrade, splitAmount } from './attack.ts'
import { DAY, MINUTE, type ScenarioDefinition } from './definition.ts'
import { simulateHawkes } from './hawkes.ts'
import { LiquidationLog, plantLiquidations } from './liquidations.ts'
import { addOverlay, derivePath, generatePath, midAtMs, ramp, scaleSigma } from './pricePath.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp, writeTrades } from './recipes.ts'
import { hourlySettlement } from './seasonality.ts'
import { Tape, type Conditions, type MarketSpec } from './tape.ts'
import { TAKER_FEE } from './fills.ts'
import { valueAt } from './prices.ts'
import { syntheticMaintenanceRate, SYNTHETIC_BACKSTOP_ACCOUNT } from '../../domain/syntheticVenue.ts'

const PERP = 'MANGO-PUMP-PERP'
const SPOT_VENUES = ['ref-spot-a', 'ref-spot-b', 'ref-spot-c'] as const
const spotMarket = (venue: string) => `${PERP}@${venue}`
/** Tuesday 8 October 2024, 00:00 UTC. */
const ANCHOR = Date.UTC(2024, 9, 8)

export const mangoSelfTradePump: ScenarioDefinition = {
  name: 'mango-self-trade-pump',
  description:
    'Linked accounts self-trade a huge MNGO-like perp position, pump the oracle ×10–20 via thin spot books, ' +
    'withdraw against unrealized PnL, then the price collapses',
  incident:
    'Mango Markets MNGO-PERP, 11 Oct 2022: wallets A and B funded $5M each; A sold 483M MNGO-PERP @ $0.038 to B; ' +
    '~$4M of spot bought on the oracle venues pumped the price ~13–23×; ~$110–116M withdrawn against unrealized ' +
    'PnL; protocol insolvent (venue-rules §2, [M1]–[M4]). Scaled: self-trade $6–12M, pump ×10–20 over 20–30 min',
  patterns: ['self-trading', 'oracle-deviation', 'thin-market-push', 'withdrawal-to-maintenance'],
  // venue-rules §2.1, Mango's data signals: "oracle jumps >10× its 24 h range within 20 min while perp OI is
  // concentrated in one account pair". The self-trade opens most of the market's OI in the linked pair (seed 101: OI
  // $1.2M → $92.8M in the attack hour, 264M base, the pair's self-trade 209M of it), so oi-concentration seeing that
  // build-up is the incident's own signal. Not required: the detector measures 24 h OI growth, which an hour or two
  // of the pair's OI does not always lift past its threshold
  secondaryPatterns: ['oi-concentration'],
  markets: [PERP, ...SPOT_VENUES.map(spotMarket)],
  generate(ctx) {
    const days = 3
    const seconds = days * 86_400
    const fromMs = ANCHOR
    const toMs = fromMs + days * DAY
    const r = ctx.rng('attack')
    const startPrice = r.uniform(0.028, 0.045)
    const mmr = syntheticMaintenanceRate(PERP)

    // Attack timeline (seconds from the start), drawn per seed.
    const fundA = (50 + r.uniform(0, 6)) * 3600
    const fundB = fundA + r.uniform(60, 600)
    const selfStart = fundB + r.uniform(10, 40) * 60
    const selfFills = r.intBetween(3, 8)
    const selfEnd = selfStart + r.uniform(2, 10) * 60
    const pumpStart = selfEnd + r.uniform(2, 10) * 60
    const pumpMinutes = r.uniform(20, 30)
    const pumpEnd = pumpStart + pumpMinutes * 60
    const pumpFactor = r.uniform(10, 20)
    const holdEnd = pumpEnd + r.uniform(15, 40) * 60
    const settleFactor = r.uniform(1.0, 2.0)
    const decayS = r.uniform(20, 60) * 60
    const selfNotional = r.uniform(6e6, 12e6)
    const deposit = () => 5e6 * r.uniform(0.8, 1.2)
    const spotSpend = r.uniform(3e6, 5e6)
    const targetRatio = r.uniform(1.15, 1.8)
    const withdrawals = r.intBetween(3, 5)

    // The asset's latent spot price, with the pump, hold and collapse laid over it.
    const latent = generatePath(ctx.rng('path'), fromMs, seconds, {
      startPrice,
      dailyVol: 0.07,
      jumpsPerDay: 1.5,
      seasonality: hourlySettlement(0.1),
    })
    const lnF = Math.log(pumpFactor)
    const lnSettle = Math.log(settleFactor)
    addOverlay(latent, (s) => {
      if (s < pumpStart) return 0
      if (s < pumpEnd) return lnF * Math.pow((s - pumpStart) / (pumpEnd - pumpStart), 1.6)
      if (s < holdEnd) return lnF - 0.08 * lnF * ramp(s, pumpEnd, holdEnd)
      return lnSettle + (0.92 * lnF - lnSettle) * Math.exp(-(s - holdEnd) / decayS)
    })
    // Pumps and dumps are violent: wider, busier books while the price runs.
    scaleSigma(
      latent,
      (s) => 1 + 4 * ramp(s, pumpStart - 60, pumpStart + 60) * (1 - ramp(s, holdEnd, holdEnd + 3 * decayS)),
    )

    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: 0, sdBps: 20, halfLifeS: 900 })
    const perpPath = derivePath(latent, (s) => premium[s]!)
    const frenzy: Conditions = {
      rate: (s) => 1 + 9 * ramp(s, pumpStart, pumpStart + 300) * (1 - ramp(s, holdEnd, holdEnd + 2 * decayS)),
      spread: (s) => 1 + 2 * ramp(s, pumpStart, pumpStart + 300) * (1 - ramp(s, holdEnd, holdEnd + 2 * decayS)),
      depth: (s) => 1 - 0.5 * ramp(s, pumpStart, pumpStart + 300) * (1 - ramp(s, holdEnd, holdEnd + 2 * decayS)),
    }

    // Spot venues the oracle reads: thin books, each with its own basis; the attacker buys on all of them.
    const spotSpec = (venue: string): MarketSpec => ({
      market: spotMarket(venue),
      tick: 0.000001,
      lot: 1,
      ordersPerDay: 1_600,
      halfSpreadBps: 30,
      levelDepthQuote: 2_500,
      sizes: { medianQuote: 350, sigma: 1.3 },
    })
    const spotWeights = [0.5, 0.3, 0.2]
    const spotPaths = SPOT_VENUES.map((venue) => {
      const basis = ouPerSecond(ctx.rng(`${venue}/basis`), seconds, { meanBps: 0, sdBps: 15, halfLifeS: 300 })
      return derivePath(latent, (s) => basis[s]!)
    })
    let spotBought = 0
    SPOT_VENUES.forEach((venue, v) => {
      const tape = new Tape(spotSpec(venue), spotPaths[v]!, ctx.rng(`${venue}/tape`), frenzy)
      tape.background()
      const rv = ctx.rng(`${venue}/attack`)
      const orders = Math.max(20, Math.round((pumpMinutes * 60) / rv.uniform(8, 20)))
      const each = (spotSpend * spotWeights[v]!) / orders
      for (let k = 0; k < orders; k++) {
        const s = pumpStart + (pumpEnd - pumpStart) * ((k + rv.next()) / orders)
        spotBought += tape.order({ ms: fromMs + s * 1000, side: 'buy', notional: each * rv.logNormal(1, 0.3) }).notional
      }
      writeTrades(ctx, tape.finalize(7_100_000_000 + v * 100_000_000))
    })

    // The perp: ordinary population, the self-trade, the pump, the withdrawals and the takeovers.
    const spec: MarketSpec = {
      market: PERP,
      tick: 0.000001,
      lot: 1,
      ordersPerDay: 3_000,
      halfSpreadBps: 20,
      levelDepthQuote: 4_000,
      sizes: { medianQuote: 600, sigma: 1.3 },
    }
    // The oracle is the median of the spot venues (each venue's own tape price, published every 5 s).
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path: perpPath,
      spec,
      premium,
      everyS: 5,
      references: SPOT_VENUES.map((venue, v) => ({
        source: venue,
        basisBps: 0,
        staleChance: 0.001,
        follow: (s: number) => spotPaths[v]!.logMid[s]!,
      })),
      oracleSource: 'synthetic-oracle',
    })
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 120,
      makers: 3,
      traderScale: 25_000 / startPrice,
      makerScale: 120_000 / startPrice,
      openInterest: 1_500_000 / startPrice,
      lot: spec.lot,
    })
    const [accountA, accountB] = ctx.accounts.addresses(ctx.rng('attackers'), 2) as [number, number]
    const backstop = ctx.accounts.add(SYNTHETIC_BACKSTOP_ACCOUNT)
    const funder = ctx.rng('attackers/funder').address()
    const tape = new Tape(spec, perpPath, ctx.rng('perp/tape'), frenzy)
    tape.background()
    const log = new LiquidationLog(tape)
    plantLiquidations(ctx.rng('perp/liquidations'), log, perpPath, {
      times: simulateHawkes(ctx.rng('perp/hawkes'), 0, seconds, {
        baseline: () => 6 / 86_400,
        branching: () => 0.3,
        decayS: 60,
      }),
      sizes: { medianQuote: 2_000, sigma: 1.1 },
    })

    // A sells the position to B in a few fills at the prevailing price (B takes A's asks).
    const { qty: filled, notional: entryNotional } = selfTrade(tape, r, {
      fromMs,
      startS: selfStart,
      endS: selfEnd,
      notional: selfNotional,
      fills: selfFills,
      side: 'buy',
      taker: () => accountB,
      maker: () => accountA,
    })
    const entry = entryNotional / filled
    const depositA = deposit()
    const depositB = deposit()
    const shortA = new HeldPosition(-filled, entry, depositA, mmr)
    const longB = new HeldPosition(filled, entry, depositB, mmr)

    // A's short is liquidated early in the pump; the backstop inherits it.
    const liqA = shortA.liquidationSecond(perpPath, selfEnd) ?? pumpStart + 60
    backstopTakeover(tape, log, { ms: fromMs + liqA * 1000, account: accountA, backstop, position: -filled })

    // B withdraws against unrealized PnL after the pump, in several transactions, leaving equity ≈ targetRatio × MM.
    const wStart = pumpEnd + r.uniform(2, 12) * 60
    const wEnd = wStart + r.uniform(5, 20) * 60
    // Sized on the published mark, net of the fee paid on the self-trade, as the venue's margin check would.
    longB.collateral -= entryNotional * TAKER_FEE
    const markAtEnd = valueAt(feeds.mark!, wEnd)
    const withdrawn = Math.max(0, longB.equity(markAtEnd) - targetRatio * longB.maintenance(markAtEnd))
    const destinations = [funder, ctx.rng('attackers/out').address(), ctx.rng('attackers/out2').address()]
    const ledgerRng = ctx.rng('attack/ledger')
    ledgerRow(ctx, ledgerRng, PERP, {
      ms: fromMs + fundA * 1000,
      account: accountA,
      delta: depositA,
      kind: 'deposit',
      counterparty: funder,
    })
    ledgerRow(ctx, ledgerRng, PERP, {
      ms: fromMs + fundB * 1000,
      account: accountB,
      delta: depositB,
      kind: 'deposit',
      counterparty: funder,
    })
    splitAmount(r, withdrawn, withdrawals).forEach((amount, k) => {
      const s = wEnd - ((wEnd - wStart) * (withdrawals - 1 - k)) / Math.max(1, withdrawals - 1)
      ledgerRow(ctx, ledgerRng, PERP, {
        ms: fromMs + s * 1000,
        account: accountB,
        delta: -amount,
        kind: 'withdrawal',
        counterparty: destinations[k % destinations.length]!,
      })
    })
    longB.collateral -= withdrawn

    // The collapse takes B below maintenance; the backstop inherits the long too.
    const liqB = longB.liquidationSecond(perpPath, wEnd + 1)
    if (liqB !== null)
      backstopTakeover(tape, log, { ms: fromMs + liqB * 1000, account: accountB, backstop, position: filled })

    writePerp(ctx, tape, {
      idBase: 7_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(perpPath, ms),
      liquidations: { log, accounts: ctx.accounts },
      funding: { price: startPrice, wallets: 4 },
    })

    publishFunding(ctx, PERP, perpPath, feeds.premium!, { intervalH: 1 }, 6)

    const attackFrom = new Date(fromMs + fundA * 1000)
    const attackTo = new Date(fromMs + Math.max(wEnd, liqB ?? wEnd) * 1000 + 30 * MINUTE)
    return {
      from: new Date(fromMs - 36 * 3_600_000),
      to: new Date(toMs),
      markets: [PERP, ...SPOT_VENUES.map(spotMarket)],
      accounts: [ctx.accounts.name(accountA), ctx.accounts.name(accountB)],
      attackFrom,
      attackTo,
      details: {
        pumpFactor: Number(pumpFactor.toFixed(3)),
        pumpMinutes: Number(pumpMinutes.toFixed(1)),
        pumpStart: new Date(fromMs + pumpStart * 1000).toISOString(),
        selfTradeQty: filled,
        selfTradeNotional: Math.round(entryNotional),
        selfTradeFills: selfFills,
        fundingWallet: funder,
        fundingGapSeconds: Math.round(fundB - fundA),
        spotBoughtQuote: Math.round(spotBought),
        withdrawnQuote: Math.round(withdrawn),
        equityOverMaintenanceAfterWithdrawal: Number(targetRatio.toFixed(3)),
        backstopAccount: SYNTHETIC_BACKSTOP_ACCOUNT,
        longLiquidated: liqB !== null,
      },
    }
  },
}
