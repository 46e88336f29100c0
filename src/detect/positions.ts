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
 * the move away from p0 count for nothing (bought while pushing: the cost side, not exposure). With `inventory` (fill
 * index → base, from `pushInventory`), that much of each fill is push inventory: neither exposure nor gain, before the
 * window (taken out of the start position) or inside it. With `takersMoveNothing`, taker fills are never pushed.
 */
export function markToMarket(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  p0: number,
  p1: number,
  unpushed = Number.POSITIVE_INFINITY,
  inventory: ReadonlyMap<number, number> = new Map(),
  takersMoveNothing = false,
): Map<string, { pnl: number; end: number; exposure: number }> {
  const direction = Math.sign(p1 - p0)
  const out = new Map<string, { pnl: number; end: number; exposure: number }>()
  const [start] = positionsAt(fills, market, [fromUs])
  // the start position without the inventory an account pushed with before the window (its own pushing run)
  const held = new Map(start!)
  for (const [i, q] of inventory) {
    if (fills.ts[i]! >= fromUs) continue
    const a = fills.account[i]!
    held.set(a, (held.get(a) ?? 0) - fills.side[i]! * q)
  }
  for (const [a, h] of held) out.set(a, { pnl: h * (p1 - p0), end: start!.get(a) ?? 0, exposure: h })
  for (let i = 0; i < fills.length; i++) {
    const t = fills.ts[i]!
    if (t < fromUs || t >= toUs || fills.market[i] !== market) continue
    const a = fills.account[i]!
    const g = out.get(a) ?? { pnl: 0, end: 0, exposure: 0 }
    const q = fills.side[i]! * fills.qty[i]!
    // what of the fill is not push inventory
    const own = fills.side[i]! * (fills.qty[i]! - (inventory.get(i) ?? 0))
    // (with `takersMoveNothing` — an oracle-priced market, whose book does not move its price — a taker fill there is a
    // position opened at the oracle, exposure wherever in the move; a maker's fill was still chosen by someone else)
    const pushed =
      q * direction > 0 &&
      (fills.price[i]! - p0) * direction > unpushed * Math.abs(p1 - p0) &&
      !(takersMoveNothing && fills.taker[i] === 1)
    if (!pushed) g.pnl += own * (p1 - fills.price[i]!)
    // exposure to the move: the start position plus what was taken at un-pushed prices in the move's direction
    // (a maker's fills are passive inventory, not a position someone chose)
    if (!pushed && q * direction > 0 && fills.taker[i] !== 0) g.exposure += own
    g.end += q
    out.set(a, g)
  }
  return out
}

/**
 * Push inventory on a market pushed on its own book (fill index → base): what an account added in the move's direction
 * with its own pushing. Pushing fills are taker fills in the move's direction, not forced (liquidations); every one
 * inside [fromUs, toUs) is pushing, and so is, for an account that pushed inside it, the run of its pushing fills
 * leading up to the window: consecutive ones at most `gapUs` apart, back to its last fill against the move. The part
 * of a pushing fill that closes a position held the other way is closing, not inventory. A position built this way
 * was bought with the push's own slippage: marking it at the price it pushed to books the pusher's orders as profit.
 */
export function pushInventory(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  direction: 1 | -1,
  gapUs: number,
): Map<number, number> {
  const pushing = (i: number) =>
    fills.market[i] === market && fills.side[i] === direction && fills.taker[i] !== 0 && fills.liquidation[i] === 0
  const start = lowerBound(fills.ts, fromUs)
  const end = lowerBound(fills.ts, toUs)
  // accounts that pushed inside the window, with their first pushing fill there
  const open = new Map<string, { first: number; index: number; pending: number; run: number }>()
  for (let i = start; i < end; i++) {
    if (pushing(i) && !open.has(fills.account[i]!))
      open.set(fills.account[i]!, { first: fills.ts[i]!, index: start, pending: 0, run: 0 })
  }
  if (!open.size) return new Map()
  // each one's run before the window, walked backwards: where it began and the base it traded in it
  const runs = new Map<string, { index: number; run: number }>()
  const close = (a: string) => {
    const o = open.get(a)!
    runs.set(a, { index: o.index, run: o.run })
    open.delete(a)
  }
  const oldestOpen = () => [...open.values()].reduce((m, o) => Math.min(m, o.first), Number.POSITIVE_INFINITY)
  let oldest = oldestOpen()
  for (let j = start - 1; j >= 0 && open.size; j--) {
    const t = fills.ts[j]!
    if (t < oldest - gapUs) break
    const a = fills.account[j]!
    const o = open.get(a)
    if (!o || fills.market[j] !== market) continue
    if (t < o.first - gapUs || fills.side[j] === -direction) {
      close(a)
      oldest = oldestOpen()
    } else if (pushing(j)) {
      o.run += o.pending + fills.side[j]! * fills.qty[j]!
      o.pending = 0
      o.first = t
      o.index = j
      oldest = Math.min(oldest, t)
    } else o.pending += fills.side[j]! * fills.qty[j]!
  }
  for (const a of [...open.keys()]) close(a)
  // forward over each run: the position before it, and what of each pushing fill opened or added to the move's side
  const [atFrom] = positionsAt(fills, market, [fromUs])
  const position = new Map([...runs].map(([a, r]) => [a, (atFrom!.get(a) ?? 0) - r.run]))
  const out = new Map<number, number>()
  const first = [...runs.values()].reduce((m, r) => Math.min(m, r.index), start)
  for (let i = first; i < end; i++) {
    const a = fills.account[i]!
    const r = runs.get(a)
    if (!r || i < r.index || fills.market[i] !== market) continue
    const q = fills.qty[i]!
    const pos = position.get(a)!
    if (pushing(i)) {
      const added = q - Math.min(q, Math.max(-pos * direction, 0))
      if (added > 0) out.set(i, added)
    }
    position.set(a, pos + fills.side[i]! * q)
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
 * `inventory` (from `pushInventory`) adds the rest of what it pushed with: every fill's inventory part, from its run's
 * start before the push on.
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
  pushed: ReadonlyMap<number, number> = new Map(),
): Map<string, { bought: number; sold: number; recovered: number }> {
  const direction = Math.sign(p1 - p0)
  const out = new Map<string, { bought: number; sold: number; recovered: number }>()
  const inventory = new Map<string, number>()
  let first = lowerBound(fills.ts, fromUs)
  for (const i of pushed.keys()) first = Math.min(first, i)
  for (let i = first; i < fills.length && fills.ts[i]! < toUs; i++) {
    const a = fills.account[i]!
    if (fills.market[i] !== market || !accounts.has(a)) continue
    const t = fills.ts[i]!
    const price = fills.price[i]!
    const q = fills.qty[i]!
    const r = out.get(a) ?? { bought: 0, sold: 0, recovered: 0 }
    if (fills.side[i] === direction) {
      const beyond =
        t >= fromUs && t < pushToUs && fills.taker[i] !== 0 && (price - p0) * direction > unpushed * Math.abs(p1 - p0)
      const bought = beyond ? q : (pushed.get(i) ?? 0)
      if (!(bought > 0)) continue
      inventory.set(a, (inventory.get(a) ?? 0) + bought)
      r.bought += bought
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
