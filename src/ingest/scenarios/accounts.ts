// Accounts of a scenario and the ordinary population that trades a market: a few market makers quoting against
// everyone (inventory-controlled), many traders with Zipf-skewed activity who tend to close what they hold, so
// positions and open interest stay bounded and a random pair of accounts rarely builds opposite positions together.
import type { Rng } from './random.ts'

/** Account names by numeric id (ids index the tape's maker/taker columns). */
export class Accounts {
  readonly names: string[] = []
  private readonly byName = new Map<string, number>()

  add(name: string): number {
    const known = this.byName.get(name)
    if (known !== undefined) return known
    const id = this.names.length
    this.names.push(name)
    this.byName.set(name, id)
    return id
  }

  /** `count` fresh address-like accounts. */
  addresses(rng: Rng, count: number): number[] {
    return Array.from({ length: count }, () => this.add(rng.address()))
  }

  name(id: number): string {
    const n = this.names[id]
    if (n === undefined) throw new Error(`unknown account id ${id}`)
    return n
  }

  get size(): number {
    return this.names.length
  }
}

export interface PopulationSpec {
  makers: readonly number[]
  traders: readonly number[]
  /** Share of trades whose maker is one of the market makers (the rest rest on a trader's limit order). */
  makerShare: number
  /** Zipf exponent of trader activity (1 ≈ a few whales and a long tail). */
  zipf?: number
  /** A trader's comfortable absolute position (base units): beyond it they mostly reduce. */
  traderScale: number
  /** A market maker's comfortable inventory (base units). */
  makerScale: number
}

/** Chooses maker and taker for ordinary trades, given everyone's current position in the market. */
export class Population {
  private readonly cumTrader: Float64Array
  private readonly cumMaker: Float64Array

  constructor(
    readonly spec: PopulationSpec,
    private readonly rng: Rng,
  ) {
    if (spec.traders.length < 2) throw new Error('a population needs at least two traders')
    const zipf = spec.zipf ?? 1.05
    // Activity ranks are shuffled so account ids carry no information about activity.
    const ranks = spec.traders.map((_, i) => i)
    for (let i = ranks.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!]
    }
    this.cumTrader = cumulative(ranks.map((r) => 1 / Math.pow(r + 1, zipf)))
    this.cumMaker = cumulative(spec.makers.map((_, i) => 1 / (i + 1)))
  }

  private draw(cum: Float64Array): number {
    const x = this.rng.next() * cum[cum.length - 1]!
    let lo = 0
    let hi = cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cum[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Accept a position change with a probability that falls as the position grows beyond `scale`. */
  private accepts(position: number, delta: number, scale: number): boolean {
    const after = Math.abs(position + delta)
    if (after <= Math.abs(position)) return true
    return this.rng.next() < 1 / (1 + (after / scale) ** 2)
  }

  private trader(positions: Float64Array, delta: number, exclude: number): number {
    let id = exclude
    for (let attempt = 0; attempt < 8; attempt++) {
      id = this.spec.traders[this.draw(this.cumTrader)]!
      if (id === exclude) continue
      if (this.accepts(positions[id] ?? 0, delta, this.spec.traderScale)) return id
    }
    return id === exclude ? this.spec.traders.find((t) => t !== exclude)! : id
  }

  /** The maker facing a taker who buys (`buy`) or sells `qty`: usually a market maker, else a trader's resting order. */
  maker(buy: boolean, qty: number, positions: Float64Array, taker: number): number {
    const delta = buy ? -qty : qty
    if (this.spec.makers.length && this.rng.chance(this.spec.makerShare)) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const mm = this.spec.makers[this.draw(this.cumMaker)]!
        if (mm !== taker && this.accepts(positions[mm] ?? 0, delta, this.spec.makerScale)) return mm
      }
    }
    return this.trader(positions, delta, taker)
  }

  /** A taker for an order that buys (`buy`) or sells `qty`, other than `maker`. */
  taker(buy: boolean, qty: number, positions: Float64Array, maker = -1): number {
    return this.trader(positions, buy ? qty : -qty, maker)
  }
}

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length)
  let s = 0
  weights.forEach((w, i) => (out[i] = s += w))
  return out
}
