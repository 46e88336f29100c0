// ADL counterparty ranking: the lazily popped queue gives exactly the order of a full sort (score descending, ties
// to the lower index), whether all of it is taken or only a prefix.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { RankQueue, rankOrder } from '../src/replay/margin/adlRanking.ts'

const sorted = (scores: number[]) => scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)

describe('ADL rank queue', () => {
  test('pops in the order of a full sort, ties included, for any prefix', () => {
    const score = fc.oneof(fc.constantFrom(0, 1, 2.5, -1, Infinity), fc.double({ min: -1e6, max: 1e6, noNaN: true }))
    fc.assert(
      fc.property(fc.array(score, { maxLength: 400 }), fc.nat(400), (scores, prefix) => {
        const expected = sorted(scores)
        expect(rankOrder(scores)).toEqual(expected)
        const queue = new RankQueue(scores)
        const taken = []
        for (let k = 0; k < prefix; k++) taken.push(queue.next())
        expect(taken).toEqual([...expected.slice(0, prefix), ...Array(Math.max(0, prefix - scores.length)).fill(-1)])
      }),
      { numRuns: 400, seed: 5 },
    )
  })

  test("BitMEX's example [X4]: ranks 3, 6, 1, 4, 5, 2 → A2, A5, A4, A1, A6, A3", () => {
    expect(rankOrder([3, 6, 1, 4, 5, 2])).toEqual([1, 4, 3, 0, 5, 2])
  })
})
