// Assumptions shared by presets where venue-rules publishes no number (each preset repeats them in `notes`).
import type { RuleSetInput } from '../schema.ts'

/**
 * Square-root market impact over one minute of observed volume: slip = 0.002·√(notional / 60 s quote volume), at
 * most 10%. Venues do not publish this; it is the backtester's model of "slippage from observed liquidity".
 */
export const DEFAULT_SLIPPAGE: NonNullable<RuleSetInput['execution']['slippage']> = {
  model: 'sqrtVolume',
  coefficient: 0.002,
  maxFraction: 0.1,
  volumeWindowS: 60,
}

export const SLIPPAGE_NOTE =
  'execution.slippage is a model (square-root impact on observed 60 s volume, coefficient 0.002, cap 10%), not a venue number'

export const FUND_SIZE_NOTE =
  'insuranceFund.initialBalance is a placeholder to set to the fund size of the period you replay (venue-rules gives no balance)'
