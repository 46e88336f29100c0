// Funding: the rate per interval, each position's payment, and the market's re-keyed heaps.
import { clampObservedRate, fundingRate8h, fundingRatePerInterval } from '../margin/funding.ts'
import { liquidationPrice } from '../margin/requirement.ts'
import { addMicros, toMicros } from '../money.ts'
import { Waiting } from './book.ts'
import { CrossAccounts } from './crossAccounts.ts'
import { MICRO } from './kernelState.ts'

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
    s.lastFundingRate = rate
    if (this.ledgerFunding) return
    const price = f.paymentPrice === 'oracle' ? s.oracleOrMark() : s.mark
    if (!(price > 0)) return
    const b = this.book
    const { side, qty, entry, margin, account, waiting, key, slot } = b
    const mk = b.market
    const { tier, params } = s
    let paid = 0
    // Every position in the market's heaps pays, then gets its new key, in one pass in position order (sequential
    // memory, unlike heap order). Payments are integers, so their sum does not depend on the order; a position's
    // key depends only on its own collateral (an account with several positions is keyed ±Infinity), so keying
    // right after its payment equals keying after all of them.
    for (let p = 0, n = b.extent; p < n; p++) {
      if (slot[p]! < 0 || mk[p] !== m) continue
      // longs pay a positive rate, shorts receive it
      const pay = toMicros(side[p]! * qty[p]! * price * rate, 'funding payment')
      paid += pay
      if (account[p]! < 0 && waiting[p] === Waiting.NONE) {
        // an isolated position of its own (the synthetic population): keyOf's last case, inline
        if (pay !== 0) margin[p] = addMicros(margin[p]!, -pay)
        key[p] = liquidationPrice(tier, params, side[p]!, qty[p]!, entry[p]!, margin[p]! / MICRO)
      } else {
        if (pay !== 0) this.addCollateral(p, -pay)
        key[p] = this.keyOf(p)
      }
    }
    s.longs.heapify()
    s.shorts.heapify()
    this.totals.fundingPaidByPositions.add(paid)
    this.recheck(s, m, t)
  }
}
