// Reads that several detectors make of the same market in one execution, made once: a market's fills (read up to the
// latest instant any detector asked for — a later end reads only the rows after the last — then sliced by time, which
// keeps their order) and exact repeats of other reads. The runner makes one per market and drops it after, so memory
// is bounded by one market's data.
import { readFills, type FillColumns } from '../store/detect/accounts.ts'
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

export class SharedReads {
  private readonly fillsByMarket = new Map<string, { toUs: number; fills: Promise<FillColumns> }>()
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

/** `read()` through the execution's shared reads (once per key) when there are some, else directly. */
export function sharedRead<T>(stores: { shared?: SharedReads }, key: unknown[], read: () => Promise<T>): Promise<T> {
  return stores.shared ? stores.shared.once(key, read) : read()
}
