// Liquidation execution: trigger price, slippage, partial / backstop / full / takeover, fillable price, fees, settlement.
import { fillablePrice } from '../margin/fillable.ts'
import { bankruptcyPrice, isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { bracketAt } from '../margin/brackets.ts'
import { addMicros, toMicros } from '../money.ts'
import { Waiting } from './book.ts'
import type { MarketState } from './markets.ts'
import { Guard, GuardAction, Liq } from './outputs.ts'
import { Waterfall } from './waterfall.ts'
import { MICRO, type Claim } from './kernelState.ts'

export abstract class Liquidation extends Waterfall {
  /** Where the trigger was crossed: at the trigger when inside the observed range, else at the first observed price (a gap). */
  protected triggerPrice(lp: number, s: MarketState): number {
    return lp < s.markLow ? s.markLow : lp > s.markHigh ? s.markHigh : lp
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
    const slip = this.slippage(s, notional)
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
      book = price * (1 - side * this.slippage(s, x * price))
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
    const toFund = Math.floor(fee * this.rules.fees.insuranceShare)
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
    const exec = pt * (1 - side * this.slippage(s, x * pt))
    const collateral = this.collateral(p)
    const share = Math.round((collateral * x) / qty)
    const u = toMicros(side * x * (pt - entry))
    const slip = toMicros(side * x * (pt - exec))
    const rawFee = this.fee(x * exec, s)
    // a clip's fee is capped by the clip's own share of the equity, as a full close's is by the whole
    const fee = this.rules.fees.cap === 'remainingEquity' ? Math.min(rawFee, Math.max(0, share + u - slip)) : rawFee
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
  ): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const acc = b.account[p]!
    const serial = b.serial[p]!
    const collateral = this.collateral(p)
    const lpNow = liquidationPrice(s.tier, s.params, side, qty, entry, collateral / MICRO)
    const exec = deleverageOnly ? pt : pt * (1 - side * this.slippage(s, qty * pt))
    const bk = bankruptcyPrice(side, qty, entry, collateral / MICRO)
    const u = toMicros(side * qty * (pt - entry))
    const equity = collateral + u
    const slip = toMicros(side * qty * (pt - exec))
    const rawFee = this.fee(qty * exec, s)
    const fee = this.rules.fees.cap === 'remainingEquity' ? Math.min(rawFee, Math.max(0, equity - slip)) : rawFee
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
    if (shortfall <= 0) return
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
    this.waterfall(claim, shortfall, s)
  }
}
