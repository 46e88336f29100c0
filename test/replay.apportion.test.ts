// The exact split of a socialized loss: parts sum to the loss, and the fast threshold method gives exactly what the
// textbook method (sort every index by remainder, ties to the lower index) gives, ties and surpluses included.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { apportion } from '../src/replay/margin/socialLoss.ts'

/** Largest-remainder apportionment written the obvious way, as the oracle. */
function reference(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0)
  if (!weights.length || sum <= 0 || total === 0) return weights.map(() => 0)
  const exact = weights.map((w) => (total * w) / sum)
  const out = exact.map(Math.floor)
  let left = total - out.reduce((a, x) => a + x, 0)
  const order = weights.map((_, i) => i).sort((a, b) => exact[b]! - out[b]! - (exact[a]! - out[a]!) || a - b)
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]!]! += 1
  return out
}

describe('socialized-loss apportionment', () => {
  test('equals the reference method and sums to the loss, with repeated weights (ties) and tiny losses', () => {
    const weight = fc.oneof(fc.constantFrom(0.001, 0.5, 1, 3), fc.double({ min: 0.0001, max: 1e4, noNaN: true }))
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5e12 }), fc.array(weight, { minLength: 1, maxLength: 300 }), (t, ws) => {
        const parts = Array.from(apportion(t, ws))
        expect(parts).toEqual(reference(t, ws))
        expect(parts.reduce((a, x) => a + x, 0)).toBe(t)
      }),
      { numRuns: 500, seed: 11 },
    )
  })

  test('ties at the threshold go to the lower index; fewer units than positions leave the rest at zero', () => {
    expect(Array.from(apportion(2, [1, 1, 1, 1]))).toEqual([1, 1, 0, 0])
    expect(Array.from(apportion(7, [1, 2, 1]))).toEqual([2, 3, 2]) // 1.75, 3.5, 1.75: the two .75s win
    expect(Array.from(apportion(0, [1, 2]))).toEqual([0, 0])
  })
})
