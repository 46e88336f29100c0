// Per-market replay state: heaps of positions by trigger price, the mark price formed from the price streams by
// the rule set's method [B7][B8][Y3][H4][O4], and the running sums the guardrails and profit ADL need.
import type { CompiledTier } from '../margin/brackets.ts'
import type { EventBatch } from './events.ts'
import type { TriggerParams } from '../margin/requirement.ts'
import { MARK_METHODS, type MarkMethod } from '../rules/schema.ts'
import { IndexHeap, ParkLinks } from './indexHeap.ts'
import { TriggerDrift } from './triggerDrift.ts'

export const MarkMethodCode = Object.fromEntries(MARK_METHODS.map((m, i) => [m, i])) as Record<MarkMethod, number>

const US_PER_S = 1e6
/** Parkinson's estimator: the variance of a log price over an interval is (ln(high/low))² / (4 ln 2). */
const PARKINSON = 1 / (4 * Math.LN2)
/** A feedback displacement smaller than this (relative) is dropped, so quiet runs resume exactly. */
const DISPLACEMENT_EPSILON = 1e-9

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
  /** Seconds one update of the mark series covers (the bar interval; 0 for ticks): the time axis of its path. */
  pathSpanS?: number
  /** Park positions whose trigger is far from their heap's top (kernel/indexHeap.ts; default on). */
  parkFarTriggers?: boolean
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
  /**
   * Socialized loss per unit of base so far (Drift's cumulative-funding socialization [R2]): both sides pay it, each
   * synthetic position q × (this − what it had paid up to) when next touched, like funding.
   */
  socialCum = 0
  /** How far lazily settled funding may have moved the keys of each heap (kernel/funding.ts). */
  readonly longDrift: TriggerDrift
  readonly shortDrift: TriggerDrift
  /** The smoothed volume and volatility are kept only for the execution models that read them. */
  private tracksVolume = false
  /** Quote volume per second, smoothed (slippage and impact models) and its last bar time. */
  volumePerS = Number.NaN
  /**
   * Variance of the traded price per second, smoothed like the volume: each bar contributes Parkinson's estimate of
   * its range (widened to the previous close, so a gap counts) over its length.
   */
  variancePerS = Number.NaN
  lastBarTs = Number.NaN
  /** Length of one update of the mark series, µs (0: ticks). */
  readonly spanUs: number
  /**
   * Liquidation notional recently taken from each side of the book (0: sells, from longs liquidated; 1: buys) and
   * when it was last updated: it decays with the impact model's replenishment half-life [issue 16].
   */
  readonly depthUsed = new Float64Array(2)
  readonly depthUsedTs = new Float64Array(2)
  /**
   * Stress mode: relative displacement of the replayed mark by the simulated liquidation flow, as of
   * `displacementTs`; it decays with the feedback half-life and is dropped below 1e-9.
   */
  displacement = 0
  displacementTs = 0
  displacementHalfLifeUs = Infinity
  /** Stress shocks: the first price seen (returns are scaled around it), NaN until then. */
  shockAnchor = Number.NaN
  private volumeTauUs = 60 * US_PER_S
  private volumeDt = Number.NaN
  private volumeAlpha = 0
  openInterestBase = Number.NaN
  /** Σ qty and Σ qty·entry per side (open interest and profit-ADL PnL in O(1)). */
  longQty = 0
  shortQty = 0
  longQtyEntry = 0
  shortQtyEntry = 0
  /** Open positions of the market (in a heap, waiting, or popped for the sweep under way). */
  openCount = 0
  /** Positions popped for the sweep under way and their Σ size: not in a socialized loss (Waterfall). */
  heldOutCount = 0
  heldOutBase = 0
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
    // a position is in one of the two heaps at most: they share the parked lists' links
    const links = new ParkLinks()
    const park = setup.parkFarTriggers ?? true
    this.longs = new IndexHeap(keys, slots, true, setup.heapCapacity, links, park)
    this.shorts = new IndexHeap(keys, slots, false, setup.heapCapacity, links, park)
    const slotsInWindow = Math.max(1, Math.round(setup.basisWindowS / setup.basisSampleS))
    this.ring = new Float64Array(slotsInWindow)
    this.sampleUs = setup.basisSampleS * US_PER_S
    this.tauBasisUs = setup.emaWindowS * US_PER_S
    this.tauBookUs = setup.bookEmaWindowS * US_PER_S
    this.fundingIntervalUs = setup.fundingIntervalH * 3600 * US_PER_S
    const fee = Math.max(0, setup.params.feeRate)
    this.longDrift = new TriggerDrift(true, setup.tier, fee, setup.params.entryBased)
    this.shortDrift = new TriggerDrift(false, setup.tier, fee, setup.params.entryBased)
    this.spanUs = Math.max(0, setup.pathSpanS ?? 1) * US_PER_S
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
   * Bars [from, to): their quote volume and range into the smoothed volume and variance per second (when kept) and
   * lastBarTs to the last of them. Reads `last` as the close before the first bar. Locals in the loop: a field
   * store per bar costs more than the smoothing.
   */
  private noteBars(batch: EventBatch, from: number, to: number): void {
    const ts = batch.ts
    if (this.tracksVolume) {
      const { a, b, c, d } = batch
      const tau = this.volumeTauUs
      let v = this.volumePerS
      let variance = this.variancePerS
      let lastTs = this.lastBarTs
      let spacing = this.volumeDt
      let alpha = this.volumeAlpha
      let prev = this.last
      for (let j = from; j < to; j++) {
        const t = ts[j]!
        const close = c[j]!
        // the bar's range widened to the previous close (a gap moved the price too), relative to the close
        const high = b[j]!
        const low = a[j]!
        // (a NaN previous close, before the first bar, compares false: the bar's own range)
        const range = ((prev > high ? prev : high) - (prev < low ? prev : low)) / close
        const quoteVolume = d[j]!
        if (Number.isNaN(lastTs)) {
          // the first bar: its own length stands for the spacing
          const span = this.spanUs > 0 ? this.spanUs : US_PER_S
          if (!Number.isNaN(quoteVolume)) v = (quoteVolume * US_PER_S) / span
          if (!Number.isNaN(range)) variance = (range * range * PARKINSON * US_PER_S) / span
        } else {
          const dt = Math.max(t - lastTs, 1)
          // bars are evenly spaced: the smoothing factor is computed once per spacing
          if (dt !== spacing) {
            spacing = dt
            alpha = 1 - Math.exp(-dt / tau)
          }
          if (!Number.isNaN(quoteVolume)) {
            if (Number.isNaN(v)) v = (quoteVolume * US_PER_S) / dt
            else v += alpha * ((quoteVolume * US_PER_S) / dt - v)
          }
          if (!Number.isNaN(range)) {
            const x = (range * range * PARKINSON * US_PER_S) / dt
            if (Number.isNaN(variance)) variance = x
            else variance += alpha * (x - variance)
          }
        }
        lastTs = t
        if (!Number.isNaN(close)) prev = close
      }
      this.volumePerS = v
      this.variancePerS = variance
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

  private setMark(low: number, high: number, close: number, ts: number): boolean {
    if (Number.isNaN(close)) return false
    if (this.displacement !== 0) {
      // stress mode: the simulated liquidation flow still weighs on the replayed price
      const f = 1 + this.displacementAt(ts)
      low *= f
      high *= f
      close *= f
    }
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
        if (m === 3) return this.setMark(low, high, close, ts)
        if (m === 4 || m === 5) {
          this.sampleBasis(ts)
          if (Number.isNaN(this.last)) return false
          const v = m === 4 ? this.medianFundingBasis(ts, this.last) : this.index + this.basisAverage()
          return this.setMark(v, v, v, ts)
        }
        return false
      case 1: // ORACLE
        this.oracle = close
        if (m === 2) return this.setMark(low, high, close, ts)
        if (m === 6 && !Number.isNaN(this.last)) {
          this.updateEmas(ts)
          const v = this.oracleEmaBasis(this.last)
          return this.setMark(v, v, v, ts)
        }
        return false
      case 2: // MARK
        this.published = close
        return m === 0 ? this.setMark(low, high, close, ts) : false
      default: {
        // BAR
        this.noteBars(batch, i, i + 1)
        this.last = close
        switch (m) {
          case 1:
            return this.setMark(low, high, close, ts)
          case 4:
            this.sampleBasis(ts)
            if (Number.isNaN(this.index)) return this.setMark(low, high, close, ts)
            return this.setMark(
              this.medianFundingBasis(ts, low),
              this.medianFundingBasis(ts, high),
              this.medianFundingBasis(ts, close),
              ts,
            )
          case 5: {
            this.sampleBasis(ts)
            if (Number.isNaN(this.index)) return this.setMark(low, high, close, ts)
            const v = this.index + this.basisAverage()
            return this.setMark(v, v, v, ts)
          }
          case 6:
            this.updateEmas(ts)
            return this.setMark(this.oracleEmaBasis(low), this.oracleEmaBasis(high), this.oracleEmaBasis(close), ts)
          default:
            return false
        }
      }
    }
  }

  /** The feedback displacement decayed to `ts` (and dropped, exactly, once negligible). */
  displacementAt(ts: number): number {
    const d = this.displacement * Math.exp((-(ts - this.displacementTs) * Math.LN2) / this.displacementHalfLifeUs)
    this.displacementTs = ts
    this.displacement = Math.abs(d) < DISPLACEMENT_EPSILON ? 0 : d
    return this.displacement
  }

  /**
   * Stress mode: the simulated flow moved the price by `delta` (relative) at `ts`. The current mark and the range of
   * this update move with it, so the same event sweeps again at the displaced price.
   */
  displace(delta: number, ts: number): void {
    if (delta === 0 || Number.isNaN(this.mark)) return
    const before = 1 + this.displacementAt(ts)
    this.displacement += delta
    const f = (1 + this.displacement) / before
    this.mark *= f
    this.markLow *= f
    this.markHigh *= f
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
