// Binary heaps of position indices keyed by trigger price, with positions' slots in the heap tracked for O(log n)
// update and removal. Longs sit in a max-heap (liquidated when the price falls to the key), shorts in a min-heap.
// Positions whose trigger is far from the heap's top are parked instead, in price buckets with O(1) insertion and
// removal; a bucket moves into the heap before anything in it could be the top, so every pop is the one the plain
// heap would give (the order by key, then position index, is total) and most positions never pay for a heap.

/** Parked positions hold slot PARKED + their bucket: ≥ 0 like a heap slot, so callers see them as in a heap. */
const PARKED = 1 << 30

/**
 * Buckets: the exponent and top 8 mantissa bits of a positive key (≈ 0.27 % wide), from 2^-30 to 2^40; keys ≤ 0 in
 * the first, larger ones in the last. The bit pattern of a positive double grows with its value, so a bucket order
 * never contradicts the key order: a key in a lower bucket is lower.
 */
const BUCKET_BASE = (1023 - 30) << 8
export const BUCKETS = 70 << 8

/** Parked only beyond this many buckets (≈ 1.1 %) past the heap's top: the near ones stay in the heap. */
const PARK_DISTANCE = 4

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0

/** The bucket of a key (NaN: 0; callers never park one). Non-decreasing in the key. */
export function bucketOf(key: number): number {
  if (!(key > 0)) return 0
  f64[0] = key
  const b = (u32[HIGH_WORD]! >>> 12) - BUCKET_BASE
  return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b
}

/** The parked positions' list links, shared by a book's heaps (a position is in one heap at most). */
export class ParkLinks {
  next = new Int32Array(1024)
  prev = new Int32Array(1024)

  ensure(pos: number): void {
    if (pos < this.next.length) return
    let n = this.next.length
    while (n <= pos) n *= 2
    const next = new Int32Array(n)
    next.set(this.next)
    const prev = new Int32Array(n)
    prev.set(this.prev)
    this.next = next
    this.prev = prev
  }
}

export class IndexHeap {
  /** The binary heap proper: `heapSize` positions (parked ones are not in it; `members()` lists both). */
  items: Int32Array
  private heapSize = 0
  /**
   * Added to every stored key when it is compared with a price: lazily settled funding moves all of a heap's
   * trigger prices at once by shifting this instead of re-keying every position (see kernel/funding.ts). Parked keys
   * are stored the same way.
   */
  offset = 0
  /**
   * Bumped by every change of membership or order (push, pop, remove, update, heapify): a ranking cached over the
   * heap's positions (kernel/adlIndex.ts) is stale once it differs from the value it was built at. Moving positions
   * between the parked buckets and the heap changes neither, and does not bump it.
   */
  version = 0

  /** Parked positions, the first of each bucket (−1: none), and a bound on the top-most non-empty bucket. */
  private parked = 0
  private readonly head: Int32Array
  private edge: number
  /** Off once a NaN key was seen (NaN has no place in the key order): everything stays in the heap. */
  private parking: boolean

  /**
   * @param keys trigger price per position (shared with the position book)
   * @param slots each position's index in the heap that holds it (shared; −1 when in none)
   * @param max true for a max-heap
   * @param links the parked lists' links (shared by the heaps of one book)
   * @param parking park far keys (off: a plain heap, which the tests compare against)
   */
  constructor(
    private keys: Float64Array,
    private slots: Int32Array,
    readonly max: boolean,
    capacity = 1024,
    private readonly links: ParkLinks = new ParkLinks(),
    parking = true,
  ) {
    this.parking = parking
    this.items = new Int32Array(capacity)
    this.head = new Int32Array(BUCKETS).fill(-1)
    this.edge = max ? 0 : BUCKETS - 1
  }

