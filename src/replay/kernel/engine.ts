// The replay kernel: a loop over struct-of-arrays event batches that forms mark prices, pops only the positions a
// move crosses from per-market heaps keyed by trigger price, liquidates them under the rule set, runs the loss
// waterfall (insurance fund, fee pool, ADL, socialized loss) in exact micro-units, and buffers every output row.
// No wall clock, no unseeded randomness, no allocation or await per event. This file is the event loop and the
// sweep; each other concept is one layer of a class chain (kernelState → accountState → outputRows → guardrails →
// pauses → adl → waterfall → liquidation → crossAccounts → funding → accountReplay → populationFlow → here), so the
// hot path keeps direct, monomorphic calls on one object and shares its typed arrays without indirection.
import { leverageWarning, requiredInitialRate } from '../margin/leverageLimit.ts'
import { isLiquidatable, liquidationPrice, requirementAt } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import { PosState, Waiting } from './book.ts'
import { allocBatch, EventKind, type EventBatch } from './events.ts'
import { presentInverseRows, reciprocalEvents } from './inverse.ts'
import type { MarketState } from './markets.ts'
import { Liq } from './outputs.ts'
import { matchedCount } from './population.ts'
import { arrivalMean, PopulationFlow } from './populationFlow.ts'
import { MICRO } from './kernelState.ts'

export type { KernelConfig, KernelTotals } from './kernelState.ts'

export class ReplayKernel extends PopulationFlow {
  /** Shocked copies of the batches (the caller's batch may feed other kernels: it is never written). */
  private shockBatch: EventBatch | null = null

  /** Inverse runs: the batch with prices in 1/P (a copy, or the shocked copy mapped in place). */
  private reciprocalBatch: EventBatch | null = null

  /** Replays events [start, end) of a batch, already in merge-key order. */
  process(batch: EventBatch, start = 0, end = batch.length): void {
    if (this.shocked) {
      const copy = this.shockedCopy(batch, start, end)
      if (this.inverse) reciprocalEvents(copy, 0, end - start, copy, this.contractValue)
      this.replayEvents(copy, 0, end - start)
    } else if (this.inverse) {
      const n = end - start
      let copy = this.reciprocalBatch
      if (copy === null || copy.ts.length < n) copy = this.reciprocalBatch = allocBatch(Math.max(n, 1024))
      reciprocalEvents(batch, start, end, copy, this.contractValue)
      this.replayEvents(copy, 0, n)
    } else this.replayEvents(batch, start, end)
  }

  /**
   * Maps the output rows written since the last call to venue terms (inverse runs: sides and prices back from 1/P;
   * nothing for linear runs). Called once before the pending rows are read, and again after each clear.
   */
  presentOutputs(): void {
    if (!this.inverse) return
    const o = this.outputs
    presentInverseRows(o, o.presented)
    o.presented.liquidations = o.liquidations.length
    o.presented.adl = o.adl.length
    o.presented.guardrails = o.guardrails.length
  }

  /**
   * Events [start, end) with every price (index, oracle, mark, bar: low, high, close) moved to p₀·(p/p₀)^k, p₀ the
   * market's first price in the window: log-returns from p₀ scaled by k = shockReturns [issue 16].
   */
  private shockedCopy(batch: EventBatch, start: number, end: number): EventBatch {
    const n = end - start
    let copy = this.shockBatch
    if (copy === null || copy.ts.length < n) copy = this.shockBatch = allocBatch(Math.max(n, 1024))
    copy.length = n
    copy.ts.set(batch.ts.subarray(start, end))
    copy.kind.set(batch.kind.subarray(start, end))
    copy.market.set(batch.market.subarray(start, end))
    copy.account.set(batch.account.subarray(start, end))
    copy.a.set(batch.a.subarray(start, end))
    copy.b.set(batch.b.subarray(start, end))
    copy.c.set(batch.c.subarray(start, end))
    copy.d.set(batch.d.subarray(start, end))
    const k = this.stress.shockReturns
    for (let i = 0; i < n; i++) {
      if (copy.kind[i]! > EventKind.BAR) continue
      const s = this.markets[copy.market[i]!]!
      if (Number.isNaN(s.shockAnchor) && copy.c[i]! > 0) s.shockAnchor = copy.c[i]!
      const anchor = s.shockAnchor
      if (!(anchor > 0)) continue
      copy.a[i] = anchor * Math.exp(k * Math.log(copy.a[i]! / anchor))
      copy.b[i] = anchor * Math.exp(k * Math.log(copy.b[i]! / anchor))
      copy.c[i] = anchor * Math.exp(k * Math.log(copy.c[i]! / anchor))
    }
    return copy
  }

