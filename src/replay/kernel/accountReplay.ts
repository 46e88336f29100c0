// Account replays: ledger entries and historical fills applied to positions and wallets in exact size units, with
// margin mode and leverage per account·market, estimated fees, excluded accounts, divergence and shadow mode.
import { bankruptcyPrice, initialRate, liquidationPrice } from '../margin/requirement.ts'
import { bracketAt } from '../margin/brackets.ts'
import { addMicros, toMicros } from '../money.ts'
import { ExactTotal } from '../exactTotal.ts'
import { PosState } from './book.ts'
import { FillFlag } from './events.ts'
import { Guard, GuardAction, Liq } from './outputs.ts'
import { Funding } from './funding.ts'
import type { MarketState } from './markets.ts'
import { MICRO } from './kernelState.ts'
import { cappedFee } from './feeSplit.ts'

/** Margin mode and leverage of one account in one market. */
export interface PositionSetup {
  cross: boolean
  /** The user's leverage: an isolated position posts notional / leverage (at most the bracket's maximum). */
  leverage: number | null
}

/** What an account replay knows about its accounts before the first event (the runner builds it from the store). */
export interface AccountReplaySetup {
  /** Decimals of each market's size step: fills arrive as signed integers of 10^-decimals base. */
  sizeDecimals: readonly number[]
  /** Per account index. */
  excluded?: readonly boolean[]
  fundingFromLedger?: readonly boolean[]
  /** Per account·market (key account × 65,536 + market). */
  positions?: ReadonlyMap<number, PositionSetup>
  /** Fee schedule charged on fills that carry no fee (maker / taker from the fill's liquidity). */
  feeRates?: { maker: number; taker: number } | null
}

/** An engine liquidation of an account the venue did not liquidate there, confirmed by the account's next fill. */
export interface Divergence {
  account: number
  market: number
  /** When the engine liquidated (µs). */
  engineTs: number
  /** The real account's next fill in that market, which was not its liquidation (µs). */
  confirmedTs: number
}

/** Counts of an account replay, kept apart from the kernel totals (which the golden hashes cover). */
export interface AccountReplayStats {
  fillsOfExcludedAccounts: number
  ledgerOfExcludedAccounts: number
  estimatedFees: number
  estimatedFeeMicros: ExactTotal
  venueLiquidationFills: number
  shadowLiquidations: number
  divergences: Divergence[]
}

export const accountKey = (acc: number, m: number) => acc * 65_536 + m

export abstract class AccountReplay extends Funding {
  /** Size step per market: 10^decimals units per base unit. */
  protected sizeScale: Float64Array = new Float64Array(0)

  protected positionSetup: ReadonlyMap<number, PositionSetup> = new Map()

  protected feeRates: { maker: number; taker: number } | null = null

  /** Engine liquidations of a position the account still held: key → when, until the account's next fill says. */
  protected pendingDivergence = new Map<number, number>()

  readonly accountStats: AccountReplayStats = {
    fillsOfExcludedAccounts: 0,
    ledgerOfExcludedAccounts: 0,
    estimatedFees: 0,
    estimatedFeeMicros: new ExactTotal(),
    venueLiquidationFills: 0,
    shadowLiquidations: 0,
    divergences: [],
  }

  /** Applies the runner's account setup; accounts must have been added. */
  configureAccounts(setup: AccountReplaySetup): void {
    this.sizeScale = Float64Array.from(this.markets, (_s, m) => 10 ** (setup.sizeDecimals[m] ?? 8))
    this.positionSetup = setup.positions ?? new Map()
    this.feeRates = setup.feeRates ?? null
    for (let acc = 0; acc < this.accounts.count; acc++) {
      this.accountExcluded[acc] = setup.excluded?.[acc] ? 1 : 0
      this.accountLedgerFunded[acc] = setup.fundingFromLedger?.[acc] ? 1 : 0
    }
  }

