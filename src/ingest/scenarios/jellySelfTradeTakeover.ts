// Hyperliquid JELLY-PERP, 26 Mar 2025: linked accounts self-trade a large short/long pair on a thin market, the
// token is pumped ×4 on an on-chain venue the oracle reads, the short is liquidated and the venue's backstop vault
// inherits it, while the linked longs sit on the profit.
import { backstopTakeover, HeldPosition, ledgerRow, selfTrade } from './attack.ts'
import { DAY, HOUR, MINUTE, type ScenarioDefinition } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { addOverlay, derivePath, generatePath, midAtMs, ramp, scaleSigma } from './pricePath.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp, writeTrades } from './recipes.ts'
import { hourlySettlement } from './seasonality.ts'
import { Tape, type Conditions, type MarketSpec } from './tape.ts'
import { SYNTHETIC_BACKSTOP_ACCOUNT, syntheticMaintenanceRate } from '../../domain/syntheticVenue.ts'

const PERP = 'JELLY-TAKEOVER-PERP'
const DEX = 'ref-dex-a'
/** Wednesday 26 March 2025, 00:00 UTC; two days of data. */
const ANCHOR = Date.UTC(2025, 2, 26)

export const jellySelfTradeTakeover: ScenarioDefinition = {
  name: 'jelly-self-trade-takeover',
  description:
    'Linked accounts self-trade a large short/long pair on a thin perp, the on-chain price is pumped ×3.5–5, the ' +
    'short is liquidated and taken over by the venue backstop vault',
  incident:
    'Hyperliquid JELLY-PERP, 26 Mar 2025: "self-traded a 4M USDC JELLY position @0.0095", JELLY pumped >4× ' +
    'on-chain, HLP backstop inherited the short (unrealized −$10.6–13.5M); delisted and settled @0.0095 ' +
    '(venue-rules §2, [H17]–[H21]). Scaled: $3–5M self-trade, ×3.5–5 pump over 40–90 min',
  patterns: ['self-trading', 'oracle-deviation', 'thin-market-push'],
  markets: [PERP, `${PERP}@${DEX}`],
  generate(ctx) {
    const days = 2
    const seconds = days * 86_400
    const fromMs = ANCHOR
    const toMs = fromMs + days * DAY
    const r = ctx.rng('attack')
    const startPrice = r.uniform(0.0085, 0.0105)
    const mmr = syntheticMaintenanceRate(PERP)

    const fund = (24 + r.uniform(2, 8)) * 3600
    const selfStart = fund + r.uniform(20, 90) * 60
    const selfEnd = selfStart + r.uniform(3, 15) * 60
    const pumpStart = selfEnd + r.uniform(10, 60) * 60
    const pumpMinutes = r.uniform(40, 90)
    const pumpEnd = pumpStart + pumpMinutes * 60
    const pumpFactor = r.uniform(3.5, 5)
    const retraceTo = r.uniform(1.6, 2.6)
    const retraceS = r.uniform(60, 180) * 60
    const selfNotional = r.uniform(3e6, 5e6)
    const longs = r.intBetween(2, 3)

    const latent = generatePath(ctx.rng('path'), fromMs, seconds, {
      startPrice,
      dailyVol: 0.09,
      jumpsPerDay: 2,
      seasonality: hourlySettlement(0.1),
    })
    const lnF = Math.log(pumpFactor)
    const lnR = Math.log(retraceTo)
    const pump = (s: number) => {
      if (s < pumpStart) return 0
      // Pumps come in bursts: a staircase under the smooth ramp.
      if (s < pumpEnd) {
        const x = (s - pumpStart) / (pumpEnd - pumpStart)
        return lnF * (0.75 * x + (0.25 * Math.floor(x * 6)) / 6)
      }
      return lnR + (lnF - lnR) * Math.exp(-(s - pumpEnd) / retraceS)
    }
    addOverlay(latent, pump)
    scaleSigma(
      latent,
      (s) => 1 + 3 * ramp(s, pumpStart - 60, pumpStart + 120) * (1 - ramp(s, pumpEnd, pumpEnd + 2 * retraceS)),
    )
    const frenzy: Conditions = {
      rate: (s) => 1 + 6 * ramp(s, pumpStart, pumpStart + 600) * (1 - ramp(s, pumpEnd, pumpEnd + retraceS)),
      spread: (s) => 1 + 1.5 * ramp(s, pumpStart, pumpStart + 600) * (1 - ramp(s, pumpEnd, pumpEnd + retraceS)),
    }

    // The on-chain venue the attack buys on: thin AMM-like book, a basis against the latent price.
    const dexBasis = ouPerSecond(ctx.rng('dex/basis'), seconds, { meanBps: 0, sdBps: 25, halfLifeS: 600 })
    const dexPath = derivePath(latent, (s) => dexBasis[s]!)
    const dex = new Tape(
      {
        market: `${PERP}@${DEX}`,
        tick: 0.000001,
        lot: 1,
        ordersPerDay: 2_500,
        halfSpreadBps: 30,
        levelDepthQuote: 1_500,
        sizes: { medianQuote: 250, sigma: 1.3 },
      },
      dexPath,
      ctx.rng('dex/tape'),
      frenzy,
    )
    dex.background()
    const dr = ctx.rng('dex/attack')
    let dexBought = 0
    for (let s = pumpStart; s < pumpEnd; s += dr.exponential(20)) {
      dexBought += dex.order({ ms: fromMs + s * 1000, side: 'buy', notional: dr.logNormal(6_000, 0.5) }).notional
    }
    writeTrades(ctx, dex.finalize(8_200_000_000))

    // The perp: oracle = median of the DEX and two CEX listings that follow it with lags (one only partly).
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: 0, sdBps: 15, halfLifeS: 900 })
    const perpPath = derivePath(latent, (s) => premium[s]!)
    const spec: MarketSpec = {
      market: PERP,
      tick: 0.000001,
      lot: 1,
      ordersPerDay: 4_000,
      halfSpreadBps: 12,
      levelDepthQuote: 5_000,
      sizes: { medianQuote: 500, sigma: 1.3 },
    }
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 150,
      makers: 3,
      traderScale: 20_000 / startPrice,
      makerScale: 150_000 / startPrice,
      openInterest: 1_200_000 / startPrice,
      lot: spec.lot,
    })
    const attackers = ctx.accounts.addresses(ctx.rng('attackers'), 1 + longs)
    const [short, ...longIds] = attackers as [number, ...number[]]
    const backstop = ctx.accounts.add(SYNTHETIC_BACKSTOP_ACCOUNT)
    const funder = ctx.rng('attackers/funder').address()
    const tape = new Tape(spec, perpPath, ctx.rng('perp/tape'), frenzy)
    tape.background()
    const log = new LiquidationLog(tape)
    plantLiquidations(ctx.rng('perp/liquidations'), log, perpPath, {
      times: movementDrivenTimes(ctx.rng('perp/hawkes'), perpPath, { perDay: 8, branching: () => 0.4, decayS: 45 }),
      sizes: { medianQuote: 1_500, sigma: 1.1 },
    })

    // The self-trade: the short account sells to the linked longs at the prevailing price, in a few fills.
    const { qty: qtyDone, notional } = selfTrade(tape, r, {
      fromMs,
      startS: selfStart,
      endS: selfEnd,
      notional: selfNotional,
      fills: r.intBetween(3, 6),
      side: 'sell',
      taker: () => short,
      maker: (k) => longIds[k % longIds.length]!,
    })
    const entry = notional / qtyDone
    // The short is funded thinly (about 1.3–2× the initial margin at 5x): the pump liquidates it early.
    const collateral = notional * 0.2 * r.uniform(1.3, 2)
    const ledgerRng = ctx.rng('attack/ledger')
    ledgerRow(ctx, ledgerRng, PERP, {
      ms: fromMs + fund * 1000,
      account: short,
      delta: collateral,
      kind: 'deposit',
      counterparty: funder,
    })
    longIds.forEach((id, k) => {
      const ms = fromMs + (fund + r.uniform(30, 1800) + k * 60) * 1000
      ledgerRow(ctx, ledgerRng, PERP, {
        ms,
        account: id,
        delta: (notional / longs) * r.uniform(0.35, 0.6),
        kind: 'deposit',
        counterparty: funder,
      })
    })
    const held = new HeldPosition(-qtyDone, entry, collateral, mmr)
    const liq = held.liquidationSecond(perpPath, selfEnd) ?? pumpStart + 300
    backstopTakeover(tape, log, { ms: fromMs + liq * 1000, account: short, backstop, position: -qtyDone })
    // The longs take part of the profit out near the top (well above maintenance: they are not the ones at risk).
    longIds.forEach((id, k) => {
      const ms = fromMs + (pumpEnd + r.uniform(5, 40) * 60) * 1000
      const gain = (qtyDone / longs) * (tape.midAt(ms) - entry)
      ledgerRow(ctx, ledgerRng, PERP, {
        ms: ms + k * 7_000,
        account: id,
        delta: -gain * r.uniform(0.2, 0.4),
        kind: 'withdrawal',
        counterparty: funder,
      })
    })

    writePerp(ctx, tape, {
      idBase: 8_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(perpPath, ms),
      liquidations: { log, accounts: ctx.accounts },
      funding: { price: startPrice, wallets: 4 },
    })

    // A CEX listing that follows fully but late, and one that only half-follows (thin arbitrage): the oracle's
    // median tracks the pump while the cross-venue reference lags behind it.
    const lagging = (share: number, lagS: number) => (s: number) => {
      const then = Math.max(0, s - lagS)
      return latent.logMid[s]! - pump(s) + share * pump(then)
    }
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path: perpPath,
      spec,
      premium,
      everyS: 5,
      references: [
        { source: DEX, basisBps: 0, follow: (s) => dexPath.logMid[s]! },
        { source: 'ref-cex-b', basisBps: 20, follow: lagging(1, 180) },
        { source: 'ref-cex-c', basisBps: 25, follow: lagging(0.5, 60) },
      ],
      oracleSource: 'synthetic-oracle',
    })
    publishFunding(ctx, PERP, perpPath, feeds.premium!, { intervalH: 1 }, 6)

    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP, `${PERP}@${DEX}`],
      accounts: attackers.map((id) => ctx.accounts.name(id)),
      attackFrom: new Date(fromMs + fund * 1000),
      attackTo: new Date(fromMs + Math.max(pumpEnd, liq) * 1000 + 45 * MINUTE),
      details: {
        selfTradeQty: qtyDone,
        selfTradeNotional: Math.round(notional),
        selfTradePrice: Number(entry.toFixed(6)),
        longAccounts: longs,
        pumpFactor: Number(pumpFactor.toFixed(3)),
        pumpMinutes: Number(pumpMinutes.toFixed(1)),
        pumpStart: new Date(fromMs + pumpStart * 1000).toISOString(),
        shortLiquidatedAt: new Date(fromMs + liq * 1000).toISOString(),
        backstopAccount: SYNTHETIC_BACKSTOP_ACCOUNT,
        dexBoughtQuote: Math.round(dexBought),
        fundingWallet: funder,
      },
    }
  },
}
