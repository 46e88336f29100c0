// The points of a sweep: every combination of the axes' values (grid), or a Latin-hypercube sample of them with a
// point budget, drawn from the seeded PRNG so the same request gives the same points.
import { Prng } from '../kernel/prng.ts'
import type { Axis } from './axes.ts'

/** One point: an index into each axis's values. */
export type PointChoice = number[]

/** How many points the full grid has (may exceed any budget: checked before it is built). */
export const gridSize = (axes: Axis[]): number => axes.reduce((n, a) => n * a.values.length, 1)

/** Every combination, the last axis varying fastest. */
export function gridPoints(axes: Axis[]): PointChoice[] {
  let out: PointChoice[] = [[]]
  for (const axis of axes) out = out.flatMap((p) => axis.values.map((_, i) => [...p, i]))
  return out
}

/**
 * A Latin-hypercube sample of `samples` points: each axis is cut into `samples` equal strata, each stratum used
 * once (a seeded shuffle per axis), and a value is taken where a uniform draw inside the stratum falls on the
 * axis's list. Repeated combinations (an axis with fewer values than samples) are kept once, in order of first draw.
 */
export function latinHypercubePoints(axes: Axis[], samples: number, seed: number): PointChoice[] {
  const prng = new Prng(seed)
  const columns = axes.map((axis) => {
    const strata = Array.from({ length: samples }, (_, i) => i)
    for (let i = samples - 1; i > 0; i--) {
      const j = prng.int(i + 1)
      ;[strata[i], strata[j]] = [strata[j]!, strata[i]!]
    }
    return strata.map((s) =>
      Math.min(axis.values.length - 1, Math.floor(((s + prng.next()) / samples) * axis.values.length)),
    )
  })
  const seen = new Set<string>()
  const out: PointChoice[] = []
  for (let i = 0; i < samples; i++) {
    const point = columns.map((c) => c[i]!)
    const key = point.join(',')
    if (seen.has(key)) continue
    seen.add(key)
    out.push(point)
  }
  return out
}