  /** Historical (venue) position of an account in a market, in size units. */
  historicalUnits(acc: number, m: number): number {
    return this.shadow.get(accountKey(acc, m)) ?? 0
  }

  /** Deposits, withdrawals (gated [D3][H8]) and, in account replays, historical funding payments. */
  protected ledger(acc: number, t: number, delta: number, kind: number): void {
    if (acc < 0) return
    if (this.accountExcluded[acc] === 1) {
      this.accountStats.ledgerOfExcludedAccounts++
      return
    }
    if (kind === 3 && !this.ledgerFunding && this.accountLedgerFunded[acc] !== 1) return
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

  /** Re-keys a cross account's positions after its wallet changed, and checks their markets now. */
  protected walletChanged(acc: number, t: number): void {
    this.rekeyAccount(acc)
    const touched: number[] = []
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) {
      const m = this.book.market[q]!
      if (!touched.includes(m)) touched.push(m)
    }
    for (const m of touched) this.recheck(this.markets[m]!, m, t)
  }

  /** The engine liquidated a position of `acc` in `m`: if the real account still held it, that may be a divergence. */
  protected markDiverged(acc: number, m: number): void {
    const key = accountKey(acc, m)
    if ((this.shadow.get(key) ?? 0) === 0) return
    this.diverged.add(key)
    if (!this.pendingDivergence.has(key)) this.pendingDivergence.set(key, this.now)
  }

  /** The account's next fill after an engine liquidation: its own liquidation (a match) or more trading (diverged). */
  private resolveDivergence(key: number, acc: number, m: number, t: number, venueLiquidation: boolean): void {
    const since = this.pendingDivergence.get(key)
    if (since === undefined) return
    this.pendingDivergence.delete(key)
    if (!venueLiquidation)
      this.accountStats.divergences.push({ account: acc, market: m, engineTs: since, confirmedTs: t })
  }

