// Accounting lanes: rule sets that differ from the kernel's own only in what a liquidation pays and where it goes
// (fee rates, the fee's split, the insurance fund's and fee pool's opening balances) replayed by one kernel. Every
// position moves as under the kernel's rules; each lane keeps its own fees, fund balances, fund and deficit rows and
// the totals they make, and is marked diverged the moment one of its amounts would reach a position, a wallet or a
// loss step that changes positions (ADL, socialized loss) — from there on only its own kernel can replay it.
import { addMicros, toMicros } from '../money.ts'
import { ExactTotal } from '../exactTotal.ts'
import { liquidationFeeRate } from '../margin/positionRisk.ts'
import type { RuleSet } from '../rules/schema.ts'
import { Funds } from './funds.ts'
import { cappedFee, feeToFund } from './feeSplit.ts'
import { addDeficitRow, addFundRow, DEFICIT_COLUMNS, FUND_COLUMNS, RowBuffer } from './outputs.ts'

/** The liquidation row's columns whose values a lane owns (the rest are the kernel's). */
export const LANE_LIQUIDATION_COLUMNS = ['fee', 'feeToFund', 'surplus', 'returned', 'shortfall'] as const
type LaneLiquidationColumn = (typeof LANE_LIQUIDATION_COLUMNS)[number]

/** The totals a lane keeps for itself; every other total is the kernel's while the lane has not diverged. */
export interface LaneTotals {
  bankruptcies: number
  shortfall: ExactTotal
  coveredByFund: ExactTotal
  coveredByFeePool: ExactTotal
  badDebt: ExactTotal
  feesToFund: ExactTotal
  feesToOthers: ExactTotal
  surplusToFund: ExactTotal
  firstDeficitTs: number
}

/** What the kernel's partial clip settled: the lanes charge their fee on the same amounts. */
export interface SettledClip {
  /** Index of the kernel's liquidation row in its pending buffer. */
  row: number
  market: number
  fund: number
  seq: number
  /** Quantity × execution price: what the fee is charged on. */
  feeNotional: number
  /** Equity less slippage, micro-units (for a clip, its share of it): what a capped fee may take, and what is left. */
  afterSlippage: number
  /** The kernel's fee. */
  fee: number
}

/** What the kernel's full close settled, for the lanes to settle their own way. */
export interface SettledClose extends Omit<SettledClip, 'fee'> {
  ts: number
  takeover: boolean
  deleverageOnly: boolean
  account: number
  serial: number
  /** Notional at the trigger price, micro-units (the takeover cap compares it with the fund). */
  notional: number
  /** What the kernel returned to the account, and left uncovered after its waterfall. */
  returned: number
  uncovered: number
}

export class AccountingLane {
  readonly funds: Funds
  readonly feeRate: Float64Array
  /** Claims paid by the fund per market (its cumulative claim cap). */
  private readonly claimsPaid: Float64Array
  readonly totals: LaneTotals = {
    bankruptcies: 0,
    shortfall: new ExactTotal(),
    coveredByFund: new ExactTotal(),
    coveredByFeePool: new ExactTotal(),
    badDebt: new ExactTotal(),
    feesToFund: new ExactTotal(),
    feesToOthers: new ExactTotal(),
    surplusToFund: new ExactTotal(),
    firstDeficitTs: Number.NaN,
  }
  readonly fundRows = new RowBuffer(FUND_COLUMNS)
  readonly deficitRows = new RowBuffer(DEFICIT_COLUMNS)
  /** This lane's values of the kernel's pending liquidation rows, by row index. */
  readonly liquidation: Record<LaneLiquidationColumn, Float64Array>
  /** Why the lane left the kernel (null while it follows it). */
  diverged: string | null = null

  constructor(
    readonly rules: RuleSet,
    markets: readonly string[],
    drawdownWindowS: number,
  ) {
    this.funds = new Funds(rules, markets, drawdownWindowS)
    this.feeRate = Float64Array.from(markets, (m) => liquidationFeeRate(rules, m))
    this.claimsPaid = new Float64Array(markets.length)
    this.liquidation = Object.fromEntries(LANE_LIQUIDATION_COLUMNS.map((c) => [c, new Float64Array(256)])) as Record<
      LaneLiquidationColumn,
      Float64Array
    >
  }

