// The replay kernel: a loop over struct-of-arrays event batches that forms mark prices, pops only the positions a
// move crosses from per-market heaps keyed by trigger price, liquidates them under the rule set, runs the loss
// waterfall (insurance fund, fee pool, ADL, socialized loss) in exact micro-units, and buffers every output row.
// No wall clock, no unseeded randomness, no allocation or await per event.
import { adlScore, rankOrder } from '../margin/adlRanking.ts'
import { compileTier } from '../margin/brackets.ts'
import { fillablePrice } from '../margin/fillable.ts'
import { clampObservedRate, fundingRate8h, fundingRatePerInterval, type FundingFormula } from '../margin/funding.ts'
import { liquidationFeeRate, tierFor } from '../margin/positionRisk.ts'
import {
  bankruptcyPrice,
  initialRate,
  isLiquidatable,
  liquidationPrice,
  requirementAt,
  triggerParams,
} from '../margin/requirement.ts'
import { apportion } from '../margin/socialLoss.ts'
import { bracketAt } from '../margin/brackets.ts'
import { ExactTotal } from '../exactTotal.ts'
import { addMicros, toMicros } from '../money.ts'
import type { AdlStep, MarkMethod, RuleSet } from '../rules/schema.ts'
import { AccountBook, PositionBook, PosState, Waiting } from './book.ts'
import { EventKind, type EventBatch } from './events.ts'
import { ExpiryWheel } from './expiryWheel.ts'
import { Funds } from './funds.ts'
import type { IndexHeap } from './indexHeap.ts'
import { MarketState } from './markets.ts'
import { EngineOutputs, Guard, GuardAction, Liq } from './outputs.ts'
import type { PopulationRuntime } from './population.ts'
import { Prng } from './prng.ts'

const MICRO = 1e6
const PAUSE_BAND = 1
const PAUSE_BREAKER = 2

export interface KernelConfig {
  rules: RuleSet
  markets: readonly string[]
  /** Mark method per market after the runner's data-availability fallback; default: the rule set's. */
  markMethods?: readonly MarkMethod[]
  seed: number
  population?: PopulationRuntime | null
  /** Funding payments come from ledger rows (account replays) instead of rates × positions. */
  ledgerFunding?: boolean
  /** Initial rows per output buffer (the runner's flush threshold). */
  outputCapacity?: number
}

/** Exact totals of a run (micro-units) and counts. */
export interface KernelTotals {
  events: number
  eventsByKind: number[]
  positionsOpened: number
  positionsExpired: number
  maxOpenPositions: number
  liquidations: number
  partialLiquidations: number
  takeovers: number
  backstops: number
  deleveraged: number
  bankruptcies: number
  liquidatedNotional: ExactTotal
  shortfall: ExactTotal
  coveredByFund: ExactTotal
  coveredByFeePool: ExactTotal
  coveredByAdl: ExactTotal
  socialized: ExactTotal
  badDebt: ExactTotal
  feesToFund: ExactTotal
  feesToOthers: ExactTotal
  surplusToFund: ExactTotal
  adlFills: number
  fundingPaidByPositions: ExactTotal
  negativeEquityRecords: number
  firstDeficitTs: number
  fillsSkippedDiverged: number
  observedLiquidationFills: number
  refusedByOiCap: number
  refusedWithdrawals: number
  guardrailTriggers: number[]
}

/** Liquidation being settled, carried through the waterfall. */
interface Claim {
  seq: number
  ts: number
  pos: number
  account: number
  serial: number
  market: number
  side: number
  qty: number
  triggerPrice: number
  marketPrice: number
  bankruptcy: number
  equity: number
  takeover: boolean
  /** dYdX fill rejected with TNC < 0: deleverage only [D3]. */
  deleverageOnly: boolean
  notional: number
}

export class ReplayKernel {
  readonly rules: RuleSet
  readonly book: PositionBook
  readonly accounts = new AccountBook()
  readonly markets: MarketState[]
  readonly funds: Funds
  readonly outputs: EngineOutputs
  readonly prng: Prng
  readonly totals: KernelTotals
  /** Liquidations are checked (false during an account replay's warm-up before the window). */
  checking = true
  now = 0
  private readonly population: PopulationRuntime | null
  private readonly expiries: ExpiryWheel | null
  private readonly fundingFormula: FundingFormula
  private readonly ledgerFunding: boolean
  private readonly adlStep: AdlStep | null
  private readonly maxDrawdownWindowS: number
  private cands = new Int32Array(1024)
  private serialNext = 0
  /** Markets whose keys all changed inside a sweep (socialized loss): swept again at the current mark. */
  private dirty: number[] = []
  /** Shadow (historical) position per account·market for account replays, and whether the replay diverged. */
  private shadow = new Map<number, number>()
  private diverged = new Set<number>()
  private openDeficits = 0
  private oiCapBinding: Uint8Array
  private warnings = new Set<string>()
  private marksSeen: Uint8Array