  /**
   * An account-level fill. Sizes are exact integers of the market's size step, so a position that closes in history
   * closes here (no binary64 dust reopening it). History is followed exactly until the engine liquidates a position
   * the venue did not; from then on that account·market ignores fills until its historical position is flat again
   * (in shadow mode the liquidation is only recorded and the fills keep applying).
   */
  protected fill(
    acc: number,
    m: number,
    t: number,
    price: number,
    units: number,
    feeMicros: number,
    flags: number,
  ): void {
    if (acc < 0 || units === 0) return
    if (this.accountExcluded[acc] === 1) {
      this.accountStats.fillsOfExcludedAccounts++
      return
    }
    const key = accountKey(acc, m)
    const after = (this.shadow.get(key) ?? 0) + units
    if (after === 0) this.shadow.delete(key)
    else this.shadow.set(key, after)
    if ((flags & FillFlag.liquidation) !== 0) this.totals.observedLiquidationFills++
    const own = (flags & FillFlag.ownLiquidation) !== 0
    if (own) this.accountStats.venueLiquidationFills++
    this.resolveDivergence(key, acc, m, t, own)
    const scale = this.sizeScale[m] ?? 1e8
    let fee = feeMicros
    if ((flags & FillFlag.feeMissing) !== 0 && this.feeRates !== null) {
      const rate = (flags & FillFlag.maker) !== 0 ? this.feeRates.maker : this.feeRates.taker
      fee = toMicros((Math.abs(units) / scale) * price * rate, 'estimated fee')
      this.accountStats.estimatedFees++
      this.accountStats.estimatedFeeMicros.add(fee)
    }
    if (this.diverged.has(key)) {
      this.totals.fillsSkippedDiverged++
      if (after === 0) this.diverged.delete(key)
      return
    }
    const b = this.book
    const s = this.markets[m]!
    let p = -1
    for (let q = this.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) if (b.market[q] === m) p = q
    const sideIn = units > 0 ? 1 : -1
    let inUnits = Math.abs(units)
    if (p >= 0 && b.side[p] !== sideIn) {
      // reduce, close, maybe flip
      const held = Math.round(b.qty[p]! * scale)
      const closeUnits = Math.min(inUnits, held)
      const close = closeUnits === held ? b.qty[p]! : closeUnits / scale
      const realized = toMicros(b.side[p]! * close * (price - b.entry[p]!), 'realized PnL')
      this.reduceHeld(p, closeUnits, held, realized, scale)
      inUnits -= closeUnits
      if (b.state[p] !== PosState.OPEN) p = -1
    }
    if (inUnits > 0) {
      const qtyIn = inUnits / scale
      const setup = this.positionSetup.get(key)
      const cross = setup ? setup.cross : this.accounts.cross[acc] === 1
      if (p >= 0) {
        if (this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn)) inUnits = 0
        else {
          this.removeFromMarket(p)
          const held = Math.round(b.qty[p]! * scale)
          b.entry[p] = (b.entry[p]! * held + price * inUnits) / (held + inUnits)
          b.qty[p] = (held + inUnits) / scale
          if (this.posCross[p] !== 1) {
            const im = toMicros(qtyIn * price * this.initialMarginRate(s, qtyIn * price, qtyIn, setup))
            b.margin[p] = addMicros(b.margin[p]!, im)
            this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -im)
          }
          this.addToMarket(p)
        }
      } else if (!(this.checking && this.oiCapRefuses(s, m, sideIn, qtyIn))) {
        let margin = 0
        if (!cross) {
          // an isolated position posts the margin its leverage implies, from the wallet
          margin = toMicros(qtyIn * price * this.initialMarginRate(s, qtyIn * price, qtyIn, setup))
          this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -margin)
        }
        p = this.openPosition(acc, m, sideIn, qtyIn, price, margin, t, cross)
      }
    }
    if (fee !== 0) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, -fee, 'wallet')
    if (this.accountHeld[acc] === 1 && this.crossPositions(acc) === 0) this.accountHeld[acc] = 0
    this.walletChanged(acc, t)
    if (p >= 0 && b.state[p] === PosState.OPEN && b.account[p] === acc) this.recheck(s, m, t)
  }

  /** Initial margin rate of an account position: 1 / the user's leverage, never above the bracket's maximum. */
  private initialMarginRate(s: MarketState, notional: number, qty: number, setup: PositionSetup | undefined): number {
    const bracketRate = initialRate(s.tier, bracketAt(s.tier, notional), qty)
    const leverage = setup?.leverage
    return leverage && leverage > 0 ? Math.max(1 / leverage, bracketRate) : bracketRate
  }

  /**
   * Reduces account position p by `closeUnits` of its `held` units with `realized` PnL; its size stays on the step.
   * Isolated margin is released pro rata to the wallet; a full close returns all of it.
   */
  private reduceHeld(p: number, closeUnits: number, held: number, realized: number, scale: number): void {
    const b = this.book
    const acc = b.account[p]!
    const cross = this.posCross[p] === 1
    if (closeUnits === held) {
      const give = cross ? realized : b.margin[p]! + realized
      this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, give)
      b.margin[p] = 0
      this.release(p)
      return
    }
    this.removeFromMarket(p)
    if (cross) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, realized)
    else {
      const margin = b.margin[p]! + realized
      const released = Math.round((margin * closeUnits) / held)
      b.margin[p] = margin - released
      this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, released)
    }
    b.qty[p] = (held - closeUnits) / scale
    this.addToMarket(p)
  }

  /** Shadow mode intercepts liquidations of named accounts; everything else liquidates as the rule set says. */
  protected override liquidate(p: number, s: MarketState, m: number, t: number, pt: number): void {
    const acc = this.book.account[p]!
    if (this.shadowMode && acc >= 0) {
      this.shadowLiquidation(p, s, m, t, pt)
      if (this.posCross[p] === 1) this.holdAccount(acc)
      else this.holdPosition(p)
      return
    }
    super.liquidate(p, s, m, t, pt)
  }

  /** A position of a mixed account settles with its own mode (the layers before read the account's). */
  protected override settle(
    p: number,
    s: MarketState,
    m: number,
    t: number,
    pt: number,
    takeover: boolean,
    kind: number,
    deleverageOnly = false,
  ): void {
    const acc = this.book.account[p]!
    if (acc < 0) {
      super.settle(p, s, m, t, pt, takeover, kind, deleverageOnly)
      return
    }
    const saved = this.accounts.cross[acc]!
    this.accounts.cross[acc] = this.posCross[p]!
    try {
      super.settle(p, s, m, t, pt, takeover, kind, deleverageOnly)
    } finally {
      this.accounts.cross[acc] = saved
    }
  }

  /** ADL of a named account's position: its own mode, and the account·market no longer matches its history. */
  protected override reduce(q: number, y: number, realized: number): void {
    const acc = this.book.account[q]!
    if (acc < 0) {
      super.reduce(q, y, realized)
      return
    }
    const m = this.book.market[q]!
    const saved = this.accounts.cross[acc]!
    this.accounts.cross[acc] = this.posCross[q]!
    try {
      super.reduce(q, y, realized)
    } finally {
      this.accounts.cross[acc] = saved
    }
    this.markDiverged(acc, m)
  }

  /** A clip of a named account's position: the engine's position no longer matches its history. */
  protected override partialClose(p: number, s: MarketState, m: number, t: number, pt: number, x: number): void {
    super.partialClose(p, s, m, t, pt, x)
    const acc = this.book.account[p]!
    if (acc >= 0) this.markDiverged(acc, m)
  }

  /**
   * Records the liquidation the rule set would make of p at trigger price pt, as settle would compute it, without
   * applying it: no fund, waterfall or wallet moves (the account keeps its real history).
   */
  protected shadowLiquidation(p: number, s: MarketState, m: number, t: number, pt: number): void {
    const b = this.book
    const side = b.side[p]!
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const collateral = this.collateral(p)
    const lp = liquidationPrice(s.tier, s.params, side, qty, entry, collateral / MICRO)
    const bk = bankruptcyPrice(side, qty, entry, collateral / MICRO)
    const exec = pt * (1 - side * this.slippage(s, qty * pt))
    const equity = collateral + toMicros(side * qty * (pt - entry))
    const slip = toMicros(side * qty * (pt - exec))
    const rawFee = this.fee(qty * exec, s)
    const fee = cappedFee(rawFee, equity - slip, this.rules.fees.cap)
    const residual = equity - slip - fee
    this.liquidationRow(
      p,
      m,
      t,
      qty,
      pt,
      lp,
      bk,
      exec,
      exec,
      fee,
      0,
      equity,
      slip,
      0,
      Math.max(0, residual),
      Math.max(0, -residual),
      Liq.shadow,
    )
    this.totals.liquidations++
    this.totals.liquidatedNotional.add(toMicros(qty * pt))
    this.accountStats.shadowLiquidations++
    const acc = b.account[p]!
    const key = accountKey(acc, m)
    if ((this.shadow.get(key) ?? 0) !== 0 && !this.pendingDivergence.has(key)) this.pendingDivergence.set(key, t)
  }

  /** Isolated position p is not checked again until it is closed (it follows its real fills meanwhile). */
  protected holdPosition(p: number): void {
    this.posHeld[p] = 1
    if (this.book.slot[p]! >= 0) this.rekeyInHeap(p)
  }

  /** The account's cross positions are not checked again until it holds none. */
  protected holdAccount(acc: number): void {
    this.accountHeld[acc] = 1
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!)
      if (this.posCross[q] === 1 && this.book.slot[q]! >= 0) this.rekeyInHeap(q)
  }
}
