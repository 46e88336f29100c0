// The synthetic population in the kernel: initial backlog, Poisson arrivals by volume and OI, expiries.
import { bracketAt } from '../margin/brackets.ts'
import { toMicros } from '../money.ts'
import { PosState } from './book.ts'
import type { MarketState } from './markets.ts'
import { AccountReplay } from './accountReplay.ts'
import { MICRO } from './kernelState.ts'

export abstract class PopulationFlow extends AccountReplay {
  /** Initial synthetic positions still to open (the runner takes smaller slices meanwhile). */
  get openingBacklog(): number {
    return this.backlog
  }

  protected spawnSome(s: MarketState, m: number, t: number): void {
    const n = Math.min(this.spawnBacklog[m] ?? 0, 1024)
    for (let k = 0; k < n; k++) this.spawn(s, m, t)
    this.spawnBacklog[m] = (this.spawnBacklog[m] ?? 0) - n
    this.backlog -= n
  }

  /** Poisson arrivals for one bar: the steady-state rate scaled by the bar's volume relative to the window mean. */
  protected arrivals(s: MarketState, m: number, t: number, quoteVolume: number): void {
    const pop = this.population!
    const meanVol = pop.meanVolumePerS[m]!
    let lambda: number
    if (quoteVolume >= 0 && meanVol > 0) lambda = (pop.arrivalsPerS * quoteVolume) / meanVol
    else {
      const dt = Number.isNaN(s.lastBarTs) ? 0 : (t - s.lastBarTs) / MICRO
      lambda = pop.arrivalsPerS * Math.max(dt, 1)
    }
    const n = this.prng.poisson(lambda)
    for (let k = 0; k < n; k++) this.spawn(s, m, t)
  }

  /** One synthetic isolated position at the current mark: side, log-normal notional, log-uniform leverage, holding time. */
  protected spawn(s: MarketState, m: number, t: number): void {
    const pop = this.population!
    const prng = this.prng
    const side = prng.next() < pop.longShare ? 1 : -1
    const notional = Math.exp(pop.logNotionalMedian + pop.notionalSigma * prng.normal())
    let leverage = Math.exp(pop.logLevMin + pop.logLevSpan * prng.next())
    const hold = prng.exponential(pop.meanHoldingUs)
    if (this.book.count >= pop.maxOpen) return
    const price = s.mark
    if (!(price > 0)) return
    const b = bracketAt(s.tier, notional)
    leverage = Math.min(leverage, s.tier.maxLeverage[b]!)
    const qty = notional / price
    if (this.checking && this.oiCapRefuses(s, m, side, qty)) return
    const p = this.openPosition(-1, m, side, qty, price, toMicros(notional / leverage), t)
    this.expiries!.add(p, this.book.serial[p]!, t + hold, t)
  }

  /**
   * A synthetic position whose holding time ended (at the end of its wheel bucket) leaves the book; its PnL goes to
   * the outside market. One closed earlier, or whose slot was reused, is skipped.
   */
  protected readonly expireOne = (p: number, serial: number): void => {
    const b = this.book
    if (b.state[p] !== PosState.OPEN || b.serial[p] !== serial || b.account[p] !== -1) return
    this.totals.positionsExpired++
    this.release(p)
  }

  protected openInterest(m: number, t: number, base: number): void {
    const s = this.markets[m]!
    const prev = s.openInterestBase
    s.openInterestBase = base
    const pop = this.population
    if (!pop || !(prev > 0) || !(base > prev) || this.marksSeen[m] === 0) return
    // new positions for open-interest increases: the relative increase, scaled to the population
    const n = this.prng.poisson(((base - prev) / prev) * pop.initialPositions * pop.openInterestWeight)
    for (let k = 0; k < n; k++) this.spawn(this.markets[m]!, m, t)
  }
}
