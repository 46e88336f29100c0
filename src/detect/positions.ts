// Positions rebuilt from fills: each account's net base position per market at given instants, and each account's
// signed traded quantity inside a window (who pushed).
import type { FillColumns } from '../store/detect/accounts.ts'

/** Net positions of `market` (account → signed base) just before each of `times` (ascending), from time-ordered fills. */
export function positionsAt(fills: FillColumns, market: string, times: number[]): Array<Map<string, number>> {
  const pos = new Map<string, number>()
  const out: Array<Map<string, number>> = []
  let i = 0
  for (const t of times) {
    for (; i < fills.length && fills.ts[i]! < t; i++) {
      if (fills.market[i] !== market) continue
      const a = fills.account[i]!
      pos.set(a, (pos.get(a) ?? 0) + fills.side[i]! * fills.qty[i]!)
    }
    out.push(new Map([...pos].filter(([, q]) => Math.abs(q) > 1e-12)))
  }
  return out
}

/** Per account: signed base traded and quote notional in [fromUs, toUs) on `market`. */
export function flowIn(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
): Map<string, { base: number; quote: number }> {
  const out = new Map<string, { base: number; quote: number }>()
  for (let i = 0; i < fills.length; i++) {
    const t = fills.ts[i]!
    if (t < fromUs || t >= toUs || fills.market[i] !== market) continue
    const a = fills.account[i]!
    const f = out.get(a) ?? { base: 0, quote: 0 }
    f.base += fills.side[i]! * fills.qty[i]!
    f.quote += fills.qty[i]! * fills.price[i]!
    out.set(a, f)
  }
  return out
}

/**
 * Per account: mark-to-market gain on `market` over [fromUs, toUs) when the price goes from p0 to p1 — the position
 * held at the start × (p1 − p0), plus each fill inside the window valued at p1 against its own price — the position
 * at the end, and the exposure to the move (the start position plus what was added in the move's direction). With `unpushed` set, fills in the move's direction at prices already more than that share of
 * the move away from p0 count for nothing (bought while pushing: the cost side, not exposure).
 */
export function markToMarket(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  p0: number,
  p1: number,
  unpushed = Number.POSITIVE_INFINITY,
): Map<string, { pnl: number; end: number; exposure: number }> {
  const direction = Math.sign(p1 - p0)
  const out = new Map<string, { pnl: number; end: number; exposure: number }>()
  const [start] = positionsAt(fills, market, [fromUs])
  for (const [a, q] of start!) out.set(a, { pnl: q * (p1 - p0), end: q, exposure: q })
  for (let i = 0; i < fills.length; i++) {
    const t = fills.ts[i]!
    if (t < fromUs || t >= toUs || fills.market[i] !== market) continue
    const a = fills.account[i]!
    const g = out.get(a) ?? { pnl: 0, end: 0, exposure: 0 }
    const q = fills.side[i]! * fills.qty[i]!
    const pushed = q * direction > 0 && (fills.price[i]! - p0) * direction > unpushed * Math.abs(p1 - p0)
    if (!pushed) g.pnl += q * (p1 - fills.price[i]!)
    // exposure to the move: the start position plus what was taken at un-pushed prices in the move's direction
    // (a maker's fills are passive inventory, not a position someone chose)
    if (!pushed && q * direction > 0 && fills.taker[i] !== 0) g.exposure += q
    g.end += q
    out.set(a, g)
  }
  return out
}

/** Row indices of each account's fills, in time order. */
export function indexByAccount(fills: FillColumns): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (let i = 0; i < fills.length; i++) {
    const a = fills.account[i]!
    const list = out.get(a)
    if (list) list.push(i)
    else out.set(a, [i])
  }
  return out
}

/** One account's net position on `market` just before `t`, from its own fill indices. */
export function positionOf(fills: FillColumns, rows: number[] | undefined, market: string, t: number): number {
  let q = 0
  if (!rows) return q
  for (const i of rows) {
    if (fills.ts[i]! >= t) break
    if (fills.market[i] === market) q += fills.side[i]! * fills.qty[i]!
  }
  return q
}

