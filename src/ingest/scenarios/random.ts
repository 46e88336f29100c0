// Seeded random numbers for scenario generators: sfc32 seeded through splitmix32 (the replay kernel's generator, which
// ingest may not import), plus the distributions markets need. Nothing here reads Math.random or the clock.

/** FNV-1a over a label, so named sub-streams are independent of the order in which they are created. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spareNormal: number | null = null

  constructor(readonly seed: number) {
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

  /** An independent stream named `label` under `seed`: the same (seed, label) always gives the same stream. */
  static stream(seed: number, label: string): Rng {
    return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ fnv1a(label)) >>> 0)
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

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Integer in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(items.length)]!
  }

  /** Standard normal (polar Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal
      this.spareNormal = null
      return v
    }
    let u: number
    let v: number
    let s: number
    do {
      u = 2 * this.next() - 1
      v = 2 * this.next() - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const f = Math.sqrt((-2 * Math.log(s)) / s)
    this.spareNormal = v * f
    return u * f
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** Pareto (type I) with scale `min` and tail exponent `alpha`: P(X > x) = (min / x)^alpha. */
  pareto(min: number, alpha: number): number {
    return min / Math.pow(1 - this.next(), 1 / alpha)
  }

  /** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 through the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.next()
      if (u < 1 - 0.0331 * x * x * x * x) return d * v
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
    }
  }

  /** Student-t with `nu` degrees of freedom, scaled to unit variance (nu > 2): heavy-tailed shocks. */
  studentT(nu: number): number {
    const chi2 = 2 * this.gamma(nu / 2)
    return (this.normal() / Math.sqrt(chi2 / nu)) * Math.sqrt((nu - 2) / nu)
  }

  /** Poisson count with mean λ (inversion for small λ, a normal approximation with continuity above 60). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0
    if (lambda > 60) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** `n` lower-case hex digits. */
  hex(n: number): string {
    let out = ''
    for (let i = 0; i < n; i++) out += '0123456789abcdef'[this.int(16)]
    return out
  }

  /** An address-like account id (what on-chain venues use), e.g. 0x3f9c…, 40 hex digits. */
  address(): string {
    return '0x' + this.hex(40)
  }
}
