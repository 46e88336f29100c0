// Output rows: fund movements (with the fund series), liquidation rows and guardrail rows.
import { toMicros } from '../money.ts'
import { AccountState } from './accountState.ts'
import { addFundRow } from './outputs.ts'

export abstract class OutputRows extends AccountState {
  protected fundMove(fund: number, delta: number, reason: number, liqSeq: number, market: number): void {
    this.funds.move(fund, delta, this.now)
    this.fundRow(fund, market, delta, reason, liqSeq)
  }

  protected fundRow(fund: number, market: number, delta: number, reason: number, liqSeq: number): void {
    addFundRow(this.outputs.fund, this.now, fund, market, delta, this.funds.balance[fund]!, reason, liqSeq)
  }

  protected liquidationRow(
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

  protected guardrailRow(
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
}
