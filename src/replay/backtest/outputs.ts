// Turns the kernel's numeric output buffers into named rows for the result tables, then clears the buffers.
import type { ResultBatch } from '../../store/results/backtestResults.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
} from '../kernel/outputs.ts'

const side = (s: number) => (s > 0 ? 'long' : 'short')
const orNull = (n: number) => (Number.isFinite(n) ? n : null)

export function drainOutputs(kernel: ReplayKernel): ResultBatch {
  const o = kernel.outputs
  const name = (acc: number, serial: number) => kernel.accountName(acc, serial)
  const market = (m: number) => kernel.markets[m]!.symbol
  const rows = <K extends string, R>(
    buffer: { length: number; cols: Record<K, Float64Array> },
    map: (c: Record<K, Float64Array>, i: number) => R,
  ): R[] => Array.from({ length: buffer.length }, (_, i) => map(buffer.cols, i))
  const batch: ResultBatch = {
    liquidations: rows(o.liquidations, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      account: name(c.account[i]!, c.serial[i]!),
      market: market(c.market[i]!),
      side: side(c.side[i]!),
      kind: LIQUIDATION_KINDS[c.kind[i]!]!,
      qty: c.qty[i]!,
      notional: c.notional[i]!,
      triggerMark: c.triggerMark[i]!,
      liquidationPrice: orNull(c.liquidationPrice[i]!),
      bankruptcyPrice: orNull(c.bankruptcyPrice[i]!),
      fillPrice: c.fillPrice[i]!,
      marketPrice: c.marketPrice[i]!,
      fee: c.fee[i]!,
      feeToFund: c.feeToFund[i]!,
      equity: c.equity[i]!,
      slippage: c.slippage[i]!,
      surplus: c.surplus[i]!,
      returned: c.returned[i]!,
      shortfall: c.shortfall[i]!,
    })),
    deficits: rows(o.deficits, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      account: name(c.account[i]!, c.serial[i]!),
      market: market(c.market[i]!),
      liquidationSeq: c.liquidationSeq[i]! >= 0 ? c.liquidationSeq[i]! : null,
      kind: DEFICIT_KINDS[c.kind[i]!]!,
      shortfall: c.shortfall[i]!,
      fund: c.fund[i]!,
      feePool: c.feePool[i]!,
      adl: c.adl[i]!,
      socialized: c.socialized[i]!,
      uncovered: c.uncovered[i]!,
    })),
    fund: rows(o.fund, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      fund: kernel.funds.names[c.fund[i]!]!,
      market: c.market[i]! >= 0 ? market(c.market[i]!) : null,
      reason: FUND_REASONS[c.reason[i]!]!,
      delta: c.delta[i]!,
      balance: c.balance[i]!,
      liquidationSeq: c.liquidationSeq[i]! >= 0 ? c.liquidationSeq[i]! : null,
    })),
    adl: rows(o.adl, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      market: market(c.market[i]!),
      liquidationSeq: c.liquidationSeq[i]! >= 0 ? c.liquidationSeq[i]! : null,
      account: name(c.account[i]!, c.serial[i]!),
      side: side(c.side[i]!),
      qty: c.qty[i]!,
      fillPrice: c.fillPrice[i]!,
      mark: c.mark[i]!,
      rank: c.rank[i]!,
      score: orNull(c.score[i]!),
      realizedPnl: c.realizedPnl[i]!,
      haircut: c.haircut[i]!,
      covered: c.covered[i]!,
    })),
    social: rows(o.social, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      market: market(c.market[i]!),
      liquidationSeq: c.liquidationSeq[i]!,
      amount: c.amount[i]!,
      perBase: c.perBase[i]!,
      totalBase: c.totalBase[i]!,
      positions: c.positions[i]!,
    })),
    guardrails: rows(o.guardrails, (c, i) => ({
      seq: c.seq[i]!,
      tsUs: c.ts[i]!,
      market: GUARDRAIL_KINDS[c.kind[i]!] === 'withdrawalGating' ? null : market(c.market[i]!),
      kind: GUARDRAIL_KINDS[c.kind[i]!]!,
      action: GUARDRAIL_ACTIONS[c.action[i]!]!,
      value: orNull(c.value[i]!),
      threshold: orNull(c.threshold[i]!),
      account: c.account[i]! >= 0 || c.serial[i]! >= 0 ? name(c.account[i]!, c.serial[i]!) : null,
    })),
  }
  o.clear()
  return batch
}
