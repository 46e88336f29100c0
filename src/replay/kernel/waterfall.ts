// The loss waterfall: a shortfall goes to the insurance fund, fee pool, ADL, socialized loss, then bad debt.
import { apportion } from '../margin/socialLoss.ts'
import type { MarketState } from './markets.ts'
import { addDeficitRow, Guard, GuardAction } from './outputs.ts'
import { Adl } from './adl.ts'
import { MICRO, type Claim } from './kernelState.ts'

export abstract class Waterfall extends Adl {
  /** The rule set socializes losses: positions popped by a sweep are held out of them (socializeLazily). */
  protected readonly socializesLazily = this.rules.waterfall.some((step) => step.kind === 'socializeLoss')

  /** Position p was popped for the sweep under way: it pays what it owes now and no share of a loss until settled. */
  protected holdOutOfSocialLoss(s: MarketState, p: number): void {
    this.settleFunding(p)
    s.heldOutBase += this.book.qty[p]!
    s.heldOutCount++
  }

  /** Position p is about to be settled: whatever was socialized while it was held out is not its share. */
  protected backIntoSocialLoss(s: MarketState, p: number): void {
    const b = this.book
    s.heldOutBase -= b.qty[p]!
    s.heldOutCount--
    if (b.account[p]! < 0) b.socialAt[p] = s.socialCum
  }

  /**
   * What the insurance fund pays of `remaining` for claim c, paid out here: at most what its reserve and claim caps
   * allow, the capped share of a takeover above the held-notional cap [B11], and what the block's loss cap leaves
   * [D5]. A cap that binds is recorded as a guardrail row; the rest passes to the next step.
   */
  protected fundPays(c: Claim, remaining: number, s: MarketState): number {
    const cap = this.funds.takeoverNotionalCap
    let ceiling = remaining
    if (cap !== null && c.takeover && c.notional > cap * this.funds.balance[s.fund]!) {
      // the cap binds on this balance: lanes' balances differ, and the guardrail row is the kernel's
      if (this.lanes !== null) this.lanes.divergeAll('the fund takeover cap bound')
      // the fund takes over notional up to its held-notional cap; the loss on the excess goes to counterparty
      // liquidation: the fund covers the capped share of the loss at most
      const held = Math.max(0, cap * this.funds.balance[s.fund]!)
      ceiling = Math.floor((remaining * held) / c.notional)
      const action = ceiling > 0 ? GuardAction.limitFund : GuardAction.skipFund
      this.guardrailRow(
        c.market,
        Guard.takeoverNotionalCap,
        c.notional / MICRO,
        held / MICRO,
        action,
        -1,
        c.account,
        c.serial,
      )
      if (ceiling <= 0) return 0
    }
    const pay = Math.min(ceiling, this.funds.available(s.fund, c.market, s.claimsPaid, c.ts))
    const allowance = this.funds.blockAllowance(s.fund, c.ts)
    if (pay > 0) {
      this.fundMove(s.fund, -pay, 3, c.seq, c.market)
      this.funds.notePaid(s.fund, pay, c.ts)
      s.claimsPaid += pay
    }
    if (remaining > pay && pay === allowance) {
      // the block's loss cap, not the balance, stopped the fund
      this.guardrailRow(
        c.market,
        Guard.blockLossCap,
        remaining / MICRO,
        allowance / MICRO,
        GuardAction.limitFund,
        -1,
        c.account,
        c.serial,
      )
    }
    return pay
  }

