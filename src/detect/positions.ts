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
