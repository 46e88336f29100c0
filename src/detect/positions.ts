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
 * held at the start × (p1 − p0), plus each fill inside the window valued at p1 against its own price — and the
 * position at the end.
 */
export function markToMarket(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  p0: number,
  p1: number,
): Map<string, { pnl: number; end: number }> {
  const out = new Map<string, { pnl: number; end: number }>()
  const [start] = positionsAt(fills, market, [fromUs])
  for (const [a, q] of start!) out.set(a, { pnl: q * (p1 - p0), end: q })
  for (let i = 0; i < fills.length; i++) {
    const t = fills.ts[i]!
    if (t < fromUs || t >= toUs || fills.market[i] !== market) continue
    const a = fills.account[i]!
    const g = out.get(a) ?? { pnl: 0, end: 0 }
    const q = fills.side[i]! * fills.qty[i]!
    g.pnl += q * (p1 - fills.price[i]!)
    g.end += q
    out.set(a, g)
  }
  return out
}
