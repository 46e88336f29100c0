// Bounds on how far lazily settled funding moves the trigger prices of one heap, so the heap can shift one offset
// per funding event instead of re-keying every position, and still never pop a position late.
import { bracketAt, type CompiledTier } from '../margin/brackets.ts'
import { maintenanceRate } from '../margin/requirement.ts'

/**
 * Relative pad on every shift: the bounds hold in real arithmetic; the pad keeps float rounding on the side of
 * popping early (a popped position is checked exactly and re-keyed).
 */
const PAD = 1e-9

/**
 * How far a bracket assumption reaches: a position's maintenance rate is taken at 1.25 × the larger of its entry
 * and its trigger, valid while triggers move less than 0.2 × that price; past it the heap is re-keyed in full.
 */
const REACH = 0.2
const HEADROOM = 1.25

/**
 * Funding of x quote per unit of base (x > 0: longs pay) lowers a long's collateral by q·x. Equity − requirement
 * has a slope in the price between q·(1 − mmr − fee) and q for a long, and between −q·(1 + mmr + fee) and −q for
 * a short (the requirement grows with the price at between 0 and q·(mmr + fee), continuous across brackets thanks
 * to the maintenance amounts), so a long's trigger rises by between x and x / (1 − mmr − fee) and a short's by
 * between x / (1 + mmr + fee) and x. Longs' offsets take the upper bound and shorts' the lower one.
 */
export class TriggerDrift {
  /** Highest maintenance rate any position keyed since the last full re-key could reach. */
  private mmrMax = 0
  /** Upper bound on how far any trigger has moved since the last full re-key. */
  private moved = 0
  /** How far triggers may move before a bracket assumption could fail. */
  private reach = Infinity

  constructor(
    private readonly long: boolean,
    private readonly tier: CompiledTier,
    /** Liquidation fee counted in the requirement (0 when it is not). */
    private readonly feeRate: number,
    /** Maintenance on the entry notional: the requirement's slope in the price has no maintenance term. */
    private readonly entryBased: boolean,
  ) {}

  /** A position of `qty` at `entry` was keyed at trigger price `trigger`. */
  note(qty: number, entry: number, trigger: number): void {
    const ref = Number.isFinite(trigger) ? Math.max(entry, trigger) : entry
    const reach = REACH * ref
    if (reach < this.reach) this.reach = reach
    if (this.entryBased) return
    const m = maintenanceRate(this.tier, bracketAt(this.tier, qty * ref * HEADROOM), qty)
    if (m > this.mmrMax) this.mmrMax = m
  }

  /** The offset shift for funding x per unit: the far bound of the triggers' move, towards popping early. */
  shift(x: number): number {
    const fee = this.feeRate
    if (this.long) {
      const up = 1 / (1 - this.mmrMax - fee)
      this.moved += Math.abs(x) * up
      return x > 0 ? x * up * (1 + PAD) : x * (1 - PAD)
    }
    this.moved += Math.abs(x)
    return x > 0 ? (x / (1 + this.mmrMax + fee)) * (1 - PAD) : x * (1 + PAD)
  }

  /** The bounds no longer hold (moved past their reach, or a slope that may vanish): re-key the heap in full. */
  get exhausted(): boolean {
    return this.moved > this.reach || !(this.mmrMax + this.feeRate < 1)
  }

  /** Before a full re-key: the notes start again. */
  reset(): void {
    this.mmrMax = 0
    this.moved = 0
    this.reach = Infinity
  }
}
