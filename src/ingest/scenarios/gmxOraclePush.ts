// GMX v1 AVAX, 18 Sep 2022: an oracle-priced venue fills at the median of its reference venues with no price
// impact; one account opens a large position, pushes the reference venues a few percent with market orders, closes at
// the moved oracle in profit, unwinds on the references, and repeats: several round trips in a few hours.
import { ledgerRow } from './attack.ts'
import { HOUR, MINUTE, type ScenarioDefinition } from './definition.ts'
import { derivePath, addOverlay, generatePath, ramp } from './pricePath.ts'
import { grid, median, reference, valueAt, writeTicks } from './prices.ts'
import { oraclePricedFlow, ordinaryPopulation, ouPerSecond, writePerp, writeTrades } from './recipes.ts'
import { Tape, type MarketSpec } from './tape.ts'

const PERP = 'AVAX-GMX-PERP'
const REFS = ['ref-cex-a', 'ref-cex-b', 'ref-cex-c'] as const
/** Tuesday 17 September 2024, 00:00 UTC; 36 hours of data. */
const ANCHOR = Date.UTC(2024, 8, 17)
/** The venue's pool: counterparty of every fill (GLP). */
const POOL = 'liquidity-pool'

interface Trip {
  open: number
  pushStart: number
  pushEnd: number
  close: number
  unwindEnd: number
  move: number
  direction: 1 | -1
  notional: number
}

