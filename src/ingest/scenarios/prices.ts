// Reference, oracle, mark and premium prices around a latent path: each reference venue follows the path with its own
// small mean-reverting basis, an optional lag and occasional stale stretches; an oracle is the median of its
// references; marks are smoothed; premium is perp against index. Written as `prices` rows (ticks, or one-minute bars
// for premium).
import type { TableRows } from './output.ts'
import type { Rng } from './random.ts'
import { roundTo } from './tradeSizes.ts'

/** Prices sampled on a grid: second offsets from the scenario start, and values. */
export interface Series {
  s: Float64Array
  value: Float64Array
}

export interface ReferenceSpec {
  source: string
  /** Standard deviation of the venue's basis against the latent price, in basis points. */
  basisBps: number
  /** Half-life of the basis (seconds); default 180. */
  halfLifeS?: number
  /** Constant basis in basis points (a venue that trades rich or cheap). */
  biasBps?: number
  /** Seconds the venue lags the latent price. */
  lagS?: number
  /** Chance per sample that the feed goes stale, and how long it then repeats its last value (seconds). */
  staleChance?: number
  staleSeconds?: readonly [number, number]
  /** The venue's own log price per second, when it has a tape of its own (its basis is then already in it). */
  follow?: (second: number) => number
}

/** A sampling grid [fromS, toS) every `everyS` seconds. */
export function grid(fromS: number, toS: number, everyS: number): Float64Array {
  const n = Math.max(0, Math.ceil((toS - fromS) / everyS))
  return Float64Array.from({ length: n }, (_, i) => fromS + i * everyS)
}

/** A reference venue's price on `at`, following `logPrice(second)` with its own basis, lag and stale stretches. */
export function reference(rng: Rng, logPrice: (s: number) => number, spec: ReferenceSpec, at: Float64Array): Series {
  const value = new Float64Array(at.length)
  const halfLife = spec.halfLifeS ?? 180
  const sd = spec.basisBps * 1e-4
  const bias = (spec.biasBps ?? 0) * 1e-4
  const lag = spec.lagS ?? 0
  const staleChance = spec.staleChance ?? 0.002
  const [staleMin, staleMax] = spec.staleSeconds ?? [3, 30]
  let basis = sd * rng.normal()
  let staleUntil = -Infinity
  let last = NaN
  for (let i = 0; i < at.length; i++) {
    const s = at[i]!
    const dt = i === 0 ? 1 : s - at[i - 1]!
    const keep = Math.pow(0.5, dt / halfLife)
    basis = basis * keep + sd * Math.sqrt(1 - keep * keep) * rng.normal()
    if (s < staleUntil && Number.isFinite(last)) {
      value[i] = last
      continue
    }
    if (rng.chance(staleChance)) staleUntil = s + rng.uniform(staleMin, staleMax)
    last = Math.exp(logPrice(Math.max(0, s - lag)) + bias + basis)
    value[i] = last
  }
  return { s: at, value }
}

/** Median across series sampled on the same grid (an oracle over its reference venues). */
export function median(series: readonly Series[]): Series {
  const first = series[0]
  if (!first) throw new Error('median of no series')
  const value = new Float64Array(first.s.length)
  const xs = new Float64Array(series.length)
  for (let i = 0; i < value.length; i++) {
    for (let k = 0; k < series.length; k++) xs[k] = series[k]!.value[i]!
    xs.sort()
    const m = xs.length >> 1
    value[i] = xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2
  }
  return { s: first.s, value }
}

/** Exponential moving average with a time constant of `windowS` seconds. */
export function ema(series: Series, windowS: number): Series {
  const value = new Float64Array(series.s.length)
  let v = series.value[0] ?? 0
  for (let i = 0; i < value.length; i++) {
    const dt = i === 0 ? 0 : series.s[i]! - series.s[i - 1]!
    const a = 1 - Math.exp(-dt / windowS)
    v += a * (series.value[i]! - v)
    value[i] = v
  }
  return { s: series.s, value }
}

export interface TickOptions {
  kind: 'mark' | 'index' | 'oracle' | 'last' | 'premium'
  source: string
  /** Price tick the venue publishes on (values are rounded to it). */
  tick: number
  /** Milliseconds after each grid second the value is stamped (publication delay jitter is drawn up to this). */
  jitterMs?: number
  /** Oracle confidence interval as a fraction of price (Pyth publishes one). */
  confidence?: number
}

/** Writes a series as price ticks (interval_s NULL). */
export function writeTicks(rows: TableRows, rng: Rng, fromMs: number, series: Series, o: TickOptions): void {
  const jitter = o.jitterMs ?? 400
  for (let i = 0; i < series.s.length; i++) {
    const price = roundTo(series.value[i]!, o.tick)
    if (!(price > 0)) continue
    const ms = fromMs + series.s[i]! * 1000 + rng.int(jitter)
    const confidence = o.confidence ? roundTo(price * o.confidence * rng.uniform(0.6, 1.4), o.tick / 10) : null
    rows.add(Math.round(ms * 1000), o.kind, o.source, price, null, null, null, null, confidence || null)
  }
}

/** Writes one-minute OHLC bars of a per-second series (e.g. a premium index, as Binance publishes it). */
export function writeMinuteBars(
  rows: TableRows,
  fromMs: number,
  series: Series,
  o: { kind: TickOptions['kind']; source: string; decimals: number },
): void {
  const round = (x: number) => Number(x.toFixed(o.decimals))
  let minute = -1
  let open = 0
  let high = 0
  let low = 0
  let close = 0
  const flush = () => {
    if (minute < 0) return
    rows.add(
      (fromMs + minute * 60_000) * 1000,
      o.kind,
      o.source,
      round(close),
      round(open),
      round(high),
      round(low),
      60,
      null,
    )
  }
  for (let i = 0; i < series.s.length; i++) {
    const m = Math.floor(series.s[i]! / 60)
    const v = series.value[i]!
    if (m !== minute) {
      flush()
      minute = m
      open = high = low = v
    }
    high = Math.max(high, v)
    low = Math.min(low, v)
    close = v
  }
  flush()
}

/** The last published value at or before `second` (the first one before the series starts). */
export function valueAt(series: Series, second: number): number {
  let lo = 0
  let hi = series.s.length - 1
  if (hi < 0) throw new Error('valueAt on an empty series')
  if (second < series.s[0]!) return series.value[0]!
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (series.s[mid]! <= second) lo = mid
    else hi = mid - 1
  }
  return series.value[lo]!
}
