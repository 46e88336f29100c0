// Guardrails: price band and circuit-breaker pauses, mark cap, OI caps on new exposure.
import type { MarketState } from './markets.ts'
import { Guard, GuardAction } from './outputs.ts'
import { OutputRows } from './outputRows.ts'
import { MICRO, PAUSE_BAND, PAUSE_BREAKER } from './kernelState.ts'

export abstract class Guardrails extends OutputRows {
  protected guardrails(s: MarketState, m: number, t: number): void {
    const g = this.rules.guardrails
    if (g.markCap) {
      // Hyperliquid hyperps: mark ≤ k × EMA of the mark [H22]
      const tau = g.markCap.emaWindowS * MICRO
      s.markEma += (1 - Math.exp(-(t - s.markEmaTs) / tau)) * (s.mark - s.markEma)
      s.markEmaTs = t
      const cap = g.markCap.maxMultipleOfEma * s.markEma
      if (s.markHigh > cap) {
        if (s.mark > cap) this.guardrailRow(m, Guard.markCap, s.mark, cap, GuardAction.capMark)
        s.mark = Math.min(s.mark, cap)
        s.markHigh = Math.min(s.markHigh, cap)
        s.markLow = Math.min(s.markLow, cap)
      }
    }
    if (g.priceBand) {
      // the band compares the mark with an oracle (or index) average; without either it cannot act
      const ref = !Number.isNaN(s.oracle) ? s.oracle : s.index
      if (Number.isNaN(ref)) {
        this.warnings.add(`no oracle or index prices for ${s.symbol}: the price band was not applied`)
        return
      }
      const tau = g.priceBand.referenceWindowS * MICRO
      if (Number.isNaN(s.refEma)) s.refEma = ref
      else s.refEma += (1 - Math.exp(-(t - s.refEmaTs) / tau)) * (ref - s.refEma)
      s.refEmaTs = t
      const dev = Math.abs(s.mark - s.refEma) / s.refEma
      const out = dev > g.priceBand.maxDeviation
      if (out && !(s.paused & PAUSE_BAND)) {
        s.paused |= PAUSE_BAND
        this.guardrailRow(m, Guard.priceBand, dev, g.priceBand.maxDeviation, GuardAction.pauseLiquidations)
      } else if (!out && s.paused & PAUSE_BAND) {
        s.paused &= ~PAUSE_BAND
        this.guardrailRow(m, Guard.priceBand, dev, g.priceBand.maxDeviation, GuardAction.resumeLiquidations)
        this.resume(s)
      }
    }
    if (g.circuitBreaker) {
      const cb = g.circuitBreaker
      if (s.paused & PAUSE_BREAKER && t >= s.haltUntil) {
        s.paused &= ~PAUSE_BREAKER
        this.guardrailRow(m, Guard.circuitBreaker, s.mark, s.breakerRef, GuardAction.resumeLiquidations)
        s.breakerRef = s.mark
        s.breakerRefTs = t
        this.resume(s)
      }
      // tumbling reference: the mark at the start of each window
      if (t - s.breakerRefTs >= cb.windowS * MICRO) {
        s.breakerRef = s.mark
        s.breakerRefTs = t
      }
      const move = Math.max(Math.abs(s.markLow - s.breakerRef), Math.abs(s.markHigh - s.breakerRef)) / s.breakerRef
      if (move > cb.maxMove && !(s.paused & PAUSE_BREAKER)) {
        s.paused |= PAUSE_BREAKER
        s.haltUntil = t + cb.haltS * MICRO
        this.guardrailRow(m, Guard.circuitBreaker, move, cb.maxMove, GuardAction.pauseLiquidations)
      }
    }
  }

  /** A pause ended: paused positions are re-keyed and the market is checked at its current mark. */
  protected resume(s: MarketState): void {
    s.markLow = s.mark
    s.markHigh = s.mark
  }

  /** OI cap [G9][H17]: true when adding `qty` to `side` would take the market's open interest over the cap. */
  protected oiCapRefuses(s: MarketState, m: number, side: number, qty: number): boolean {
    const cap = this.rules.guardrails.oiCap
    if (!cap) return false
    const max = cap.markets[s.symbol] ?? cap.maxNotional
    const after = Math.max(s.longQty + (side > 0 ? qty : 0), s.shortQty + (side < 0 ? qty : 0)) * s.mark
    const refuse = after > max
    if (refuse) this.totals.refusedByOiCap++
    if (refuse !== (this.oiCapBinding[m] === 1)) {
      this.oiCapBinding[m] = refuse ? 1 : 0
      // one row when the cap starts refusing openings and one when it accepts them again
      this.guardrailRow(m, Guard.oiCap, after, max, refuse ? GuardAction.refuse : GuardAction.acceptOpenings)
    }
    return refuse
  }
}