export const gmxOraclePush: ScenarioDefinition = {
  name: 'gmx-oracle-push',
  description:
    'On an oracle-priced venue (fills at the median of three reference venues, no price impact) one account opens ' +
    'large positions, pushes the references 2–5 % with market orders, closes in profit; 4–7 round trips',
  incident:
    'GMX v1 AVAX/USD, 18 Sep 2022: oracle-priced zero-impact perps; a whale moved AVAX on the reference CEXs over ~5 ' +
    'round trips; profit ~$400–565k borne by GLP; AVAX OI then capped at $2M long / $1M short (venue-rules §2, ' +
    '[G9]–[G12])',
  patterns: ['thin-market-push'],
  markets: [PERP, ...REFS.map((v) => `${PERP}@${v}`)],
  generate(ctx) {
    const hours = 36
    const seconds = hours * 3600
    const fromMs = ANCHOR
    const toMs = fromMs + hours * HOUR
    const r = ctx.rng('attack')
    const startPrice = r.uniform(16, 22)
    const trips: Trip[] = []
    let t = (24 + r.uniform(0, 4)) * 3600
    const count = r.intBetween(4, 7)
    for (let k = 0; k < count; k++) {
      const open = t
      const pushStart = open + r.uniform(10, 60)
      const pushEnd = pushStart + r.uniform(60, 180)
      const close = pushEnd + r.uniform(10, 120)
      const unwindEnd = close + r.uniform(5, 20) * 60
      trips.push({
        open,
        pushStart,
        pushEnd,
        close,
        unwindEnd,
        move: r.uniform(0.02, 0.05),
        direction: r.chance(0.75) ? 1 : -1,
        notional: r.uniform(1.5e6, 3e6),
      })
      t = unwindEnd + r.uniform(10, 40) * 60
    }
    const latent = generatePath(ctx.rng('path'), fromMs, seconds, { startPrice, dailyVol: 0.045, jumpsPerDay: 0.6 })
    // Each push moves every reference venue; the move fades as the attacker sells back into them.
    addOverlay(latent, (s) => {
      let x = 0
      for (const p of trips) {
        x += p.direction * Math.log(1 + p.move) * ramp(s, p.pushStart, p.pushEnd) * (1 - ramp(s, p.close, p.unwindEnd))
      }
      return x
    })

    // Reference venues: liquid-ish spot books; the attacker's market orders on each during each push and unwind.
    const refPaths = REFS.map((venue) => {
      const basis = ouPerSecond(ctx.rng(`${venue}/basis`), seconds, { meanBps: 0, sdBps: 3, halfLifeS: 300 })
      return derivePath(latent, (s) => basis[s]!)
    })
    let pushedQuote = 0
    REFS.forEach((venue, v) => {
      const spec: MarketSpec = {
        market: `${PERP}@${venue}`,
        tick: 0.001,
        lot: 0.01,
        ordersPerDay: 25_000,
        halfSpreadBps: 3,
        levelDepthQuote: 15_000,
        sizes: { medianQuote: 900, sigma: 1.3 },
      }
      const tape = new Tape(spec, refPaths[v]!, ctx.rng(`${venue}/tape`))
      tape.background()
      const ar = ctx.rng(`${venue}/attack`)
      for (const p of trips) {
        const side = p.direction > 0 ? 'buy' : 'sell'
        const back = p.direction > 0 ? 'sell' : 'buy'
        for (let s = p.pushStart; s < p.pushEnd; s += ar.uniform(2, 8)) {
          pushedQuote += tape.order({ ms: fromMs + s * 1000, side, notional: ar.logNormal(25_000, 0.3) }).notional
        }
        for (let s = p.close; s < p.unwindEnd; s += ar.uniform(5, 20)) {
          tape.order({ ms: fromMs + s * 1000, side: back, notional: ar.logNormal(15_000, 0.3) })
        }
      }
      writeTrades(ctx, tape.finalize(2_100_000_000 + v * 100_000_000))
    })

    // The oracle: median of the references every second, published by a keeper every 1–3 s.
    const rr = ctx.rng('references')
    const at = grid(0, seconds, 1)
    const refs = REFS.map((venue, v) =>
      reference(
        rr,
        (s) => refPaths[v]!.logMid[Math.floor(s)]!,
        { source: venue, basisBps: 0, staleChance: 0.0005 },
        at,
      ),
    )
    const oracle = median(refs)
    const prices = ctx.tables.of('prices', PERP)
    const every = grid(0, seconds, 5)
    refs.forEach((series, v) =>
      writeTicks(
        prices,
        rr,
        fromMs,
        { s: every, value: Float64Array.from(every, (s) => valueAt(series, s)) },
        { kind: 'index', source: REFS[v]!, tick: 0.001 },
      ),
    )
    const keeper: number[] = []
    for (let s = 0; s < seconds; s += rr.uniform(1, 3)) keeper.push(s)
    const published = { s: Float64Array.from(keeper), value: Float64Array.from(keeper, (s) => valueAt(oracle, s)) }
    writeTicks(prices, rr, fromMs, published, { kind: 'oracle', source: 'synthetic-oracle', tick: 0.0001, jitterMs: 1 })

    // The venue: every fill at the published oracle, against the pool.
    const spec: MarketSpec = {
      market: PERP,
      tick: 0.0001,
      lot: 0.01,
      ordersPerDay: 2_500,
      halfSpreadBps: 0,
      levelDepthQuote: 1e9,
      sizes: { medianQuote: 4_000, sigma: 1.4 },
    }
    const pool = ctx.accounts.add(POOL)
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 160,
      makers: 0,
      traderScale: 20_000 / startPrice,
      makerScale: 1,
      openInterest: 3_000_000 / startPrice,
      lot: spec.lot,
    })
    const attacker = ctx.accounts.addresses(ctx.rng('attacker'), 1)[0]!
    const tape = new Tape(spec, latent, ctx.rng('perp/tape'))
    oraclePricedFlow(ctx.rng('perp/flow'), tape, published, {
      ordersPerDay: spec.ordersPerDay,
      sizes: spec.sizes,
      pool,
    })
    let profit = 0
    for (const p of trips) {
      const openPrice = valueAt(published, p.open)
      const qty = Math.round((p.notional / openPrice) * 100) / 100
      const closePrice = valueAt(published, p.close)
      tape.cross({
        ms: fromMs + p.open * 1000,
        price: openPrice,
        qty,
        side: p.direction > 0 ? 'buy' : 'sell',
        taker: attacker,
        maker: pool,
      })
      tape.cross({
        ms: fromMs + p.close * 1000,
        price: closePrice,
        qty,
        side: p.direction > 0 ? 'sell' : 'buy',
        taker: attacker,
        maker: pool,
      })
      profit += p.direction * qty * (closePrice - openPrice)
    }
    const lr = ctx.rng('attack/ledger')
    const wallet = lr.address()
    ledgerRow(ctx, lr, PERP, {
      ms: fromMs + (trips[0]!.open - lr.uniform(1800, 7200)) * 1000,
      account: attacker,
      delta: 2e6 * lr.uniform(0.8, 1.3),
      kind: 'deposit',
      counterparty: wallet,
    })
    const last = trips[trips.length - 1]!
    ledgerRow(ctx, lr, PERP, {
      ms: fromMs + (last.unwindEnd + lr.uniform(600, 3600)) * 1000,
      account: attacker,
      delta: -Math.max(1, profit * lr.uniform(0.8, 1)),
      kind: 'withdrawal',
      counterparty: wallet,
    })

    // Every fill's maker is the pool; the population only picks the traders.
    writePerp(ctx, tape, {
      idBase: 2_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => valueAt(published, (ms - fromMs) / 1000),
      funding: { price: startPrice, wallets: 4 },
    })
    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP, ...REFS.map((v) => `${PERP}@${v}`)],
      accounts: [ctx.accounts.name(attacker)],
      attackFrom: new Date(fromMs + trips[0]!.open * 1000 - 30 * MINUTE),
      attackTo: new Date(fromMs + last.unwindEnd * 1000 + 30 * MINUTE),
      details: {
        roundTrips: trips.length,
        firstOpen: new Date(fromMs + trips[0]!.open * 1000).toISOString(),
        moves: trips.map((p) => (p.direction * p.move).toFixed(4)),
        positionNotionals: trips.map((p) => Math.round(p.notional).toString()),
        pushedOnReferencesQuote: Math.round(pushedQuote),
        profitQuote: Math.round(profit),
        pool: POOL,
      },
    }
  },
}
