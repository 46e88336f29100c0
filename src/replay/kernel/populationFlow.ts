// The synthetic population in the kernel: initial backlog, Poisson arrivals by volume and OI, expiries.
import { bracketAt } from '../margin/brackets.ts'
import { oiScaledImf } from '../margin/oiScaled.ts'
import { initialRate, isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import { PosState } from './book.ts'
import type { EventBatch } from './events.ts'
import type { MarketState } from './markets.ts'
import { AccountReplay } from './accountReplay.ts'
import type { EntryHistory } from './population.ts'
import { drawSpawn, type SpawnDraws, type SpawnTape } from './spawnTape.ts'
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
    for (let k = 0; k < n; k++) this.spawn(s, m, t, true)
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

  override warningList(): string[] {
    const list = super.warningList()
    if (this.entryRedraws > 0)
      list.push(
        `${this.entryRedraws} initial positions were drawn again because the path since their entry would have liquidated them; ${this.entryLeftOut} were left out after 8 draws`,
      )
    return list
  }

  /** A sweep's shared draws (kernel/spawnTape.ts): null in a backtest; this kernel records them, or reads them. */
  private spawnTape: SpawnTape | null = null
  private spawnTapeRecords = false
  /** This kernel's next entry of the tape, counted from the tape's last clear (`spawnTapeEpoch`). */
  private spawnTapeAt = 0
  private spawnTapeEpoch = -1
  private readonly draws: SpawnDraws = { side: 0, notional: 0, leverage: 0, hold: 0 }

  /**
   * Shares synthetic positions' draws with a sweep's other kernels through `tape`: the first kernel attached records,
   * the others read where their generator matches. A kernel of another population is not attached (false).
   */
  attachSpawnTape(tape: SpawnTape): boolean {
    if (this.population === null) return false
    const population = JSON.stringify(this.population)
    this.spawnTapeRecords = tape.population === null
    if (this.spawnTapeRecords) tape.population = population
    else if (tape.population !== population) return false
    this.spawnTape = tape
    return true
  }

  /** Per market, the lowest low and highest high of the entry history from each bucket on (survivor checks). */
  private entryExtremes: Array<{ minLow: Float64Array; maxHigh: Float64Array } | null> = []

  /** Initial positions drawn again because the path since their entry would have liquidated them, and left out. */
  protected entryRedraws = 0
  protected entryLeftOut = 0

  private extremesOf(m: number, h: EntryHistory): { minLow: Float64Array; maxHigh: Float64Array } {
    let e = this.entryExtremes[m]
    if (!e) {
      const n = h.ts.length
      const minLow = new Float64Array(n + 1).fill(Infinity)
      const maxHigh = new Float64Array(n + 1).fill(-Infinity)
      for (let i = n - 1; i >= 0; i--) {
        minLow[i] = Math.min(minLow[i + 1]!, h.low[i]!)
        maxHigh[i] = Math.max(maxHigh[i + 1]!, h.high[i]!)
      }
      e = { minLow, maxHigh }
      this.entryExtremes[m] = e
    }
    return e
  }

  /**
   * One synthetic isolated position: side, log-normal notional, leverage from the quantile function capped by the
   * bracket (its maximum leverage and initial margin rate at that notional, OI-scaled where the tier scales it
   * [D1]), holding time; at the current mark, or, for an initial (`carried`) position of a market with an entry
   * history, at the price of its entry time before the window if it survived the path since (EntryHistory).
   */
  protected spawn(s: MarketState, m: number, t: number, carried = false): void {
    const h = carried ? (this.population!.entryHistory[m] ?? null) : null
    if (!h) {
      this.spawnAt(s, m, t, s.mark, t, null)
      return
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      const entered = this.entryOf(h, t)
      if (this.spawnAt(s, m, t, h.close[entered]!, h.ts[entered]!, { h, entered })) return
      this.entryRedraws++
    }
    this.entryLeftOut++
  }

  /** Bucket of a carried position's entry: its age exponential with the mean holding time, truncated to the history. */
  private entryOf(h: EntryHistory, t: number): number {
    const mean = this.population!.meanHoldingUs
    const span = Math.max(0, t - h.ts[0]!)
    const age = -mean * Math.log(1 - this.prng.next() * (1 - Math.exp(-span / mean)))
    const at = t - age
    // the last bucket starting at or before the entry time
    let lo = 0
    let hi = h.ts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (h.ts[mid]! <= at) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /**
   * Opens the drawn position at `price` (entered at `enteredTs`); false when it would not have survived to now
   * (`carried`: the history it entered in) — the draws are taken either way, so the stream of draws is the same.
   */
  private spawnAt(
    s: MarketState,
    m: number,
    t: number,
    price: number,
    enteredTs: number,
    carried: { h: EntryHistory; entered: number } | null,
  ): boolean {
    const pop = this.population!
    const draws = this.draws
    const tape = this.spawnTape
    if (tape === null) drawSpawn(this.prng, pop, draws)
    else if (this.spawnTapeRecords) tape.record(this.prng, pop, draws)
    else {
      if (this.spawnTapeEpoch !== tape.epoch) {
        this.spawnTapeEpoch = tape.epoch
        this.spawnTapeAt = 0
      }
      tape.read(this.spawnTapeAt++, this.prng, pop, draws)
    }
    const side = draws.side
    const notional = draws.notional
    let leverage = draws.leverage
    const hold = draws.hold
    if (this.book.count >= pop.maxOpen) return true
    if (!(price > 0)) return true
    const b = bracketAt(s.tier, notional)
    const qty = notional / price
    let imr = initialRate(s.tier, b, qty)
    if (s.tier.oiUpperCap > 0) imr = oiScaledImf(imr, s.openInterest() * price, s.tier.oiLowerCap, s.tier.oiUpperCap)
    leverage = Math.min(leverage, s.tier.maxLeverage[b]!, 1 / imr)
    const margin = toMicros(notional / leverage)
    if (carried) {
      // survivors only: the path from the bucket after its entry to the current mark never reached its trigger
      const lp = liquidationPrice(s.tier, s.params, side, qty, price, margin / MICRO)
      const e = this.extremesOf(m, carried.h)
      const from = carried.entered + 1
      const crossed = side > 0 ? Math.min(e.minLow[from]!, s.mark) <= lp : Math.max(e.maxHigh[from]!, s.mark) >= lp
      if (crossed) return false
    }
    if (this.checking && this.oiCapRefuses(s, m, side, qty)) return true
    // a venue refuses an order whose margin would not even cover maintenance (GMX's minimum collateral, say)
    if (isLiquidatable(s.params, margin / MICRO, requirementAt(s.tier, s.params, qty, price, price))) return true
    const p = this.openPosition(-1, m, side, qty, price, margin, enteredTs)
    this.expiries!.add(p, this.book.serial[p]!, t + hold, t)
    return true
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
