// Per-market replay state: heaps of positions by trigger price, the mark price formed from the price streams by
// the rule set's method [B7][B8][Y3][H4][O4], and the running sums the guardrails and profit ADL need.
import type { CompiledTier } from '../margin/brackets.ts'
import type { EventBatch } from './events.ts'
import type { TriggerParams } from '../margin/requirement.ts'
import { MARK_METHODS, type MarkMethod } from '../rules/schema.ts'
import { IndexHeap } from './indexHeap.ts'
import { TriggerDrift } from './triggerDrift.ts'

export const MarkMethodCode = Object.fromEntries(MARK_METHODS.map((m, i) => [m, i])) as Record<MarkMethod, number>

const US_PER_S = 1e6

export interface MarketSetup {
  symbol: string
  tier: CompiledTier
  params: TriggerParams
  liquidationFeeRate: number
  method: MarkMethod
  basisWindowS: number
  basisSampleS: number
  emaWindowS: number
  bookEmaWindowS: number
  fundingIntervalH: number
  fund: number
  /** Initial heap capacity per side. */
  heapCapacity?: number
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
}

export class MarketState {
  readonly symbol: string
  readonly tier: CompiledTier
  readonly params: TriggerParams
  readonly feeRate: number
  readonly method: number
  readonly fund: number
  longs: IndexHeap
  shorts: IndexHeap
  /** Current mark (close of the last update) and the extremes of the last update (wicks). */
  mark = Number.NaN
  markLow = Number.NaN
  markHigh = Number.NaN
  /** The mark before the last update (ADL at the previous mark [H2]). */
  prevMark = Number.NaN
  last = Number.NaN
  index = Number.NaN
  oracle = Number.NaN
  published = Number.NaN
  /** Moving average of the basis (last − index), sampled every basisSampleS [B7][B8][O4]. */
  private ring: Float64Array
  private ringPos = 0
  private ringCount = 0
  private ringSum = 0
  private nextSampleTs = 0
  private readonly sampleUs: number
  /** EMAs for oracleEmaBasis [H4]: basis (last − oracle) and the book component. */
  private emaBasis = Number.NaN
  /** The basis after the latest price event: what the basis EMA integrates until the next one. */
  private heldBasis = Number.NaN
  private emaBook = Number.NaN
  private emaTs = 0
  private readonly tauBasisUs: number
  private readonly tauBookUs: number
  readonly fundingIntervalUs: number
  lastFundingRate = 0
  /**
   * Cumulative funding per unit of base (Σ payment price × rate) before each funding event and after the last:
   * synthetic positions pay q × (cumulative now − cumulative when last settled) when next touched.
   */
  fundingCum = new Float64Array(64)
  fundingCount = 0
  /** How far lazily settled funding may have moved the keys of each heap (kernel/funding.ts). */
  readonly longDrift: TriggerDrift
  readonly shortDrift: TriggerDrift
  /** The smoothed volume is kept only for the slippage model that reads it. */
  private tracksVolume = false
  /** Quote volume per second, smoothed (slippage model) and its last bar time. */
  volumePerS = Number.NaN
  lastBarTs = Number.NaN
  private volumeTauUs = 60 * US_PER_S
  private volumeDt = Number.NaN
  private volumeAlpha = 0
  openInterestBase = Number.NaN
  /** Σ qty and Σ qty·entry per side (open interest and profit-ADL PnL in O(1)). */
  longQty = 0
  shortQty = 0
  longQtyEntry = 0
  shortQtyEntry = 0
  /** Insurance paid for this market so far (Drift per-market caps [R2]). */
  claimsPaid = 0
  /** Liquidations paused (price band or circuit breaker) and why. */
  paused = 0
  haltUntil = 0
  /** Positions waiting outside the heaps (cooldown, paused, retry). */
  waiting: number[] = []
  /** Cross accounts with positions in several markets that hold a position here. */
  multiAccounts: number[] = []
  /** Oracle (or index) EMA for the price band [R7], mark EMA for the mark cap [H22], breaker reference. */
  refEma = Number.NaN
  refEmaTs = 0
  markEma = Number.NaN
  markEmaTs = 0
  breakerRef = Number.NaN
  breakerRefTs = 0

