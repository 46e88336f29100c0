// Implied opening balances: for an account whose fills need more collateral than its ledger provides, the least cash
// before its first event that makes every fill legal under the rule set (each fill that adds exposure, and each
// outflow, leaves free collateral ≥ 0: wallet + unrealized PnL of cross positions − their initial margin, isolated
// margin posted from the wallet). A pass over the account events alone, before the replay.
import { bracketAt, compileTier, type CompiledTier } from '../margin/brackets.ts'
import { tierFor } from '../margin/positionRisk.ts'
import { initialRate } from '../margin/requirement.ts'
import { toMicros } from '../money.ts'
import { EventKind, FillFlag, LedgerKind, type EventBatch } from '../kernel/events.ts'
import { accountKey, type PositionSetup } from '../kernel/accountReplay.ts'
import type { RuleSet } from '../rules/schema.ts'

interface Held {
  units: number
  entry: number
  cross: boolean
  leverage: number | null
  margin: number
}

export interface ImpliedBalances {
  /** Micro-units per account index (0 when the ledger and fills fund every fill). */
  implied: number[]
  /** Positions the account held before its first fill in the store (opening fills), per account index. */
  openingPositions: number[]
}

export class ImpliedBalanceFloor {
  private readonly tiers: CompiledTier[]
  private readonly scale: number[]
  private readonly lastPrice: Float64Array
  private readonly wallet: number[]
  private readonly minFree: number[]
  private readonly openings: number[]
  private readonly held: Array<Map<number, Held>>

  constructor(
    rules: RuleSet,
    markets: readonly string[],
    private readonly accounts: number,
    sizeDecimals: readonly number[],
    private readonly setup: {
      positions: ReadonlyMap<number, PositionSetup>
      cross: readonly boolean[]
      excluded: readonly boolean[]
      fundingFromLedger: readonly boolean[]
    },
    private readonly feeRates: { maker: number; taker: number } | null,
  ) {
    this.tiers = markets.map((m) => compileTier(tierFor(rules, m)))
    this.scale = markets.map((_m, i) => 10 ** (sizeDecimals[i] ?? 8))
    this.lastPrice = new Float64Array(markets.length).fill(Number.NaN)
    this.wallet = new Array<number>(accounts).fill(0)
    this.minFree = new Array<number>(accounts).fill(0)
    this.openings = new Array<number>(accounts).fill(0)
    this.held = Array.from({ length: accounts }, () => new Map<number, Held>())
  }

  private imRate(m: number, notional: number, qty: number, leverage: number | null): number {
    const tier = this.tiers[m]!
    const bracket = initialRate(tier, bracketAt(tier, notional), qty)
    return leverage && leverage > 0 ? Math.max(1 / leverage, bracket) : bracket
  }

  /** Free collateral of `acc` now (micro-units), cross positions valued at the last fill price of their market. */
  private free(acc: number): number {
    let free = this.wallet[acc]!
    for (const [m, h] of this.held[acc]!) {
      if (!h.cross) continue
      const px = this.lastPrice[m]!
      const qty = Math.abs(h.units) / this.scale[m]!
      free += toMicros(Math.sign(h.units) * qty * (px - h.entry) - qty * px * this.imRate(m, qty * px, qty, h.leverage))
    }
    return free
  }

  private check(acc: number): void {
    const f = this.free(acc)
    if (f < this.minFree[acc]!) this.minFree[acc] = f
  }

  process(batch: EventBatch, start = 0, end = batch.length): void {
    for (let i = start; i < end; i++) {
      const acc = batch.account[i]!
      if (acc < 0 || acc >= this.accounts || this.setup.excluded[acc]) continue
      const k = batch.kind[i]!
      if (k === EventKind.LEDGER) {
        const kind = batch.b[i]!
        if (kind === LedgerKind.funding && !this.setup.fundingFromLedger[acc]) continue
        this.wallet[acc] = this.wallet[acc]! + batch.a[i]!
        if (batch.a[i]! < 0) this.check(acc)
      } else if (k === EventKind.FILL)
        this.fill(acc, batch.market[i]!, batch.a[i]!, batch.b[i]!, batch.c[i]!, batch.d[i]!)
    }
  }

  private fill(acc: number, m: number, price: number, units: number, feeMicros: number, flags: number): void {
    if (units === 0) return
    this.lastPrice[m] = price
    if ((flags & FillFlag.opening) !== 0) this.openings[acc]!++
    const scale = this.scale[m]!
    let fee = feeMicros
    if ((flags & FillFlag.feeMissing) !== 0 && this.feeRates !== null) {
      const rate = (flags & FillFlag.maker) !== 0 ? this.feeRates.maker : this.feeRates.taker
      fee = toMicros((Math.abs(units) / scale) * price * rate)
    }
    const positions = this.held[acc]!
    const setup = this.setup.positions.get(accountKey(acc, m))
    let h = positions.get(m)
    const before = h?.units ?? 0
    let rest = units
    if (h && Math.sign(h.units) !== Math.sign(units)) {
      const close = Math.min(Math.abs(units), Math.abs(h.units))
      const realized = toMicros(Math.sign(h.units) * (close / scale) * (price - h.entry))
      const released = h.cross ? 0 : Math.round((h.margin * close) / Math.abs(h.units))
      this.wallet[acc] = this.wallet[acc]! + realized + released
      h.margin -= released
      h.units += Math.sign(units) * close
      rest -= Math.sign(units) * close
      if (h.units === 0) {
        this.wallet[acc] = this.wallet[acc]! + h.margin
        positions.delete(m)
        h = undefined
      }
    }
    if (rest !== 0) {
      const qty = Math.abs(rest) / scale
      if (!h) {
        h = {
          units: 0,
          entry: price,
          cross: setup ? setup.cross : this.setup.cross[acc]!,
          leverage: setup?.leverage ?? null,
          margin: 0,
        }
        positions.set(m, h)
      }
      const heldUnits = Math.abs(h.units)
      h.entry = (h.entry * heldUnits + price * Math.abs(rest)) / (heldUnits + Math.abs(rest))
      h.units += rest
      if (!h.cross) {
        const im = toMicros(qty * price * this.imRate(m, qty * price, qty, h.leverage))
        h.margin += im
        this.wallet[acc] = this.wallet[acc]! - im
      }
    }
    this.wallet[acc] = this.wallet[acc]! - fee
    // a fill that adds exposure must leave free collateral; one that only reduces is always allowed
    if (Math.abs(before + units) > Math.abs(before) || Math.sign(before + units) === -Math.sign(before)) this.check(acc)
  }

  result(): ImpliedBalances {
    return { implied: this.minFree.map((f) => Math.max(0, -f)), openingPositions: [...this.openings] }
  }
}
