// Liquidation events and their one-to-one matching (pure: shared by reconcile and the reconciliation figures):
// rows of one account, market and side close in time are one event; events pair closest first within a window.

/** A liquidation row: the engine's or the venue's. */
export interface LiquidationRecord {
  account: string
  market: string
  /** µs since the epoch. */
  ts: number
  side: 'long' | 'short'
  qty: number
  notional: number
}

/** Rows of one account·market·side closer than this belong to one liquidation (clips, several counterparties). */
export const EVENT_GAP_US = 60e6

export interface LiquidationEvent {
  account: string
  market: string
  side: 'long' | 'short'
  /** First row of the event. */
  at: string
  ts: number
  qty: number
  notional: number
  rows: number
}

/** Groups rows (time-ordered within each key) into events: same account, market and side, gaps below EVENT_GAP_US. */
export function groupEvents(rows: readonly LiquidationRecord[]): LiquidationEvent[] {
  const byKey = new Map<string, LiquidationRecord[]>()
  for (const r of [...rows].sort((a, b) => a.ts - b.ts)) {
    const key = `${r.account}\u0000${r.market}\u0000${r.side}`
    const list = byKey.get(key)
    if (list) list.push(r)
    else byKey.set(key, [r])
  }
  const events: LiquidationEvent[] = []
  for (const list of byKey.values()) {
    let current: LiquidationEvent | null = null
    let last = -Infinity
    for (const r of list) {
      if (current && r.ts - last < EVENT_GAP_US) {
        current.qty += r.qty
        current.notional += r.notional
        current.rows++
      } else {
        current = {
          account: r.account,
          market: r.market,
          side: r.side,
          at: new Date(r.ts / 1000).toISOString(),
          ts: r.ts,
          qty: r.qty,
          notional: r.notional,
          rows: 1,
        }
        events.push(current)
      }
      last = r.ts
    }
  }
  return events.sort((a, b) => a.ts - b.ts || a.account.localeCompare(b.account) || a.market.localeCompare(b.market))
}

/**
 * One-to-one matching of observed and engine events of the same account, market and side within ±window: pairs are
 * taken closest first (ties by time), so an early engine event cannot take a later venue event's better partner.
 */
export function matchEvents(
  observed: readonly LiquidationEvent[],
  engine: readonly LiquidationEvent[],
  windowUs: number,
): Array<{ observed: LiquidationEvent | null; engine: LiquidationEvent | null }> {
  const pairs: Array<{ o: number; e: number; d: number }> = []
  observed.forEach((o, i) =>
    engine.forEach((e, j) => {
      if (o.account !== e.account || o.market !== e.market || o.side !== e.side) return
      const d = Math.abs(e.ts - o.ts)
      if (d <= windowUs) pairs.push({ o: i, e: j, d })
    }),
  )
  pairs.sort((a, b) => a.d - b.d || observed[a.o]!.ts - observed[b.o]!.ts || a.e - b.e)
  const oTaken = new Map<number, number>()
  const eTaken = new Set<number>()
  for (const p of pairs) {
    if (oTaken.has(p.o) || eTaken.has(p.e)) continue
    oTaken.set(p.o, p.e)
    eTaken.add(p.e)
  }
  const out: Array<{ observed: LiquidationEvent | null; engine: LiquidationEvent | null }> = []
  observed.forEach((o, i) => out.push({ observed: o, engine: oTaken.has(i) ? engine[oTaken.get(i)!]! : null }))
  engine.forEach((e, j) => {
    if (!eTaken.has(j)) out.push({ observed: null, engine: e })
  })
  return out
}

/** Linear-interpolated quantile of sorted values (null when empty). */
export function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}
