// Positions and accounts: opening, collateral, heap membership and trigger keys, release.
import { bankruptcyPrice, liquidationPrice } from '../margin/requirement.ts'
import { addMicros, toMicros } from '../money.ts'
import { PosState, Waiting } from './book.ts'
import type { IndexHeap } from './indexHeap.ts'
import type { MarketState } from './markets.ts'
import type { TriggerDrift } from './triggerDrift.ts'
import { KernelState } from './kernelState.ts'
import { MICRO } from './kernelState.ts'

export abstract class AccountState extends KernelState {
  /**
   * Margin mode per position of a named account: 1 = cross (draws on the account's wallet), 0 = isolated (its own
   * margin). An account may hold both (Hyperliquid sets the mode per coin); `accounts.cross` is the account's default.
   */
  protected posCross = new Uint8Array(1024)

  /**
   * Shadow mode: the engine would have liquidated this position (isolated) or this account's cross positions, but
   * the account keeps following its real fills; it is not checked again until its historical position is flat.
   */
  protected posHeld = new Uint8Array(1024)

  protected accountHeld = new Uint8Array(16)

  /** Accounts left out of the replay (venue-internal, excluded, unreconciled when asked): their events are skipped. */
  protected accountExcluded = new Uint8Array(16)

  /** Accounts whose funding comes from their ledger rows (the others pay funding from the rates). */
  protected accountLedgerFunded = new Uint8Array(16)

  addAccount(name: string, cross: boolean, walletMicros: number): number {
    const acc = this.accounts.add(name, cross, walletMicros)
    if (acc >= this.accountHeld.length) {
      const grow = (a: Uint8Array) => {
        const g = new Uint8Array(a.length * 2)
        g.set(a)
        return g
      }
      this.accountHeld = grow(this.accountHeld)
      this.accountExcluded = grow(this.accountExcluded)
      this.accountLedgerFunded = grow(this.accountLedgerFunded)
    }
    return acc
  }

  /** Position p of a named account draws on the wallet. */
  protected isCross(p: number): boolean {
    return this.posCross[p] === 1
  }

  /** Collateral backing position p, in micro-units (a synthetic position pays its pending funding first). */
  protected collateral(p: number): number {
    const acc = this.book.account[p]!
    if (acc < 0) {
      this.settleFunding(p)
      return this.book.margin[p]!
    }
    return this.posCross[p] === 1 ? this.accounts.wallet[acc]! : this.book.margin[p]!
  }

  /**
   * Pays the funding a synthetic position has accrued since it last settled, from its margin: its size times the
   * market's cumulative funding per unit over those events, rounded to micro-units once (numeric policy); and, the
   * same way, its share of the socialized losses since (both sides pay those).
   */
  protected settleFunding(p: number): void {
    const b = this.book
    if (b.account[p]! >= 0) return
    const s = this.markets[b.market[p]!]!
    const social = s.socialCum - b.socialAt[p]!
    if (social !== 0) {
      b.socialAt[p] = s.socialCum
      const charged = toMicros(b.qty[p]! * social, 'socialized loss')
      if (charged !== 0) b.margin[p] = addMicros(b.margin[p]!, -charged)
    }
    const j = b.fundFrom[p]!
    const n = s.fundingCount
    if (j >= n) return
    b.fundFrom[p] = n
    // longs pay a positive rate, shorts receive it
    const paid = toMicros(b.side[p]! * b.qty[p]! * (s.fundingCum[n]! - s.fundingCum[j]!), 'funding payment')
    if (paid !== 0) b.margin[p] = addMicros(b.margin[p]!, -paid)
    this.totals.fundingPaidByPositions.add(paid)
  }

  /** Settles the pending funding of every open synthetic position (end of a run, so the totals are complete). */
  settleOpenFunding(): void {
    const b = this.book
    for (let p = 0, n = b.extent; p < n; p++) if (b.state[p] === PosState.OPEN) this.settleFunding(p)
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
    cross = account >= 0 && this.accounts.cross[account] === 1,
  ): number {
    const b = this.book
    const p = b.alloc()
    if (b.capacity > this.posCross.length) {
      const grow = (a: Uint8Array) => {
        const g = new Uint8Array(b.capacity)
        g.set(a)
        return g
      }
      this.posCross = grow(this.posCross)
      this.posHeld = grow(this.posHeld)
    }
    this.posCross[p] = cross ? 1 : 0
    this.posHeld[p] = 0
    b.account[p] = account
    b.market[p] = market
    b.side[p] = side
    b.qty[p] = qty
    b.entry[p] = entry
    b.margin[p] = marginMicros
    b.openTs[p] = ts
    b.serial[p] = account >= 0 ? -1 : this.serialNext++
    b.fundFrom[p] = this.markets[market]!.fundingCount
    b.socialAt[p] = this.markets[market]!.socialCum
    if (account >= 0) {
      this.accountPositionsOpen++
      this.linkToAccount(p, account)
    }
    this.addToMarket(p)
    this.totals.positionsOpened++
    if (b.count > this.totals.maxOpenPositions) this.totals.maxOpenPositions = b.count
    return p
  }

  protected linkToAccount(p: number, acc: number): void {
    const b = this.book
    const a = this.accounts
    b.nextInAccount[p] = a.head[acc]!
    a.head[acc] = p
    a.positions[acc] = a.positions[acc]! + 1
    this.refreshMulti(acc)
  }

  protected unlinkFromAccount(p: number, acc: number): void {
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

  /** Open cross positions of account acc. */
  protected crossPositions(acc: number): number {
    let n = 0
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!) n += this.posCross[q]!
    return n
  }

