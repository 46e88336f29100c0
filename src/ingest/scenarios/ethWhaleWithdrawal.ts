// Hyperliquid ETH whale, 12 Mar 2025: one account builds a 50x long of 113k–175k ETH against a liquid market,
// withdraws its unrealized PnL down to just above maintenance, is liquidated on a small dip, and the backstop vault
// takes the position over and unwinds it at a loss. Large, well-margined accounts that also withdraw are around it.
import { backstopTakeover, HeldPosition, ledgerRow, splitAmount } from './attack.ts'
import { HOUR, MINUTE, type ScenarioContext, type ScenarioDefinition } from './definition.ts'
import { LiquidationLog, movementDrivenTimes, plantLiquidations } from './liquidations.ts'
import { addOverlay, generatePath, midAtMs, ramp, type PricePath } from './pricePath.ts'
import type { Rng } from './random.ts'
import { valueAt } from './prices.ts'
import { TAKER_FEE } from './fills.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, publishFunding, writePerp } from './recipes.ts'
import { hourlySettlement } from './seasonality.ts'
import { Tape, type MarketSpec } from './tape.ts'
import { SYNTHETIC_BACKSTOP_ACCOUNT, syntheticMaintenanceRate } from '../../domain/syntheticVenue.ts'

const PERP = 'ETH-WHALE-PERP'
/** Tuesday 11 March 2025, 00:00 UTC; 36 hours of data. */
const ANCHOR = Date.UTC(2025, 2, 11)

