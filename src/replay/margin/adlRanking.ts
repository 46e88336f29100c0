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
  const queue = new RankQueue(scores)
  const out: number[] = []
  for (let i = queue.next(); i >= 0; i = queue.next()) out.push(i)
  return out
}

/**
 * The same order, popped one index at a time: a deleveraging usually takes the first few of thousands of
 * counterparties, so a heap built in linear time beats sorting them all. Ties (and incomparable scores) go by index,
 * as in `rankOrder`.
 */
export class RankQueue {
  private readonly heap: Int32Array
  private size: number

  constructor(private readonly scores: ArrayLike<number>) {
    this.size = scores.length
    this.heap = new Int32Array(this.size)
    for (let i = 0; i < this.size; i++) this.heap[i] = i
    for (let i = (this.size >>> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  /** The next index in rank order, or -1 when all have been taken. */
  next(): number {
    if (this.size === 0) return -1
    const top = this.heap[0]!
    this.heap[0] = this.heap[--this.size]!
    this.siftDown(0)
    return top
  }

  /** Whether index a ranks before index b: higher score first, then lower index. */
  private before(a: number, b: number): boolean {
    const d = this.scores[b]! - this.scores[a]!
    return d < 0 || (!(d > 0) && a < b)
  }

  private siftDown(at: number): void {
    const h = this.heap
    let i = at
    for (;;) {
      const l = 2 * i + 1
      if (l >= this.size) return
      const r = l + 1
      const c = r < this.size && this.before(h[r]!, h[l]!) ? r : l
      if (!this.before(h[c]!, h[i]!)) return
      const t = h[i]!
      h[i] = h[c]!
      h[c] = t
      i = c
    }
  }
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