  /** Runs claim c down the waterfall; returns what no step covered (bad debt). */
  protected waterfall(c: Claim, shortfall: number, s: MarketState): number {
    let remaining = shortfall
    let byFund = 0
    let byPool = 0
    let byAdl = 0
    let bySocial = 0
    for (const step of this.rules.waterfall) {
      if (remaining <= 0) break
      if (c.deleverageOnly && step.kind !== 'adl') continue
      // a loss step that moves positions: lanes settling other amounts cannot follow the kernel past it
      if (this.lanes !== null && (step.kind === 'adl' || step.kind === 'socializeLoss'))
        this.lanes.divergeAll(`a shortfall reached the waterfall's ${step.kind} step`)
      switch (step.kind) {
        case 'insuranceFund': {
          const pay = this.fundPays(c, remaining, s)
          byFund += pay
          remaining -= pay
          break
        }
        case 'feePool': {
          const pay = Math.min(remaining, this.funds.feePool)
          if (pay > 0) {
            this.funds.feePool -= pay
            byPool += pay
            remaining -= pay
          }
          break
        }
        case 'adl': {
          if (!this.adlTriggered(step, c, s)) break
          const covered = this.deleverage(step, c, remaining, s)
          byAdl += covered
          remaining -= covered
          break
        }
        case 'socializeLoss': {
          const covered = this.socialize(c, remaining, s)
          bySocial += covered
          remaining -= covered
          break
        }
      }
    }
    const covered = { fund: byFund, feePool: byPool, adl: byAdl, socialized: bySocial }
    addDeficitRow(this.outputs.deficits, c.ts, c.account, c.serial, c.market, c.seq, 0, shortfall, covered, remaining)
    const tot = this.totals
    tot.shortfall.add(shortfall)
    tot.coveredByFund.add(byFund)
    tot.coveredByFeePool.add(byPool)
    tot.coveredByAdl.add(byAdl)
    tot.socialized.add(bySocial)
    tot.badDebt.add(remaining)
    if (Number.isNaN(tot.firstDeficitTs)) tot.firstDeficitTs = c.ts
    if (remaining > 0 && c.account >= 0 && this.accounts.inDeficit[c.account] === 0) {
      this.accounts.inDeficit[c.account] = 1
      this.openDeficits++
    }
    return remaining
  }

  /** Socializes the rest over every open position of the market by |base|: Δcum_funding = loss / Σ|base| [R2]. */
  protected socialize(c: Claim, amount: number, s: MarketState): number {
    if (this.accountPositionsOpen === 0) return this.socializeLazily(c, amount, s)
    const b = this.book
    // waiting positions stay in their heap (under a key that never pops), so the heaps hold every open position
    const positions = new Int32Array(s.longs.size + s.shorts.size)
    if (!positions.length) return 0
    positions.set(s.longs.members())
    positions.set(s.shorts.members(), s.longs.size)
    positions.sort() // position order, so the apportioning does not depend on heap layout
    const weights = new Float64Array(positions.length)
    for (let i = 0; i < positions.length; i++) weights[i] = b.qty[positions[i]!]!
    const parts = apportion(amount, weights)
    let totalBase = 0
    for (let i = 0; i < positions.length; i++) {
      totalBase += weights[i]!
      this.addCollateral(positions[i]!, -parts[i]!)
    }
    const o = this.outputs.social
    const i = o.add()
    o.cols.ts[i] = c.ts
    o.cols.market[i] = c.market
    o.cols.liquidationSeq[i] = c.seq
    o.cols.amount[i] = amount
    o.cols.perBase[i] = amount / MICRO / totalBase
    o.cols.totalBase[i] = totalBase
    o.cols.positions[i] = positions.length
    this.rekeyMarket(s)
    this.markDirty(c.market)
    return amount
  }

  /**
   * The same loss when every open position is synthetic, as Drift books it: the market's cumulative loss per unit of
   * base moves by loss / Σ|base| and each position pays its size times that move when next touched (rounded to
   * micro-units then, so the charges add up to the loss within half a micro-unit per position), as lazily settled
   * funding does; the heaps' offsets move by the far bound of the triggers' move (TriggerDrift). O(1) per claim
   * instead of charging and re-keying every position (a crash socializes ~10⁵ claims over ~10⁶ positions).
   */
  private socializeLazily(c: Claim, amount: number, s: MarketState): number {
    // every open position of the market but those popped for the sweep under way, as in the heaps
    const count = s.openCount - s.heldOutCount
    const totalBase = s.longQty + s.shortQty - s.heldOutBase
    if (count === 0 || !(totalBase > 0)) return 0
    const perBase = amount / MICRO / totalBase
    s.socialCum += perBase
    // longs and shorts both pay: a long's trigger rises like funding a long pays, a short's falls like funding it gets
    s.longs.offset += s.longDrift.shift(perBase)
    s.shorts.offset += s.shortDrift.shift(-perBase)
    if (s.longDrift.exhausted) this.rekeyHeap(s.longs, s.longDrift)
    if (s.shortDrift.exhausted) this.rekeyHeap(s.shorts, s.shortDrift)
    const o = this.outputs.social
    const i = o.add()
    o.cols.ts[i] = c.ts
    o.cols.market[i] = c.market
    o.cols.liquidationSeq[i] = c.seq
    o.cols.amount[i] = amount
    o.cols.perBase[i] = perBase
    o.cols.totalBase[i] = totalBase
    o.cols.positions[i] = count
    this.markDirty(c.market)
    return amount
  }
}