  /** The opening balance of every fund, as the kernel's start writes them. */
  start(ts: number): void {
    for (let i = 0; i < this.funds.names.length; i++) this.fundRow(i, -1, 0, 0, -1, ts)
  }

  /** A clip of the kernel's: the same fee or the lane leaves (the fee is drawn from the position's collateral). */
  partial(c: SettledClip, now: number): void {
    const fee = cappedFee(this.rawFee(c.feeNotional, c.market), c.afterSlippage, this.rules.fees.cap)
    if (fee !== c.fee) return this.diverge('a partial liquidation charged a different fee to the position it left open')
    const toFund = this.distributeFee(fee, c.fund, c.market, c.seq, now)
    this.setRow(c.row, fee, toFund, 0, c.afterSlippage - fee, 0)
  }

  /** The fee before its cap, as the kernel's `fee` computes it under this lane's rate. */
  private rawFee(feeNotional: number, market: number): number {
    return toMicros(feeNotional * this.feeRate[market]!, 'liquidation fee')
  }

  /** A full close of the kernel's, settled under this lane's fees and funds. */
  close(c: SettledClose, now: number): void {
    const fee = cappedFee(this.rawFee(c.feeNotional, c.market), c.afterSlippage, this.rules.fees.cap)
    const residual = c.afterSlippage - fee
    let returned = 0
    let surplus = 0
    let shortfall = 0
    if (residual >= 0) {
      if (c.takeover) surplus = residual
      else returned = residual
    } else shortfall = -residual
    // a named account's wallet gets what is returned: another amount there moves its other positions
    if (c.account >= 0 && returned !== c.returned)
      return this.diverge('a liquidation returned a different amount to an account')
    const toFund = this.distributeFee(fee, c.fund, c.market, c.seq, now)
    if (surplus > 0) {
      this.fundMove(c.fund, surplus, 2, c.seq, c.market, now)
      this.totals.surplusToFund.add(surplus)
    }
    this.setRow(c.row, fee, toFund, surplus, returned, shortfall)
    if (shortfall > 0) this.bankrupt(c, shortfall, now)
    else if (c.account >= 0 && c.uncovered > 0)
      this.diverge('a liquidation left an account in deficit in one lane only')
  }

  /** The waterfall's accounting steps (fund, fee pool); a step that would move positions ends the lane. */
  private bankrupt(c: SettledClose, shortfall: number, now: number): void {
    let remaining = shortfall
    let byFund = 0
    let byPool = 0
    for (const step of this.rules.waterfall) {
      if (remaining <= 0) break
      if (c.deleverageOnly && step.kind !== 'adl') continue
      if (step.kind === 'insuranceFund') {
        const f = this.funds
        const cap = f.takeoverNotionalCap
        // where the held-notional cap binds, the kernel writes a guardrail row of its own
        if (cap !== null && c.takeover && c.notional > cap * f.balance[c.fund]!)
          return this.diverge('the fund takeover cap bound')
        const pay = Math.min(remaining, f.available(c.fund, c.market, this.claimsPaid[c.market]!, c.ts))
        if (pay > 0) {
          this.fundMove(c.fund, -pay, 3, c.seq, c.market, now)
          f.notePaid(c.fund, pay, c.ts)
          this.claimsPaid[c.market] = this.claimsPaid[c.market]! + pay
        }
        byFund += pay
        remaining -= pay
      } else if (step.kind === 'feePool') {
        const pay = Math.min(remaining, this.funds.feePool)
        if (pay > 0) {
          this.funds.feePool -= pay
          byPool += pay
          remaining -= pay
        }
      } else return this.diverge(`a shortfall reached the waterfall's ${step.kind} step`)
    }
    if (c.account >= 0 && remaining > 0 !== c.uncovered > 0)
      return this.diverge('a liquidation left an account in deficit in one lane only')
    const covered = { fund: byFund, feePool: byPool, adl: 0, socialized: 0 }
    addDeficitRow(this.deficitRows, c.ts, c.account, c.serial, c.market, c.seq, 0, shortfall, covered, remaining)
    const t = this.totals
    t.bankruptcies++
    t.shortfall.add(shortfall)
    t.coveredByFund.add(byFund)
    t.coveredByFeePool.add(byPool)
    t.badDebt.add(remaining)
    if (Number.isNaN(t.firstDeficitTs)) t.firstDeficitTs = c.ts
  }

