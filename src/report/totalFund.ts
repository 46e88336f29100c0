// The total insurance-fund path of a run from its per-fund buckets, each fund carried forward between movements.
import { Decimal } from 'decimal.js'
import type { FundSection } from './model.ts'

/** Total balance of every fund at the end of each bucket (exact decimal text). */
export function totalFundPath(points: FundSection['points']): Array<{ ts: string; balance: string }> {
  const last = new Map<string, Decimal>()
  const out: Array<{ ts: string; balance: string }> = []
  for (let i = 0; i < points.length;) {
    const ts = points[i]!.ts
    for (; i < points.length && points[i]!.ts === ts; i++) last.set(points[i]!.fund, new Decimal(points[i]!.close))
    out.push({ ts, balance: [...last.values()].reduce((a, b) => a.plus(b), new Decimal(0)).toFixed(6) })
  }
  return out
}
