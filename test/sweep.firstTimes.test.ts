// The first-liquidation table of a sweep kernel (sweep/firstTimes.ts) against a Map: the first time per key wins,
// negative keys (named accounts), keys beyond 32 bits and keys whose low 32 bits collide stay apart, and growth loses
// nothing; a table rebuilt from another's entries (the base's, once per window) is sized for them at once.
import { describe, expect, it } from 'vitest'
import { FirstTimes } from '../src/replay/sweep/firstTimes.ts'
import { Prng } from '../src/replay/kernel/prng.ts'

describe('FirstTimes', () => {
  it('keeps the first time of every key, as a Map checked with has() would', () => {
    const prng = new Prng(7)
    const table = new FirstTimes(2)
    const map = new Map<number, number>()
    for (let t = 0; t < 20_000; t++) {
      // serials, account keys −(1 + account·4096 + market), keys equal modulo 2^32, −2^31 (the empty mark's value)
      const r = prng.next()
      const key =
        r < 0.6
          ? Math.floor(prng.next() * 5_000)
          : r < 0.9
            ? -(1 + Math.floor(prng.next() * 50) * 4096 + Math.floor(prng.next() * 3))
            : r < 0.99
              ? Math.floor(prng.next() * 4) * 2 ** 32 + 17 - 2 ** 33
              : -(2 ** 31)
      table.add(key, t)
      if (!map.has(key)) map.set(key, t)
    }
    expect(table.size).toBe(map.size)
    for (const [k, t] of map) expect(table.get(k)).toBe(t)
    expect(table.get(123_456_789)).toBeUndefined()
    const { keys, ts } = table.entries()
    expect(keys.length).toBe(map.size)
    const back = new Map<number, number>()
    keys.forEach((k, i) => back.set(k, ts[i]!))
    expect(back).toEqual(map)
  })

  it("rebuilds another table's entries in a table sized for them, without growing through small sizes", () => {
    // entries() comes in the source's hash order: grown from small, the first keys all land in the first slots
    const source = new FirstTimes()
    for (let i = 0; i < 100_000; i++) source.add(i * 7, i)
    source.add(-(1 + 3 * 4096), -1)
    source.add(5 * 2 ** 32, -2)
    const copy = FirstTimes.of(source.entries())
    expect(copy.size).toBe(source.size)
    // the smallest power of two at most three quarters full: 100,002 keys need 2^18 slots (2^17 · 3/4 < 100,002)
    expect(copy.capacity).toBe(2 ** 18)
    for (let i = 0; i < 100_000; i += 997) expect(copy.get(i * 7)).toBe(i)
    expect(copy.get(-(1 + 3 * 4096))).toBe(-1)
    expect(copy.get(5 * 2 ** 32)).toBe(-2)
    expect(copy.get(8)).toBeUndefined()
    expect(FirstTimes.of({ keys: new Float64Array(0), ts: new Float64Array(0) }).capacity).toBe(1024)
  })
})
