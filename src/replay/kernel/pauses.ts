// Waiting positions (cooldown, pause, retry) and negative equity recorded while liquidations are held.
import { isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import { PosState, Waiting } from './book.ts'
import type { MarketState } from './markets.ts'
import { Guardrails } from './guardrails.ts'
import { MICRO } from './kernelState.ts'
import { addDeficitRow } from './outputs.ts'

const NOTHING_COVERED = { fund: 0, feePool: 0, adl: 0, socialized: 0 } as const

export abstract class Pauses extends Guardrails {
  protected checkWaiting(s: MarketState, m: number, t: number): void {
    const b = this.book
    const list = s.waiting.splice(0)
    for (const p of list) {
      if (b.state[p] !== PosState.OPEN) continue
      const w = b.waiting[p]!
      if (w === Waiting.COOLDOWN && t < b.cooldownUntil[p]!) {
        s.waiting.push(p)
        continue
      }
      if (w === Waiting.PAUSED && s.paused !== 0) {
        s.waiting.push(p)
        continue
      }
      // cooldown over, pause lifted or a rejected fill to retry: back to the normal key, checked at the mark
      b.waiting[p] = Waiting.NONE
      if (b.slot[p]! >= 0) this.heapOf(p).remove(p)
      const side = b.side[p]!
      const collateral = this.collateral(p) / MICRO
      const qty = b.qty[p]!
      const entry = b.entry[p]!
      const lp = liquidationPrice(s.tier, s.params, side, qty, entry, collateral)
      const eq = collateral + side * qty * (s.mark - entry)
      if (s.paused === 0 && isLiquidatable(s.params, eq, requirementAt(s.tier, s.params, qty, entry, s.mark))) {
        this.liquidate(p, s, m, t, side > 0 ? Math.min(lp, s.mark) : Math.max(lp, s.mark))
      } else this.rekeyAndPush(p)
    }
  }

  /** While liquidations are paused, crossed positions wait; negative equity among them is recorded once. */
  protected holdCrossed(s: MarketState, m: number, t: number): void {
    const b = this.book
    let nc = 0
    while (s.longs.size > 0 && s.longs.topKey() >= s.markLow) nc = this.pushCand(nc, s.longs.pop())
    while (s.shorts.size > 0 && s.shorts.topKey() <= s.markHigh) nc = this.pushCand(nc, s.shorts.pop())
    for (let j = 0; j < nc; j++) {
      const p = this.cands[j]!
      b.waiting[p] = Waiting.PAUSED
      b.key[p] = b.side[p]! > 0 ? -Infinity : Infinity
      this.heapOf(p).push(p)
      s.waiting.push(p)
    }
    for (const p of s.waiting) {
      if (b.state[p] !== PosState.OPEN || b.negativeRecorded[p] === 1) continue
      const eq = this.collateral(p) + toMicros(b.side[p]! * b.qty[p]! * (s.mark - b.entry[p]!))
      if (eq < 0) this.negativeEquity(p, m, t, -eq)
    }
    if (s.multiAccounts.length) this.checkMultiAccounts(s, m, t)
  }

  protected negativeEquity(p: number, m: number, t: number, amount: number): void {
    const b = this.book
    b.negativeRecorded[p] = 1
    const o = this.outputs.deficits
    addDeficitRow(o, t, b.account[p]!, b.serial[p]!, m, -1, 1, amount, NOTHING_COVERED, amount)
    this.totals.negativeEquityRecords++
    if (this.lanes !== null) this.lanes.copyDeficit(o, o.length - 1)
  }
}