  private replayEvents(batch: EventBatch, start: number, end: number): void {
    const n = end
    const ts = batch.ts
    const kind = batch.kind
    const market = batch.market
    const a = batch.a
    const bb = batch.b
    const c = batch.c
    const d = batch.d
    const byKind = this.totals.eventsByKind
    const expiries = this.expiries
    const population = this.population
    for (let i = start; i < n;) {
      const k = kind[i]!
      if (k === EventKind.BAR) {
        // most bars move nothing but the prices: a run of them is taken in one tight loop
        const j = this.quietRun(batch, i, n)
        if (j > i) {
          byKind[k]! += j - i
          i = j
          continue
        }
      }
      const t = ts[i]!
      this.now = t
      byKind[k]!++
      if (expiries !== null && t >= expiries.due) expiries.drain(t, this.expireOne)
      if (k <= EventKind.BAR) {
        const m = market[i]!
        const s = this.markets[m]!
        if (s.onPrice(k, batch, i)) {
          if (this.marksSeen[m] === 0) this.firstMark(m, s, t)
          this.afterMark(s, m)
        }
        if (population !== null && k === EventKind.BAR && this.marksSeen[m] === 1) {
          if (this.backlog > 0) this.spawnSome(s, m, t)
          this.arrivals(s, m, batch, i)
        }
      } else if (k === EventKind.FUNDING) {
        this.funding(market[i]!, t, a[i]!, bb[i]!)
      } else if (k === EventKind.OPEN_INTEREST) {
        this.openInterest(market[i]!, t, a[i]!)
      } else if (k === EventKind.LEDGER) {
        this.ledger(batch.account[i]!, t, a[i]!, bb[i]!)
      } else {
        this.fill(batch.account[i]!, market[i]!, t, a[i]!, bb[i]!, c[i]!, d[i]!)
      }
      i++
    }
    this.totals.events += n - start
  }

  /**
   * The bars from i on (same market, in a row) that would do nothing through the general path but move the prices:
   * no key crossed, no expiry or arrival due, nothing waiting, paused, guarded or dirty, a mark method whose bars
   * set the mark to their own range or leave it. Applies them and returns the index after the run (i when the bar
   * at i needs the general path). Outputs are those of the general path, event for event.
   */
  protected quietRun(batch: EventBatch, i: number, n: number): number {
    const market = batch.market
    const m = market[i]!
    const s = this.markets[m]!
    const method = s.method
    if (
      !this.quietRuns ||
      method > 3 ||
      this.marksSeen[m] !== 1 ||
      !this.checking ||
      this.hasGuardrails ||
      this.rules.profitAdl !== null ||
      s.waiting.length !== 0 ||
      s.paused !== 0 ||
      s.multiAccounts.length !== 0 ||
      s.displacement !== 0 ||
      this.dirty.length !== 0 ||
      this.backlog !== 0
    )
      return i
    const { ts, kind, a, b, c, d } = batch
    const moves = method === 1
    const longTop = s.longs.topKey()
    const shortTop = s.shorts.topKey()
    const due = this.expiries !== null ? this.expiries.due : Infinity
    const pop = this.population
    const rate = pop !== null ? this.arrivalRate[m]! : 0
    const meanVol = pop !== null ? pop.meanVolumePerS[m]! : 0
    let gap = pop !== null ? this.arrivalGap[m]! : Infinity
    let prevTs = pop !== null ? this.arrivalTs[m]! : 0
    if (Number.isNaN(gap)) return i
    let j = i
    for (; j < n; j++) {
      if (kind[j] !== EventKind.BAR || market[j] !== m) break
      const t = ts[j]!
      if (t >= due) break
      const close = c[j]!
      if (Number.isNaN(close)) break
      if (moves && (longTop >= a[j]! || longTop >= close || shortTop <= b[j]! || shortTop <= close)) break
      if (pop !== null) {
        const lambda = arrivalMean(rate, meanVol, d[j]!, t - prevTs)
        if (gap - lambda <= 0) break
        gap -= lambda
        prevTs = t
      }
    }
    if (j === i) return i
    s.quietBars(batch, i, j)
    this.now = ts[j - 1]!
    if (pop !== null) {
      this.arrivalGap[m] = gap
      this.arrivalTs[m] = prevTs
    }
    return j
  }

