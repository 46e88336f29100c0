// The first-start demo's backtest per scenario: which preset (venue and era of the incident the scenario models) and
// which positions (the scenario's own account fills where it publishes them, a synthetic population otherwise). One
// table, repeated in the README ("Run it"); a test checks that every scenario of the library has a row.

export interface DemoBacktest {
  /** A preset reference, pinned to the version in force at the incident (`backstop rules list`). */
  preset: string
  positions: 'accounts' | 'synthetic'
  /** Why this preset fits (the incident's venue and date, or the closest preset there is). */
  why: string
}

export const DEMO_BACKTESTS: Readonly<Record<string, DemoBacktest>> = {
  'mango-self-trade-pump': {
    preset: 'drift@2026-04-01',
    positions: 'accounts',
    why: 'Mango Markets (Solana perps, Oct 2022) has no preset; Drift is the Solana perp venue with one',
  },
  'jelly-self-trade-takeover': {
    preset: 'hyperliquid@2025-03-12',
    positions: 'accounts',
    why: 'Hyperliquid, 26 Mar 2025: the rules in force after the 12 Mar 2025 leverage cut',
  },
  'eth-whale-withdrawal': {
    preset: 'hyperliquid@2023-07-17',
    positions: 'accounts',
    why: 'Hyperliquid, 12 Mar 2025: 50x ETH was still allowed (the cut to 25x came after the incident)',
  },
  'xpl-mark-sweep': {
    preset: 'hyperliquid@2025-03-12',
    positions: 'accounts',
    why: 'Hyperliquid, 26-27 Aug 2025: the rules in force since the 12 Mar 2025 leverage cut',
  },
  'yfi-oi-growth': {
    preset: 'dydx-v4@2026-03-04',
    positions: 'accounts',
    why: 'dYdX (v3 in Nov 2023; v4 is the dYdX preset there is)',
  },
  'cascade-crash': {
    preset: 'binance-um@2025-09-18',
    positions: 'synthetic',
    why: 'Binance USDⓈ-M on 10 Oct 2025; the scenario publishes no account fills',
  },
  'gmx-oracle-push': {
    preset: 'gmx-v2@2026-03-13',
    positions: 'accounts',
    why: 'GMX (v1 in Sep 2022; v2 is the oracle-priced GMX preset there is)',
  },
  'funding-squeeze': {
    preset: 'binance-um@2025-09-18',
    positions: 'accounts',
    why: 'funding per Binance (premium + clamp); not a dated incident, so the current preset',
  },
  'oracle-front-run': {
    preset: 'gmx-v2@2026-03-13',
    positions: 'accounts',
    why: 'an oracle-priced venue, as GMX is',
  },
  'calm-trend': {
    preset: 'bybit@2025-01-01',
    positions: 'accounts',
    why: 'control: Bybit USDT perpetuals as in force in Jun 2025',
  },
  'calm-volatile': {
    preset: 'okx@2026-04-01',
    positions: 'accounts',
    why: 'control: a CEX preset (Feb 2025; OKX has one version)',
  },
  'calm-high-volume': {
    preset: 'binance-um@2021-03-18',
    positions: 'accounts',
    why: 'control: Binance USDⓈ-M as in force in Nov 2024',
  },
}

/** The markets a scenario's backtest replays: its own venue's markets (a reference venue's copy, `M@R`, is not). */
export const demoBacktestMarkets = (markets: readonly string[]): string[] => markets.filter((m) => !m.includes('@'))
