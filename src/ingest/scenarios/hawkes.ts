// A Hawkes process with an exponential kernel, simulated through its cluster (branching) representation: immigrants
// arrive at the baseline rate, each event begets Poisson(n) children after exponential delays. n is the branching
// ratio (the share of events caused by earlier events): ~0.3–0.6 on ordinary days, → 1 in a liquidation cascade.
import type { Rng } from './random.ts'

export interface HawkesSpec {
  /** Immigrant intensity (events per second) at second s. */
  baseline: (second: number) => number
  /** Branching ratio of an event happening at second s (may vary: a crash window runs near 1). */
  branching: (second: number) => number
  /** Mean delay between a parent and its child, in seconds (1/β of the kernel β·e^(−βt)). */
  decayS: number
  /** Safety cap on the number of events. */
  maxEvents?: number
}

/** Event times (fractional seconds from the start) in [fromS, toS), sorted. */
export function simulateHawkes(rng: Rng, fromS: number, toS: number, spec: HawkesSpec): Float64Array {
  const max = spec.maxEvents ?? 500_000
  const events: number[] = []
  for (let s = Math.floor(fromS); s < toS; s++) {
    const k = rng.poisson(spec.baseline(s))
    for (let i = 0; i < k; i++) events.push(s + rng.next())
  }
  // Breadth-first over generations; children beyond the window are dropped.
  for (let i = 0; i < events.length && events.length < max; i++) {
    const t = events[i]!
    const children = rng.poisson(spec.branching(Math.floor(t)))
    for (let c = 0; c < children && events.length < max; c++) {
      const child = t + rng.exponential(spec.decayS)
      if (child < toS) events.push(child)
    }
  }
  return Float64Array.from(events).sort()
}