/**
 * Per account: signed base of its passive fills on `market` in [fromUs, toUs) — maker fills whose taker (the fill at
 * the same instant, price and size on the other side) is not the account itself nor an account of its cluster
 * (`clusterOf`). A pool that is every trader's counterparty, or a backstop taking a liquidated position over, holds
 * what others chose; a maker fill against a linked account is a pre-arranged cross (Mango, JELLY) and is the account's
 * own choice. Fills whose liquidity the venue does not give are not passive (nothing says so).
 */
export function passiveFills(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  clusterOf: (account: string) => string,
): Map<string, number> {
  const out = new Map<string, number>()
  let i = lowerBound(fills.ts, fromUs)
  for (; i < fills.length && fills.ts[i]! < toUs; i++) {
    if (fills.taker[i] !== 0 || fills.market[i] !== market) continue
    const a = fills.account[i]!
    const t = fills.ts[i]!
    // the same instant's fills: a few rows either side
    let lo = i
    while (lo > 0 && fills.ts[lo - 1] === t) lo--
    let crossed = false
    for (let j = lo; j < fills.length && fills.ts[j] === t && !crossed; j++) {
      crossed =
        j !== i &&
        fills.taker[j] !== 0 &&
        fills.side[j] === -fills.side[i]! &&
        fills.price[j] === fills.price[i] &&
        fills.qty[j] === fills.qty[i] &&
        fills.market[j] === market &&
        clusterOf(fills.account[j]!) === clusterOf(a)
    }
    if (!crossed) out.set(a, (out.get(a) ?? 0) + fills.side[i]! * fills.qty[i]!)
  }
  return out
}

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

/**
 * Per account of `accounts`: what it got back for the inventory it bought while pushing on `market` — its taker fills
 * in the move's direction inside [fromUs, pushToUs) at prices more than `unpushed` of the move away from p0 (the cost
 * side, not exposure) — by selling it back over [fromUs, toUs): each unit sold, matched against that inventory in time
 * order, is worth qty × (price − p0) in the move's direction. For an account in `marked` (its mark-to-market over the
 * push is already counted), a sale inside the push was booked there at qty × (price − p1): only the rest is added.
 */
export function recoveredInventory(
  fills: FillColumns,
  market: string,
  fromUs: number,
  pushToUs: number,
  toUs: number,
  p0: number,
  p1: number,
  unpushed: number,
  accounts: ReadonlySet<string>,
  marked: ReadonlySet<string>,
): Map<string, { bought: number; sold: number; recovered: number }> {
  const direction = Math.sign(p1 - p0)
  const out = new Map<string, { bought: number; sold: number; recovered: number }>()
  const inventory = new Map<string, number>()
  for (let i = lowerBound(fills.ts, fromUs); i < fills.length && fills.ts[i]! < toUs; i++) {
    const a = fills.account[i]!
    if (fills.market[i] !== market || !accounts.has(a)) continue
    const t = fills.ts[i]!
    const price = fills.price[i]!
    const q = fills.qty[i]!
    const r = out.get(a) ?? { bought: 0, sold: 0, recovered: 0 }
    if (fills.side[i] === direction) {
      const pushed = t < pushToUs && fills.taker[i] !== 0 && (price - p0) * direction > unpushed * Math.abs(p1 - p0)
      if (!pushed) continue
      inventory.set(a, (inventory.get(a) ?? 0) + q)
      r.bought += q
    } else {
      const left = inventory.get(a) ?? 0
      const sold = Math.min(q, left)
      if (sold <= 0) continue
      inventory.set(a, left - sold)
      r.sold += sold
      r.recovered += sold * (price - p0) * direction
      if (marked.has(a) && t < pushToUs) r.recovered -= sold * (price - p1) * direction
    }
    out.set(a, r)
  }
  return out
}