  /** Every member, heap and parked (callers sort it: no order is promised). */
  members(): Int32Array {
    const out = new Int32Array(this.size)
    out.set(this.items.subarray(0, this.heapSize))
    let n = this.heapSize
    if (this.parked > 0) {
      const next = this.links.next
      for (let b = 0; b < BUCKETS; b++) for (let p = this.head[b]!; p >= 0; p = next[p]!) out[n++] = p
    }
    return out
  }

  /** Positions parked (diagnostics and tests: the parking is an implementation detail). */
  get parkedSize(): number {
    return this.parked
  }

  /** Positions held, heap and parked. */
  get size(): number {
    return this.heapSize + this.parked
  }

  /** The position books grew: point at the new arrays. */
  rebind(keys: Float64Array, slots: Int32Array): void {
    this.keys = keys
    this.slots = slots
  }

  /** True when a's key should be above b's (ties: lower position index first, so order is deterministic). */
  private above(a: number, b: number): boolean {
    const ka = this.keys[a]!
    const kb = this.keys[b]!
    if (ka === kb) return a < b
    return this.max ? ka > kb : ka < kb
  }

  peek(): number {
    if (this.parked > 0) this.settle()
    return this.heapSize > 0 ? this.items[0]! : -1
  }

  /** The top's trigger price (stored key + offset). */
  topKey(): number {
    if (this.parked > 0) this.settle()
    return this.heapSize > 0 ? this.keys[this.items[0]!]! + this.offset : this.max ? -Infinity : Infinity
  }

  /**
   * The key to store for trigger price `price`: price − offset, padded by a few ulps towards triggering earlier, so
   * that stored + offset never lands past the true trigger through rounding (the exact check decides on a pop).
   */
  stored(price: number): number {
    const o = this.offset
    if (o === 0 || !Number.isFinite(price)) return price
    const pad = (Math.abs(price) + Math.abs(o)) * 2 ** -50
    return this.max ? price - o + pad : price - o - pad
  }

  push(pos: number): void {
    this.version++
    this.place(pos)
  }

  pop(): number {
    if (this.parked > 0) this.settle()
    const top = this.items[0]!
    this.removeAt(0)
    return top
  }

  remove(pos: number): void {
    const i = this.slots[pos]!
    if (i >= PARKED) {
      this.version++
      this.unpark(pos, i - PARKED)
      this.slots[pos] = -1
      return
    }
    if (i < 0 || i >= this.heapSize || this.items[i] !== pos) throw new Error(`position ${pos} is not in this heap`)
    this.removeAt(i)
  }

  /** The key of `pos` changed: restore order. */
  update(pos: number): void {
    const i = this.slots[pos]!
    this.version++
    if (i >= PARKED) {
      this.unpark(pos, i - PARKED)
      this.place(pos)
    } else if (!this.up(i)) this.down(i)
  }

  /** Every key changed (funding, socialized loss): rebuild in O(n), parking again what is now far from the top. */
  heapify(): void {
    this.version++
    this.unparkAll()
    const items = this.items
    const keys = this.keys
    if (this.parking && this.heapSize > 1) {
      let top = keys[items[0]!]!
      for (let i = 0; i < this.heapSize; i++) {
        const k = keys[items[i]!]!
        if (Number.isNaN(k)) {
          this.parking = false
          break
        }
        if (this.max ? k > top : k < top) top = k
      }
      if (this.parking) {
        const near = this.max ? bucketOf(top) - PARK_DISTANCE : bucketOf(top) + PARK_DISTANCE
        let kept = 0
        for (let i = 0; i < this.heapSize; i++) {
          const p = items[i]!
          const b = bucketOf(keys[p]!)
          if (this.max ? b < near : b > near) this.park(p, b)
          else {
            items[kept] = p
            this.slots[p] = kept++
          }
        }
        this.heapSize = kept
      }
    }
    for (let i = (this.heapSize >> 1) - 1; i >= 0; i--) this.down(i)
  }

