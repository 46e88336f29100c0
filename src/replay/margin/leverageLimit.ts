// The most leverage a venue lets a position of a given size open with: the calculator warns above it, and explicit
// positions of a backtest are refused (or flagged) the same way [issue 16].
import { bracketAt, type CompiledTier } from './brackets.ts'
import { oiScaledImf } from './oiScaled.ts'
import { initialRate } from './requirement.ts'

/**
 * Initial margin rate a position of `qty` and `notional` needs: its bracket's IMR (with the size premium [R3]), scaled
 * by the market's open interest where the tier does [D1].
 */
export function requiredInitialRate(
  tier: CompiledTier,
  qty: number,
  notional: number,
  openInterestNotional?: number,
): number {
  const required = initialRate(tier, bracketAt(tier, notional), qty)
  return openInterestNotional === undefined
    ? required
    : oiScaledImf(required, openInterestNotional, tier.oiLowerCap, tier.oiUpperCap)
}

/** The calculator's warning when `leverage` is more than `required` allows, else null. */
export function leverageWarning(leverage: number, required: number): string | null {
  return 1 / leverage < required * (1 - 1e-12)
    ? `leverage ${leverage}x exceeds the maximum ${(1 / required).toFixed(2)}x for this size`
    : null
}
