// Liquidation execution: trigger price, the fill along the update's path and its market impact (or the legacy
// slippage), partial / backstop / full / takeover, fillable price, fees, settlement, and the near misses that say how
// close a run came to a deficit.
import { fillablePrice } from '../margin/fillable.ts'
import { bankruptcyPrice, isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { bracketAt } from '../margin/brackets.ts'
import { addMicros, toMicros } from '../money.ts'
import type { SettledClip, SettledClose } from './accountingLanes.ts'
import { Waiting } from './book.ts'
import { cappedFee, feeToFund } from './feeSplit.ts'
import type { MarketState } from './markets.ts'
import { Guard, GuardAction, Liq } from './outputs.ts'
import { Waterfall } from './waterfall.ts'
import { MICRO, NEAREST_KEPT, type Claim } from './kernelState.ts'

export abstract class Liquidation extends Waterfall {
  /** The last clip, handed to the accounting lanes (one object, refilled: lanes read it and keep nothing). */
  private readonly settledClip: SettledClip = {
    row: 0,
    market: 0,
    fund: 0,
    seq: 0,
    feeNotional: 0,
    afterSlippage: 0,
    fee: 0,
  }

  /** The last full close, handed to the accounting lanes (one object, refilled: lanes read it and keep nothing). */
  private readonly settledClose: SettledClose = {
    row: 0,
    market: 0,
    fund: 0,
    ts: 0,
    seq: 0,
    feeNotional: 0,
    afterSlippage: 0,
    takeover: false,
    deleverageOnly: false,
    account: 0,
    serial: 0,
    notional: 0,
    returned: 0,
    uncovered: 0,
  }

  /** Where the path was when the engine acted, for the last execution price computed (near-miss rows). */
  protected lastPathPrice = Number.NaN

  /** Where the trigger was crossed: at the trigger when inside the observed range, else at the first observed price (a gap). */
  protected triggerPrice(lp: number, s: MarketState): number {
    return lp < s.markLow ? s.markLow : lp > s.markHigh ? s.markHigh : lp
  }

  /**
   * Where the path of the current update was when the engine could act on a trigger crossed at pt [issue 16]. The
   * path runs open → nearer extreme (in log terms) → farther extreme → close (the open is the previous mark, clamped
   * to the update's range; a tie goes against the close) at constant speed over the update's span. It first reaches pt at
   * the crossing; the fill is the worst price of the path from there until `reactionS` later, or the close if that
   * comes first: never better than pt, never a price the path did not reach after the trigger. With
   * `intrabar.path = trigger`, or an update without a range (a tick, a recheck at the mark), pt.
   */
  protected pathFill(s: MarketState, side: number, pt: number): number {
    const intrabar = this.rules.execution.intrabar
    const low = s.markLow
    const high = s.markHigh
    if (intrabar.path === 'trigger' || !(high > low)) return pt
    const close = s.mark
    const prev = s.prevMark
    const open = prev > high ? high : prev < low ? low : Number.isNaN(prev) ? close : prev
    // nearer in log terms (open/low against high/open): a return shock scales log-returns, so it never flips the order
    const lowFirst = open * open < low * high || (open * open === low * high && close >= open)
    const v1 = lowFirst ? low : high
    const v2 = lowFirst ? high : low
    const d1 = Math.abs(v1 - open)
    const d2 = high - low
    const d3 = Math.abs(close - v2)
    const total = d1 + d2 + d3
    // distance along the path at which the price first reaches pt from the side that does not liquidate
    let crossing: number
    if (side * (open - pt) <= 0) crossing = 0
    else if (side * (v1 - pt) <= 0) crossing = Math.abs(open - pt)
    else if (side * (v2 - pt) <= 0) crossing = d1 + Math.abs(v1 - pt)
    else if (side * (close - pt) <= 0) crossing = d1 + d2 + Math.abs(v2 - pt)
    else return pt
    const reach = s.spanUs > 0 ? (total * intrabar.reactionS * MICRO) / s.spanUs : total
    const acted = Math.min(total, crossing + reach)
    // the worst of: the price at the crossing, the vertices passed, the price when the engine acts
    // (no closure for "take the worse": one per call is an allocation on the liquidation path)
    let worst = pt
    const atCrossing = pathAt(open, v1, v2, close, d1, d2, d3, crossing)
    if (side * (atCrossing - worst) < 0) worst = atCrossing
    if (d1 > crossing && d1 <= acted && side * (v1 - worst) < 0) worst = v1
    if (d1 + d2 > crossing && d1 + d2 <= acted && side * (v2 - worst) < 0) worst = v2
    const atAct = pathAt(open, v1, v2, close, d1, d2, d3, acted)
    if (side * (atAct - worst) < 0) worst = atAct
    // (interpolation may round a hair outside the range the update traded)
    return worst < low ? low : worst > high ? high : worst
  }

  /**
   * Market impact of a liquidation fill of `notional` on side `side` of the book (square-root law, issue 16): with
   * c = k·σ/√V (σ² and V the smoothed variance and quote volume per second, V times the liquidity shock) the price
   * has moved c·√Q after Q of recent liquidation flow on that side; this fill pays the average over [Q, Q + notional],
   * (2/3)·c·((Q + q)^1.5 − Q^1.5)/q, capped. Q decays with the replenishment half-life. `consume` records the fill
   * (and in stress mode moves the mark by the level it added).
   */
  protected impactFraction(s: MarketState, side: number, notional: number, consume: boolean): number {
    const model = this.rules.execution.impact!
    const volume = s.volumePerS * this.stress.shockLiquidity
    const variance = s.variancePerS
    if (!(volume > 0) || !(variance >= 0)) {
      this.warnings.add(`no traded volume for ${s.symbol}: the impact model used 0`)
      return 0
    }
    const k = side > 0 ? 0 : 1
    const c = model.coefficient * Math.sqrt(variance / volume)
    const used =
      s.depthUsed[k]! * Math.exp((-(this.now - s.depthUsedTs[k]!) * Math.LN2) / (model.replenishHalfLifeS * MICRO))
    const after = used + notional
    const average = (2 / 3) * c * ((after * Math.sqrt(after) - used * Math.sqrt(used)) / notional)
    if (consume) {
      s.depthUsed[k] = after
      s.depthUsedTs[k] = this.now
      if (this.stress.feedback) {
        const move =
          Math.min(model.maxFraction, c * Math.sqrt(after)) - Math.min(model.maxFraction, c * Math.sqrt(used))
        s.displace(-side * move, this.now)
      }
    }
    return Math.min(model.maxFraction, average)
  }

  /**
   * Price at which closing `qty` triggered at pt executes: along the update's path (`alongPath`; a position closed
   * with another market's trigger closes at its own mark) less the impact model's cost, or the legacy slippage.
   * `consume` books the fill against the market's recent liquidity (false for a quote).
   */
  protected executionPrice(
    s: MarketState,
    side: number,
    qty: number,
    pt: number,
    consume: boolean,
    alongPath = true,
  ): number {
    const path = alongPath ? this.pathFill(s, side, pt) : pt
    this.lastPathPrice = path
    const cost = this.rules.execution.impact
      ? this.impactFraction(s, side, qty * pt, consume)
      : this.slippage(s, qty * pt)
    return path * (1 - side * cost)
  }

  /**
   * Keeps the liquidations whose fill came nearest to (or went past) the bankruptcy price: side·(fill − bankruptcy)
   * / bankruptcy, smallest first, NEAREST_KEPT of them.
   */
  protected noteNear(p: number, m: number, t: number, kind: number, qty: number, pt: number, exec: number, bk: number) {
    if (!(bk > 0)) return
    const b = this.book
    const side = b.side[p]!
    const margin = (side * (exec - bk)) / bk
    if (margin < 0.01) this.totals.within1Percent++
    const list = this.totals.nearest
    if (list.length === NEAREST_KEPT && !(margin < list[NEAREST_KEPT - 1]!.margin)) return
    const row = {
      ts: t,
      account: b.account[p]!,
      serial: b.serial[p]!,
      market: m,
      side,
      kind,
      notional: qty * pt,
      triggerPrice: pt,
      pathPrice: this.lastPathPrice,
      marketPrice: exec,
      bankruptcy: bk,
      margin,
    }
    let at = list.length
    while (at > 0 && margin < list[at - 1]!.margin) at--
    list.splice(at, 0, row)
    if (list.length > NEAREST_KEPT) list.pop()
  }

  /** Fraction the execution price moves against the position: none, fixed, or √(notional / observed volume). */
  protected slippage(s: MarketState, notional: number): number {
    const model = this.rules.execution.slippage
    if (model.model === 'none') return 0
    if (model.model === 'fixed') return model.fraction
    const volume = s.volumePerS * model.volumeWindowS
    if (!(volume > 0)) {
      this.warnings.add(`no traded volume for ${s.symbol}: the sqrtVolume slippage model used 0`)
      return 0
    }
    return Math.min(model.maxFraction, model.coefficient * Math.sqrt(notional / volume))
  }

  /** Chooses partial / backstop / full execution for a liquidatable position at trigger price pt. */
  protected liquidate(p: number, s: MarketState, m: number, t: number, pt: number): void {
    const b = this.book
    const exec = this.rules.execution
    const side = b.side[p]!
    const entry = b.entry[p]!
    if (exec.backstop) {
      const qty = b.qty[p]!
      const eq = this.collateral(p) / MICRO + side * qty * (pt - entry)
      if (eq < exec.backstop.belowMaintenanceFraction * requirementAt(s.tier, s.params, qty, entry, pt)) {
        this.settle(p, s, m, t, pt, true, Liq.backstop)
        return
      }
    }
    const partial = exec.partial
    // Step-down without a cooldown repeats within the event while the position stays liquidatable.
    for (let steps = 0; partial && steps < 64; steps++) {
      const qty = b.qty[p]!
      if (qty * pt < partial.thresholdNotional) break
      let x = qty * partial.fraction
      if (partial.sizing === 'restoreMargin') x = Math.min(x, this.sizeToRestore(p, s, pt, partial.marginBuffer))
      if (partial.minNotional > 0) x = Math.max(x, partial.minNotional / pt)
      if (partial.maxNotional !== null) x = Math.min(x, partial.maxNotional / pt)
      if (x >= qty * (1 - 1e-12)) break
      if (exec.kind === 'fillablePrice') {
        pt = this.fillableFill(p, s, pt, x)
        if (Number.isNaN(pt)) return
      }
      this.partialClose(p, s, m, t, pt, x)
      if (partial.cooldownS > 0) {
        b.waiting[p] = Waiting.COOLDOWN
        b.cooldownUntil[p] = t + partial.cooldownS * MICRO
        s.waiting.push(p)
        this.rekeyAndPush(p)
        return
      }
      const eq = this.collateral(p) / MICRO + side * b.qty[p]! * (pt - entry)
      if (!isLiquidatable(s.params, eq, requirementAt(s.tier, s.params, b.qty[p]!, entry, pt))) {
        this.rekeyAndPush(p)
        return
      }
    }
    if (exec.kind === 'fillablePrice') {
      pt = this.fillableFill(p, s, pt, b.qty[p]!)
      if (Number.isNaN(pt)) return
    }
    this.settle(p, s, m, t, pt, exec.kind === 'bankruptcyTakeover', Liq.full)
  }

  /**
   * Drift: the base to close at pt so that equity after the step's slippage and fee covers the maintenance ratio
   * plus `buffer` on what remains, base = shortage / (P·(ratio + buffer − cost)) [R1][R4]. The ratio is the one at
   * the current size and the slippage the one for the whole position, both at least what the smaller remainder
   * needs, so the step errs on closing a little more. Infinity when no step can restore it (a full close).
   */
  protected sizeToRestore(p: number, s: MarketState, pt: number, buffer: number): number {
    const b = this.book
    const qty = b.qty[p]!
    const notional = qty * pt
    const equity = this.collateral(p) / MICRO + b.side[p]! * qty * (pt - b.entry[p]!)
    const target = requirementAt(s.tier, s.params, qty, b.entry[p]!, pt) / notional + buffer
    const slip = (b.side[p]! * (pt - this.executionPrice(s, b.side[p]!, qty, pt, false))) / pt
    const cost = slip + s.feeRate * (1 - slip)
    const shortage = notional * target - equity
    if (!(target > cost)) return Number.POSITIVE_INFINITY
    return Math.max(0, shortage) / (pt * (target - cost))
  }

  /**
   * dYdX: the liquidation order is a limit at the fillable price [D2]. It is tried at the trigger price and, if the
   * move went further, at the worst price of the move. Where the book (price less slippage) is at least the
   * fillable price it fills there: the price is returned. Otherwise, with TNC < 0 the position is deleveraged [D3];
   * with TNC ≥ 0 it waits for the next event. Either way NaN is returned.
   */
  protected fillableFill(p: number, s: MarketState, pt: number, x: number): number {
    const b = this.book
    const f = this.rules.execution.fillable!
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const collateral = this.collateral(p) / MICRO
    const worst = side > 0 ? Math.min(s.markLow, pt) : Math.max(s.markHigh, pt)
    let book = Number.NaN
    let fp = Number.NaN
    for (const price of worst === pt ? [pt] : [pt, worst]) {
      const tnc = collateral + side * qty * (price - entry)
      const notional = qty * price
      const bracket = bracketAt(s.tier, notional)
      const pmmr = notional * s.tier.mmr[bracket]! - s.tier.cum[bracket]!
      fp = fillablePrice({
        tnc,
        tmmr: pmmr,
        pnnv: side * notional,
        pmmr,
        size: side * qty,
        bankruptcyAdjustment: f.bankruptcyAdjustment,
        spreadToMaintenanceMultiplier: f.spreadToMaintenanceMultiplier,
      })
      book = this.executionPrice(s, side, x, price, false)
      if (side * (book - fp) >= 0) return price
      if (tnc < 0) {
        this.settle(p, s, b.market[p]!, this.now, price, false, Liq.deleveraged, true)
        return Number.NaN
      }
    }
    this.guardrailRow(b.market[p]!, Guard.fillRejected, book, fp, GuardAction.retry, p)
    b.waiting[p] = Waiting.RETRY
    s.waiting.push(p)
    this.rekeyAndPush(p)
    return Number.NaN
  }

  protected fee(notional: number, s: MarketState): number {
    return toMicros(notional * s.feeRate, 'liquidation fee')
  }

  /** Splits a fee between the insurance fund and the other recipient. */
  protected distributeFee(fee: number, s: MarketState, m: number, liqSeq: number): number {
    if (fee <= 0) return 0
    const toFund = feeToFund(fee, this.rules.fees.insuranceShare)
    const rest = fee - toFund
    if (toFund > 0) this.fundMove(s.fund, toFund, 1, liqSeq, m)
    if (rest > 0 && this.rules.fees.otherRecipient === 'feePool')
      this.funds.feePool = addMicros(this.funds.feePool, rest, 'fee pool')
    this.totals.feesToFund.add(toFund)
    this.totals.feesToOthers.add(rest)
    return toFund
  }

  /** Closes x of position p at the market (a clip): PnL and fee settle into its collateral; the position stays. */
  protected partialClose(p: number, s: MarketState, m: number, t: number, pt: number, x: number): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const bkBefore = this.bankruptcyOf(p)
    const exec = this.executionPrice(s, side, x, pt, true)
    this.noteNear(p, m, t, Liq.partial, x, pt, exec, bkBefore)
    const collateral = this.collateral(p)
    const share = Math.round((collateral * x) / qty)
    const u = toMicros(side * x * (pt - entry))
    const slip = toMicros(side * x * (pt - exec))
    const rawFee = this.fee(x * exec, s)
    // a clip's fee is capped by the clip's own share of the equity, as a full close's is by the whole
    const fee = cappedFee(rawFee, share + u - slip, this.rules.fees.cap)
    const seq = this.outputs.liquidations.total
    const toFund = this.distributeFee(fee, s, m, seq)
    // what stays with the position from the closed part (negative: drawn from its remaining collateral)
    const kept = share + u - slip - fee
    this.addCollateral(p, u - slip - fee)
    this.removeFromMarket(p)
    b.qty[p] = qty - x
    this.addToMarketNoKey(p)
    this.liquidationRow(
      p,
      m,
      t,
      x,
      pt,
      Number.NaN,
      this.bankruptcyOf(p),
      exec,
      exec,
      fee,
      toFund,
      share + u,
      slip,
      0,
      kept,
      0,
      Liq.partial,
    )
    if (this.lanes !== null) {
      const c = this.settledClip
      c.row = this.outputs.liquidations.length - 1
      c.market = m
      c.fund = s.fund
      c.seq = seq
      c.feeNotional = x * exec
      c.afterSlippage = share + u - slip
      c.fee = fee
      this.lanes.partial(c, this.now)
    }
    this.totals.partialLiquidations++
    this.totals.liquidatedNotional.add(toMicros(x * pt))
  }

  /**
   * Full close of p, triggered at pt and executed at pt less slippage. Market execution returns what is left to the
   * trader; takeover (bankruptcy price [B9][X1], backstop vault [H1]) gives it to the fund. A negative remainder is a
   * shortfall for the waterfall. Exact: equity = slippage + fee + toFund + returned − shortfall, in micro-units.
   */
  protected settle(
    p: number,
    s: MarketState,
    m: number,
    t: number,
    pt: number,
    takeover: boolean,
    kind: number,
    deleverageOnly = false,
    alongPath = true,
  ): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const acc = b.account[p]!
    const serial = b.serial[p]!
    const collateral = this.collateral(p)
    const lpNow = liquidationPrice(s.tier, s.params, side, qty, entry, collateral / MICRO)
    const exec = deleverageOnly ? pt : this.executionPrice(s, side, qty, pt, true, alongPath)
    const bk = bankruptcyPrice(side, qty, entry, collateral / MICRO)
    if (!deleverageOnly) this.noteNear(p, m, t, kind, qty, pt, exec, bk)
    const u = toMicros(side * qty * (pt - entry))
    const equity = collateral + u
    const slip = toMicros(side * qty * (pt - exec))
    const rawFee = this.fee(qty * exec, s)
    const fee = cappedFee(rawFee, equity - slip, this.rules.fees.cap)
    const residual = equity - slip - fee
    const seq = this.outputs.liquidations.total
    const toFundFee = this.distributeFee(fee, s, m, seq)
    let returned = 0
    let surplus = 0
    let shortfall = 0
    if (residual >= 0) {
      if (takeover) surplus = residual
      else returned = residual
    } else shortfall = -residual
    if (surplus > 0) {
      this.fundMove(s.fund, surplus, 2, seq, m)
      this.totals.surplusToFund.add(surplus)
    }
    const notional = toMicros(qty * pt)
    this.liquidationRow(
      p,
      m,
      t,
      qty,
      pt,
      lpNow,
      bk,
      takeover ? bk : exec,
      exec,
      fee,
      toFundFee,
      equity,
      slip,
      surplus,
      returned,
      shortfall,
      kind,
    )
    const tot = this.totals
    tot.liquidations++
    tot.liquidatedNotional.add(notional)
    if (kind === Liq.takeover || (takeover && kind === Liq.full)) tot.takeovers++
    if (kind === Liq.backstop) tot.backstops++
    if (kind === Liq.deleveraged) tot.deleveraged++
    if (shortfall > 0) tot.bankruptcies++
    // the trader's collateral is consumed; what is returned goes back to the wallet
    if (acc >= 0) {
      if (this.accounts.cross[acc] === 1) this.accounts.wallet[acc] = returned
      else this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, returned)
      this.markDiverged(acc, m)
    }
    b.margin[p] = 0
    this.release(p)
    const row = this.outputs.liquidations.length - 1
    let uncovered = 0
    if (shortfall > 0) {
      const claim: Claim = {
        seq,
        ts: t,
        pos: p,
        account: acc,
        serial,
        market: m,
        side,
        qty,
        triggerPrice: pt,
        marketPrice: exec,
        bankruptcy: bk,
        equity,
        takeover,
        deleverageOnly,
        notional,
      }
      uncovered = this.waterfall(claim, shortfall, s)
    }
    if (this.lanes === null) return
    const c = this.settledClose
    c.row = row
    c.market = m
    c.fund = s.fund
    c.ts = t
    c.seq = seq
    c.feeNotional = qty * exec
    c.afterSlippage = equity - slip
    c.takeover = takeover
    c.deleverageOnly = deleverageOnly
    c.account = acc
    c.serial = serial
    c.notional = notional
    c.returned = returned
    c.uncovered = uncovered
    this.lanes.close(c, this.now)
  }
}

/** Price at distance x along the path open → v1 → v2 → close with segment lengths d1, d2, d3. */
function pathAt(
  open: number,
  v1: number,
  v2: number,
  close: number,
  d1: number,
  d2: number,
  d3: number,
  x: number,
): number {
  if (x <= d1) return d1 > 0 ? open + ((v1 - open) * x) / d1 : v1
  if (x <= d1 + d2) return d2 > 0 ? v1 + ((v2 - v1) * (x - d1)) / d2 : v2
  return d3 > 0 ? v2 + (close - v2) * Math.min(1, (x - d1 - d2) / d3) : close
}