  /** A cross account with positions in several markets leaves the heaps' fast path for direct checks. */
  protected refreshMulti(acc: number): void {
    const a = this.accounts
    const multi = this.crossPositions(acc) > 1 ? 1 : 0
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
      if (multi && this.posCross[q] === 1 && !this.markets[m]!.multiAccounts.includes(acc))
        this.markets[m]!.multiAccounts.push(acc)
      if (this.book.slot[q]! >= 0) this.rekeyInHeap(q)
      // the account's positions are now checked another way: look at them at the current mark
      this.markDirty(m)
    }
  }

  protected heapOf(p: number): IndexHeap {
    const s = this.markets[this.book.market[p]!]!
    return this.book.side[p]! > 0 ? s.longs : s.shorts
  }

  protected addToMarket(p: number): void {
    this.addToMarketNoKey(p)
    this.book.key[p] = this.keyOf(p)
    this.heapOf(p).push(p)
  }

  protected removeFromMarket(p: number): void {
    const b = this.book
    const s = this.markets[b.market[p]!]!
    const q = b.qty[p]!
    s.openCount--
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
  protected release(p: number): void {
    const b = this.book
    this.settleFunding(p)
    this.removeFromMarket(p)
    const acc = b.account[p]!
    if (acc >= 0) {
      this.accountPositionsOpen--
      this.unlinkFromAccount(p, acc)
    }
    b.release(p)
  }

  /**
   * Key of p in its heap: its trigger price less the heap's offset (IndexHeap.stored); ±Infinity when checked
   * elsewhere (multi-market account, waiting).
   */
  protected keyOf(p: number): number {
    const b = this.book
    const side = b.side[p]!
    const acc = b.account[p]!
    const never = side > 0 ? -Infinity : Infinity
    if (
      acc >= 0 &&
      (this.posHeld[p] === 1 ||
        (this.posCross[p] === 1 && (this.accounts.multi[acc] === 1 || this.accountHeld[acc] === 1)))
    )
      return never
    const s = this.markets[b.market[p]!]!
    const w = b.waiting[p]!
    if (w === Waiting.PAUSED || w === Waiting.RETRY) return never
    const qty = b.qty[p]!
    const entry = b.entry[p]!
    const collateral = this.collateral(p) / MICRO
    // between clips only the backstop acts, or, without one, a close before equity turns negative
    const trigger =
      w === Waiting.COOLDOWN
        ? liquidationPrice(
            s.tier,
            s.params,
            side,
            qty,
            entry,
            collateral,
            this.rules.execution.backstop?.belowMaintenanceFraction ?? 0,
          )
        : liquidationPrice(s.tier, s.params, side, qty, entry, collateral)
    if (side > 0) {
      s.longDrift.note(qty, entry, trigger)
      return s.longs.stored(trigger)
    }
    s.shortDrift.note(qty, entry, trigger)
    return s.shorts.stored(trigger)
  }

  protected rekeyInHeap(p: number): void {
    this.book.key[p] = this.keyOf(p)
    if (this.book.slot[p]! >= 0) this.heapOf(p).update(p)
  }

  /** Every key of market s changed (socialized loss): recompute and rebuild both heaps in O(n). */
  protected rekeyMarket(s: MarketState): void {
    this.rekeyHeap(s.longs, s.longDrift)
    this.rekeyHeap(s.shorts, s.shortDrift)
  }

  /**
   * Re-keys every position of a heap at its settled collateral. Every key is then exact, so the funding offset goes
   * back to zero and the drift bounds start again.
   */
  protected rekeyHeap(heap: IndexHeap, drift: TriggerDrift): void {
    const key = this.book.key
    const members = heap.members()
    heap.offset = 0
    drift.reset()
    for (let i = 0; i < members.length; i++) key[members[i]!] = this.keyOf(members[i]!)
    heap.heapify()
  }

  /** Re-adds p to its market's sums without touching heaps (the caller pushes it). */
  protected addToMarketNoKey(p: number): void {
    const b = this.book
    const s = this.markets[b.market[p]!]!
    const q = b.qty[p]!
    s.openCount++
    if (b.side[p]! > 0) {
      s.longQty += q
      s.longQtyEntry += q * b.entry[p]!
    } else {
      s.shortQty += q
      s.shortQtyEntry += q * b.entry[p]!
    }
  }

  protected addCollateral(p: number, delta: number): void {
    const acc = this.book.account[p]!
    if (acc >= 0 && this.posCross[p] === 1) this.accounts.wallet[acc] = addMicros(this.accounts.wallet[acc]!, delta)
    else this.book.margin[p] = addMicros(this.book.margin[p]!, delta)
  }

  protected bankruptcyOf(p: number): number {
    const b = this.book
    return bankruptcyPrice(b.side[p]!, b.qty[p]!, b.entry[p]!, this.collateral(p) / MICRO)
  }

  protected rekeyAndPush(p: number): void {
    this.book.key[p] = this.keyOf(p)
    this.heapOf(p).push(p)
  }

  protected rekeyAccount(acc: number): void {
    for (let q = this.accounts.head[acc]!; q >= 0; q = this.book.nextInAccount[q]!)
      if (this.posCross[q] === 1 && this.book.slot[q]! >= 0) this.rekeyInHeap(q)
  }

  /** Account name or synthetic id for an output row. */
  accountName(account: number, serial: number): string {
    return account >= 0 ? this.accounts.names[account]! : `syn-${serial}`
  }

  /** Total equity of open positions' collateral plus wallets, in micro-units (for conservation checks). */
  openPositions(): number {
    return this.book.count
  }
}