export const ethWhaleWithdrawal: ScenarioDefinition = {
  name: 'eth-whale-withdrawal',
  description:
    'One account builds a 50x ETH long far larger than recent volume, withdraws unrealized PnL to just above ' +
    'maintenance, is liquidated on a small dip and taken over by the backstop vault',
  incident:
    'Hyperliquid ETH-PERP, 12 Mar 2025: 50x long of 113k–175k ETH (~$270–340M), unrealized PnL withdrawn, backstop ' +
    'took ~160k ETH @ $1,915, HLP −$4M, trader +$1.8M; max leverage then cut to 25x (venue-rules §2, [H13]–[H15])',
  patterns: ['withdrawal-to-maintenance'],
  markets: [PERP],
  generate(ctx) {
    const hours = 36
    const seconds = hours * 3600
    const fromMs = ANCHOR
    const toMs = fromMs + hours * HOUR
    const r = ctx.rng('attack')
    const startPrice = r.uniform(1850, 2000)
    const mmr = syntheticMaintenanceRate(PERP)

    const deposit = (22 + r.uniform(0, 3)) * 3600
    const buildStart = deposit + r.uniform(10, 40) * 60
    const buildEnd = buildStart + r.uniform(1, 3) * 3600
    const buildLift = r.uniform(0.005, 0.015)
    const withdrawStart = buildEnd + r.uniform(30, 120) * 60
    const withdrawEnd = withdrawStart + r.uniform(2, 20) * 60
    const dipStart = withdrawEnd + r.uniform(10, 60) * 60
    const dipEnd = dipStart + r.uniform(10, 30) * 60
    const dip = r.uniform(0.012, 0.025)
    const unwindS = r.uniform(1, 3) * 3600
    const unwindPressure = r.uniform(0.005, 0.015)
    const size = r.uniform(113_000, 175_000)
    const targetRatio = r.uniform(1.1, 1.6)
    const marginMultiple = r.uniform(1.1, 1.4)

    const path = generatePath(ctx.rng('path'), fromMs, seconds, { startPrice, dailyVol: 0.035, jumpsPerDay: 0.5 })
    const rally = rallyToWithdraw(path, ctx.rng('whale/rally'), { buildStart, buildEnd, buildLift, withdrawEnd })
    // The whale's buying lifts the price a little and it rides a rally to the withdrawal (its unrealized PnL is what
    // it takes out); later a dip, then the backstop's unwind weighs on it.
    addOverlay(path, (s) => {
      const lift = buildLift * ramp(s, buildStart, buildEnd)
      const down = dip * ramp(s, dipStart, dipEnd) * (1 - 0.5 * ramp(s, dipEnd + unwindS, dipEnd + 3 * unwindS))
      const unwind =
        unwindPressure * ramp(s, dipEnd, dipEnd + unwindS) * (1 - ramp(s, dipEnd + unwindS, dipEnd + 4 * unwindS))
      return Math.log(1 + lift) + rally * ramp(s, buildEnd, withdrawStart) + Math.log(1 - down) + Math.log(1 - unwind)
    })
    const spec: MarketSpec = {
      market: PERP,
      tick: 0.1,
      lot: 0.0001,
      ordersPerDay: 90_000,
      halfSpreadBps: 0.5,
      levelDepthQuote: 150_000,
      sizes: { medianQuote: 2_500, sigma: 1.4 },
      seasonality: hourlySettlement(0.05),
    }
    // The venue's feeds come first: the whale sizes its withdrawal on the published mark.
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: 0.5, sdBps: 2, halfLifeS: 1800 })
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path,
      spec,
      premium,
      references: [
        { source: 'ref-cex-a', basisBps: 1 },
        { source: 'ref-cex-b', basisBps: 1.5, lagS: 1 },
        { source: 'ref-cex-c', basisBps: 2 },
      ],
      oracleSource: 'synthetic-oracle',
    })
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 300,
      makers: 6,
      traderScale: 60_000 / startPrice,
      makerScale: 2_000_000 / startPrice,
      openInterest: 600_000_000 / startPrice,
      lot: spec.lot,
    })
    const whale = ctx.accounts.addresses(ctx.rng('whale'), 1)[0]!
    const backstop = ctx.accounts.add(SYNTHETIC_BACKSTOP_ACCOUNT)
    const tape = new Tape(spec, path, ctx.rng('tape'))
    tape.background()
    const log = new LiquidationLog(tape)
    plantLiquidations(ctx.rng('liquidations'), log, path, {
      times: movementDrivenTimes(ctx.rng('hawkes'), path, { perDay: 40, branching: () => 0.4, decayS: 30 }),
      sizes: { medianQuote: 10_000, sigma: 1.2 },
    })

    // The build: TWAP-like child orders, each a market buy of $0.4–2M.
    const br = ctx.rng('whale/build')
    const target = size
    let bought = 0
    let cost = 0
    while (bought < target) {
      const s = br.uniform(buildStart, buildEnd)
      const notional = Math.min(br.logNormal(900_000, 0.4), (target - bought) * tape.midAt(fromMs + s * 1000) + 1)
      const fill = tape.order({ ms: fromMs + s * 1000, side: 'buy', notional, taker: whale })
      bought += fill.qty
      cost += fill.notional
    }
    const entry = cost / bought
    const collateral = bought * entry * (2 * mmr) * marginMultiple
    const held = new HeldPosition(bought, entry, collateral, mmr)
    const wallet = ctx.rng('whale/wallet').address()
    const lr = ctx.rng('whale/ledger')
    splitAmount(lr, collateral, 2).forEach((amount, k) =>
      ledgerRow(ctx, lr, PERP, {
        ms: fromMs + (deposit + k * lr.uniform(60, 900)) * 1000,
        account: whale,
        delta: amount,
        kind: 'deposit',
        counterparty: wallet,
      }),
    )
    // Withdraw the unrealized PnL (and some margin) so equity ends at targetRatio × maintenance.
    // Equity counts the fees paid on the build, as the venue's margin check does.
    held.collateral -= cost * TAKER_FEE
    const markEnd = valueAt(feeds.mark!, withdrawEnd)
    const withdrawn = held.equity(markEnd) - targetRatio * held.maintenance(markEnd)
    // the rally leaves the whale a profit to take: a withdrawal of nothing would make the truth a lie
    if (!(withdrawn > 0))
      throw new Error(
        `eth-whale-withdrawal: the whale has nothing to withdraw at the mark ${markEnd.toFixed(2)} (entry ${entry.toFixed(2)}, ` +
          `equity ${held.equity(markEnd).toFixed(0)}, ${targetRatio.toFixed(3)} × maintenance ${held.maintenance(markEnd).toFixed(0)})`,
      )
    const parts = lr.intBetween(1, 3)
    splitAmount(lr, withdrawn, parts).forEach((amount, k) => {
      // The last (or only) withdrawal lands at withdrawEnd, where the ratio was sized.
      const s = withdrawEnd - ((withdrawEnd - withdrawStart) * (parts - 1 - k)) / Math.max(1, parts - 1)
      ledgerRow(ctx, lr, PERP, {
        ms: fromMs + s * 1000,
        account: whale,
        delta: -amount,
        kind: 'withdrawal',
        counterparty: wallet,
      })
    })
    held.collateral -= withdrawn
    const liq = held.liquidationSecond(path, withdrawEnd + 1) ?? dipEnd
    const takeover = backstopTakeover(tape, log, {
      ms: fromMs + liq * 1000,
      account: whale,
      backstop,
      position: bought,
    })
    // The backstop sells the position back into the market over the next hours.
    const ur = ctx.rng('backstop/unwind')
    let left = bought
    while (left > 0) {
      const s = liq + ur.uniform(60, unwindS)
      const qty = Math.min(left, Math.max(spec.lot, Number((ur.logNormal(500_000, 0.4) / takeover.price).toFixed(4))))
      tape.order({ ms: fromMs + s * 1000, side: 'sell', qty, taker: backstop })
      left = Number((left - qty).toFixed(4))
    }

    // Large, well-margined accounts that also withdraw: what an ordinary day of big traders looks like.
    const decoys = plantDecoys(ctx, ctx.rng('decoys'), tape, path, mmr)

    const recorded = new Set<number>([
      whale,
      backstop,
      ...decoys,
      ...pop.spec.makers.slice(0, 2),
      ...pop.spec.traders.slice(0, 60),
    ])
    writePerp(ctx, tape, {
      idBase: 6_000_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(path, ms),
      record: (id) => recorded.has(id),
      liquidations: { log, accounts: ctx.accounts },
      funding: { price: startPrice, wallets: 5 },
    })
    publishFunding(ctx, PERP, path, feeds.premium!, { intervalH: 1 }, 1)
    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP],
      accounts: [ctx.accounts.name(whale)],
      attackFrom: new Date(fromMs + deposit * 1000),
      attackTo: new Date(fromMs + liq * 1000 + 30 * MINUTE),
      details: {
        positionQty: Number(bought.toFixed(4)),
        positionNotional: Math.round(cost),
        entryPrice: Number(entry.toFixed(2)),
        leverage: Number(((bought * entry) / collateral).toFixed(2)),
        withdrawnQuote: Math.round(withdrawn),
        equityOverMaintenanceAfterWithdrawal: Number(targetRatio.toFixed(3)),
        liquidatedAt: new Date(fromMs + liq * 1000).toISOString(),
        takeoverPrice: Number(takeover.price.toFixed(2)),
        backstopAccount: SYNTHETIC_BACKSTOP_ACCOUNT,
        decoys: decoys.length,
      },
    }
  },
}

