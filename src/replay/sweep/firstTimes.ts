// The first time seen per integer key (a position's first liquidation), in an open-addressing table over two typed
// arrays: a sweep kernel records one per liquidation row, hundreds of thousands over a month, and a Map of them per
// point held that many boxed entries on every thread's heap for the garbage collector to trace again and again.

/** Keys are integers (negative ones too); NaN marks an empty slot. */
const EMPTY = Number.NaN

export class FirstTimes {
  private keys: Float64Array
  private times: Float64Array
  /** log2 of the table's length. */
  private bits: number
  size = 0

  constructor(bits = 10) {
    this.bits = bits
    this.keys = new Float64Array(1 << bits).fill(EMPTY)
    this.times = new Float64Array(1 << bits)
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slotOf(key: number): number {
    const keys = this.keys
    const mask = keys.length - 1
    // Fibonacci hashing of the key's low 32 bits; the full key is compared, so collisions only cost probes
    let i = Math.imul(key | 0, 0x9e3779b1) >>> (32 - this.bits)
    for (;;) {
      const k = keys[i]!
      if (k === key || k !== k) return i
      i = (i + 1) & mask
    }
  }

  /** Records time `t` for `key` unless it has one already (the first time wins). */
  add(key: number, t: number): void {
    const i = this.slotOf(key)
    if (this.keys[i] === key) return
    this.keys[i] = key
    this.times[i] = t
    // at most half full, so probes stay short
    if (++this.size * 2 > this.keys.length) this.grow()
  }

  /** The time recorded for `key`, undefined when none. */
  get(key: number): number | undefined {
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
      if (k !== k) continue
      keys[n] = k
      ts[n++] = this.times[i]!
    }
    return { keys, ts }
  }

  private grow(): void {
    const keys = this.keys
    const times = this.times
    this.bits++
    this.keys = new Float64Array(1 << this.bits).fill(EMPTY)
    this.times = new Float64Array(1 << this.bits)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!
      if (k !== k) continue
      const j = this.slotOf(k)
      this.keys[j] = k
      this.times[j] = times[i]!
    }
  }
}
