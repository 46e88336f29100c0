// A liquidation fee's cap and split, in micro-units: the one place the kernel and its accounting lanes take them from.
import type { RuleSet } from '../rules/schema.ts'

/** The fee charged: with `remainingEquity` never more than what the position has left after slippage (≥ 0). */
export function cappedFee(rawFee: number, afterSlippage: number, cap: RuleSet['fees']['cap']): number {
  return cap === 'remainingEquity' ? Math.min(rawFee, Math.max(0, afterSlippage)) : rawFee
}

/** The fee's share for the insurance fund (rounded down: the rest goes to the other recipient). */
export function feeToFund(fee: number, insuranceShare: number): number {
  return Math.floor(fee * insuranceShare)
}