  /**
   * Opens a position at the first mark of `market` (entry unknown until then). Isolated margin is `marginMicros`,
   * or notional / leverage when `marginMicros` is NaN.
   */
  openAtFirstMark(
    account: number,
    market: number,
    side: number,
    qty: number,
    marginMicros: number,
    leverage: number,
  ): void {
    if (this.marksSeen[market] === 1) {
      const price = this.markets[market]!.mark
      const margin = Number.isNaN(marginMicros) ? toMicros((qty * price) / leverage) : marginMicros
      this.flagLeverage(account, market, qty, price, margin)
      this.openPosition(account, market, side, qty, price, margin, this.now)
    } else this.deferred.push({ account, market, side, qty, margin: marginMicros, leverage })
  }

  /**
   * An isolated explicit position opened at the first mark (its entry was unknown when the request was checked): a
   * run warning, with the calculator's text, when the venue would refuse its leverage. It still opens as given.
   */
  private flagLeverage(account: number, m: number, qty: number, price: number, marginMicros: number): void {
    if (account < 0 || this.accounts.cross[account] === 1) return
    const s = this.markets[m]!
    const notional = qty * price
    const warning = leverageWarning(notional / (marginMicros / MICRO), requiredInitialRate(s.tier, qty, notional))
    if (warning)
      this.warnings.add(
        `${this.accounts.names[account]} ${s.symbol} opened at the first mark ${price}: ${warning} (the venue would refuse it)`,
      )
  }

  protected firstMark(m: number, s: MarketState, t: number): void {
    this.marksSeen[m] = 1
    for (const d of this.deferred.filter((x) => x.market === m)) {
      const margin = Number.isNaN(d.margin) ? toMicros((d.qty * s.mark) / d.leverage) : d.margin
      this.flagLeverage(d.account, m, d.qty, s.mark, margin)
      this.openPosition(d.account, m, d.side, d.qty, s.mark, margin, t)
    }
    this.deferred = this.deferred.filter((x) => x.market !== m)
    s.markEma = s.mark
    s.markEmaTs = t
    s.breakerRef = s.mark
    s.breakerRefTs = t
    const pop = this.population
    // inverse: the bars' volume is in coin (kernel/inverse.ts), the store's mean in quote: valued at the first mark
    if (pop && this.inverse) pop.meanVolumePerS[m] = pop.meanVolumePerS[m]! * s.mark
    if (pop) {
      const matched = matchedCount(pop, m, s.mark)
      if (!Number.isNaN(matched.count)) {
        this.initialCount[m] = matched.count
        this.arrivalRate[m] = matched.count / (pop.meanHoldingUs / MICRO)
        const oi = matched.wanted * pop.meanNotional * Math.max(pop.longShare, 1 - pop.longShare)
        this.warnings.add(
          matched.count < matched.wanted
            ? `${s.symbol}: the population is capped at ${matched.count} positions; matching the open interest of ${Math.round(oi)} would take ${matched.wanted}`
            : `${s.symbol}: ${matched.count} initial positions, matched to the open interest (${Math.round(oi)} quote at a mean notional of ${Math.round(pop.meanNotional)})`,
        )
      }
    }
    const initial = this.initialCount[m]!
    if (pop && initial > 0 && pop.entryLookbackHours > 0) {
      const h = pop.entryHistory[m]
      this.warnings.add(
        h
          ? `${s.symbol}: the initial positions entered over the ${pop.entryLookbackHours} h before the window at the stored prices of their entry times (history from ${new Date(h.ts[0]! / 1000).toISOString()}), survivors of the path since`
          : `${s.symbol}: no stored bars in the ${pop.entryLookbackHours} h before the window, so the initial positions all enter at its first mark`,
      )
    }
    if (pop && initial > 0) {
      // opened a few thousand per event on fine bars, so no event holds the thread for long (the first seconds)
      this.spawnBacklog[m] = initial
      this.backlog += initial
      this.spawnSome(s, m, t)
    }
  }

  /** Guardrails, then liquidation checks for market m after its mark moved. */
  protected afterMark(s: MarketState, m: number): void {
    const t = this.now
    if (this.hasGuardrails) this.guardrails(s, m, t)
    if (!this.checking) return
    if (s.waiting.length) this.checkWaiting(s, m, t)
    if (s.paused !== 0) {
      this.holdCrossed(s, m, t)
      return
    }
    if ((s.longs.size > 0 && s.longs.topKey() >= s.markLow) || (s.shorts.size > 0 && s.shorts.topKey() <= s.markHigh)) {
      this.sweep(s, m, t)
    }
    if (s.multiAccounts.length) this.checkMultiAccounts(s, m, t)
    if (this.rules.profitAdl) this.profitAdl(s, m, t)
    if (this.dirty.length) this.flushDirty(t)
  }

