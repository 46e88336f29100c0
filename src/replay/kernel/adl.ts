// Auto-deleveraging: triggers, counterparty ranking, fills at the rule set's price, and profit ADL.
import { adlScore, RankQueue } from '../margin/adlRanking.ts'
import { PositionOrder, ScoreQueue } from './adlIndex.ts'
import { addMicros, toMicros } from '../money.ts'
import type { AdlRanking, AdlStep } from '../rules/schema.ts'
import { PosState } from './book.ts'
import type { MarketState } from './markets.ts'
import { Pauses } from './pauses.ts'
import { MICRO, type Claim } from './kernelState.ts'

export abstract class Adl extends Pauses {
  protected adlTriggered(step: AdlStep, c: Claim, s: MarketState): boolean {
    switch (step.trigger.kind) {
      case 'whenReached':
        return true
      case 'negativeEquity':
        return c.equity < 0
      case 'fundDrawdown':
        return this.funds.drawdown(s.fund, c.ts, step.trigger.windowS) >= step.trigger.fraction
    }
  }

  /** Fill price of deleveraging: the claim's bankruptcy price [B13][X3][Y4], the mark [O2], the previous mark [H2] or the oracle. */
  protected adlPrice(step: AdlStep, c: Claim, s: MarketState): number {
    switch (step.fillPrice) {
      case 'bankruptcy':
        return c.bankruptcy
      case 'mark':
        return s.mark
      case 'previousMark':
        return s.prevMark
      case 'oracle':
        return s.oracleOrMark()
    }
  }

  /** Opposite-side positions of the claim's market (other accounts), by position index. */
  protected counterparties(c: Claim, s: MarketState): Int32Array {
    const heap = c.side > 0 ? s.shorts : s.longs
    const members = heap.members()
    const out = new Int32Array(members.length)
    let n = 0
    for (let i = 0; i < members.length; i++) {
      const q = members[i]!
      if (c.account < 0 || this.book.account[q] !== c.account) out[n++] = q
    }
    return out.subarray(0, n).sort() // position order, so ranking ties do not depend on heap layout
  }

  /**
   * Rankings kept between claims per market·side (index m·2 + (side < 0)): valid while the counterparty heap, the
   * mark, the market's funding and socialized-loss series and the ranking asked for are as they were when built.
   */
  private readonly adlRankings: Array<{
    queue: ScoreQueue | null
    order: PositionOrder | null
    ranking: string
    version: number
    mark: number
    fundingCount: number
    socialCum: number
  }> = []

  /** Off: every claim ranks its counterparties afresh (the reference the tests compare the kept rankings with). */
  adlRankingsKept = true

  /** Scratch list of the counterparties one claim took (to put back into the kept ranking). */
  private adlTaken = new Int32Array(64)

  /**
   * Closes the claim against ranked counterparties at the ADL price instead of the market. Each unit covers
   * side·(F − market price) of the shortfall; counterparties realise PnL at F (their haircut vs the mark is
   * recorded). Returns the micro-units covered.
   */
  protected deleverage(step: AdlStep, c: Claim, remaining: number, s: MarketState): number {
    const f = this.adlPrice(step, c, s)
    const perUnit = c.side * (f - c.marketPrice)
    if (!(perUnit > 0) || !Number.isFinite(f)) return 0
    const need = Math.min(c.qty, remaining / MICRO / perUnit)
    // a kept ranking is exact only while every counterparty is a synthetic isolated position: its score then moves
    // only with its own size, margin and funding and the mark, which the ranking's validity covers; a named
    // account's score also moves with its wallet, which any of its positions changes
    if (this.adlRankingsKept && this.accountPositionsOpen === 0) {
      const kept = this.keptDeleverage(step, c, remaining, s, f, perUnit, need)
      if (kept >= 0) return kept
    }
    const cands = this.counterparties(c, s)
    if (!cands.length) return 0
    const b = this.book
    let ranked: RankQueue | null = null
    let start = 0
    let scores: Float64Array | null = null
    if (step.ranking === 'randomStart') {
      // dYdX: start at a pseudo-random offset and walk the list [D3][D6]
      start = this.prng.int(cands.length)
    } else {
      scores = new Float64Array(cands.length)
      for (let i = 0; i < cands.length; i++) {
        const q = cands[i]!
        scores[i] = adlScore(
          step.ranking,
          { side: b.side[q]!, qty: b.qty[q]!, entry: b.entry[q]!, collateral: this.collateral(q) / MICRO },
          s.mark,
        )
      }
      ranked = new RankQueue(scores)
    }
    const walk = { need, covered: 0 }
    let looked = 0
    for (let k = 0; k < cands.length; k++) {
      if (walk.need <= 0 || walk.covered >= remaining || looked >= step.maxCounterparties) break
      const idx = ranked ? ranked.next() : (start + k) % cands.length
      looked++
      this.adlFill(c, s, cands[idx]!, f, perUnit, remaining, walk, looked, scores ? scores[idx]! : Number.NaN)
    }
    return walk.covered
  }