  constructor(setup: MarketSetup, keys: Float64Array, slots: Int32Array) {
    this.symbol = setup.symbol
    this.tier = setup.tier
    this.params = setup.params
    this.feeRate = setup.liquidationFeeRate
    this.method = MarkMethodCode[setup.method]
    this.fund = setup.fund
    this.longs = new IndexHeap(keys, slots, true, setup.heapCapacity)
    this.shorts = new IndexHeap(keys, slots, false, setup.heapCapacity)
    const slotsInWindow = Math.max(1, Math.round(setup.basisWindowS / setup.basisSampleS))
    this.ring = new Float64Array(slotsInWindow)
    this.sampleUs = setup.basisSampleS * US_PER_S
    this.tauBasisUs = setup.emaWindowS * US_PER_S
    this.tauBookUs = setup.bookEmaWindowS * US_PER_S
    this.fundingIntervalUs = setup.fundingIntervalH * 3600 * US_PER_S
    const fee = Math.max(0, setup.params.feeRate)
    this.longDrift = new TriggerDrift(true, setup.tier, fee, setup.params.entryBased)
    this.shortDrift = new TriggerDrift(false, setup.tier, fee, setup.params.entryBased)
  }

  /** Adds a funding event (payment price × rate per interval) to the cumulative series. */
  logFunding(price: number, rate: number): void {
    const n = this.fundingCount
    if (n + 1 === this.fundingCum.length) {
      const grown = new Float64Array(this.fundingCum.length * 2)
      grown.set(this.fundingCum)
      this.fundingCum = grown
    }
    this.fundingCum[n + 1] = this.fundingCum[n]! + price * rate
    this.fundingCount = n + 1
  }

  setVolumeWindow(seconds: number): void {
    this.volumeTauUs = seconds * US_PER_S
    this.volumeDt = Number.NaN
    this.tracksVolume = true
  }

  /**
   * Bars [from, to): their quote volume into the smoothed volume per second (when kept) and lastBarTs to the last
   * of them. Locals in the loop: a field store per bar costs more than the smoothing.
   */
  private noteBars(batch: EventBatch, from: number, to: number): void {
    const ts = batch.ts
    if (this.tracksVolume) {
      const d = batch.d
      const tau = this.volumeTauUs
      let v = this.volumePerS
      let lastTs = this.lastBarTs
      let spacing = this.volumeDt
      let alpha = this.volumeAlpha
      for (let j = from; j < to; j++) {
        const t = ts[j]!
        const quoteVolume = d[j]!
        if (!Number.isNaN(quoteVolume)) {
          if (Number.isNaN(lastTs) || Number.isNaN(v)) v = quoteVolume
          else {
            const dt = Math.max(t - lastTs, 1)
            // bars are evenly spaced: the smoothing factor is computed once per spacing
            if (dt !== spacing) {
              spacing = dt
              alpha = 1 - Math.exp(-dt / tau)
            }
            v += alpha * ((quoteVolume * US_PER_S) / dt - v)
          }
        }
        lastTs = t
      }
      this.volumePerS = v
      this.volumeDt = spacing
      this.volumeAlpha = alpha
    }
    this.lastBarTs = ts[to - 1]!
  }

  /**
   * Bars [from, to) of this market that moved nothing but the prices (the kernel's run of quiet bars): the same
   * state as feeding them to onPrice one by one, for the mark methods whose bars set the mark to their own range
   * (last) or leave it alone (mark, oracle, index).
   */
  quietBars(batch: EventBatch, from: number, to: number): void {
    const { a, b, c } = batch
    this.noteBars(batch, from, to)
    const last = to - 1
    this.last = c[last]!
    if (this.method === 1) {
      this.prevMark = last > from ? c[last - 1]! : this.mark
      this.markLow = Math.min(a[last]!, c[last]!)
      this.markHigh = Math.max(b[last]!, c[last]!)
      this.mark = c[last]!
    }
  }

  /** Moving average of the sampled basis; 0 before the first sample. */
  private basisAverage(): number {
    return this.ringCount ? this.ringSum / this.ringCount : 0
  }

  private sampleBasis(ts: number): void {
    if (ts < this.nextSampleTs || Number.isNaN(this.last) || Number.isNaN(this.index)) return
    const basis = this.last - this.index
    if (this.ringCount === this.ring.length) this.ringSum -= this.ring[this.ringPos]!
    else this.ringCount++
    this.ring[this.ringPos] = basis
    this.ringSum += basis
    this.ringPos = (this.ringPos + 1) % this.ring.length
    this.nextSampleTs = ts + this.sampleUs
  }

