// What an accounting lane of a sweep kernel produced, as its own backtest would have: its output hash (the kernel's
// rows with the lane's amounts, fund and deficit rows) and its summary (the kernel's counts with the lane's totals,
// funds and rules).
import type { OutputBytesSink } from '../backtest/outputs.ts'
import { summarize, type BacktestSummary } from '../backtest/summary.ts'
import type { KernelSpec } from '../host/session.ts'
import { LANE_LIQUIDATION_COLUMNS, type AccountingLane } from '../kernel/accountingLanes.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import type { RowBuffer } from '../kernel/outputs.ts'

const bytes = (col: Float64Array, length: number) => new Uint8Array(col.buffer, col.byteOffset, length * 8)

/**
 * Feeds the columns the lane owns of the kernel's pending rows to `sink`, as its own run would write them (the
 * column streams of backtest/outputs.ts outputColumns): the liquidation rows' amounts, the lane's fund and deficit
 * rows. Every other column is the kernel's, byte for byte while the lane follows it: its digest is taken from the
 * kernel's hash (OutputHash.digest's `shared`). Called before the kernel's buffers are drained.
 */
export function hashLaneOutputs(kernel: ReplayKernel, lane: AccountingLane, sink: OutputBytesSink): void {
  const length = kernel.outputs.liquidations.length
  for (const name of LANE_LIQUIDATION_COLUMNS) sink.update('liquidations', name, bytes(lane.liquidation[name], length))
  const own = { deficits: lane.deficitRows, fund: lane.fundRows }
  for (const [table, buffer] of Object.entries(own) as Array<[string, RowBuffer<string>]>) {
    for (const name of buffer.names) sink.update(table, name, bytes(buffer.cols[name]!, buffer.length))
  }
}

/** Liquidation fees of the kernel's pending rows under the lane, micro-units each. */
export function laneFees(kernel: ReplayKernel, lane: AccountingLane): Float64Array {
  return lane.liquidation.fee.subarray(0, kernel.outputs.liquidations.length)
}

/**
 * The lane's summary: summarize() over a view of the kernel whose totals are the kernel's with the lane's own
 * amounts, whose funds are the lane's and whose rules are the lane's (everything else the lane shares while it has
 * not diverged).
 */
export function laneSummary(
  kernel: ReplayKernel,
  lane: AccountingLane,
  spec: KernelSpec,
  outputHash: string,
): BacktestSummary {
  const view = Object.create(kernel) as ReplayKernel
  const t = lane.totals
  Object.defineProperties(view, {
    rules: { value: lane.rules },
    funds: { value: lane.funds },
    totals: {
      value: {
        ...kernel.totals,
        bankruptcies: t.bankruptcies,
        shortfall: t.shortfall,
        coveredByFund: t.coveredByFund,
        coveredByFeePool: t.coveredByFeePool,
        badDebt: t.badDebt,
        feesToFund: t.feesToFund,
        feesToOthers: t.feesToOthers,
        surplusToFund: t.surplusToFund,
        firstDeficitTs: t.firstDeficitTs,
      },
    },
  })
  return summarize(view, spec.fromUs, spec.plan, outputHash, spec.warnings)
}