  /**
   * The same walk over the ranking kept for the counterparty side: what it took goes back in, re-scored, and the
   * ranking stays valid for the next claim. Returns −1 when a ranking cannot be kept (a NaN score has no total order).
   */
  private keptDeleverage(
    step: AdlStep,
    c: Claim,
    remaining: number,
    s: MarketState,
    f: number,
    perUnit: number,
    need: number,
  ): number {
    const heap = c.side > 0 ? s.shorts : s.longs
    const r = this.rankingFor(step, c.market, -c.side, s)
    if (r === null) return -1
    const b = this.book
    const walk = { need, covered: 0 }
    let looked = 0
    let taken = 0
    if (r.order) {
      const order = r.order
      const n = order.remaining
      if (n === 0) return 0
      let at = order.select(this.prng.int(n))
      for (let k = 0; k < n; k++, at = order.next(at)) {
        if (walk.need <= 0 || walk.covered >= remaining || looked >= step.maxCounterparties) break
        looked++
        this.noteTaken(taken++, at)
        this.adlFill(c, s, order.order[at]!, f, perUnit, remaining, walk, looked, Number.NaN)
      }
      for (let i = 0; i < taken; i++) {
        const at = this.adlTaken[i]!
        const q = order.order[at]!
        if (b.state[q] !== PosState.OPEN || b.slot[q]! < 0) order.kill(at)
      }
      // too many struck out: the next claim lists the heap again
      if (order.remaining * 2 < order.length) r.version = -1
      else r.version = heap.version
      return walk.covered
    }
    const queue = r.queue!
    if (queue.size === 0) return 0
    while (queue.size > 0) {
      if (walk.need <= 0 || walk.covered >= remaining || looked >= step.maxCounterparties) break
      const q = queue.pop()
      looked++
      this.noteTaken(taken++, q)
      this.adlFill(c, s, q, f, perUnit, remaining, walk, looked, queue.popped)
    }
    for (let i = 0; i < taken; i++) {
      const q = this.adlTaken[i]!
      if (b.state[q] !== PosState.OPEN || b.slot[q]! < 0) continue
      const score = this.scoreOf(step.ranking as Exclude<AdlRanking, 'randomStart'>, q, s)
      if (Number.isNaN(score)) {
        r.version = -1
        return walk.covered
      }
      queue.push(q, score)
    }
    r.version = heap.version
    return walk.covered
  }

  private noteTaken(i: number, v: number): void {
    if (i === this.adlTaken.length) {
      const grown = new Int32Array(i * 2)
      grown.set(this.adlTaken)
      this.adlTaken = grown
    }
    this.adlTaken[i] = v
  }

  private scoreOf(ranking: Exclude<AdlRanking, 'randomStart'>, q: number, s: MarketState): number {
    const b = this.book
    return adlScore(
      ranking,
      { side: b.side[q]!, qty: b.qty[q]!, entry: b.entry[q]!, collateral: this.collateral(q) / MICRO },
      s.mark,
    )
  }

  /** The kept ranking of market m's `side` for this step, rebuilt when stale; null when it cannot be kept. */
  private rankingFor(step: AdlStep, m: number, side: number, s: MarketState) {
    const heap = side > 0 ? s.longs : s.shorts
    const at = m * 2 + (side < 0 ? 1 : 0)
    let r = this.adlRankings[at]
    if (!r) {
      r = { queue: null, order: null, ranking: '', version: -1, mark: 0, fundingCount: 0, socialCum: 0 }
      this.adlRankings[at] = r
    }
    const random = step.ranking === 'randomStart'
    if (
      r.version === heap.version &&
      r.ranking === step.ranking &&
      // a random-start list is in position order: only membership matters
      (random ||
        (Object.is(r.mark, s.mark) && r.fundingCount === s.fundingCount && Object.is(r.socialCum, s.socialCum)))
    )
      return r
    const b = this.book
    const items = heap.members()
    const n = items.length
    if (random) {
      r.order ??= new PositionOrder()
      r.queue = null
      r.order.reset(items.slice(0, n).sort(), n)
    } else {
      r.queue ??= new ScoreQueue()
      r.order = null
      const queue = r.queue
      queue.reset(n)
      const ranking = step.ranking as Exclude<AdlRanking, 'randomStart'>
      for (let i = 0; i < n; i++) {
        const q = items[i]!
        const score = adlScore(
          ranking,
          { side: b.side[q]!, qty: b.qty[q]!, entry: b.entry[q]!, collateral: this.collateral(q) / MICRO },
          s.mark,
        )
        if (Number.isNaN(score)) {
          r.version = -1
          return null
        }
        queue.append(q, score)
      }
      queue.heapify()
    }
    r.ranking = step.ranking
    r.version = heap.version
    r.mark = s.mark
    r.fundingCount = s.fundingCount
    r.socialCum = s.socialCum
    return r
  }

