// Reads that several detectors make of the same market in one execution, made once: a market's fills (read up to the
// latest instant any detector asked for — a later end reads only the rows after the last — then sliced by time, which
// keeps their order), a market's traded volume per bucket (the whole buckets of every window asked for read once, the
// partial buckets at a window's edges read for that window alone, so each caller gets what its own read returned),
// and exact repeats of other reads. The runner makes one per market and drops it after, so memory is bounded by one
// market's data.
import { readFills, type FillColumns } from '../store/detect/accounts.ts'
import { readBarVolume, readTradeVolume, readVolume, type VolumeBuckets } from '../store/detect/openInterest.ts'
import type { DuckStore } from '../store/duck/open.ts'

/** First index whose ts is ≥ t (ts ascending). */
function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0
  let hi = ts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The rows of time-ordered fills with fromUs ≤ ts < toUs (views of the typed arrays, copies of the names). */
export function sliceFills(f: FillColumns, fromUs: number | null, toUs: number): FillColumns {
  const lo = fromUs === null ? 0 : lowerBound(f.ts, Math.round(fromUs))
  const hi = Math.max(lowerBound(f.ts, Math.round(toUs)), lo)
  if (lo === 0 && hi === f.length) return f
  return {
    length: hi - lo,
    ts: f.ts.subarray(lo, hi),
    account: f.account.slice(lo, hi),
    market: f.market.slice(lo, hi),
    side: f.side.subarray(lo, hi),
    price: f.price.subarray(lo, hi),
    qty: f.qty.subarray(lo, hi),
    fee: f.fee.subarray(lo, hi),
    liquidation: f.liquidation.subarray(lo, hi),
    taker: f.taker.subarray(lo, hi),
  }
}

/** Rows of `a` then rows of `b` (b's all later in time). */
export function concatFills(a: FillColumns, b: FillColumns): FillColumns {
  if (!b.length) return a
  if (!a.length) return b
  const join = <T extends Float64Array | Int8Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length)
    out.set(x)
    out.set(y, x.length)
    return out
  }
  return {
    length: a.length + b.length,
    ts: join(a.ts, b.ts),
    account: a.account.concat(b.account),
    market: a.market.concat(b.market),
    side: join(a.side, b.side),
    price: join(a.price, b.price),
    qty: join(a.qty, b.qty),
    fee: join(a.fee, b.fee),
    liquidation: join(a.liquidation, b.liquidation),
    taker: join(a.taker, b.taker),
  }
}

/**
 * The rows of `a` kept by `keep`, merged with all rows of `b` by time, then account (a's row first on a tie): both
 * inputs in readFills' order, so each account's rows of one market keep their order.
 */
export function mergeFills(a: FillColumns, keep: (row: number) => boolean, b: FillColumns): FillColumns {
  const rows: number[] = []
  for (let i = 0; i < a.length; i++) if (keep(i)) rows.push(i)
  const n = rows.length + b.length
  const out: FillColumns = {
    length: n,
    ts: new Float64Array(n),
    account: new Array<string>(n),
    market: new Array<string>(n),
    side: new Int8Array(n),
    price: new Float64Array(n),
    qty: new Float64Array(n),
    fee: new Float64Array(n),
    liquidation: new Int8Array(n),
    taker: new Int8Array(n),
  }
  const copy = (f: FillColumns, i: number, k: number) => {
    out.ts[k] = f.ts[i]!
    out.account[k] = f.account[i]!
    out.market[k] = f.market[i]!
    out.side[k] = f.side[i]!
    out.price[k] = f.price[i]!
    out.qty[k] = f.qty[i]!
    out.fee[k] = f.fee[i]!
    out.liquidation[k] = f.liquidation[i]!
    out.taker[k] = f.taker[i]!
  }
  let x = 0
  let y = 0
  for (let k = 0; k < n; k++) {
    const i = rows[x]
    const takeA =
      i !== undefined &&
      (y >= b.length || a.ts[i]! < b.ts[y]! || (a.ts[i] === b.ts[y] && a.account[i]! <= b.account[y]!))
    if (takeA) copy(a, rows[x++]!, k)
    else copy(b, y++, k)
  }
  return out
}

/** Buckets with fromUs ≤ ts < toUs (views). */
function sliceVolume(v: VolumeBuckets, fromUs: number, toUs: number): VolumeBuckets {
  const lo = lowerBound(v.ts, fromUs)
  const hi = Math.max(lowerBound(v.ts, toUs), lo)
  return { ts: v.ts.subarray(lo, hi), quote: v.quote.subarray(lo, hi), close: v.close.subarray(lo, hi) }
}

/** The buckets of each part in turn (parts ascending in time, not overlapping). */
function concatVolume(parts: VolumeBuckets[]): VolumeBuckets {
  const kept = parts.filter((x) => x.ts.length)
  if (kept.length === 1) return kept[0]!
  const n = kept.reduce((a, x) => a + x.ts.length, 0)
  const out = { ts: new Float64Array(n), quote: new Float64Array(n), close: new Float64Array(n) }
  let at = 0
  for (const x of kept) {
    out.ts.set(x.ts, at)
    out.quote.set(x.quote, at)
    out.close.set(x.close, at)
    at += x.ts.length
  }
  return out
}

export class SharedReads {
  private readonly fillsByMarket = new Map<string, { toUs: number; fills: Promise<FillColumns> }>()
  /** Trade volume of whole buckets over [fromUs, toUs) (both multiples of the bucket), per venue·market·bucket. */
  private readonly volumeByMarket = new Map<string, { fromUs: number; toUs: number; buckets: Promise<VolumeBuckets> }>()
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(private readonly duck: DuckStore) {}