  private updateEmas(ts: number): void {
    if (Number.isNaN(this.last)) return
    if (Number.isNaN(this.emaBook)) {
      this.emaBook = this.last
      this.emaBasis = Number.isNaN(this.oracle) ? 0 : this.last - this.oracle
    } else {
      const dt = ts - this.emaTs
      this.emaBook += (1 - Math.exp(-dt / this.tauBookUs)) * (this.last - this.emaBook)
      // the basis that held since the previous update, not the new oracle against the previous instant's last
      // price (the oracle of t comes before the bar of t): in a moving market that mix lags the mark by a step
      if (!Number.isNaN(this.oracle)) {
        const held = Number.isNaN(this.heldBasis) ? this.last - this.oracle : this.heldBasis
        this.emaBasis += (1 - Math.exp(-dt / this.tauBasisUs)) * (held - this.emaBasis)
      }
    }
    this.heldBasis = this.last - this.oracle
    this.emaTs = ts
  }

  private setMark(low: number, high: number, close: number): boolean {
    if (Number.isNaN(close)) return false
    this.prevMark = Number.isNaN(this.mark) ? close : this.mark
    // The range observed in this update; a move from the previous mark to outside it is a gap, and a position
    // crossed in a gap is liquidated at the first observed price (see triggerPrice in engine.ts)
    this.markLow = Math.min(low, close)
    this.markHigh = Math.max(high, close)
    this.mark = close
    return true
  }

  /** median(P1, P2, x) with P1 = index·(1 + F·t/interval), P2 = index + MA(basis) [B7][B8][Y3]. */
  private medianFundingBasis(ts: number, x: number): number {
    const next = Math.ceil((ts + 1) / this.fundingIntervalUs) * this.fundingIntervalUs
    const p1 = this.index * (1 + (this.lastFundingRate * (next - ts)) / this.fundingIntervalUs)
    const p2 = this.index + this.basisAverage()
    return median3(p1, p2, x)
  }

  /** median(oracle + EMA(last − oracle), x, EMA(last)) [H4]. */
  private oracleEmaBasis(x: number): number {
    const ref = Number.isNaN(this.oracle) ? this.last : this.oracle
    return median3(ref + this.emaBasis, x, this.emaBook)
  }

  /**
   * Feeds one price event; returns true when the mark moved (markLow/markHigh then bound the path of the mark over
   * the interval, so wicks inside a bar still trigger). Methods whose inputs have not arrived yet fall back to the
   * last trade price.
   */
  onPrice(kind: number, batch: EventBatch, i: number): boolean {
    // the event is read here rather than passed as numbers: a call that does not inline boxes every double argument
    const ts = batch.ts[i]!
    const low = batch.a[i]!
    const high = batch.b[i]!
    const close = batch.c[i]!
    const m = this.method
    switch (kind) {
      case 0: // INDEX
        this.index = close
        if (m === 3) return this.setMark(low, high, close)
        if (m === 4 || m === 5) {
          this.sampleBasis(ts)
          if (Number.isNaN(this.last)) return false
          const v = m === 4 ? this.medianFundingBasis(ts, this.last) : this.index + this.basisAverage()
          return this.setMark(v, v, v)
        }
        return false
      case 1: // ORACLE
        this.oracle = close
        if (m === 2) return this.setMark(low, high, close)
        if (m === 6 && !Number.isNaN(this.last)) {
          this.updateEmas(ts)
          const v = this.oracleEmaBasis(this.last)
          return this.setMark(v, v, v)
        }
        return false
      case 2: // MARK
        this.published = close
        return m === 0 ? this.setMark(low, high, close) : false
      default: {
        // BAR
        this.last = close
        this.noteBars(batch, i, i + 1)
        switch (m) {
          case 1:
            return this.setMark(low, high, close)
          case 4:
            this.sampleBasis(ts)
            if (Number.isNaN(this.index)) return this.setMark(low, high, close)
            return this.setMark(
              this.medianFundingBasis(ts, low),
              this.medianFundingBasis(ts, high),
              this.medianFundingBasis(ts, close),
            )
          case 5: {
            this.sampleBasis(ts)
            if (Number.isNaN(this.index)) return this.setMark(low, high, close)
            const v = this.index + this.basisAverage()
            return this.setMark(v, v, v)
          }
          case 6:
            this.updateEmas(ts)
            return this.setMark(this.oracleEmaBasis(low), this.oracleEmaBasis(high), this.oracleEmaBasis(close))
          default:
            return false
        }
      }
    }
  }

  /** Price used for payments and ADL at "oracle": the oracle, else the index, else the mark. */
  oracleOrMark(): number {
    return !Number.isNaN(this.oracle) ? this.oracle : !Number.isNaN(this.index) ? this.index : this.mark
  }

  /** Net open interest in base: the larger side (the population need not be balanced). */
  openInterest(): number {
    return Math.max(this.longQty, this.shortQty)
  }
}
