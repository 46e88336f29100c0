// Funding an account received (or paid) on a market at given settlements: its position there, rebuilt from fills,
// times the settled rate and price. Kept apart from price gains: funding is what the funding-manipulation detector
// measures, a push pays off through the price and the liquidations it forces.
import type { FillColumns } from '../store/detect/accounts.ts'
import type { FundingRows } from '../store/detect/funding.ts'
import { positionsAt } from './positions.ts'

/**
 * Per account: Σ −position × rate × price over the settlements of `funding` whose time `settles(ts)` accepts (a
 * positive rate: longs pay shorts). The price is the settlement's mark where the source gives it, else the last fill
 * price before it. Only `accounts` are counted; accounts without a position at any of those settlements are absent.
 */
export function fundingIncome(
  fills: FillColumns,
  market: string,
  funding: FundingRows,
  settles: (tsUs: number) => boolean,
  accounts: ReadonlySet<string>,
): Map<string, number> {
  const rows: number[] = []
  for (let s = 0; s < funding.ts.length; s++) if (settles(funding.ts[s]!)) rows.push(s)
  const out = new Map<string, number>()
  if (!rows.length || !accounts.size) return out
  const positions = positionsAt(
    fills,
    market,
    rows.map((s) => funding.ts[s]!),
  )
  let last = Number.NaN
  let i = 0
  rows.forEach((s, k) => {
    const t = funding.ts[s]!
    for (; i < fills.length && fills.ts[i]! < t; i++) if (fills.market[i] === market) last = fills.price[i]!
    const price = Number.isFinite(funding.markPrice[s]!) ? funding.markPrice[s]! : last
    if (!Number.isFinite(price) || !Number.isFinite(funding.rate[s]!)) return
    for (const [a, q] of positions[k]!) {
      if (!accounts.has(a)) continue
      out.set(a, (out.get(a) ?? 0) - q * funding.rate[s]! * price)
    }
  })
  return out
}
