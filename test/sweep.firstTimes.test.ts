// The first-liquidation table of a sweep kernel (sweep/firstTimes.ts) against a Map: the first time per key wins,
// negative keys (named accounts), keys beyond 32 bits and keys whose low 32 bits collide stay apart, and growth loses
// nothing.
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
})
