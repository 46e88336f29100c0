// The replay event key in src/domain: the kind codes are dense and in priority order, names match codes, and the
// comparator orders by time, then kind priority, then market.
import { describe, expect, test } from 'vitest'
import { eventKeyBefore, eventKeyEqual, REPLAY_EVENT_KIND, REPLAY_EVENT_KIND_NAMES } from '../src/domain/replayEvent.ts'
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

  test('time first, then kind, then market; equal keys are neither before the other', () => {
    const { mark, fill } = REPLAY_EVENT_KIND
    expect(eventKeyBefore(1, fill, 9, 2, mark, 0)).toBe(true)
    expect(eventKeyBefore(2, mark, 0, 1, fill, 9)).toBe(false)
    expect(eventKeyBefore(5, mark, 9, 5, fill, 0)).toBe(true)
    expect(eventKeyBefore(5, fill, 0, 5, mark, 9)).toBe(false)
    expect(eventKeyBefore(5, mark, 1, 5, mark, 2)).toBe(true)
    expect(eventKeyBefore(5, mark, 2, 5, mark, 1)).toBe(false)
    expect(eventKeyBefore(5, mark, 2, 5, mark, 2)).toBe(false)
    expect(eventKeyEqual(5, mark, 2, 5, mark, 2)).toBe(true)
    expect(eventKeyEqual(5, mark, 2, 5, mark, 3)).toBe(false)
  })
})
