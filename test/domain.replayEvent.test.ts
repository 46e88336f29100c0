// The replay event key in src/domain: the kind codes are dense and in priority order, names match codes, and the
// comparator orders by time, then kind priority, then market.
import { describe, expect, test } from 'vitest'
import { compareEventKey, REPLAY_EVENT_KIND, REPLAY_EVENT_KIND_NAMES } from '../src/domain/replayEvent.ts'
import { EventKind } from '../src/replay/kernel/events.ts'

describe('replay event key', () => {
  test('kind codes are 0..n-1, named by REPLAY_EVENT_KIND_NAMES, and the kernel uses the same codes', () => {
    const codes = Object.values(REPLAY_EVENT_KIND)
    expect([...codes].sort((a, b) => a - b)).toEqual(codes.map((_, i) => i))
    for (const [name, code] of Object.entries(REPLAY_EVENT_KIND)) expect(REPLAY_EVENT_KIND_NAMES[code]).toBe(name)
    expect(EventKind.MARK).toBe(REPLAY_EVENT_KIND.mark)
    expect(EventKind.FILL).toBe(REPLAY_EVENT_KIND.fill)
  })

  test('prices settle before funding, funding before ledger, ledger before fills at one timestamp', () => {
    const order = ['index', 'oracle', 'mark', 'bar', 'funding', 'openInterest', 'ledger', 'fill'] as const
    for (let i = 1; i < order.length; i++)
      expect(REPLAY_EVENT_KIND[order[i - 1]!]).toBeLessThan(REPLAY_EVENT_KIND[order[i]!])
  })

  test('time first, then kind, then market; equal keys compare 0', () => {
    const { mark, fill } = REPLAY_EVENT_KIND
    const before = (a: [number, number, number], b: [number, number, number]) => compareEventKey(...a, ...b)
    expect(before([1, fill, 9], [2, mark, 0])).toBeLessThan(0)
    expect(before([2, mark, 0], [1, fill, 9])).toBeGreaterThan(0)
    expect(before([5, mark, 9], [5, fill, 0])).toBeLessThan(0)
    expect(before([5, fill, 0], [5, mark, 9])).toBeGreaterThan(0)
    expect(before([5, mark, 1], [5, mark, 2])).toBeLessThan(0)
    expect(before([5, mark, 2], [5, mark, 1])).toBeGreaterThan(0)
    expect(before([5, mark, 2], [5, mark, 2])).toBe(0)
  })
})