  constructor(config: KernelConfig) {
    const rules = config.rules
    if (rules.contract.type !== 'linear') {
      throw new Error(
        'the replay engine settles linear contracts; inverse contracts are supported by the risk calculator only',
      )
    }
    this.rules = rules
    this.outputs = new EngineOutputs(config.outputCapacity ?? 256)
    // a synthetic book is sized for its population up front: growing it mid-run would stall one event
    const expected = config.population
      ? Math.min(config.population.maxOpen, Math.ceil(config.population.initialPositions * 1.5))
      : 0
    this.book = new PositionBook(Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, expected)))))
    this.prng = new Prng(config.seed)
    this.population = config.population ?? null
    this.ledgerFunding = config.ledgerFunding ?? false
    const windows = rules.waterfall.flatMap((s) =>
      s.kind === 'adl' && s.trigger.kind === 'fundDrawdown' ? [s.trigger.windowS] : [],
    )
    this.maxDrawdownWindowS = Math.max(3600, ...windows)
    this.funds = new Funds(rules, config.markets, this.maxDrawdownWindowS)
    this.adlStep = (rules.waterfall.find((s) => s.kind === 'adl') as AdlStep | undefined) ?? null
    const f = rules.funding
    this.fundingFormula = {
      interestRate8h: f.interestRate8h,
      premiumClamp8h: f.premiumClamp8h,
      intervalH: f.intervalH,
      capPerHour: f.capPerHour,
      marginClamp: null,
    }
    this.markets = config.markets.map((symbol, i) => {
      const tierRules = tierFor(rules, symbol)
      const tier = compileTier(tierRules)
      const feeRate = liquidationFeeRate(rules, symbol)
      const mark = rules.price.mark
      const s = new MarketState(
        {
          symbol,
          tier,
          params: triggerParams(rules, feeRate),
          liquidationFeeRate: feeRate,
          method: config.markMethods?.[i] ?? mark.method,
          basisWindowS: mark.basisWindowS,
          basisSampleS: mark.basisSampleS,
          emaWindowS: mark.emaWindowS,
          bookEmaWindowS: mark.bookEmaWindowS,
          fundingIntervalH: f.intervalH,
          fund: this.funds.marketFund[i]!,
          heapCapacity: Math.max(1024, this.book.capacity),
        },
        this.book.key,
        this.book.slot,
      )
      const slip = rules.execution.slippage
      if (slip.model === 'sqrtVolume') s.setVolumeWindow(slip.volumeWindowS)
      return s
    })
    // bucket width: 1/4096 of the mean holding time (at least 1 s), so the wheel's horizon is 16 mean holds
    this.expiries = this.population
      ? new ExpiryWheel(Math.max(1e6, Math.round(this.population.meanHoldingUs / 4096)))
      : null
    this.book.onGrow = () => {
      for (const s of this.markets) {
        s.longs.rebind(this.book.key, this.book.slot)
        s.shorts.rebind(this.book.key, this.book.slot)
      }
    }
    this.oiCapBinding = new Uint8Array(config.markets.length)
    this.marksSeen = new Uint8Array(config.markets.length)
    this.totals = {
      events: 0,
      eventsByKind: [0, 0, 0, 0, 0, 0, 0, 0],
      positionsOpened: 0,
      positionsExpired: 0,
      maxOpenPositions: 0,
      liquidations: 0,
      partialLiquidations: 0,
      takeovers: 0,
      backstops: 0,
      deleveraged: 0,
      bankruptcies: 0,
      liquidatedNotional: new ExactTotal(),
      shortfall: new ExactTotal(),
      coveredByFund: new ExactTotal(),
      coveredByFeePool: new ExactTotal(),
      coveredByAdl: new ExactTotal(),
      socialized: new ExactTotal(),
      badDebt: new ExactTotal(),
      feesToFund: new ExactTotal(),
      feesToOthers: new ExactTotal(),
      surplusToFund: new ExactTotal(),
      adlFills: 0,
      fundingPaidByPositions: new ExactTotal(),
      negativeEquityRecords: 0,
      firstDeficitTs: Number.NaN,
      fillsSkippedDiverged: 0,
      observedLiquidationFills: 0,
      refusedByOiCap: 0,
      refusedWithdrawals: 0,
      guardrailTriggers: [0, 0, 0, 0, 0, 0, 0],
    }
  }

  /** Records the initial balance of every fund at `ts` (the first rows of the fund series). */
  start(ts: number): void {
    this.now = ts
    for (let i = 0; i < this.funds.names.length; i++) this.fundRow(i, -1, 0, 0, -1)
  }

  warningList(): string[] {
    return [...this.warnings]
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Positions and accounts

  addAccount(name: string, cross: boolean, walletMicros: number): number {
    return this.accounts.add(name, cross, walletMicros)
  }

  /** Collateral backing position p, in micro-units. */
  private collateral(p: number): number {
    const acc = this.book.account[p]!
    return acc >= 0 && this.accounts.cross[acc] === 1 ? this.accounts.wallet[acc]! : this.book.margin[p]!
  }

  /**
   * Opens a position. Isolated positions carry `marginMicros`; cross positions draw on the account's wallet.
   * Returns the position index.
   */
  openPosition(
    account: number,
    market: number,
    side: number,
    qty: number,
    entry: number,
    marginMicros: number,
    ts: number,
  ): number {
    const b = this.book
    const p = b.alloc()
    b.account[p] = account
    b.market[p] = market
    b.side[p] = side
    b.qty[p] = qty
    b.entry[p] = entry
    b.margin[p] = marginMicros
    b.openTs[p] = ts
    b.serial[p] = account >= 0 ? -1 : this.serialNext++
    if (account >= 0) this.linkToAccount(p, account)
    this.addToMarket(p)
    this.totals.positionsOpened++
    if (b.count > this.totals.maxOpenPositions) this.totals.maxOpenPositions = b.count
    return p
  }

  private linkToAccount(p: number, acc: number): void {
    const b = this.book
    const a = this.accounts
    b.nextInAccount[p] = a.head[acc]!
    a.head[acc] = p
    a.positions[acc] = a.positions[acc]! + 1
    this.refreshMulti(acc)
  }

  private unlinkFromAccount(p: number, acc: number): void {
    const b = this.book
    const a = this.accounts
    let prev = -1
    for (let q = a.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
      if (q === p) {
        if (prev < 0) a.head[acc] = b.nextInAccount[q]!
        else b.nextInAccount[prev] = b.nextInAccount[q]!
        break
      }
      prev = q
    }
    a.positions[acc] = a.positions[acc]! - 1
    this.refreshMulti(acc)
  }

  /** A cross account with positions in several markets leaves the heaps' fast path for direct checks. */
  private refreshMulti(acc: number): void {
    const a = this.accounts
    const multi = a.cross[acc] === 1 && a.positions[acc]! > 1 ? 1 : 0
    if (multi === a.multi[acc]) return
    a.multi[acc] = multi
    if (!multi) {
      for (const s of this.markets) {
        const at = s.multiAccounts.indexOf(acc)
        if (at >= 0) s.multiAccounts.splice(at, 1)
      }
    }
    for (let q = a.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
      const m = this.book.market[q]!
      if (multi && !this.markets[m]!.multiAccounts.includes(acc)) this.markets[m]!.multiAccounts.push(acc)
      if (this.book.slot[q]! >= 0) this.rekeyInHeap(q)
      // the account's positions are now checked another way: look at them at the current mark
      this.markDirty(m)
    }
  }

  private heapOf(p: number): IndexHeap {
    const s = this.markets[this.book.market[p]!]!
    return this.book.side[p]! > 0 ? s.longs : s.shorts
  }

  private addToMarket(p: number): void {
    const b = this.book
    const s = this.markets[b.market[p]!]!
    const q = b.qty[p]!
    if (b.side[p]! > 0) {
      s.longQty += q
      s.longQtyEntry += q * b.entry[p]!
    } else {
      s.shortQty += q
      s.shortQtyEntry += q * b.entry[p]!
    }
    b.key[p] = this.keyOf(p)
    this.heapOf(p).push(p)
  }

  private removeFromMarket(p: number): void {
    const b = this.book
    const s = this.markets[b.market[p]!]!
    const q = b.qty[p]!
    if (b.side[p]! > 0) {
      s.longQty -= q
      s.longQtyEntry -= q * b.entry[p]!
    } else {
      s.shortQty -= q
      s.shortQtyEntry -= q * b.entry[p]!
    }
    if (b.slot[p]! >= 0) this.heapOf(p).remove(p)
    if (b.waiting[p] !== Waiting.NONE) {
      const list = s.waiting
      const at = list.indexOf(p)
      if (at >= 0) list.splice(at, 1)
      b.waiting[p] = Waiting.NONE
    }
  }

  /** Closes position p for good: out of its heap, lists and account; the slot is freed. */
  private release(p: number): void {
    const b = this.book
    this.removeFromMarket(p)
    const acc = b.account[p]!
    if (acc >= 0) this.unlinkFromAccount(p, acc)
    b.release(p)
  }

  /** Trigger price of p for its heap: ±Infinity when checked elsewhere (multi-market account, waiting). */
  private keyOf(p: number): number {
    const b = this.book
    const side = b.side[p]!
    const acc = b.account[p]!
    const never = side > 0 ? -Infinity : Infinity
    if (acc >= 0 && this.accounts.multi[acc] === 1) return never
    const s = this.markets[b.market[p]!]!
    const w = b.waiting[p]!
    if (w === Waiting.PAUSED || w === Waiting.RETRY) return never
    if (w === Waiting.COOLDOWN) {
      // between clips only the backstop acts, or, without one, a close before equity turns negative
      const frac = this.rules.execution.backstop?.belowMaintenanceFraction ?? 0
      return liquidationPrice(s.tier, s.params, side, b.qty[p]!, b.entry[p]!, this.collateral(p) / MICRO, frac)
    }
    return liquidationPrice(s.tier, s.params, side, b.qty[p]!, b.entry[p]!, this.collateral(p) / MICRO)
  }

  private rekeyInHeap(p: number): void {
    this.book.key[p] = this.keyOf(p)
    if (this.book.slot[p]! >= 0) this.heapOf(p).update(p)
  }

  /** Every key of market s changed (funding, socialized loss): recompute and rebuild both heaps in O(n). */
  private rekeyMarket(s: MarketState): void {
    const key = this.book.key
    for (const heap of [s.longs, s.shorts]) {
      const items = heap.items
      for (let i = 0; i < heap.size; i++) key[items[i]!] = this.keyOf(items[i]!)
      heap.heapify()
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The event loop

  /** Replays events [start, end) of a batch, already in merge-key order. */
  process(batch: EventBatch, start = 0, end = batch.length): void {
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
    for (let i = start; i < n; i++) {
      const t = ts[i]!
      const k = kind[i]!
      this.now = t
      byKind[k]!++
      if (expiries !== null && t >= expiries.due) expiries.drain(t, this.expireOne)
      if (k <= EventKind.BAR) {
        const m = market[i]!
        const s = this.markets[m]!
        if (s.onPrice(k, t, a[i]!, bb[i]!, c[i]!, d[i]!)) {
          if (this.marksSeen[m] === 0) this.firstMark(m, s, t)
          this.afterMark(s, m, t)
        }
        if (population !== null && k === EventKind.BAR && this.marksSeen[m] === 1) {
          if (this.backlog > 0) this.spawnSome(s, m, t)
          this.arrivals(s, m, t, d[i]!)
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
    }
    this.totals.events += n - start
  }

  /** Positions without an entry price open at their market's first mark. */
  private deferred: Array<{
    account: number
    market: number
    side: number
    qty: number
    margin: number
    leverage: number
  }> = []

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
      this.openPosition(
        account,
        market,
        side,
        qty,
        price,
        Number.isNaN(marginMicros) ? toMicros((qty * price) / leverage) : marginMicros,
        this.now,
      )
    } else this.deferred.push({ account, market, side, qty, margin: marginMicros, leverage })
  }

  private firstMark(m: number, s: MarketState, t: number): void {
    this.marksSeen[m] = 1
    for (const d of this.deferred.filter((x) => x.market === m)) {
      const margin = Number.isNaN(d.margin) ? toMicros((d.qty * s.mark) / d.leverage) : d.margin
      this.openPosition(d.account, m, d.side, d.qty, s.mark, margin, t)
    }
    this.deferred = this.deferred.filter((x) => x.market !== m)
    s.markEma = s.mark
    s.markEmaTs = t
    s.breakerRef = s.mark
    s.breakerRefTs = t
    const pop = this.population
    if (pop && pop.initialPositions > 0) {
      // opened a few thousand per event, so no event holds the thread for long (the first seconds of the window)
      this.spawnBacklog[m] = pop.initialPositions
      this.backlog += pop.initialPositions
      this.spawnSome(s, m, t)
    }
  }

  /** Guardrails, then liquidation checks for market m after its mark moved. */
  private afterMark(s: MarketState, m: number, t: number): void {
    const g = this.rules.guardrails
    if (g.markCap || g.priceBand || g.circuitBreaker) this.guardrails(s, m, t)
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

  private flushing = false

  /** Markets whose keys a socialized loss or deleveraging moved: checked at their current mark until quiet. */
  private flushDirty(t: number): void {
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
  private sweep(s: MarketState, m: number, t: number): void {
    let rounds = 0
    for (;;) {
      let nc = 0
      const low = s.markLow
      const high = s.markHigh
      const acted = this.totals.liquidations + this.totals.partialLiquidations
      while (s.longs.size > 0 && s.longs.topKey() >= low) nc = this.pushCand(nc, s.longs.pop())
      while (s.shorts.size > 0 && s.shorts.topKey() <= high) nc = this.pushCand(nc, s.shorts.pop())
      const cands = this.cands
      for (let j = 0; j < nc; j++) this.candidate(cands[j]!, s, m, t)
      if (++rounds > 64) break
      // a clip re-keys what is left (cooldown, backstop) and the same move may cross it again; keys moved by a
      // socialized loss or deleveraging are re-checked at the mark by the caller (flushDirty)
      const crossed = (s.longs.size > 0 && s.longs.topKey() >= low) || (s.shorts.size > 0 && s.shorts.topKey() <= high)
      if (!crossed || this.totals.liquidations + this.totals.partialLiquidations === acted) break
    }
  }

  private markDirty(m: number): void {
    if (!this.dirty.includes(m)) this.dirty.push(m)
  }

  private pushCand(nc: number, p: number): number {
    if (nc === this.cands.length) {
      const grown = new Int32Array(nc * 2)
      grown.set(this.cands)
      this.cands = grown
    }
    this.cands[nc] = p
    return nc + 1
  }

  /** A popped position: confirm with the exact requirement at the worst price of the move, then liquidate. */
  private candidate(p: number, s: MarketState, m: number, t: number): void {
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

  /** Where the trigger was crossed: at the trigger when inside the observed range, else at the first observed price (a gap). */
  private triggerPrice(lp: number, s: MarketState): number {
    return lp < s.markLow ? s.markLow : lp > s.markHigh ? s.markHigh : lp
  }

  private rekeyAndPush(p: number): void {
    this.book.key[p] = this.keyOf(p)
    this.heapOf(p).push(p)
  }

  /** Fraction the execution price moves against the position: none, fixed, or √(notional / observed volume). */
  private slippage(s: MarketState, notional: number): number {
    const model = this.rules.execution.slippage
    if (model.model === 'none') return 0
    if (model.model === 'fixed') return model.fraction
    const volume = s.volumePerS * model.volumeWindowS
    if (!(volume > 0)) {
      this.warnings.add(`no traded volume for ${s.symbol}: the sqrtVolume slippage model used 0`)
      return 0
    }
    return Math.min(model.maxFraction, model.coefficient * Math.sqrt(notional / volume))
  }

  /** Chooses partial / backstop / full execution for a liquidatable position at trigger price pt. */
  private liquidate(p: number, s: MarketState, m: number, t: number, pt: number): void {
    const b = this.book
    const exec = this.rules.execution
    const side = b.side[p]!
    const entry = b.entry[p]!
    if (exec.backstop) {
      const qty = b.qty[p]!
      const eq = this.collateral(p) / MICRO + side * qty * (pt - entry)
      if (eq < exec.backstop.belowMaintenanceFraction * requirementAt(s.tier, s.params, qty, entry, pt)) {
        this.settle(p, s, m, t, pt, true, Liq.backstop)
        return
      }
    }
    const partial = exec.partial
    // Step-down without a cooldown repeats within the event while the position stays liquidatable.
    for (let steps = 0; partial && steps < 64; steps++) {
      const qty = b.qty[p]!
      if (qty * pt < partial.thresholdNotional) break
      let x = qty * partial.fraction
      if (partial.minNotional > 0) x = Math.max(x, partial.minNotional / pt)
      if (partial.maxNotional !== null) x = Math.min(x, partial.maxNotional / pt)
      if (x >= qty * (1 - 1e-12)) break
      if (exec.kind === 'fillablePrice') {
        pt = this.fillableFill(p, s, pt, x)
        if (Number.isNaN(pt)) return
      }
      this.partialClose(p, s, m, t, pt, x)
      if (partial.cooldownS > 0) {
        b.waiting[p] = Waiting.COOLDOWN
        b.cooldownUntil[p] = t + partial.cooldownS * MICRO
        s.waiting.push(p)
        this.rekeyAndPush(p)
        return
      }
      const eq = this.collateral(p) / MICRO + side * b.qty[p]! * (pt - entry)
      if (!isLiquidatable(s.params, eq, requirementAt(s.tier, s.params, b.qty[p]!, entry, pt))) {
        this.rekeyAndPush(p)
        return
      }
    }
    if (exec.kind === 'fillablePrice') {
      pt = this.fillableFill(p, s, pt, b.qty[p]!)
      if (Number.isNaN(pt)) return
    }
    this.settle(p, s, m, t, pt, exec.kind === 'bankruptcyTakeover', Liq.full)
  }

  /**
   * dYdX: the liquidation order is a limit at the fillable price [D2]. It is tried at the trigger price and, if the
   * move went further, at the worst price of the move. Where the book (price less slippage) is at least the
   * fillable price it fills there: the price is returned. Otherwise, with TNC < 0 the position is deleveraged [D3];
   * with TNC ≥ 0 it waits for the next event. Either way NaN is returned.
   */
  private fillableFill(p: number, s: MarketState, pt: number, x: number): number {
    const b = this.book
    const f = this.rules.execution.fillable!
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const collateral = this.collateral(p) / MICRO
    const worst = side > 0 ? Math.min(s.markLow, pt) : Math.max(s.markHigh, pt)
    let book = Number.NaN
    let fp = Number.NaN
    for (const price of worst === pt ? [pt] : [pt, worst]) {
      const tnc = collateral + side * qty * (price - entry)
      const notional = qty * price
      const bracket = bracketAt(s.tier, notional)
      const pmmr = notional * s.tier.mmr[bracket]! - s.tier.cum[bracket]!
      fp = fillablePrice({
        tnc,
        tmmr: pmmr,
        pnnv: side * notional,
        pmmr,
        size: side * qty,
        bankruptcyAdjustment: f.bankruptcyAdjustment,
        spreadToMaintenanceMultiplier: f.spreadToMaintenanceMultiplier,
      })
      book = price * (1 - side * this.slippage(s, x * price))
      if (side * (book - fp) >= 0) return price
      if (tnc < 0) {
        this.settle(p, s, b.market[p]!, this.now, price, false, Liq.deleveraged, true)
        return Number.NaN
      }
    }
    this.guardrailRow(b.market[p]!, Guard.fillRejected, book, fp, GuardAction.retry, p)
    b.waiting[p] = Waiting.RETRY
    s.waiting.push(p)
    this.rekeyAndPush(p)
    return Number.NaN
  }

  private fee(notional: number, s: MarketState): number {
    return toMicros(notional * s.feeRate, 'liquidation fee')
  }

  /** Splits a fee between the insurance fund and the other recipient. */
  private distributeFee(fee: number, s: MarketState, m: number, liqSeq: number): number {
    if (fee <= 0) return 0
    const toFund = Math.floor(fee * this.rules.fees.insuranceShare)
    const rest = fee - toFund
    if (toFund > 0) this.fundMove(s.fund, toFund, 1, liqSeq, m)
    if (rest > 0 && this.rules.fees.otherRecipient === 'feePool')
      this.funds.feePool = addMicros(this.funds.feePool, rest, 'fee pool')
    this.totals.feesToFund.add(toFund)
    this.totals.feesToOthers.add(rest)
    return toFund
  }

  /** Closes x of position p at the market (a clip): PnL and fee settle into its collateral; the position stays. */
  private partialClose(p: number, s: MarketState, m: number, t: number, pt: number, x: number): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const exec = pt * (1 - side * this.slippage(s, x * pt))
    const collateral = this.collateral(p)
    const share = Math.round((collateral * x) / qty)
    const u = toMicros(side * x * (pt - entry))
    const slip = toMicros(side * x * (pt - exec))
    const rawFee = this.fee(x * exec, s)
    // a clip's fee is capped by the clip's own share of the equity, as a full close's is by the whole
    const fee = this.rules.fees.cap === 'remainingEquity' ? Math.min(rawFee, Math.max(0, share + u - slip)) : rawFee
    const seq = this.outputs.liquidations.total
    const toFund = this.distributeFee(fee, s, m, seq)
    // what stays with the position from the closed part (negative: drawn from its remaining collateral)
    const kept = share + u - slip - fee
    this.addCollateral(p, u - slip - fee)
    this.removeFromMarket(p)
    b.qty[p] = qty - x
    this.addToMarketNoKey(p)
    this.liquidationRow(
      p,
      m,
      t,
      x,
      pt,
      Number.NaN,
      this.bankruptcyOf(p),
      exec,
      exec,
      fee,
      toFund,
      share + u,
      slip,
      0,
      kept,
      0,
      Liq.partial,
    )
    this.totals.partialLiquidations++
    this.totals.liquidatedNotional.add(toMicros(x * pt))
  }

  /** Re-adds p to its market's sums without touching heaps (the caller pushes it). */
  private addToMarketNoKey(p: number): void {
    const b = this.book
    const s = this.markets[b.market[p]!]!
    const q = b.qty[p]!
    if (b.side[p]! > 0) {
      s.longQty += q
      s.longQtyEntry += q * b.entry[p]!
    } else {
      s.shortQty += q
      s.shortQtyEntry += q * b.entry[p]!
    }
  }

  private addCollateral(p: number, delta: number): void {
    const acc = this.book.account[p]!
    if (acc >= 0 && this.accounts.cross[acc] === 1)
      this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, delta)
    else this.book.margin[p] = addMicros(this.book.margin[p]!, delta)
  }

  private bankruptcyOf(p: number): number {
    const b = this.book
    return bankruptcyPrice(b.side[p]!, b.qty[p]!, b.entry[p]!, this.collateral(p) / MICRO)
  }

  /**
   * Full close of p, triggered at pt and executed at pt less slippage. Market execution returns what is left to the
   * trader; takeover (bankruptcy price [B9][X1], backstop vault [H1]) gives it to the fund. A negative remainder is a
   * shortfall for the waterfall. Exact: equity = slippage + fee + toFund + returned − shortfall, in micro-units.
   */
  private settle(
    p: number,
    s: MarketState,
    m: number,
    t: number,
    pt: number,
    takeover: boolean,
    kind: number,
    deleverageOnly = false,
  ): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const acc = b.account[p]!
    const serial = b.serial[p]!
    const lpNow = liquidationPrice(s.tier, s.params, side, qty, entry, this.collateral(p) / MICRO)
    const exec = deleverageOnly ? pt : pt * (1 - side * this.slippage(s, qty * pt))
    const collateral = this.collateral(p)
    const bk = bankruptcyPrice(side, qty, entry, collateral / MICRO)
    const u = toMicros(side * qty * (pt - entry))
    const equity = collateral + u
    const slip = toMicros(side * qty * (pt - exec))
    const rawFee = this.fee(qty * exec, s)
    const fee = this.rules.fees.cap === 'remainingEquity' ? Math.min(rawFee, Math.max(0, equity - slip)) : rawFee
    const residual = equity - slip - fee
    const seq = this.outputs.liquidations.total
    const toFundFee = this.distributeFee(fee, s, m, seq)
    let returned = 0
    let surplus = 0
    let shortfall = 0
    if (residual >= 0) {
      if (takeover) surplus = residual
      else returned = residual
    } else shortfall = -residual
    if (surplus > 0) {
      this.fundMove(s.fund, surplus, 2, seq, m)
      this.totals.surplusToFund.add(surplus)
    }
    const notional = toMicros(qty * pt)
    this.liquidationRow(
      p,
      m,
      t,
      qty,
      pt,
      lpNow,
      bk,
      takeover ? bk : exec,
      exec,
      fee,
      toFundFee,
      equity,
      slip,
      surplus,
      returned,
      shortfall,
      kind,
    )
    const tot = this.totals
    tot.liquidations++
    tot.liquidatedNotional.add(notional)
    if (kind === Liq.takeover || (takeover && kind === Liq.full)) tot.takeovers++
    if (kind === Liq.backstop) tot.backstops++
    if (kind === Liq.deleveraged) tot.deleveraged++
    if (shortfall > 0) tot.bankruptcies++
    // the trader's collateral is consumed; what is returned goes back to the wallet
    if (acc >= 0) {
      if (this.accounts.cross[acc] === 1) this.accounts.wallet[acc] = returned
      else this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, returned)
      this.markDiverged(acc, m)
    }
    b.margin[p] = 0
    const claim: Claim = {
      seq,
      ts: t,
      pos: p,
      account: acc,
      serial,
      market: m,
      side,
      qty,
      triggerPrice: pt,
      marketPrice: exec,
      bankruptcy: bk,
      equity,
      takeover,
      deleverageOnly,
      notional,
    }
    this.release(p)
    if (shortfall > 0) this.waterfall(claim, shortfall, s)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Loss waterfall

  private waterfall(c: Claim, shortfall: number, s: MarketState): void {
    let remaining = shortfall
    let byFund = 0
    let byPool = 0
    let byAdl = 0
    let bySocial = 0
    for (const step of this.rules.waterfall) {
      if (remaining <= 0) break
      if (c.deleverageOnly && step.kind !== 'adl') continue
      switch (step.kind) {
        case 'insuranceFund': {
          const cap = this.funds.takeoverNotionalCap
          if (cap !== null && c.takeover && c.notional > cap * this.funds.balance[s.fund]!) {
            // beyond the fund's held-notional cap the loss goes to counterparty liquidation [B11]
            this.guardrailRow(
              c.market,
              Guard.takeoverNotionalCap,
              c.notional / MICRO,
              (cap * this.funds.balance[s.fund]!) / MICRO,
              GuardAction.skipFund,
              -1,
              c.account,
              c.serial,
            )
            break
          }
          const pay = Math.min(remaining, this.funds.available(s.fund, c.market, s.claimsPaid))
          if (pay > 0) {
            this.fundMove(s.fund, -pay, 3, c.seq, c.market)
            s.claimsPaid += pay
            byFund += pay
            remaining -= pay
          }
          break
        }
        case 'feePool': {
          const pay = Math.min(remaining, this.funds.feePool)
          if (pay > 0) {
            this.funds.feePool -= pay
            byPool += pay
            remaining -= pay
          }
          break
        }
        case 'adl': {
          if (!this.adlTriggered(step, c, s)) break
          const covered = this.deleverage(step, c, remaining, s)
          byAdl += covered
          remaining -= covered
          break
        }
        case 'socializeLoss': {
          const covered = this.socialize(c, remaining, s)
          bySocial += covered
          remaining -= covered
          break
        }
      }
    }
    const o = this.outputs.deficits
    const i = o.add()
    const col = o.cols
    col.ts[i] = c.ts
    col.account[i] = c.account
    col.serial[i] = c.serial
    col.market[i] = c.market
    col.liquidationSeq[i] = c.seq
    col.kind[i] = 0
    col.shortfall[i] = shortfall
    col.fund[i] = byFund
    col.feePool[i] = byPool
    col.adl[i] = byAdl
    col.socialized[i] = bySocial
    col.uncovered[i] = remaining
    const tot = this.totals
    tot.shortfall.add(shortfall)
    tot.coveredByFund.add(byFund)
    tot.coveredByFeePool.add(byPool)
    tot.coveredByAdl.add(byAdl)
    tot.socialized.add(bySocial)
    tot.badDebt.add(remaining)
    if (Number.isNaN(tot.firstDeficitTs)) tot.firstDeficitTs = c.ts
    if (remaining > 0 && c.account >= 0 && this.accounts.inDeficit[c.account] === 0) {
      this.accounts.inDeficit[c.account] = 1
      this.openDeficits++
    }
  }

  private adlTriggered(step: AdlStep, c: Claim, s: MarketState): boolean {
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
  private adlPrice(step: AdlStep, c: Claim, s: MarketState): number {
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
  private counterparties(c: Claim, s: MarketState): number[] {
    const heap = c.side > 0 ? s.shorts : s.longs
    const out: number[] = []
    for (let i = 0; i < heap.size; i++) {
      const q = heap.items[i]!
      if (c.account < 0 || this.book.account[q] !== c.account) out.push(q)
    }
    return out.sort((x, y) => x - y)
  }

  /**
   * Closes the claim against ranked counterparties at the ADL price instead of the market. Each unit covers
   * side·(F − market price) of the shortfall; counterparties realise PnL at F (their haircut vs the mark is
   * recorded). Returns the micro-units covered.
   */
  private deleverage(step: AdlStep, c: Claim, remaining: number, s: MarketState): number {
    const f = this.adlPrice(step, c, s)
    const perUnit = c.side * (f - c.marketPrice)
    if (!(perUnit > 0) || !Number.isFinite(f)) return 0
    let need = Math.min(c.qty, remaining / MICRO / perUnit)
    const cands = this.counterparties(c, s)
    if (!cands.length) return 0
    const b = this.book
    let order: number[]
    let scores: Float64Array | null = null
    if (step.ranking === 'randomStart') {
      // dYdX: start at a pseudo-random offset and walk the list [D3][D6]
      const start = this.prng.int(cands.length)
      order = Array.from({ length: cands.length }, (_, i) => (start + i) % cands.length)
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
      order = rankOrder(scores)
    }
    let covered = 0
    let looked = 0
    for (const idx of order) {
      if (need <= 0 || covered >= remaining || looked >= step.maxCounterparties) break
      looked++
      const q = cands[idx]!
      if (b.state[q] !== PosState.OPEN) continue
      const y = Math.min(b.qty[q]!, need)
      if (y <= 0) continue
      need -= y
      let cov = Math.min(remaining - covered, toMicros(y * perUnit))
      // the last unit needed takes the rounding residue, so a fully covered claim is covered exactly
      if (need <= c.qty * 1e-12 && remaining - covered - cov <= 2) cov = remaining - covered
      covered += cov
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
      col.score[i] = scores ? scores[idx]! : Number.NaN
      col.realizedPnl[i] = realized
      col.haircut[i] = haircut
      col.covered[i] = cov
      this.totals.adlFills++
      this.reduce(q, y, realized)
    }
    return covered
  }

  /** Reduces position q by y with `realized` PnL: isolated margin is released pro rata to the wallet. */
  private reduce(q: number, y: number, realized: number): void {
    const b = this.book
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

  /** Socializes the rest over every open position of the market by |base|: Δcum_funding = loss / Σ|base| [R2]. */
  private socialize(c: Claim, amount: number, s: MarketState): number {
    const b = this.book
    const positions: number[] = []
    // waiting positions stay in their heap (under a key that never pops), so the heaps hold every open position
    for (const heap of [s.longs, s.shorts]) for (let i = 0; i < heap.size; i++) positions.push(heap.items[i]!)
    positions.sort((x, y) => x - y)
    if (!positions.length) return 0
    const weights = Float64Array.from(positions, (q) => b.qty[q]!)
    const parts = apportion(amount, weights)
    let totalBase = 0
    for (let i = 0; i < positions.length; i++) {
      totalBase += weights[i]!
      this.addCollateral(positions[i]!, -parts[i]!)
    }
    const o = this.outputs.social
    const i = o.add()
    o.cols.ts[i] = c.ts
    o.cols.market[i] = c.market
    o.cols.liquidationSeq[i] = c.seq
    o.cols.amount[i] = amount
    o.cols.perBase[i] = amount / MICRO / totalBase
    o.cols.totalBase[i] = totalBase
    o.cols.positions[i] = positions.length
    this.rekeyMarket(s)
    this.markDirty(c.market)
    return amount
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Waiting positions, multi-market accounts, pauses

  private checkWaiting(s: MarketState, m: number, t: number): void {
    const b = this.book
    const list = s.waiting.splice(0)
    for (const p of list) {
      if (b.state[p] !== PosState.OPEN) continue
      const w = b.waiting[p]!
      if (w === Waiting.COOLDOWN && t < b.cooldownUntil[p]!) {
        s.waiting.push(p)
        continue
      }
      if (w === Waiting.PAUSED && s.paused !== 0) {
        s.waiting.push(p)
        continue
      }
      // cooldown over, pause lifted or a rejected fill to retry: back to the normal key, checked at the mark
      b.waiting[p] = Waiting.NONE
      if (b.slot[p]! >= 0) this.heapOf(p).remove(p)
      const side = b.side[p]!
      const collateral = this.collateral(p) / MICRO
      const qty = b.qty[p]!
      const entry = b.entry[p]!
      const lp = liquidationPrice(s.tier, s.params, side, qty, entry, collateral)
      const eq = collateral + side * qty * (s.mark - entry)
      if (s.paused === 0 && isLiquidatable(s.params, eq, requirementAt(s.tier, s.params, qty, entry, s.mark))) {
        this.liquidate(p, s, m, t, side > 0 ? Math.min(lp, s.mark) : Math.max(lp, s.mark))
      } else this.rekeyAndPush(p)
    }
  }

  /** While liquidations are paused, crossed positions wait; negative equity among them is recorded once. */
  private holdCrossed(s: MarketState, m: number, t: number): void {
    const b = this.book
    let nc = 0
    while (s.longs.size > 0 && s.longs.topKey() >= s.markLow) nc = this.pushCand(nc, s.longs.pop())
    while (s.shorts.size > 0 && s.shorts.topKey() <= s.markHigh) nc = this.pushCand(nc, s.shorts.pop())
    for (let j = 0; j < nc; j++) {
      const p = this.cands[j]!
      b.waiting[p] = Waiting.PAUSED
      b.key[p] = b.side[p]! > 0 ? -Infinity : Infinity
      this.heapOf(p).push(p)
      s.waiting.push(p)
    }
    for (const p of s.waiting) {
      if (b.state[p] !== PosState.OPEN || b.negativeRecorded[p] === 1) continue
      const eq = this.collateral(p) + toMicros(b.side[p]! * b.qty[p]! * (s.mark - b.entry[p]!))
      if (eq < 0) this.negativeEquity(p, m, t, -eq)
    }
    if (s.multiAccounts.length) this.checkMultiAccounts(s, m, t)
  }

  private negativeEquity(p: number, m: number, t: number, amount: number): void {
    const b = this.book
    b.negativeRecorded[p] = 1
    const o = this.outputs.deficits
    const i = o.add()
    const col = o.cols
    col.ts[i] = t
    col.account[i] = b.account[p]!
    col.serial[i] = b.serial[p]!
    col.market[i] = m
    col.liquidationSeq[i] = -1
    col.kind[i] = 1
    col.shortfall[i] = amount
    col.fund[i] = 0
    col.feePool[i] = 0
    col.adl[i] = 0
    col.socialized[i] = 0
    col.uncovered[i] = amount
    this.totals.negativeEquityRecords++
  }

  /** Cross accounts spanning markets: equity and requirement over all their positions, at this market's worst price. */
  private checkMultiAccounts(s: MarketState, m: number, t: number): void {
    const b = this.book
    for (const acc of s.multiAccounts.slice()) {
      if (this.accounts.multi[acc] !== 1) continue
      let here = -1
      let equity = this.accounts.wallet[acc]! / MICRO
      let req = 0
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
        const ms = this.markets[b.market[q]!]!
        const side = b.side[q]!
        const price = b.market[q] === m ? (side > 0 ? s.markLow : s.markHigh) : ms.mark
        if (b.market[q] === m) here = q
        equity += side * b.qty[q]! * (price - b.entry[q]!)
        req += requirementAt(ms.tier, ms.params, b.qty[q]!, b.entry[q]!, price)
      }
      if (here < 0 || !isLiquidatable(s.params, equity, req)) continue
      let paused = false
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!)
        if (this.markets[b.market[q]!]!.paused !== 0) paused = true
      if (!paused) {
        this.liquidateAccount(acc, m, t)
        continue
      }
      // a market of the account is paused: wait, but record negative equity (at the marks) once
      let atMarks = this.accounts.wallet[acc]!
      for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
        atMarks += toMicros(b.side[q]! * b.qty[q]! * (this.markets[b.market[q]!]!.mark - b.entry[q]!))
      }
      if (atMarks < 0 && b.negativeRecorded[here] === 0) {
        this.negativeEquity(here, m, t, -atMarks)
        for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) b.negativeRecorded[q] = 1
      }
    }
  }

  /**
   * Liquidates every position of a multi-market cross account. The wallet is shared: each position settles with
   * the part of the wallet that covers its loss first (in position order), the rest goes with the last one.
   */
  private liquidateAccount(acc: number, m: number, t: number): void {
    const b = this.book
    const positions: number[] = []
    for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) positions.push(q)
    positions.sort((x, y) => x - y)
    const s = this.markets[m]!
    // crossing price in this market with the others held at their marks (Binance cross formula [B1])
    let others = 0
    let otherReq = 0
    let here = -1
    for (const q of positions) {
      const ms = this.markets[b.market[q]!]!
      if (b.market[q] === m) {
        here = q
        continue
      }
      others += b.side[q]! * b.qty[q]! * (ms.mark - b.entry[q]!)
      otherReq += requirementAt(ms.tier, ms.params, b.qty[q]!, b.entry[q]!, ms.mark)
    }
    const wallet = this.accounts.wallet[acc]!
    const lp = liquidationPrice(
      s.tier,
      s.params,
      b.side[here]!,
      b.qty[here]!,
      b.entry[here]!,
      wallet / MICRO + others - otherReq,
    )
    const ptHere = this.triggerPrice(lp, s)
    // each position's own loss at its price; the wallet then covers negative results first
    const results = positions.map((q) => {
      const ms = this.markets[b.market[q]!]!
      const pt = b.market[q] === m ? ptHere : ms.mark
      const side = b.side[q]!
      const exec = pt * (1 - side * this.slippage(ms, b.qty[q]! * pt))
      const u = toMicros(side * b.qty[q]! * (pt - b.entry[q]!))
      const slip = toMicros(side * b.qty[q]! * (pt - exec))
      return { q, pt, u, slip }
    })
    let left = wallet
    const alloc = results.map((r) => {
      const need = Math.max(0, -(r.u - r.slip))
      const give = Math.min(Math.max(left, 0), need)
      left -= give
      return give
    })
    alloc[alloc.length - 1] = alloc[alloc.length - 1]! + left
    this.accounts.multi[acc] = 0
    for (const q of positions) {
      const list = this.markets[b.market[q]!]!.multiAccounts
      const at = list.indexOf(acc)
      if (at >= 0) list.splice(at, 1)
    }
    // settle each as an isolated position holding its share of the wallet
    this.accounts.cross[acc] = 0
    this.accounts.wallet[acc] = 0
    results.forEach((r, i) => {
      b.margin[r.q] = alloc[i]!
      const ms = this.markets[b.market[r.q]!]!
      this.settle(r.q, ms, b.market[r.q]!, t, r.pt, this.rules.execution.kind === 'bankruptcyTakeover', Liq.full)
    })
    this.accounts.cross[acc] = 1
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Guardrails

  private guardrails(s: MarketState, m: number, t: number): void {
    const g = this.rules.guardrails
    if (g.markCap) {
      // Hyperliquid hyperps: mark ≤ k × EMA of the mark [H22]
      const tau = g.markCap.emaWindowS * MICRO
      s.markEma += (1 - Math.exp(-(t - s.markEmaTs) / tau)) * (s.mark - s.markEma)
      s.markEmaTs = t
      const cap = g.markCap.maxMultipleOfEma * s.markEma
      if (s.markHigh > cap) {
        if (s.mark > cap) this.guardrailRow(m, Guard.markCap, s.mark, cap, GuardAction.capMark)
        s.mark = Math.min(s.mark, cap)
        s.markHigh = Math.min(s.markHigh, cap)
        s.markLow = Math.min(s.markLow, cap)
      }
    }
    if (g.priceBand) {
      // the band compares the mark with an oracle (or index) average; without either it cannot act
      const ref = !Number.isNaN(s.oracle) ? s.oracle : s.index
      if (Number.isNaN(ref)) {
        this.warnings.add(`no oracle or index prices for ${s.symbol}: the price band was not applied`)
        return
      }
      const tau = g.priceBand.referenceWindowS * MICRO
      if (Number.isNaN(s.refEma)) s.refEma = ref
      else s.refEma += (1 - Math.exp(-(t - s.refEmaTs) / tau)) * (ref - s.refEma)
      s.refEmaTs = t
      const dev = Math.abs(s.mark - s.refEma) / s.refEma
      const out = dev > g.priceBand.maxDeviation
      if (out && !(s.paused & PAUSE_BAND)) {
        s.paused |= PAUSE_BAND
        this.guardrailRow(m, Guard.priceBand, dev, g.priceBand.maxDeviation, GuardAction.pauseLiquidations)
      } else if (!out && s.paused & PAUSE_BAND) {
        s.paused &= ~PAUSE_BAND
        this.guardrailRow(m, Guard.priceBand, dev, g.priceBand.maxDeviation, GuardAction.resumeLiquidations)
        this.resume(s)
      }
    }
    if (g.circuitBreaker) {
      const cb = g.circuitBreaker
      if (s.paused & PAUSE_BREAKER && t >= s.haltUntil) {
        s.paused &= ~PAUSE_BREAKER
        this.guardrailRow(m, Guard.circuitBreaker, s.mark, s.breakerRef, GuardAction.resumeLiquidations)
        s.breakerRef = s.mark
        s.breakerRefTs = t
        this.resume(s)
      }
      // tumbling reference: the mark at the start of each window
      if (t - s.breakerRefTs >= cb.windowS * MICRO) {
        s.breakerRef = s.mark
        s.breakerRefTs = t
      }
      const move = Math.max(Math.abs(s.markLow - s.breakerRef), Math.abs(s.markHigh - s.breakerRef)) / s.breakerRef
      if (move > cb.maxMove && !(s.paused & PAUSE_BREAKER)) {
        s.paused |= PAUSE_BREAKER
        s.haltUntil = t + cb.haltS * MICRO
        this.guardrailRow(m, Guard.circuitBreaker, move, cb.maxMove, GuardAction.pauseLiquidations)
      }
    }
  }

  /** A pause ended: paused positions are re-keyed and the market is checked at its current mark. */
  private resume(s: MarketState): void {
    s.markLow = s.mark
    s.markHigh = s.mark
  }

  private guardrailRow(
    m: number,
    kind: number,
    value: number,
    threshold: number,
    action: number,
    pos = -1,
    account = -1,
    serial = -1,
  ): void {
    const o = this.outputs.guardrails
    const i = o.add()
    const col = o.cols
    col.ts[i] = this.now
    col.market[i] = m
    col.kind[i] = kind
    col.value[i] = value
    col.threshold[i] = threshold
    col.action[i] = action
    col.account[i] = pos >= 0 ? this.book.account[pos]! : account
    col.serial[i] = pos >= 0 ? this.book.serial[pos]! : serial
    this.totals.guardrailTriggers[kind]!++
  }

  /** OI cap [G9][H17]: true when adding `qty` to `side` would take the market's open interest over the cap. */
  private oiCapRefuses(s: MarketState, m: number, side: number, qty: number): boolean {
    const cap = this.rules.guardrails.oiCap
    if (!cap) return false
    const max = cap.markets[s.symbol] ?? cap.maxNotional
    const after = Math.max(s.longQty + (side > 0 ? qty : 0), s.shortQty + (side < 0 ? qty : 0)) * s.mark
    const refuse = after > max
    if (refuse) this.totals.refusedByOiCap++
    if (refuse !== (this.oiCapBinding[m] === 1)) {
      this.oiCapBinding[m] = refuse ? 1 : 0
      this.guardrailRow(m, Guard.oiCap, after, max, refuse ? GuardAction.refuse : GuardAction.resumeLiquidations)
    }
    return refuse
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Funding, open interest, ledger, fills

  private funding(m: number, t: number, observed: number, premium: number): void {
    const s = this.markets[m]!
    const f = this.rules.funding
    let rate: number
    const clampFactor = f.marginClampFactor
    const formula = {
      ...this.fundingFormula,
      marginClamp: clampFactor === null ? null : clampFactor * (s.tier.imr[0]! - s.tier.mmr[0]!),
    }
    if (f.source === 'premium' && !Number.isNaN(premium))
      rate = fundingRatePerInterval(fundingRate8h(premium, formula), formula)
    else if (!Number.isNaN(observed)) rate = clampObservedRate(observed, formula)
    else return
    s.lastFundingRate = rate
    if (this.ledgerFunding) return
    const price = f.paymentPrice === 'oracle' ? s.oracleOrMark() : s.mark
    if (!(price > 0)) return
    const b = this.book
    const { side, qty, entry, margin, account, waiting, key, slot } = b
    const mk = b.market
    const { tier, params } = s
    let paid = 0
    // Every position in the market's heaps pays, then gets its new key, in one pass in position order (sequential
    // memory, unlike heap order). Payments are integers, so their sum does not depend on the order; a position's
    // key depends only on its own collateral (an account with several positions is keyed ±Infinity), so keying
    // right after its payment equals keying after all of them.
    for (let p = 0, n = b.extent; p < n; p++) {
      if (slot[p]! < 0 || mk[p] !== m) continue
      // longs pay a positive rate, shorts receive it
      const pay = toMicros(side[p]! * qty[p]! * price * rate, 'funding payment')
      paid += pay
      if (account[p]! < 0 && waiting[p] === Waiting.NONE) {
        // an isolated position of its own (the synthetic population): keyOf's last case, inline
        if (pay !== 0) margin[p] = addMicros(margin[p]!, -pay)
        key[p] = liquidationPrice(tier, params, side[p]!, qty[p]!, entry[p]!, margin[p]! / MICRO)
      } else {
        if (pay !== 0) this.addCollateral(p, -pay)
        key[p] = this.keyOf(p)
      }
    }
    s.longs.heapify()
    s.shorts.heapify()
    this.totals.fundingPaidByPositions.add(paid)
    this.recheck(s, m, t)
  }

  /** Collateral changed outside a price move (funding, ledger, fills): check the market at its current mark. */
  private recheck(s: MarketState, m: number, t: number): void {
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

  /** Re-keys a cross account's positions after its wallet changed, and checks their markets now. */
  private walletChanged(acc: number, t: number): void {
    this.rekeyAccount(acc)
    const touched: number[] = []
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
      const m = this.book.market[q]!
      if (!touched.includes(m)) touched.push(m)
    }
    for (const m of touched) this.recheck(this.markets[m]!, m, t)
  }

  private openInterest(m: number, t: number, base: number): void {
    const s = this.markets[m]!
    const prev = s.openInterestBase
    s.openInterestBase = base
    const pop = this.population
    if (!pop || !(prev > 0) || !(base > prev) || this.marksSeen[m] === 0) return
    // new positions for open-interest increases: the relative increase, scaled to the population
    const n = this.prng.poisson(((base - prev) / prev) * pop.initialPositions * pop.openInterestWeight)
    for (let k = 0; k < n; k++) this.spawn(this.markets[m]!, m, t)
  }

  /** Deposits, withdrawals (gated [D3][H8]) and, in account replays, historical funding payments. */
  private ledger(acc: number, t: number, delta: number, kind: number): void {
    if (acc < 0) return
    if (kind === 3 && !this.ledgerFunding) return
    const g = this.rules.guardrails.withdrawalGating
    if (delta < 0 && kind === 1 && g && this.checking) {
      let refuse = g.whileDeficit && this.openDeficits > 0
      if (!refuse && (g.requireInitialMargin || g.minNotionalFraction > 0)) {
        let equity = (this.accounts.wallet[acc]! + delta) / MICRO
        let need = 0
        for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
          const ms = this.markets[this.book.market[q]!]!
          const notional = this.book.qty[q]! * ms.mark
          equity += this.book.side[q]! * this.book.qty[q]! * (ms.mark - this.book.entry[q]!)
          const im = g.requireInitialMargin
            ? notional * initialRate(ms.tier, bracketAt(ms.tier, notional), this.book.qty[q]!)
            : 0
          need += Math.max(im, g.minNotionalFraction * notional)
        }
        refuse = this.accounts.head[acc]! >= 0 && equity < need
      }
      if (refuse) {
        this.totals.refusedWithdrawals++
        this.guardrailRow(0, Guard.withdrawalGating, -delta / MICRO, 0, GuardAction.refuse, -1, acc, -1)
        return
      }
    }
    this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, delta, 'wallet')
    if (delta > 0 && this.accounts.inDeficit[acc] === 1 && this.accounts.wallet[acc]! >= 0) {
      this.accounts.inDeficit[acc] = 0
      this.openDeficits--
    }
    this.walletChanged(acc, t)
  }

  private rekeyAccount(acc: number): void {
    if (this.accounts.cross[acc] !== 1) return
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!)
      if (this.book.slot[q]! >= 0) this.rekeyInHeap(q)
  }

  private markDiverged(acc: number, m: number): void {
    const key = acc * 65_536 + m
    if ((this.shadow.get(key) ?? 0) !== 0) this.diverged.add(key)
  }

  /**
   * An account-level fill. History is followed exactly until the engine liquidates a position the venue did not;
   * from then on that account·market ignores fills until its historical position is flat again.
   */
  private fill(
    acc: number,
    m: number,
    t: number,
    price: number,
    signedQty: number,
    feeMicros: number,
    flags: number,
  ): void {
    if (acc < 0 || signedQty === 0) return
    const key = acc * 65_536 + m
    const before = this.shadow.get(key) ?? 0
    let after = before + signedQty
    if (Math.abs(after) < 1e-12 * Math.max(Math.abs(before), Math.abs(signedQty))) after = 0
    this.shadow.set(key, after)
    if (flags === 1) this.totals.observedLiquidationFills++
    if (this.diverged.has(key)) {
      this.totals.fillsSkippedDiverged++
      if (after === 0) this.diverged.delete(key)
      return
    }
    const b = this.book
    const s = this.markets[m]!
    let p = -1
    for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) if (b.market[q] === m) p = q
    const sideIn = signedQty > 0 ? 1 : -1
    let qtyIn = Math.abs(signedQty)
    const cross = this.accounts.cross[acc] === 1
    if (p >= 0 && b.side[p] !== sideIn) {
      // reduce, close, maybe flip
      const close = Math.min(qtyIn, b.qty[p]!)
      const realized = toMicros(b.side[p]! * close * (price - b.entry[p]!), 'realized PnL')
      this.reduce(p, close, realized)
      qtyIn -= close
      if (b.state[p] !== PosState.OPEN) p = -1
    }
    if (qtyIn > 1e-15) {
      if (p >= 0) {
        if (this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn)) qtyIn = 0
        else {
          this.removeFromMarket(p)
          const q0 = b.qty[p]!
          b.entry[p] = (b.entry[p]! * q0 + price * qtyIn) / (q0 + qtyIn)
          b.qty[p] = q0 + qtyIn
          if (!cross) {
            const im = toMicros(qtyIn * price * initialRate(s.tier, bracketAt(s.tier, qtyIn * price), qtyIn))
            b.margin[p] = addMicros(b.margin[p]!, im)
            this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -im)
          }
          this.addToMarket(p)
        }
      } else if (!(this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn))) {
        let margin = 0
        if (!cross) {
          // isolated account replays post the initial margin of the bracket from the wallet
          margin = toMicros(qtyIn * price * initialRate(s.tier, bracketAt(s.tier, qtyIn * price), qtyIn))
          this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -margin)
        }
        this.openPosition(acc, m, sideIn, qtyIn, price, margin, t)
      }
    }
    if (feeMicros !== 0) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -feeMicros, 'wallet')
    this.walletChanged(acc, t)
    if (b.state[p] === PosState.OPEN && b.account[p] === acc) this.recheck(s, m, t)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Synthetic population

  /** Initial positions not opened yet, per market and in all. */
  private spawnBacklog: number[] = []
  private backlog = 0

  /** Initial synthetic positions still to open (the runner takes smaller slices meanwhile). */
  get openingBacklog(): number {
    return this.backlog
  }

  private spawnSome(s: MarketState, m: number, t: number): void {
    const n = Math.min(this.spawnBacklog[m] ?? 0, 1024)
    for (let k = 0; k < n; k++) this.spawn(s, m, t)
    this.spawnBacklog[m] = (this.spawnBacklog[m] ?? 0) - n
    this.backlog -= n
  }

  /** Poisson arrivals for one bar: the steady-state rate scaled by the bar's volume relative to the window mean. */
  private arrivals(s: MarketState, m: number, t: number, quoteVolume: number): void {
    const pop = this.population!
    const meanVol = pop.meanVolumePerS[m]!
    let lambda: number
    if (quoteVolume >= 0 && meanVol > 0) lambda = (pop.arrivalsPerS * quoteVolume) / meanVol
    else {
      const dt = Number.isNaN(s.lastBarTs) ? 0 : (t - s.lastBarTs) / MICRO
      lambda = pop.arrivalsPerS * Math.max(dt, 1)
    }
    const n = this.prng.poisson(lambda)
    for (let k = 0; k < n; k++) this.spawn(s, m, t)
  }

  /** One synthetic isolated position at the current mark: side, log-normal notional, log-uniform leverage, holding time. */
  private spawn(s: MarketState, m: number, t: number): void {
    const pop = this.population!
    const prng = this.prng
    const side = prng.next() < pop.longShare ? 1 : -1
    const notional = Math.exp(pop.logNotionalMedian + pop.notionalSigma * prng.normal())
    let leverage = Math.exp(pop.logLevMin + pop.logLevSpan * prng.next())
    const hold = prng.exponential(pop.meanHoldingUs)
    if (this.book.count >= pop.maxOpen) return
    const price = s.mark
    if (!(price > 0)) return
    const b = bracketAt(s.tier, notional)
    leverage = Math.min(leverage, s.tier.maxLeverage[b]!)
    const qty = notional / price
    if (this.checking && this.oiCapRefuses(s, m, side, qty)) return
    const p = this.openPosition(-1, m, side, qty, price, toMicros(notional / leverage), t)
    this.expiries!.add(p, this.book.serial[p]!, t + hold, t)
  }

  /**
   * A synthetic position whose holding time ended (at the end of its wheel bucket) leaves the book; its PnL goes to
   * the outside market. One closed earlier, or whose slot was reused, is skipped.
   */
  private readonly expireOne = (p: number, serial: number): void => {
    const b = this.book
    if (b.state[p] !== PosState.OPEN || b.serial[p] !== serial || b.account[p] !== -1) return
    this.totals.positionsExpired++
    this.release(p)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Output rows

  private fundMove(fund: number, delta: number, reason: number, liqSeq: number, market: number): void {
    this.funds.move(fund, delta, this.now)
    this.fundRow(fund, market, delta, reason, liqSeq)
  }

  private fundRow(fund: number, market: number, delta: number, reason: number, liqSeq: number): void {
    const o = this.outputs.fund
    const i = o.add()
    const col = o.cols
    col.ts[i] = this.now
    col.fund[i] = fund
    col.market[i] = market
    col.delta[i] = delta
    col.balance[i] = this.funds.balance[fund]!
    col.reason[i] = reason
    col.liquidationSeq[i] = liqSeq
  }

  private liquidationRow(
    p: number,
    m: number,
    t: number,
    qty: number,
    pt: number,
    lp: number,
    bk: number,
    fillPrice: number,
    marketPrice: number,
    fee: number,
    feeToFund: number,
    equity: number,
    slip: number,
    surplus: number,
    returned: number,
    shortfall: number,
    kind: number,
  ): void {
    const b = this.book
    const o = this.outputs.liquidations
    const i = o.add()
    const col = o.cols
    col.ts[i] = t
    col.account[i] = b.account[p]!
    col.serial[i] = b.serial[p]!
    col.market[i] = m
    col.side[i] = b.side[p]!
    col.qty[i] = qty
    col.notional[i] = toMicros(qty * pt)
    col.triggerMark[i] = pt
    col.liquidationPrice[i] = lp
    col.bankruptcyPrice[i] = bk
    col.fillPrice[i] = fillPrice
    col.marketPrice[i] = marketPrice
    col.fee[i] = fee
    col.feeToFund[i] = feeToFund
    col.equity[i] = equity
    col.slippage[i] = slip
    col.surplus[i] = surplus
    col.returned[i] = returned
    col.shortfall[i] = shortfall
    col.kind[i] = kind
  }

  /** Account name or synthetic id for an output row. */
  accountName(account: number, serial: number): string {
    return account >= 0 ? this.accounts.names[account]! : `syn-${serial}`
  }

  /** Total equity of open positions' collateral plus wallets, in micro-units (for conservation checks). */
  openPositions(): number {
    return this.book.count
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
      const cands: number[] = []
      for (let i = 0; i < heap.size; i++) cands.push(heap.items[i]!)
      cands.sort((x, y) => x - y)
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
      for (const idx of rankOrder(scores)) {
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
