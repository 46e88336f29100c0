// The trigger heaps' parked buckets (kernel/indexHeap.ts): against a plain model of the heap's order (key, then
// position index), random pushes, pops, removals, key updates and full re-keys give the same tops, pops, members
// and version counts whether positions are parked or not; adversarial keys sit on bucket edges, one ulp apart,
// tied, infinite, zero, negative, tiny and huge. Pure: no store, well under a second.
import { describe, expect, test } from 'vitest'
import { bucketOf, BUCKETS, IndexHeap, ParkLinks } from '../src/replay/kernel/indexHeap.ts'
import { Prng } from '../src/replay/kernel/prng.ts'

const N = 1024

/** The plain heap's order: the top is the highest key (max) or lowest (min), ties by lower position index. */
function modelTop(members: Set<number>, keys: Float64Array, max: boolean): number {
  let best = -1
  for (const p of members) {
    if (best < 0) best = p
    else {
      const a = keys[p]!
      const b = keys[best]!
      if (a === b ? p < best : max ? a > b : a < b) best = p
    }
  }
  return best
}

/** Keys that stress the buckets: around the top, far from it, on power-of-two edges and one ulp either side. */
function adversarialKey(prng: Prng, around: number): number {
  const u = prng.next()
  if (u < 0.3) return around * (1 + (prng.next() - 0.5) * 0.02)
  if (u < 0.5) return around * (0.2 + prng.next() * 1.6)
  if (u < 0.6) {
    const edge = 2 ** Math.floor(prng.next() * 20 - 5)
    const f = new Float64Array([edge])
    const i = new BigInt64Array(f.buffer)
    i[0] = i[0]! + BigInt(Math.floor(prng.next() * 3) - 1)
    return f[0]!
  }
  if (u < 0.7) return [around, around * 0.9, around * 1.1][Math.floor(prng.next() * 3)]!
  if (u < 0.75) return [Infinity, -Infinity, 0, -5, 1e-12, 1e15][Math.floor(prng.next() * 6)]!
  return around * Math.exp((prng.next() - 0.5) * 0.5)
}

function exercise(max: boolean, seed: number): { parkedSeen: number } {
  const prng = new Prng(seed)
  const keys = new Float64Array(N)
  const slots = new Int32Array(N).fill(-1)
  const heap = new IndexHeap(keys, slots, max, 16, new ParkLinks())
  const members = new Set<number>()
  let version = 0
  let around = 1000
  let parkedSeen = 0
  const check = (step: number) => {
    expect(heap.size).toBe(members.size)
    expect(heap.version).toBe(version)
    const top = modelTop(members, keys, max)
    expect(heap.topKey()).toBe(top < 0 ? (max ? -Infinity : Infinity) : keys[top]! + heap.offset)
    expect(heap.peek()).toBe(top)
    if (step % 64 === 0) expect([...heap.members()].sort((a, b) => a - b)).toEqual([...members].sort((a, b) => a - b))
    parkedSeen = Math.max(parkedSeen, heap.parkedSize)
  }
  for (let step = 0; step < 2500; step++) {
    const u = prng.next()
    around *= Math.exp((prng.next() - 0.5) * 0.01)
    if (u < 0.45 && members.size < N) {
      let p = Math.floor(prng.next() * N)
      while (members.has(p)) p = (p + 1) % N
      keys[p] = heap.stored(adversarialKey(prng, around))
      heap.push(p)
      members.add(p)
      version++
    } else if (u < 0.6 && members.size > 0) {
      const top = modelTop(members, keys, max)
      expect(heap.pop()).toBe(top)
      expect(slots[top]).toBe(-1)
      members.delete(top)
      version++
    } else if (u < 0.78 && members.size > 0) {
      const all = [...members]
      const p = all[Math.floor(prng.next() * all.length)]!
      expect(slots[p]).toBeGreaterThanOrEqual(0)
      heap.remove(p)
      expect(slots[p]).toBe(-1)
      members.delete(p)
      version++
    } else if (u < 0.95 && members.size > 0) {
      const all = [...members]
      const p = all[Math.floor(prng.next() * all.length)]!
      keys[p] = heap.stored(adversarialKey(prng, around))
      heap.update(p)
      version++
    } else if (u < 0.97) {
      // a funding-like shift of every trigger at once
      heap.offset += (prng.next() - 0.5) * 5
    } else {
      // every key changed (a socialized loss, a re-key): rebuilt in full
      heap.offset = 0
      for (const p of members) keys[p] = adversarialKey(prng, around)
      heap.heapify()
      version++
    }
    check(step)
  }
  // drained in the plain heap's order
  while (members.size > 0) {
    const top = modelTop(members, keys, max)
    expect(heap.pop()).toBe(top)
    members.delete(top)
  }
  expect(heap.size).toBe(0)
  expect(heap.parkedSize).toBe(0)
  return { parkedSeen }
}

describe('parked trigger heap', () => {
  test('bucket order never contradicts key order (edges, ulps, infinities, zero, negatives)', () => {
    const samples = [-Infinity, -1, 0, 5e-324, 1e-12, 2 ** -30, 0.5, 1, 1.0000000000000002, 1.5, 2, 1000, 2 ** 40]
    samples.push(2 ** 40 * 1.5, 1e300, Infinity)
    for (let i = 1; i < samples.length; i++)
      expect(bucketOf(samples[i]!)).toBeGreaterThanOrEqual(bucketOf(samples[i - 1]!))
    expect(bucketOf(Infinity)).toBe(BUCKETS - 1)
    expect(bucketOf(1000 * 1.01)).toBeGreaterThan(bucketOf(1000))
  })

  test.each([
    [true, 1],
    [true, 2],
    [false, 3],
    [false, 4],
  ])('max-heap %s, seed %i: same tops, pops, members and versions as the plain heap', (max, seed) => {
    const { parkedSeen } = exercise(max, seed)
    // the parking was exercised, not bypassed
    expect(parkedSeen).toBeGreaterThan(100)
  })

  test('a NaN key turns parking off for the heap; everything stays a member', () => {
    const keys = new Float64Array(64)
    const slots = new Int32Array(64).fill(-1)
    const heap = new IndexHeap(keys, slots, true)
    keys[0] = 100
    heap.push(0)
    for (let p = 1; p < 40; p++) {
      keys[p] = 10 + p / 100
      heap.push(p)
    }
    expect(heap.parkedSize).toBe(39)
    keys[40] = Number.NaN
    heap.push(40)
    expect(heap.parkedSize).toBe(0)
    expect(heap.size).toBe(41)
    // NaN has no place in the key order (nor had it before parking): only membership is promised
    const popped = new Set<number>()
    while (heap.size > 0) popped.add(heap.pop())
    expect(popped.size).toBe(41)
  })
})
