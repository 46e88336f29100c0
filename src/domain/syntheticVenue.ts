// The synthetic venue's rules that generated scenarios follow, shared so detectors and replays read the same numbers.

/**
 * Maximum leverage per synthetic market (markets not listed: 20x). Maintenance margin is half the initial margin at
 * maximum leverage, as on Hyperliquid: MMR = 0.5 / maxLeverage.
 */
export const SYNTHETIC_MAX_LEVERAGE: Readonly<Record<string, number>> = {
  'MANGO-PUMP-PERP': 10,
  'JELLY-TAKEOVER-PERP': 5,
  'ETH-WHALE-PERP': 50,
  'XPL-SWEEP-PERP': 3,
  'YFI-OI-PERP': 10,
  'CALM-BUSY-PERP': 50,
  'CALM-TREND-PERP': 25,
  'CALM-VOLATILE-PERP': 20,
}

export const SYNTHETIC_DEFAULT_MAX_LEVERAGE = 20

export const syntheticMaxLeverage = (market: string): number =>
  SYNTHETIC_MAX_LEVERAGE[market] ?? SYNTHETIC_DEFAULT_MAX_LEVERAGE

/** Maintenance margin rate of a synthetic market: ½ × 1 / max leverage. */
export const syntheticMaintenanceRate = (market: string): number => 0.5 / syntheticMaxLeverage(market)

/** The venue's system account that takes over liquidated positions (Hyperliquid's liquidator vault, HLP). */
export const SYNTHETIC_BACKSTOP_ACCOUNT = 'backstop-vault'
