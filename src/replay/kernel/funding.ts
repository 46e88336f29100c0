// Funding: the rate per interval and who pays it. Synthetic positions settle lazily (their trigger prices move by
// a bounded shift of the heap offsets); named accounts' positions pay when it falls due and are re-keyed.
import { clampObservedRate, fundingRate8h, fundingRatePerInterval } from '../margin/funding.ts'
import { toMicros } from '../money.ts'
import { PosState } from './book.ts'
import { CrossAccounts } from './crossAccounts.ts'
import type { MarketState } from './markets.ts'

export abstract class Funding extends CrossAccounts {
  protected funding(m: number, t: number, observed: number, premium: number): void {
    const s = this.markets[m]!
    const f = this.rules.funding
    let rate: number
    const clampFactor = f.marginClampFactor
    const formula = {
      ...this.fundingFormula,
      marginClamp: clampFactor === null ? null : clampFactor * (s.tier.imr[0]! - s.tier.mmr[0]!),
    }
    if (f.source === 'premium' && !Number.isNaN(premium))
      rate = fundingRatePerInterval(fundingRate8h(premium, formula), formula)
    else if (!Number.isNaN(observed)) rate = clampObservedRate(observed, formula)
    else return
    // inverse markets are held in 1/P with sides swapped (kernel/inverse.ts): a venue long paying Q/P × rate is a
    // short in x paying −(−Q·x × rate), so the rate settled is the venue's with its sign turned
    if (this.inverse) rate = -rate
    s.lastFundingRate = rate
    if (this.ledgerFunding) return
    const price = f.paymentPrice === 'oracle' ? s.oracleOrMark() : s.mark
    if (!(price > 0)) return
    // O(1) for the synthetic population: the event goes into the market's cumulative funding (each position pays
    // its share when next touched, or at the end of the run) and each heap's offset moves by the far bound of its
    // triggers' move (TriggerDrift), so no key falls behind its true trigger; a popped position is checked exactly
    // and re-keyed, which also resets its drift. A heap whose bounds ran out is re-keyed in full.
    s.logFunding(price, rate)
    const x = price * rate
    s.longs.offset += s.longDrift.shift(x)
    s.shorts.offset += s.shortDrift.shift(x)
    if (s.longDrift.exhausted) this.rekeyHeap(s.longs, s.longDrift)
    if (s.shortDrift.exhausted) this.rekeyHeap(s.shorts, s.shortDrift)
    if (this.accountPositionsOpen > 0) this.payAccounts(s, m, price, rate)
    this.recheck(s, m, t)
  }

  /**
   * Named accounts' positions pay funding when it falls due (their wallets are shared and reported as they were):
   * one pass in position order, each re-keyed in its heap.
   */
  private payAccounts(s: MarketState, m: number, price: number, rate: number): void {
    const b = this.book
    const { side, qty, account, key, slot, state } = b
    const mk = b.market
    let paid = 0
    for (let p = 0, n = b.extent; p < n; p++) {
      if (state[p] !== PosState.OPEN || mk[p] !== m || account[p]! < 0) continue
      // an account with funding rows in its ledger pays them there instead
      if (this.accountLedgerFunded[account[p]!] === 1) continue
      // longs pay a positive rate, shorts receive it
      const pay = toMicros(side[p]! * qty[p]! * price * rate, 'funding payment')
      paid += pay
      if (pay !== 0) this.addCollateral(p, -pay)
      if (slot[p]! < 0) continue
      key[p] = this.keyOf(p)
      this.heapOf(p).update(p)
    }
    this.totals.fundingPaidByPositions.add(paid)
  }
}