  /** A deficit row of the kernel's that no lane amount decides (negative equity of an open position): copied. */
  copyDeficit(from: RowBuffer<(typeof DEFICIT_COLUMNS)[number]>, row: number): void {
    const o = this.deficitRows
    const i = o.add()
    for (const name of DEFICIT_COLUMNS) if (name !== 'seq') o.cols[name][i] = from.cols[name][row]!
  }

  private distributeFee(fee: number, fund: number, m: number, seq: number, now: number): number {
    if (fee <= 0) return 0
    const toFund = feeToFund(fee, this.rules.fees.insuranceShare)
    const rest = fee - toFund
    if (toFund > 0) this.fundMove(fund, toFund, 1, seq, m, now)
    if (rest > 0 && this.rules.fees.otherRecipient === 'feePool')
      this.funds.feePool = addMicros(this.funds.feePool, rest, 'fee pool')
    this.totals.feesToFund.add(toFund)
    this.totals.feesToOthers.add(rest)
    return toFund
  }

  private fundMove(fund: number, delta: number, reason: number, seq: number, market: number, now: number): void {
    this.funds.move(fund, delta, now)
    this.fundRow(fund, market, delta, reason, seq, now)
  }

  private fundRow(fund: number, market: number, delta: number, reason: number, seq: number, now: number): void {
    addFundRow(this.fundRows, now, fund, market, delta, this.funds.balance[fund]!, reason, seq)
  }

  private setRow(row: number, fee: number, toFund: number, surplus: number, returned: number, shortfall: number) {
    const l = this.liquidation
    if (row >= l.fee.length) {
      const size = Math.max(row + 1, l.fee.length * 2)
      for (const name of LANE_LIQUIDATION_COLUMNS) {
        const grown = new Float64Array(size)
        grown.set(l[name])
        l[name] = grown
      }
    }
    l.fee[row] = fee
    l.feeToFund[row] = toFund
    l.surplus[row] = surplus
    l.returned[row] = returned
    l.shortfall[row] = shortfall
  }

  diverge(why: string): void {
    this.diverged ??= why
  }

  /** The kernel's buffers were drained: so are the lane's own. */
  clear(): void {
    this.fundRows.clear()
    this.deficitRows.clear()
  }
}

/** The lanes of one kernel, fed by its liquidations; lanes that diverged are skipped. */
export class AccountingLanes {
  readonly lanes: AccountingLane[]

  constructor(rules: readonly RuleSet[], markets: readonly string[], drawdownWindowS: number) {
    this.lanes = rules.map((r) => new AccountingLane(r, markets, drawdownWindowS))
  }

  start(ts: number): void {
    for (const l of this.lanes) l.start(ts)
  }

  /** `c` is the kernel's, reused from one clip to the next: read, never kept. */
  partial(c: SettledClip, now: number): void {
    // (loops with try / catch in place: a closure per lane per liquidation is garbage by the million in a sweep)
    for (const l of this.lanes) {
      if (l.diverged !== null) continue
      try {
        l.partial(c, now)
      } catch (error) {
        leaveOn(l, error)
      }
    }
  }

  /** `c` is the kernel's, reused from one close to the next: read, never kept. */
  close(c: SettledClose, now: number): void {
    for (const l of this.lanes) {
      if (l.diverged !== null) continue
      try {
        l.close(c, now)
      } catch (error) {
        leaveOn(l, error)
      }
    }
  }

  copyDeficit(from: RowBuffer<(typeof DEFICIT_COLUMNS)[number]>, row: number): void {
    for (const l of this.lanes) if (l.diverged === null) l.copyDeficit(from, row)
  }

  /** The kernel's own waterfall reached a step that moves positions: no lane's amounts can follow it. */
  divergeAll(why: string): void {
    for (const l of this.lanes) l.diverge(why)
  }

  clear(): void {
    for (const l of this.lanes) l.clear()
  }
}

/** A lane whose amount leaves the exact range fails as its own kernel would: it leaves, and its own kernel says so. */
function leaveOn(lane: AccountingLane, error: unknown): void {
  lane.diverge(error instanceof Error ? error.message : String(error))
}
