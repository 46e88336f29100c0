// Cross accounts with positions in several markets: checked directly and liquidated as a whole.
import { isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import type { MarketState } from './markets.ts'
import { Liq } from './outputs.ts'
import { Liquidation } from './liquidation.ts'
import { MICRO } from './kernelState.ts'

export abstract class CrossAccounts extends Liquidation {
  /**
   * Reconciliation runs (shadow mode): an engine liquidation of a named account is recorded but not applied; the
   * account keeps following its real fills, so one early decision does not become a stream of false ones.
   */
  shadowMode = false

  protected abstract shadowLiquidation(p: number, s: MarketState, m: number, t: number, pt: number): void
  protected abstract holdAccount(acc: number): void

  /** Cross accounts spanning markets: equity and requirement over all their positions, at this market's worst price. */
  protected checkMultiAccounts(s: MarketState, m: number, t: number): void {
    const b = this.book
    for (const acc of s.multiAccounts.slice()) {
      if (this.accounts.multi[acc] !== 1 || this.accountHeld[acc] === 1) continue
      let here = -1
      let equity = this.accounts.wallet[acc]! / MICRO
      let req = 0
      // isolated positions of the account have their own margin and take no part in the cross check
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
        if (this.posCross[q] !== 1) continue
        const ms = this.markets[b.market[q]!]!
        const side = b.side[q]!
        const price = b.market[q] === m ? (side > 0 ? s.markLow : s.markHigh) : ms.mark
        if (b.market[q] === m) here = q
        equity += side * b.qty[q]! * (price - b.entry[q]!)
        req += requirementAt(ms.tier, ms.params, b.qty[q]!, b.entry[q]!, price)
      }
      if (here < 0 || !isLiquidatable(s.params, equity, req)) continue
      let paused = false
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!)
        if (this.posCross[q] === 1 && this.markets[b.market[q]!]!.paused !== 0) paused = true
      if (!paused) {
        this.liquidateAccount(acc, m, t)
        continue
      }
      // a market of the account is paused: wait, but record negative equity (at the marks) once
      let atMarks = this.accounts.wallet[acc]!
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
        if (this.posCross[q] === 1)
          atMarks += toMicros(b.side[q]! * b.qty[q]! * (this.markets[b.market[q]!]!.mark - b.entry[q]!))
      }
      if (atMarks < 0 && b.negativeRecorded[here] === 0) {
        this.negativeEquity(here, m, t, -atMarks)
        for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!)
          if (this.posCross[q] === 1) b.negativeRecorded[q] = 1
      }
    }
  }

  /**
   * Liquidates every cross position of a multi-market cross account. The wallet is shared: each position settles
   * with the part of the wallet that covers its loss first (in position order), the rest goes with the last one.
   */
  protected liquidateAccount(acc: number, m: number, t: number): void {
    const b = this.book
    const positions: number[] = []
    for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!)
      if (this.posCross[q] === 1) positions.push(q)
    positions.sort((x, y) => x - y)
    const s = this.markets[m]!
    // crossing price in this market with the others held at their marks (Binance cross formula [B1])
    let others = 0
    let otherReq = 0
    let here = -1
    for (const q of positions) {
      const ms = this.markets[b.market[q]!]!
      if (b.market[q] === m) {
        here = q
        continue
      }
      others += b.side[q]! * b.qty[q]! * (ms.mark - b.entry[q]!)
      otherReq += requirementAt(ms.tier, ms.params, b.qty[q]!, b.entry[q]!, ms.mark)
    }
    const wallet = this.accounts.wallet[acc]!
    const lp = liquidationPrice(
      s.tier,
      s.params,
      b.side[here]!,
      b.qty[here]!,
      b.entry[here]!,
      wallet / MICRO + others - otherReq,
    )
    const ptHere = this.triggerPrice(lp, s)
    // each position's own loss at its price; the wallet then covers negative results first
    const results = positions.map((q) => {
      const ms = this.markets[b.market[q]!]!
      const pt = b.market[q] === m ? ptHere : ms.mark
      const side = b.side[q]!
      const exec = this.executionPrice(ms, side, b.qty[q]!, pt, false, b.market[q] === m)
      const u = toMicros(side * b.qty[q]! * (pt - b.entry[q]!))
      const slip = toMicros(side * b.qty[q]! * (pt - exec))
      return { q, pt, u, slip }
    })
    let left = wallet
    const alloc = results.map((r) => {
      const need = Math.max(0, -(r.u - r.slip))
      const give = Math.min(Math.max(left, 0), need)
      left -= give
      return give
    })
    alloc[alloc.length - 1] = alloc[alloc.length - 1]! + left
    if (this.shadowMode) {
      // a reconciliation run records the decision and keeps following the account's real fills
      results.forEach((r) => this.shadowLiquidation(r.q, this.markets[b.market[r.q]!]!, b.market[r.q]!, t, r.pt))
      this.holdAccount(acc)
      return
    }
    this.accounts.multi[acc] = 0
    for (const q of positions) {
      const list = this.markets[b.market[q]!]!.multiAccounts
      const at = list.indexOf(acc)
      if (at >= 0) list.splice(at, 1)
    }
    // settle each as an isolated position holding its share of the wallet
    this.accounts.cross[acc] = 0
    this.accounts.wallet[acc] = 0
    results.forEach((r, i) => {
      b.margin[r.q] = alloc[i]!
      this.posCross[r.q] = 0
      const ms = this.markets[b.market[r.q]!]!
      const takeover = this.rules.execution.kind === 'bankruptcyTakeover'
      this.settle(r.q, ms, b.market[r.q]!, t, r.pt, takeover, Liq.full, false, b.market[r.q] === m)
    })
    this.accounts.cross[acc] = 1
  }
}