  /**
   * Takes what the claim still needs from counterparty q (rank `looked`, score `score`) at the ADL price: records
   * the fill and reduces q. `walk` carries the quantity still needed and the micro-units covered so far.
   */
  private adlFill(
    c: Claim,
    s: MarketState,
    q: number,
    f: number,
    perUnit: number,
    remaining: number,
    walk: { need: number; covered: number },
    looked: number,
    score: number,
  ): void {
    const b = this.book
    if (b.state[q] !== PosState.OPEN) return
    const y = Math.min(b.qty[q]!, walk.need)
    if (y <= 0) return
    walk.need -= y
    let cov = Math.min(remaining - walk.covered, toMicros(y * perUnit))
    // the last unit needed takes the rounding residue, so a fully covered claim is covered exactly
    if (walk.need <= c.qty * 1e-12 && remaining - walk.covered - cov <= 2) cov = remaining - walk.covered
    walk.covered += cov
    const side = b.side[q]!
    const realized = toMicros(side * y * (f - b.entry[q]!))
    const haircut = Math.max(0, toMicros(side * y * (s.mark - f)))
    const o = this.outputs.adl
    const i = o.add()
    const col = o.cols
    col.ts[i] = c.ts
    col.market[i] = c.market
    col.liquidationSeq[i] = c.seq
    col.account[i] = b.account[q]!
    col.serial[i] = b.serial[q]!
    col.side[i] = side
    col.qty[i] = y
    col.fillPrice[i] = f
    col.mark[i] = s.mark
    col.rank[i] = looked
    col.score[i] = score
    col.realizedPnl[i] = realized
    col.haircut[i] = haircut
    col.covered[i] = cov
    this.totals.adlFills++
    this.reduce(q, y, realized)
  }

  /** Reduces position q by y with `realized` PnL: isolated margin is released pro rata to the wallet. */
  protected reduce(q: number, y: number, realized: number): void {
    const b = this.book
    // what a synthetic position owes (funding, socialized loss) accrued on its size before this reduction
    this.settleFunding(q)
    const acc = b.account[q]!
    const cross = acc >= 0 && this.accounts.cross[acc] === 1
    // the account's other positions may now be past their keys: recheck their markets
    this.markDirty(b.market[q]!)
    if (cross) for (let o = this.accounts.head[acc]!; o >= 0; o = b.nextInAccount[o]!) this.markDirty(b.market[o]!)
    const qty = b.qty[q]!
    if (y >= qty * (1 - 1e-12)) {
      const give = cross ? realized : b.margin[q]! + realized
      if (acc >= 0) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, give)
      b.margin[q] = 0
      this.release(q)
      return
    }
    this.removeFromMarket(q)
    if (cross) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, realized)
    else {
      const margin = b.margin[q]! + realized
      const released = Math.round((margin * y) / qty)
      b.margin[q] = margin - released
      if (acc >= 0) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, released)
    }
    b.qty[q] = qty - y
    this.addToMarket(q)
  }

  profitAdl(s: MarketState, m: number, t: number): void {
    const cfg = this.rules.profitAdl!
    const pool = this.funds.balance[s.fund]! / MICRO
    if (!(pool > 0) || Number.isNaN(s.mark)) return
    for (const side of [1, -1]) {
      const pnl = side > 0 ? s.mark * s.longQty - s.longQtyEntry : s.shortQtyEntry - s.mark * s.shortQty
      if (pnl / pool <= cfg.maxPnlToPoolFactor) continue
      // reduce the most profitable positions at the mark until PnL / pool is back at the target [G2]
      let excess = pnl - cfg.targetPnlToPoolFactor * pool
      const heap = side > 0 ? s.longs : s.shorts
      const cands = heap.members().sort()
      const b = this.book
      const scores = Float64Array.from(cands, (q) =>
        cfg.ranking === 'randomStart'
          ? 0
          : adlScore(
              cfg.ranking,
              { side, qty: b.qty[q]!, entry: b.entry[q]!, collateral: this.collateral(q) / MICRO },
              s.mark,
            ),
      )
      let rank = 0
      const ranked = new RankQueue(scores)
      for (let idx = ranked.next(); idx >= 0; idx = ranked.next()) {
        if (excess <= 0) break
        const q = cands[idx]!
        const unit = side * (s.mark - b.entry[q]!)
        if (!(unit > 0)) continue
        const y = Math.min(b.qty[q]!, excess / unit)
        excess -= y * unit
        const realized = toMicros(side * y * (s.mark - b.entry[q]!))
        const o = this.outputs.adl
        const i = o.add()
        const col = o.cols
        col.ts[i] = t
        col.market[i] = m
        col.liquidationSeq[i] = -1
        col.account[i] = b.account[q]!
        col.serial[i] = b.serial[q]!
        col.side[i] = side
        col.qty[i] = y
        col.fillPrice[i] = s.mark
        col.mark[i] = s.mark
        col.rank[i] = ++rank
        col.score[i] = scores[idx]!
        col.realizedPnl[i] = realized
        col.haircut[i] = 0
        col.covered[i] = 0
        this.totals.adlFills++
        this.reduce(q, y, realized)
      }
    }
  }
}
