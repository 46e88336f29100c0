// Seeded pseudo-random numbers (sfc32 seeded through splitmix32): the only randomness the engine uses.

export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    // splitmix32 spreads any 32-bit seed over the 128-bit state
    let s = seed >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.next()
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) >>> 0
    return t / 4294967296
  }

  /**
   * Writes the state (4 words, as signed 32-bit: `a` may be held either way, and every use of it is modulo 2^32)
   * at `at` (a shared draw tape, kernel/spawnTape.ts).
   */
  saveState(into: Int32Array, at: number): void {
    into[at] = this.a
    into[at + 1] = this.b
    into[at + 2] = this.c
    into[at + 3] = this.d
  }

  /** True when the state is the one saved at `at`. */
  hasState(from: Int32Array, at: number): boolean {
    return (
      from[at] === (this.a | 0) &&
      from[at + 1] === (this.b | 0) &&
      from[at + 2] === (this.c | 0) &&
      from[at + 3] === (this.d | 0)
    )
  }

  /** Takes a saved state: the stream goes on exactly as from the state saved. */
  loadState(from: Int32Array, at: number): void {
    this.a = from[at]!
    this.b = from[at + 1]!
    this.c = from[at + 2]!
    this.d = from[at + 3]!
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** Standard normal (Box–Muller; one value per call, so the stream stays simple to reason about). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Poisson count with mean λ (Knuth for small λ, normal approximation above 30). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }
}