  /** Into the heap, or parked when its key is far beyond the heap's top. */
  private place(pos: number): void {
    if (this.parking && this.heapSize > 0) {
      const k = this.keys[pos]!
      const top = this.keys[this.items[0]!]!
      if (Number.isNaN(k) || Number.isNaN(top)) {
        this.parking = false
        this.unparkAll()
      } else {
        const b = bucketOf(k)
        const t = bucketOf(top)
        if (this.max ? b < t - PARK_DISTANCE : b > t + PARK_DISTANCE) {
          this.park(pos, b)
          return
        }
      }
    }
    this.heapPush(pos)
  }

  private heapPush(pos: number): void {
    if (this.heapSize === this.items.length) {
      const grown = new Int32Array(this.items.length * 2)
      grown.set(this.items)
      this.items = grown
    }
    const i = this.heapSize++
    this.items[i] = pos
    this.slots[pos] = i
    this.up(i)
  }

  private park(pos: number, b: number): void {
    const links = this.links
    if (pos >= links.next.length) links.ensure(pos)
    const first = this.head[b]!
    links.next[pos] = first
    links.prev[pos] = -1
    if (first >= 0) links.prev[first] = pos
    this.head[b] = pos
    this.slots[pos] = PARKED + b
    this.parked++
    if (this.max ? b > this.edge : b < this.edge) this.edge = b
  }

  private unpark(pos: number, b: number): void {
    const { next, prev } = this.links
    const n = next[pos]!
    const p = prev[pos]!
    if (p >= 0) next[p] = n
    else this.head[b] = n
    if (n >= 0) prev[n] = p
    this.parked--
    if (this.parked === 0) this.edge = this.max ? 0 : BUCKETS - 1
  }

  /**
   * Moves the top-most buckets into the heap until none could hold a key at or beyond the heap's top: the heap's
   * top is then the top of every member (a lower bucket holds only lower keys, a higher one only higher).
   */
  private settle(): void {
    const head = this.head
    while (this.parked > 0) {
      let b = this.edge
      if (this.max) while (head[b]! < 0) b--
      else while (head[b]! < 0) b++
      this.edge = b
      if (this.heapSize > 0) {
        const top = this.keys[this.items[0]!]!
        if (Number.isNaN(top)) {
          this.parking = false
          this.unparkAll()
          return
        }
        const t = bucketOf(top)
        if (this.max ? b < t : b > t) return
      }
      this.unparkBucket(b)
    }
  }

  private unparkBucket(b: number): void {
    const next = this.links.next
    let p = this.head[b]!
    this.head[b] = -1
    while (p >= 0) {
      const following = next[p]!
      this.parked--
      this.heapPush(p)
      p = following
    }
    if (this.parked === 0) this.edge = this.max ? 0 : BUCKETS - 1
  }

  /** Every parked position into the heap. */
  private unparkAll(): void {
    if (this.parked === 0) return
    for (let b = 0; b < BUCKETS && this.parked > 0; b++) if (this.head[b]! >= 0) this.unparkBucket(b)
  }

  private removeAt(i: number): void {
    const items = this.items
    const pos = items[i]!
    this.version++
    this.slots[pos] = -1
    const last = --this.heapSize
    if (i !== last) {
      items[i] = items[last]!
      this.slots[items[i]!] = i
      if (!this.up(i)) this.down(i)
    }
  }

  private up(i: number): boolean {
    const items = this.items
    const pos = items[i]!
    let moved = false
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pp = items[parent]!
      if (!this.above(pos, pp)) break
      items[i] = pp
      this.slots[pp] = i
      i = parent
      moved = true
    }
    items[i] = pos
    this.slots[pos] = i
    return moved
  }

  private down(i: number): void {
    const items = this.items
    const n = this.heapSize
    const pos = items[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let child = l
      if (r < n && this.above(items[r]!, items[l]!)) child = r
      const cp = items[child]!
      if (!this.above(cp, pos)) break
      items[i] = cp
      this.slots[cp] = i
      i = child
    }
    items[i] = pos
    this.slots[pos] = i
  }
}
