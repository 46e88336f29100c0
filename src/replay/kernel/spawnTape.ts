// The draws of synthetic positions, recorded by one kernel and replayed by others of a sweep that start a spawn in
// the same generator state: side, notional, leverage before its cap and holding time depend only on the population
// and the draws, not on the rules, so kernels still drawing the same stream need not draw them again. A kernel whose
// stream has left the recorder's (an ADL draw, an entry redrawn) finds no matching state and draws itself: exact
// either way.
import type { PopulationRuntime } from './population.ts'
import { leverageAt } from './population.ts'
import type { Prng } from './prng.ts'

/** One position's draws (written by drawSpawn, or read from a tape). */
export interface SpawnDraws {
  side: number
  notional: number
  /** Before the bracket's cap. */
  leverage: number
  hold: number
}

/** The draws of one synthetic position, in the order the stream gives them. */
export function drawSpawn(prng: Prng, pop: PopulationRuntime, out: SpawnDraws): void {
  out.side = prng.next() < pop.longShare ? 1 : -1
  out.notional = Math.exp(pop.logNotionalMedian + pop.notionalSigma * prng.normal())
  out.leverage = leverageAt(pop, prng.next())
  out.hold = prng.exponential(pop.meanHoldingUs)
}

export class SpawnTape {
  /** Per entry: the generator's state before and after the draws (4 + 4 words). */
  private states = new Int32Array(8 * 4096)
  /** Per entry: side, notional, leverage, hold. */
  private values = new Float64Array(4 * 4096)
  private count = 0
  /** Bumped by clear(): a reader's position counts from the clear it last saw. */
  epoch = 0
  /** Draws read from the tape rather than drawn (what the sharing saved; tests check it happens). */
  hits = 0
  /** The population the draws were made for (JSON): a kernel with another one neither records nor reads. */
  population: string | null = null

  /** Forgets every entry (between the groups of batches the kernels replay in turn). */
  clear(): void {
    this.count = 0
    this.epoch++
  }

  /** Draws for the recording kernel, and keeps them. */
  record(prng: Prng, pop: PopulationRuntime, out: SpawnDraws): void {
    const i = this.count
    if (8 * (i + 1) > this.states.length) this.grow()
    prng.saveState(this.states, 8 * i)
    drawSpawn(prng, pop, out)
    prng.saveState(this.states, 8 * i + 4)
    const v = 4 * i
    this.values[v] = out.side
    this.values[v + 1] = out.notional
    this.values[v + 2] = out.leverage
    this.values[v + 3] = out.hold
    this.count = i + 1
  }

  /**
   * The draws of entry `i` when the reader's generator is in the state the recorder drew it from (the generator then
   * moves on as drawing would have moved it); else the reader draws itself.
   */
  read(i: number, prng: Prng, pop: PopulationRuntime, out: SpawnDraws): void {
    if (i >= this.count || !prng.hasState(this.states, 8 * i)) {
      drawSpawn(prng, pop, out)
      return
    }
    prng.loadState(this.states, 8 * i + 4)
    this.hits++
    const v = 4 * i
    out.side = this.values[v]!
    out.notional = this.values[v + 1]!
    out.leverage = this.values[v + 2]!
    out.hold = this.values[v + 3]!
  }

  private grow(): void {
    const states = new Int32Array(this.states.length * 2)
    states.set(this.states)
    const values = new Float64Array(this.values.length * 2)
    values.set(this.values)
    this.states = states
    this.values = values
  }
}
