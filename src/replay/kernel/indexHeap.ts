// Binary heaps of position indices keyed by trigger price, with positions' slots in the heap tracked for O(log n)
// update and removal. Longs sit in a max-heap (liquidated when the price falls to the key), shorts in a min-heap.

export class IndexHeap {
  items: Int32Array
  size = 0
  /**
   * Added to every stored key when it is compared with a price: lazily settled funding moves all of a heap's
   * trigger prices at once by shifting this instead of re-keying every position (see kernel/funding.ts).
   */
  offset = 0
  /**
   * Bumped by every change of membership or order (push, pop, remove, update, heapify): a ranking cached over the
   * heap's positions (kernel/adlIndex.ts) is stale once it differs from the value it was built at.
   */
  version = 0

  /**
   * @param keys trigger price per position (shared with the position book)
   * @param slots each position's index in the heap that holds it (shared; −1 when in none)
   * @param max true for a max-heap
   */
  constructor(
    private keys: Float64Array,
    private slots: Int32Array,
    readonly max: boolean,
    capacity = 1024,
  ) {
    this.items = new Int32Array(capacity)
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
    return this.size > 0 ? this.items[0]! : -1
  }

  /** The top's trigger price (stored key + offset). */
  topKey(): number {
    return this.size > 0 ? this.keys[this.items[0]!]! + this.offset : this.max ? -Infinity : Infinity
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
    if (this.size === this.items.length) {
      const grown = new Int32Array(this.items.length * 2)
      grown.set(this.items)
      this.items = grown
    }
    const i = this.size++
    this.version++
    this.items[i] = pos
    this.slots[pos] = i
    this.up(i)
  }

  pop(): number {
    const top = this.items[0]!
    this.removeAt(0)
    return top
  }

  remove(pos: number): void {
    const i = this.slots[pos]!
    if (i < 0 || i >= this.size || this.items[i] !== pos) throw new Error(`position ${pos} is not in this heap`)
    this.removeAt(i)
  }

  /** The key of `pos` changed: restore order. */
  update(pos: number): void {
    const i = this.slots[pos]!
    this.version++
    if (!this.up(i)) this.down(i)
  }

  /** Every key changed (funding, socialized loss): rebuild in O(n). */
  heapify(): void {
    this.version++
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i)
  }

  private removeAt(i: number): void {
    const items = this.items
    const pos = items[i]!
    this.version++
    this.slots[pos] = -1
    const last = --this.size
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
    const n = this.size
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