  /** Fills of one market with fromUs ≤ ts < toUs (fromUs null: from the first), in readFills' order. */
  async marketFills(venue: string, market: string, fromUs: number | null, toUs: number): Promise<FillColumns> {
    const key = JSON.stringify([venue, market])
    let entry = this.fillsByMarket.get(key)
    if (!entry || entry.toUs < toUs) {
      // a later end than read so far: only the rows after it are read (time order makes head + tail the whole)
      const head = entry
      const fills = head
        ? Promise.all([head.fills, readFills(this.duck, venue, { markets: [market], fromUs: head.toUs, toUs })]).then(
            ([h, t]) => concatFills(h, t),
          )
        : readFills(this.duck, venue, { markets: [market], toUs })
      entry = { toUs, fills }
      this.fillsByMarket.set(key, entry)
      // a failed read is not kept: the next caller reports its own error
      entry.fills.catch(() => this.fillsByMarket.delete(key))
    }
    return sliceFills(await entry.fills, fromUs, toUs)
  }

  /**
   * What readVolume(venue, market, fromUs, toUs, bucketUs) returns, its whole buckets read once for every window
   * asked for (a wider window reads only the buckets not read yet). A bucket cut by the window's start or end holds
   * only the window's trades, so those two are read for the window alone; a window without trades falls back to bars
   * exactly as readVolume does.
   */
  async marketVolume(
    venue: string,
    market: string,
    fromUs: number,
    toUs: number,
    bucketUs: number,
  ): Promise<VolumeBuckets> {
    const first = Math.ceil(fromUs / bucketUs) * bucketUs
    const last = Math.floor(toUs / bucketUs) * bucketUs
    // a window inside one bucket has no whole bucket: read as it is
    if (first > last) return readVolume(this.duck, venue, market, fromUs, toUs, bucketUs)
    const parts: VolumeBuckets[] = []
    if (fromUs < first) parts.push(await readTradeVolume(this.duck, venue, market, fromUs, first, bucketUs))
    if (first < last)
      parts.push(sliceVolume(await this.wholeBuckets(venue, market, first, last, bucketUs), first, last))
    if (last < toUs) parts.push(await readTradeVolume(this.duck, venue, market, last, toUs, bucketUs))
    const trades = concatVolume(parts)
    return trades.ts.length ? trades : readBarVolume(this.duck, venue, market, fromUs, toUs, bucketUs)
  }

  /** Trade volume of the whole buckets of [fromUs, toUs) (bucket multiples), extending what was read before. */
  private wholeBuckets(
    venue: string,
    market: string,
    fromUs: number,
    toUs: number,
    bucketUs: number,
  ): Promise<VolumeBuckets> {
    const key = JSON.stringify([venue, market, bucketUs])
    const entry = this.volumeByMarket.get(key)
    if (entry && entry.fromUs <= fromUs && entry.toUs >= toUs) return entry.buckets
    // read only what lies outside the span read so far (the span stays one piece: the gap between is read too)
    const from = entry ? Math.min(entry.fromUs, fromUs) : fromUs
    const to = entry ? Math.max(entry.toUs, toUs) : toUs
    const read = (a: number, b: number) =>
      a < b ? readTradeVolume(this.duck, venue, market, a, b, bucketUs) : Promise.resolve(null)
    const buckets = entry
      ? Promise.all([read(from, entry.fromUs), entry.buckets, read(entry.toUs, to)]).then((parts) =>
          concatVolume(parts.filter((x): x is VolumeBuckets => x !== null)),
        )
      : readTradeVolume(this.duck, venue, market, from, to, bucketUs)
    const next = { fromUs: from, toUs: to, buckets }
    this.volumeByMarket.set(key, next)
    // a failed read is not kept: the next caller reports its own error
    buckets.catch(() => {
      if (this.volumeByMarket.get(key) === next) this.volumeByMarket.delete(key)
    })
    return buckets
  }

  /** `read()` once per key (the key must name every argument of the read). */
  once<T>(key: unknown[], read: () => Promise<T>): Promise<T> {
    const k = JSON.stringify(key)
    let p = this.memo.get(k) as Promise<T> | undefined
    if (!p) {
      p = read()
      this.memo.set(k, p)
      p.catch(() => this.memo.delete(k))
    }
    return p
  }
}

/** A market's fills through the execution's shared reads when there are some, else read directly. */
export function marketFills(
  stores: { duck: DuckStore; shared?: SharedReads },
  venue: string,
  market: string,
  fromUs: number | null,
  toUs: number,
): Promise<FillColumns> {
  return stores.shared
    ? stores.shared.marketFills(venue, market, fromUs, toUs)
    : readFills(stores.duck, venue, { markets: [market], fromUs, toUs })
}

/** A market's volume per bucket (readVolume) through the execution's shared reads when there are some, else read. */
export function marketVolume(
  stores: { duck: DuckStore; shared?: SharedReads },
  venue: string,
  market: string,
  fromUs: number,
  toUs: number,
  bucketUs: number,
): Promise<VolumeBuckets> {
  return stores.shared
    ? stores.shared.marketVolume(venue, market, fromUs, toUs, bucketUs)
    : readVolume(stores.duck, venue, market, fromUs, toUs, bucketUs)
}

/** `read()` through the execution's shared reads (once per key) when there are some, else directly. */
export function sharedRead<T>(stores: { shared?: SharedReads }, key: unknown[], read: () => Promise<T>): Promise<T> {
  return stores.shared ? stores.shared.once(key, read) : read()
}
