// The categories of the backtest output tables (liquidation kinds, deficit kinds, fund reasons, guardrail kinds and
// actions): the kernel writes them as codes (their index here), the store names them, the API filters and serves them.

/** `shadow`: a liquidation the engine would have made of a named account in a reconciliation run (not applied). */
export const LIQUIDATION_KINDS = ['full', 'partial', 'takeover', 'backstop', 'deleveraged', 'shadow'] as const
export const DEFICIT_KINDS = ['shortfall', 'negativeEquity'] as const
export const FUND_REASONS = ['initial', 'fee', 'surplus', 'payout'] as const
export const GUARDRAIL_KINDS = [
  'priceBand',
  'circuitBreaker',
  'markCap',
  'oiCap',
  'withdrawalGating',
  'takeoverNotionalCap',
  'fillRejected',
  'blockLossCap',
] as const
export const GUARDRAIL_ACTIONS = [
  'pauseLiquidations',
  'resumeLiquidations',
  'capMark',
  'refuse',
  'skipFund',
  'retry',
  'limitFund',
  'acceptOpenings',
] as const

export type LiquidationKind = (typeof LIQUIDATION_KINDS)[number]
export type DeficitKind = (typeof DEFICIT_KINDS)[number]
export type FundReason = (typeof FUND_REASONS)[number]
export type GuardrailKind = (typeof GUARDRAIL_KINDS)[number]
export type GuardrailAction = (typeof GUARDRAIL_ACTIONS)[number]
