// The first time seen per integer key (a position's first liquidation), in an open-addressing table over typed
// arrays: a sweep kernel records one per liquidation row, hundreds of thousands over a month, and a Map of them per
// point held that many boxed entries on every thread's heap for the garbage collector to trace again and again.
// Keys are 32-bit (synthetic serials, and −(1 + account·4096 + market) below about 524k accounts): 12 bytes a slot,
// at most three quarters full; a key beyond 32 bits goes to a Map on the side, so any key stays exact.

/** Marks an empty slot (no key is −2^31: a serial is ≥ 0, an account key > −2^31 when it fits at all). */
const EMPTY = -0x80000000

export class FirstTimes {
  private keys: Int32Array
  private times: Float64Array
  /** log2 of the table's length. */
  private bits: number
  private used = 0
  /** Keys that do not fit 32 bits (accounts beyond ~524k), in insertion order. */
  private readonly wide = new Map<number, number>()

  /**
   * The table of `entries()` of another: sized for them at once. Filled in another table's order while growing from
   * small, it would be quadratic — that order is by the keys' hash, so the first keys added all hash to the first
   * slots of a small table (a month's 440k base liquidations took 20 s where this takes milliseconds).
   */
  static of(entries: { keys: Float64Array; ts: Float64Array }): FirstTimes {
    let bits = 10
    while ((1 << bits) * 3 < entries.keys.length * 4) bits++
    const table = new FirstTimes(bits)
    for (let i = 0; i < entries.keys.length; i++) table.add(entries.keys[i]!, entries.ts[i]!)
    return table
  }

  /** Slots in the table (it grows past three quarters full). */
  get capacity(): number {
    return this.keys.length
  }

  constructor(bits = 10) {
    this.bits = bits
    this.keys = new Int32Array(1 << bits).fill(EMPTY)
    this.times = new Float64Array(1 << bits)
  }

  get size(): number {
    return this.used + this.wide.size
  }

  /** The slot holding `key` (a 32-bit integer), or the empty slot where it would go. */
  private slotOf(key: number): number {
    const keys = this.keys
    const mask = keys.length - 1
    // Fibonacci hashing
    let i = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits)
    for (;;) {
      const k = keys[i]!
      if (k === key || k === EMPTY) return i
      i = (i + 1) & mask
    }
  }

  /** Records time `t` for `key` (an integer) unless it has one already: the first time wins. */
  add(key: number, t: number): void {
    if ((key | 0) !== key || key === EMPTY) {
      if (!this.wide.has(key)) this.wide.set(key, t)
      return
    }
    const i = this.slotOf(key)
    if (this.keys[i] === key) return
    this.keys[i] = key
    this.times[i] = t
    if (++this.used * 4 > this.keys.length * 3) this.grow()
  }

  /** The time recorded for `key`, undefined when none. */
  get(key: number): number | undefined {
    if ((key | 0) !== key || key === EMPTY) return this.wide.get(key)
    const i = this.slotOf(key)
    return this.keys[i] === key ? this.times[i] : undefined
  }

  /** Every key and its time, as two packed arrays (in the table's order, which nothing may depend on). */
  entries(): { keys: Float64Array; ts: Float64Array } {
    const keys = new Float64Array(this.size)
    const ts = new Float64Array(this.size)
    let n = 0
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!
      if (k === EMPTY) continue
      keys[n] = k
      ts[n++] = this.times[i]!
    }
    for (const [k, t] of this.wide) {
      keys[n] = k
      ts[n++] = t
    }
    return { keys, ts }
  }

  private grow(): void {
    const keys = this.keys
    const times = this.times
    this.bits++
    this.keys = new Int32Array(1 << this.bits).fill(EMPTY)
    this.times = new Float64Array(1 << this.bits)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!
      if (k === EMPTY) continue
      const j = this.slotOf(k)
      this.keys[j] = k
      this.times[j] = times[i]!
    }
  }
}