  /** Markets whose keys a socialized loss or deleveraging moved: checked at their current mark until quiet. */
  protected flushDirty(t: number): void {
    if (this.flushing) return
    this.flushing = true
    try {
      for (let rounds = 0; this.dirty.length && rounds < 256; rounds++) {
        for (const m of this.dirty.splice(0)) this.recheck(this.markets[m]!, m, t)
      }
    } finally {
      this.flushing = false
    }
  }

  /** Pops every position whose trigger the move crossed and settles it; re-sweeps markets a loss touched. */
  protected sweep(s: MarketState, m: number, t: number): void {
    let rounds = 0
    for (;;) {
      let nc = 0
      const low = s.markLow
      const high = s.markHigh
      const acted = this.totals.liquidations + this.totals.partialLiquidations
      while (s.longs.size > 0 && s.longs.topKey() >= low) nc = this.pushCand(nc, s.longs.pop())
      while (s.shorts.size > 0 && s.shorts.topKey() <= high) nc = this.pushCand(nc, s.shorts.pop())
      const cands = this.cands
      if (this.socializesLazily) {
        // popped positions are out of the socialized loss until settled, as they are out of the heaps
        for (let j = 0; j < nc; j++) this.holdOutOfSocialLoss(s, cands[j]!)
        for (let j = 0; j < nc; j++) {
          this.backIntoSocialLoss(s, cands[j]!)
          this.candidate(cands[j]!, s, m, t)
        }
        s.heldOutBase = 0
        s.heldOutCount = 0
      } else for (let j = 0; j < nc; j++) this.candidate(cands[j]!, s, m, t)
      if (++rounds > 64) break
      // a clip re-keys what is left (cooldown, backstop) and the same move may cross it again, as may the range
      // the liquidations themselves displaced (stress mode); keys moved by a socialized loss or deleveraging are
      // re-checked at the mark by the caller (flushDirty)
      const crossed =
        (s.longs.size > 0 && s.longs.topKey() >= s.markLow) || (s.shorts.size > 0 && s.shorts.topKey() <= s.markHigh)
      if (!crossed || this.totals.liquidations + this.totals.partialLiquidations === acted) break
    }
  }

  protected markDirty(m: number): void {
    if (!this.dirty.includes(m)) this.dirty.push(m)
  }

  protected pushCand(nc: number, p: number): number {
    if (nc === this.cands.length) {
      const grown = new Int32Array(nc * 2)
      grown.set(this.cands)
      this.cands = grown
    }
    this.cands[nc] = p
    return nc + 1
  }

  /** A popped position: confirm with the exact requirement at the worst price of the move, then liquidate. */
  protected candidate(p: number, s: MarketState, m: number, t: number): void {
    const b = this.book
    if (b.state[p] !== PosState.OPEN) return
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const collateral = this.collateral(p) / MICRO
    const worst = side > 0 ? s.markLow : s.markHigh
    if (b.waiting[p] === Waiting.COOLDOWN) {
      // between clips only the backstop can act [H1][H7]; without one the position closes before going negative
      const backstop = this.rules.execution.backstop
      const frac = backstop?.belowMaintenanceFraction ?? 0
      const eq = collateral + side * qty * (worst - entry)
      if (eq < frac * requirementAt(s.tier, s.params, qty, entry, worst)) {
        const lp = liquidationPrice(s.tier, s.params, side, qty, entry, collateral, frac)
        const pt = this.triggerPrice(lp, s)
        if (backstop) this.settle(p, s, m, t, pt, true, Liq.backstop)
        else this.settle(p, s, m, t, pt, this.rules.execution.kind === 'bankruptcyTakeover', Liq.full)
      } else this.rekeyAndPush(p)
      return
    }
    const equity = collateral + side * qty * (worst - entry)
    if (!isLiquidatable(s.params, equity, requirementAt(s.tier, s.params, qty, entry, worst))) {
      this.rekeyAndPush(p)
      return
    }
    const lp = liquidationPrice(s.tier, s.params, side, qty, entry, collateral)
    this.liquidate(p, s, m, t, this.triggerPrice(lp, s))
  }

  /** Collateral changed outside a price move (funding, ledger, fills): check the market at its current mark. */
  protected recheck(s: MarketState, m: number, t: number): void {
    if (!this.checking || Number.isNaN(s.mark)) return
    s.markLow = s.mark
    s.markHigh = s.mark
    if (s.paused !== 0) {
      this.holdCrossed(s, m, t)
      return
    }
    if ((s.longs.size > 0 && s.longs.topKey() >= s.mark) || (s.shorts.size > 0 && s.shorts.topKey() <= s.mark))
      this.sweep(s, m, t)
    if (s.multiAccounts.length) this.checkMultiAccounts(s, m, t)
    if (this.dirty.length) this.flushDirty(t)
  }
}
