// Oracle front-running on an oracle-priced venue: the venue fills at a push oracle (0.5 % deviation threshold, keeper
// latency of seconds); when the reference exchanges jump, linked accounts open at the stale oracle price seconds
// before the update and close right after it in profit, on most of the day's large moves.
import { ledgerRow } from './attack.ts'
import { HOUR, MINUTE, type ScenarioDefinition } from './definition.ts'
import { addOverlay, generatePath, ramp } from './pricePath.ts'
import { grid, median, reference, valueAt, writeTicks, type Series } from './prices.ts'
import { oraclePricedFlow, ordinaryPopulation, writePerp } from './recipes.ts'
import { Tape, type MarketSpec } from './tape.ts'

const PERP = 'ORACLE-FR-PERP'
const REFS = ['ref-cex-a', 'ref-cex-b', 'ref-cex-c'] as const
/** Tuesday 8 April 2025, 00:00 UTC; two days of data. */
const ANCHOR = Date.UTC(2025, 3, 8)
const POOL = 'liquidity-pool'
/** The oracle pushes when the reference median moves this much from its last value (or every heartbeat). */
const DEVIATION = 0.005
const HEARTBEAT_S = 3600

export const oracleFrontRun: ScenarioDefinition = {
  name: 'oracle-front-run',
  description:
    'Linked accounts repeatedly open on an oracle-priced venue seconds before large push-oracle updates (reference ' +
    'exchanges already moved) and close right after them in profit',
  incident:
    'Oracle front-running / stale-price arbitrage as venue-rules §3.8 describes it: PnL of positions opened within Δt ' +
    'before an oracle update that moved ≥x %; GMX v1 answered it with a min-profit rule (1.5 % / 3 h) and GMX v2 with ' +
    'delayed execution ([G6][G7]). Push oracle with a 0.5 % deviation threshold and 6–25 s keeper latency',
  patterns: ['oracle-front-running'],
  markets: [PERP],
  generate(ctx) {
    const hours = 48
    const seconds = hours * 3600
    const fromMs = ANCHOR
    const toMs = fromMs + hours * HOUR
    const r = ctx.rng('attack')
    const startPrice = r.uniform(2200, 3000)
    const moves = r.intBetween(18, 30)
    const hitRate = r.uniform(0.6, 0.85)
    const runners = r.intBetween(2, 3)

    // The planted news moves on the reference exchanges: all on day two, 0.8–2.5 % in 3–20 s.
    const news = Array.from({ length: moves }, () => ({
      at: r.uniform(25, 47) * 3600,
      duration: r.uniform(3, 20),
      size: r.uniform(0.008, 0.025) * (r.chance(0.5) ? 1 : -1),
    })).sort((a, b) => a.at - b.at)
    const latent = generatePath(ctx.rng('path'), fromMs, seconds, { startPrice, dailyVol: 0.035, jumpsPerDay: 1 })
    addOverlay(latent, (s) => {
      let x = 0
      for (const n of news) {
        if (s < n.at) break
        x += Math.log(1 + n.size) * ramp(s, n.at, n.at + n.duration)
      }
      return x
    })

    // Reference venues every second; the oracle pushes their median on deviation or heartbeat after keeper latency.
    const rr = ctx.rng('references')
    const at = grid(0, seconds, 1)
    const refs = REFS.map((venue, v) =>
      reference(
        rr,
        (s) => latent.logMid[Math.floor(s)]!,
        { source: venue, basisBps: 2 + v, lagS: v === 1 ? 1 : 0 },
        at,
      ),
    )
    const mid = median(refs)
    const updates = pushOracle(mid, () => rr.uniform(6, 25))
    const prices = ctx.tables.of('prices', PERP)
    const every = grid(0, seconds, 5)
    refs.forEach((series, v) =>
      writeTicks(
        prices,
        rr,
        fromMs,
        { s: every, value: Float64Array.from(every, (s) => valueAt(series, s)) },
        { kind: 'index', source: REFS[v]!, tick: 0.01 },
      ),
    )
    writeTicks(prices, rr, fromMs, updates, { kind: 'oracle', source: 'synthetic-oracle', tick: 0.01, jitterMs: 1 })

    const spec: MarketSpec = {
      market: PERP,
      tick: 0.01,
      lot: 0.001,
      ordersPerDay: 3_000,
      halfSpreadBps: 0,
      levelDepthQuote: 1e9,
      sizes: { medianQuote: 3_000, sigma: 1.3 },
    }
    const pool = ctx.accounts.add(POOL)
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 200,
      makers: 0,
      traderScale: 25_000 / startPrice,
      makerScale: 1,
      openInterest: 8_000_000 / startPrice,
      lot: spec.lot,
    })
    const accounts = ctx.accounts.addresses(ctx.rng('runners'), runners)
    const tape = new Tape(spec, latent, ctx.rng('tape'))
    oraclePricedFlow(ctx.rng('flow'), tape, updates, { ordersPerDay: spec.ordersPerDay, sizes: spec.sizes, pool })

    // The front-runners: on most large moves, open a few seconds into the move at the stale oracle, close after the
    // update lands. A few false alarms (no update follows) close flat.
    let hits = 0
    let profit = 0
    const fr = ctx.rng('runners/trades')
    for (const n of news) {
      if (!fr.chance(hitRate)) continue
      const open = n.at + fr.uniform(1, 4)
      const update = firstUpdateAfter(updates, open)
      if (update === null || update.s - open < 1 || update.s - open > 60) continue
      const close = update.s + fr.uniform(5, 120)
      const account = accounts[fr.int(accounts.length)]!
      const openPrice = valueAt(updates, open)
      const closePrice = valueAt(updates, close)
      const qty = Math.round((fr.uniform(3e5, 1.5e6) / openPrice) * 1000) / 1000
      const side = n.size > 0 ? 'buy' : 'sell'
      tape.cross({ ms: fromMs + open * 1000, price: openPrice, qty, side, taker: account, maker: pool })
      tape.cross({
        ms: fromMs + close * 1000,
        price: closePrice,
        qty,
        side: side === 'buy' ? 'sell' : 'buy',
        taker: account,
        maker: pool,
      })
      hits++
      profit += (side === 'buy' ? 1 : -1) * qty * (closePrice - openPrice)
    }
    for (let k = fr.intBetween(2, 5); k > 0; k--) {
      const open = fr.uniform(25, 47) * 3600
      const price = valueAt(updates, open)
      const qty = Math.round((fr.uniform(2e5, 6e5) / price) * 1000) / 1000
      const account = accounts[fr.int(accounts.length)]!
      const side = fr.chance(0.5) ? 'buy' : 'sell'
      tape.cross({ ms: fromMs + open * 1000, price, qty, side, taker: account, maker: pool })
      const close = open + fr.uniform(20, 90)
      tape.cross({
        ms: fromMs + close * 1000,
        price: valueAt(updates, close),
        qty,
        side: side === 'buy' ? 'sell' : 'buy',
        taker: account,
        maker: pool,
      })
    }
    const lr = ctx.rng('runners/ledger')
    const wallet = lr.address()
    accounts.forEach((id, k) =>
      ledgerRow(ctx, lr, PERP, {
        ms: fromMs + (24 * 3600 - lr.uniform(600, 7200) + k * 90) * 1000,
        account: id,
        delta: 5e5 * lr.uniform(0.8, 1.5),
        kind: 'deposit',
        counterparty: wallet,
      }),
    )

    writePerp(ctx, tape, {
      idBase: 1_500_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => valueAt(updates, (ms - fromMs) / 1000),
      funding: { price: startPrice, wallets: 4 },
    })
    const big = countLargeUpdates(updates, 0.008)
    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP],
      accounts: accounts.map((id) => ctx.accounts.name(id)),
      attackFrom: new Date(fromMs + news[0]!.at * 1000 - 10 * MINUTE),
      attackTo: new Date(fromMs + news[news.length - 1]!.at * 1000 + 15 * MINUTE),
      details: {
        plantedMoves: moves,
        frontRunTrades: hits,
        profitQuote: Math.round(profit),
        oracleUpdates: updates.s.length,
        updatesOver08Percent: big,
        deviationThreshold: DEVIATION,
        heartbeatSeconds: HEARTBEAT_S,
      },
    }
  },
}