/** The least log-return from the whale's average entry to its withdrawal that the rally leaves it with. */
export const WHALE_MIN_PROFIT = 0.02

/**
 * The rally the whale rides from the end of its build to its withdrawal (a log-return added to the path): drawn at
 * 1–3 %, and more where the path itself fell since the build, so that the mid at the withdrawal stands at least
 * WHALE_MIN_PROFIT above the build's average (its lift counted at half, as the entry averages over it). The incident
 * is a withdrawal of unrealized profit: a whale under water has nothing to withdraw, and a scenario whose truth says
 * it withdrew must not write withdrawals of nothing.
 */
export function rallyToWithdraw(
  path: PricePath,
  r: Rng,
  at: { buildStart: number; buildEnd: number; buildLift: number; withdrawEnd: number },
): number {
  const from = Math.max(0, Math.floor(at.buildStart))
  const to = Math.min(path.seconds, Math.max(from + 1, Math.floor(at.buildEnd)))
  let sum = 0
  for (let s = from; s < to; s++) sum += path.logMid[s]!
  const built = sum / (to - from)
  const moved =
    path.logMid[Math.min(path.seconds - 1, Math.floor(at.withdrawEnd))]! - built + Math.log(1 + at.buildLift) / 2
  return Math.max(r.uniform(0.01, 0.03), WHALE_MIN_PROFIT - moved)
}

/**
 * Three to five big traders at 5–20x: they build positions, take profits out but keep their margin at 3× maintenance
 * or more, and close later. Their ledger rows are ordinary deposits and withdrawals from their own wallets.
 */
function plantDecoys(ctx: ScenarioContext, rng: Rng, tape: Tape, path: PricePath, mmr: number): number[] {
  const count = rng.intBetween(3, 5)
  const ids = ctx.accounts.addresses(rng, count)
  for (const id of ids) {
    const wallet = rng.address()
    const start = rng.uniform(2, 20) * 3600
    const notional = rng.uniform(15e6, 60e6)
    const leverage = rng.uniform(5, 20)
    const side = rng.chance(0.5) ? 'buy' : 'sell'
    let qty = 0
    let cost = 0
    for (let k = 0; k < 12; k++) {
      const f = tape.order({
        ms: path.fromMs + (start + k * rng.uniform(60, 600)) * 1000,
        side,
        notional: notional / 12,
        taker: id,
      })
      qty += f.qty
      cost += f.notional
    }
    const collateral = cost / leverage
    const held = new HeldPosition(side === 'buy' ? qty : -qty, cost / qty, collateral, mmr)
    ledgerRow(ctx, rng, tape.spec.market, {
      ms: path.fromMs + (start - rng.uniform(600, 7200)) * 1000,
      account: id,
      delta: collateral,
      kind: 'deposit',
      counterparty: wallet,
    })
    const ws = Math.min(path.seconds - 7200, start + rng.uniform(2, 8) * 3600)
    const mark = Math.exp(path.logMid[Math.floor(ws)]!)
    const free = held.equity(mark) - 3 * held.maintenance(mark)
    if (free > 0) {
      ledgerRow(ctx, rng, tape.spec.market, {
        ms: path.fromMs + ws * 1000,
        account: id,
        delta: -free * rng.uniform(0.1, 0.5),
        kind: 'withdrawal',
        counterparty: wallet,
      })
    }
    const close = Math.min(path.seconds - 60, ws + rng.uniform(1, 6) * 3600)
    tape.order({ ms: path.fromMs + close * 1000, side: side === 'buy' ? 'sell' : 'buy', qty, taker: id })
  }
  return ids
}
