// Auto-deleveraging ranking scores: which counterparties are closed first (higher score first).
import type { AdlRanking } from '../rules/schema.ts'

export interface AdlCandidate {
  side: number
  qty: number
  entry: number
  /** Collateral backing the position (isolated margin, or the cross account's wallet). */
  collateral: number
}

/**
 * Score of one counterparty at `mark`. pnlPercentTimesLeverage: PnL% × EffLev if PnL% > 0, else PnL% / EffLev, with
 * EffLev = |MarkValue| / (MarkValue − BankruptValue) and PnL% = (MarkValue − EntryValue)/|EntryValue| [X3][B13][Y4].
 * markOverEntryTimesNotionalOverEquity: (mark/entry)·(notional/account value) for longs, (entry/mark)·… for shorts,
 * so profit raises the score on both sides [H2]. leverage: notional/equity [D12]. unrealizedPnl: PnL [G2].
 * randomStart is not a score (see adl.ts).
 */
export function adlScore(ranking: Exclude<AdlRanking, 'randomStart'>, c: AdlCandidate, mark: number): number {
  const pnl = c.side * c.qty * (mark - c.entry)
  const equity = c.collateral + pnl
  const notional = c.qty * mark
  switch (ranking) {
    case 'pnlPercentTimesLeverage': {
      const pnlPct = (c.side * (mark - c.entry)) / c.entry
      // MarkValue − BankruptValue is the equity left at the mark
      const effLev = equity > 0 ? notional / equity : Infinity
      return pnlPct > 0 ? pnlPct * effLev : effLev === Infinity ? -Infinity : pnlPct / effLev
    }
    case 'markOverEntryTimesNotionalOverEquity': {
      const ratio = c.side > 0 ? mark / c.entry : c.entry / mark
      return equity > 0 ? ratio * (notional / equity) : -Infinity
    }
    case 'leverage':
      return equity > 0 ? notional / equity : -Infinity
    case 'unrealizedPnl':
      return pnl
  }
}

/**
 * Order of counterparties for deleveraging: indices sorted by score descending, ties by index (deterministic).
 * BitMEX's example [X4]: ranks A1 3, A2 6, A3 1, A4 4, A5 5, A6 2 → A2, A5, A4, A1, A6, A3.
 */
export function rankOrder(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
}

/** Quantities taken from counterparties in rank order until `needed` is filled (X4: 20 from A2 10, A5 10). */
export function allocate(order: number[], quantities: ArrayLike<number>, needed: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let left = needed
  for (const i of order) {
    if (left <= 0) break
    const take = Math.min(quantities[i]!, left)
    if (take > 0) {
      out.push([i, take])
      left -= take
    }
  }
  return out
}
