// The synthetic population in the kernel: initial backlog, Poisson arrivals by volume and OI, expiries.
import { bracketAt } from '../margin/brackets.ts'
import { oiScaledImf } from '../margin/oiScaled.ts'
import { initialRate, isLiquidatable, requirementAt } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import { PosState } from './book.ts'
import type { EventBatch } from './events.ts'
import type { MarketState } from './markets.ts'
import { AccountReplay } from './accountReplay.ts'
import { leverageAt } from './population.ts'
import { MICRO } from './kernelState.ts'

/**
 * Mean arrivals during one bar: the steady-state rate scaled by the bar's quote volume relative to the window's
 * mean, or, without volume, by the time since the previous bar (one second for the first; `sinceUs` is NaN then).
 */
export function arrivalMean(
  arrivalsPerS: number,
  meanVolumePerS: number,
  quoteVolume: number,
  sinceUs: number,
): number {
  if (quoteVolume >= 0 && meanVolumePerS > 0) return (arrivalsPerS * quoteVolume) / meanVolumePerS
  return arrivalsPerS * (Number.isNaN(sinceUs) ? 1 : Math.max(0, sinceUs / MICRO))
}

export abstract class PopulationFlow extends AccountReplay {
  /** Initial synthetic positions still to open (the runner takes smaller slices meanwhile). */
  get openingBacklog(): number {
    return this.backlog
  }

  /**
   * Initial positions per market (initialPositions, or the open-interest match made at the first mark) and the
   * steady-state arrival rate that keeps the population at that size (Little's law).
   */
  protected readonly initialCount = new Float64Array(this.markets.length).fill(this.population?.initialPositions ?? 0)
  protected readonly arrivalRate = new Float64Array(this.markets.length).fill(this.population?.arrivalsPerS ?? 0)

  /**
   * Opens part of the initial backlog: 1,024 per event, or more on coarse bars, so that the whole backlog opens
   * within the first minute of market time whatever the bar length.
   */
  protected spawnSome(s: MarketState, m: number, t: number): void {
    const perEvent = Math.max(1024, Math.ceil((this.initialCount[m]! * Math.min(s.spanUs, 60 * MICRO)) / (60 * MICRO)))
    const n = Math.min(this.spawnBacklog[m] ?? 0, perEvent)
    for (let k = 0; k < n; k++) this.spawn(s, m, t)
    this.spawnBacklog[m] = (this.spawnBacklog[m] ?? 0) - n
    this.backlog -= n
  }

  /**
   * Per market, the intensity left before the next arrival (an exponential draw with mean 1), and the time of the
   * last bar seen: arrivals are a Poisson process whose rate follows the bars, at one subtraction per bar.
   */
  protected readonly arrivalGap = new Float64Array(this.markets.length).fill(Number.NaN)
  protected readonly arrivalTs = new Float64Array(this.markets.length).fill(Number.NaN)

  /**
   * Arrivals during one bar (mean: arrivalMean): the counts per bar are Poisson with that mean, as drawing them bar
   * by bar would give, without a random draw per bar.
   */
  protected arrivals(s: MarketState, m: number, batch: EventBatch, i: number): void {
    const t = batch.ts[i]!
    const pop = this.population!
    const lambda = arrivalMean(this.arrivalRate[m]!, pop.meanVolumePerS[m]!, batch.d[i]!, t - this.arrivalTs[m]!)
    this.arrivalTs[m] = t
    let gap = this.arrivalGap[m]!
    if (Number.isNaN(gap)) gap = this.prng.exponential(1)
    gap -= lambda
    while (gap <= 0) {
      this.spawn(s, m, t)
      gap += this.prng.exponential(1)
    }
    this.arrivalGap[m] = gap
  }

  /**
   * One synthetic isolated position at the current mark: side, log-normal notional, leverage from the quantile
   * function capped by the bracket (its maximum leverage and initial margin rate at that notional, OI-scaled where
   * the tier scales it [D1]), holding time.
   */
  protected spawn(s: MarketState, m: number, t: number): void {
    const pop = this.population!
    const prng = this.prng
    const side = prng.next() < pop.longShare ? 1 : -1
    const notional = Math.exp(pop.logNotionalMedian + pop.notionalSigma * prng.normal())
    let leverage = leverageAt(pop, prng.next())
    const hold = prng.exponential(pop.meanHoldingUs)
    if (this.book.count >= pop.maxOpen) return
    const price = s.mark
    if (!(price > 0)) return
    const b = bracketAt(s.tier, notional)
    const qty = notional / price
    let imr = initialRate(s.tier, b, qty)
    if (s.tier.oiUpperCap > 0) imr = oiScaledImf(imr, s.openInterest() * price, s.tier.oiLowerCap, s.tier.oiUpperCap)
    leverage = Math.min(leverage, s.tier.maxLeverage[b]!, 1 / imr)
    if (this.checking && this.oiCapRefuses(s, m, side, qty)) return
    const margin = toMicros(notional / leverage)
    // a venue refuses an order whose margin would not even cover maintenance (GMX's minimum collateral, say)
    if (isLiquidatable(s.params, margin / MICRO, requirementAt(s.tier, s.params, qty, price, price))) return
    const p = this.openPosition(-1, m, side, qty, price, margin, t)
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
    const n = this.prng.poisson(((base - prev) / prev) * this.initialCount[m]! * pop.openInterestWeight)
    for (let k = 0; k < n; k++) this.spawn(this.markets[m]!, m, t)
  }
}