/** A push oracle over a per-second median: an update `latency()` seconds after the deviation or heartbeat trigger. */
function pushOracle(mid: Series, latency: () => number): Series {
  const s: number[] = []
  const value: number[] = []
  let last = mid.value[0]!
  let lastS = 0
  s.push(0)
  value.push(last)
  for (let i = 1; i < mid.s.length; i++) {
    const t = mid.s[i]!
    if (Math.abs(mid.value[i]! / last - 1) < DEVIATION && t - lastS < HEARTBEAT_S) continue
    const lands = t + latency()
    const j = Math.min(mid.s.length - 1, Math.floor(lands))
    last = mid.value[j]!
    lastS = lands
    s.push(lands)
    value.push(last)
    // Nothing triggers while the round is in flight.
    while (i + 1 < mid.s.length && mid.s[i + 1]! < lands) i++
  }
  return { s: Float64Array.from(s), value: Float64Array.from(value) }
}

function firstUpdateAfter(updates: Series, t: number): { s: number; value: number } | null {
  for (let i = 0; i < updates.s.length; i++) {
    if (updates.s[i]! > t) return { s: updates.s[i]!, value: updates.value[i]! }
  }
  return null
}

function countLargeUpdates(updates: Series, threshold: number): number {
  let n = 0
  for (let i = 1; i < updates.s.length; i++)
    if (Math.abs(updates.value[i]! / updates.value[i - 1]! - 1) >= threshold) n++
  return n
}
