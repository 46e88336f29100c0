// Account replays: ledger entries and historical fills applied to positions and wallets, divergence.
import { initialRate } from '../margin/requirement.ts'
import { bracketAt } from '../margin/brackets.ts'
import { addMicros, toMicros } from '../money.ts'
import { PosState } from './book.ts'
import { Guard, GuardAction } from './outputs.ts'
import { Funding } from './funding.ts'
import { MICRO } from './kernelState.ts'

export abstract class AccountReplay extends Funding {
  /** Deposits, withdrawals (gated [D3][H8]) and, in account replays, historical funding payments. */
  protected ledger(acc: number, t: number, delta: number, kind: number): void {
    if (acc < 0) return
    if (kind === 3 && !this.ledgerFunding) return
    const g = this.rules.guardrails.withdrawalGating
    if (delta < 0 && kind === 1 && g && this.checking) {
      let refuse = g.whileDeficit && this.openDeficits > 0
      if (!refuse && (g.requireInitialMargin || g.minNotionalFraction > 0)) {
        let equity = (this.accounts.wallet[acc]! + delta) / MICRO
        let need = 0
        for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
          const ms = this.markets[this.book.market[q]!]!
          const notional = this.book.qty[q]! * ms.mark
          equity += this.book.side[q]! * this.book.qty[q]! * (ms.mark - this.book.entry[q]!)
          const im = g.requireInitialMargin
            ? notional * initialRate(ms.tier, bracketAt(ms.tier, notional), this.book.qty[q]!)
            : 0
          need += Math.max(im, g.minNotionalFraction * notional)
        }
        refuse = this.accounts.head[acc]! >= 0 && equity < need
      }
      if (refuse) {
        this.totals.refusedWithdrawals++
        this.guardrailRow(0, Guard.withdrawalGating, -delta / MICRO, 0, GuardAction.refuse, -1, acc, -1)
        return
      }
    }
    this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, delta, 'wallet')
    if (delta > 0 && this.accounts.inDeficit[acc] === 1 && this.accounts.wallet[acc]! >= 0) {
      this.accounts.inDeficit[acc] = 0
      this.openDeficits--
    }
    this.walletChanged(acc, t)
  }

  /** Re-keys a cross account's positions after its wallet changed, and checks their markets now. */
  protected walletChanged(acc: number, t: number): void {
    this.rekeyAccount(acc)
    const touched: number[] = []
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
      const m = this.book.market[q]!
      if (!touched.includes(m)) touched.push(m)
    }
    for (const m of touched) this.recheck(this.markets[m]!, m, t)
  }

  protected markDiverged(acc: number, m: number): void {
    const key = acc * 65_536 + m
    if ((this.shadow.get(key) ?? 0) !== 0) this.diverged.add(key)
  }

  /**
   * An account-level fill. History is followed exactly until the engine liquidates a position the venue did not;
   * from then on that account·market ignores fills until its historical position is flat again.
   */
  protected fill(
    acc: number,
    m: number,
    t: number,
    price: number,
    signedQty: number,
    feeMicros: number,
    flags: number,
  ): void {
    if (acc < 0 || signedQty === 0) return
    const key = acc * 65_536 + m
    const before = this.shadow.get(key) ?? 0
    let after = before + signedQty
    if (Math.abs(after) < 1e-12 * Math.max(Math.abs(before), Math.abs(signedQty))) after = 0
    this.shadow.set(key, after)
    if (flags === 1) this.totals.observedLiquidationFills++
    if (this.diverged.has(key)) {
      this.totals.fillsSkippedDiverged++
      if (after === 0) this.diverged.delete(key)
      return
    }
    const b = this.book
    const s = this.markets[m]!
    let p = -1
    for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) if (b.market[q] === m) p = q
    const sideIn = signedQty > 0 ? 1 : -1
    let qtyIn = Math.abs(signedQty)
    const cross = this.accounts.cross[acc] === 1
    if (p >= 0 && b.side[p] !== sideIn) {
      // reduce, close, maybe flip
      const close = Math.min(qtyIn, b.qty[p]!)
      const realized = toMicros(b.side[p]! * close * (price - b.entry[p]!), 'realized PnL')
      this.reduce(p, close, realized)
      qtyIn -= close
      if (b.state[p] !== PosState.OPEN) p = -1
    }
    if (qtyIn > 1e-15) {
      if (p >= 0) {
        if (this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn)) qtyIn = 0
        else {
          this.removeFromMarket(p)
          const q0 = b.qty[p]!
          b.entry[p] = (b.entry[p]! * q0 + price * qtyIn) / (q0 + qtyIn)
          b.qty[p] = q0 + qtyIn
          if (!cross) {
            const im = toMicros(qtyIn * price * initialRate(s.tier, bracketAt(s.tier, qtyIn * price), qtyIn))
            b.margin[p] = addMicros(b.margin[p]!, im)
            this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -im)
          }
          this.addToMarket(p)
        }
      } else if (!(this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn))) {
        let margin = 0
        if (!cross) {
          // isolated account replays post the initial margin of the bracket from the wallet
          margin = toMicros(qtyIn * price * initialRate(s.tier, bracketAt(s.tier, qtyIn * price), qtyIn))
          this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -margin)
        }
        this.openPosition(acc, m, sideIn, qtyIn, price, margin, t)
      }
    }
    if (feeMicros !== 0) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -feeMicros, 'wallet')
    this.walletChanged(acc, t)
    if (b.state[p] === PosState.OPEN && b.account[p] === acc) this.recheck(s, m, t)
  }
}
