// Hyperliquid preset after 12 Mar 2025 (BTC 40x, ETH 25x [H13]): tiers [H6], MM = ½ IM at max leverage [H1],
// 20% clips [H7], backstop vault below ⅔·MM [H1], ADL at the previous mark [H2], hourly funding [H10].
import type { RuleSetInput } from '../schema.ts'
import { DEFAULT_IMPACT, IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'

/** Two-step tier: maxLev up to `cap` notional, then `lev2`; MMR = ½ × 1/maxLev [H1][H6]. */
const tier = (lev1: number, cap: number, lev2: number) => ({
  brackets: [
    { notionalFloor: 0, maxLeverage: lev1, mmr: 0.5 / lev1, imr: 1 / lev1 },
    { notionalFloor: cap, maxLeverage: lev2, mmr: 0.5 / lev2, imr: 1 / lev2 },
  ],
})

/**
 * Account replays: HLP, the venue's own market-making vault that takes over backstopped positions, is a system account
 * (its address as DefiLlama's hyperliquid-hlp adapter and Bitquery's vault docs give it; venue-rules lists none); the
 * base-tier fee schedule charged on fills that carry no fee.
 */
export const HYPERLIQUID_ACCOUNTS: NonNullable<RuleSetInput['accounts']> = {
  systemAccounts: [
    {
      id: '0xdfc24b077bc1425ad1dea75bcb6f8158e10df303',
      label: 'HLP vault',
      source: 'third-party: DefiLlama hyperliquid-hlp adapter, Bitquery Hyperliquid vaults API docs',
    },
  ],
  fillFees: { maker: 0.00015, taker: 0.00045 },
}

/**
 * The 2025 mechanics (trigger, clips and backstop, path and impact, fees, ADL then the vault, withdrawal gating, hourly
 * funding): the 2023 preset takes them too, since venue-rules dates none of them earlier.
 */
export const HYPERLIQUID_MECHANICS = {
  trigger: { kind: 'equityBelowMaintenance' },
  execution: {
    kind: 'market',
    partial: { thresholdNotional: 100_000, fraction: 0.2, cooldownS: 30 },
    backstop: { belowMaintenanceFraction: 2 / 3 },
    intrabar: { path: 'ohlc', reactionS: 3 },
    impact: DEFAULT_IMPACT,
  },
  fees: { liquidationFeeRate: 0, cap: 'remainingEquity' },
  waterfall: [
    {
      kind: 'adl',
      trigger: { kind: 'negativeEquity' },
      ranking: 'markOverEntryTimesNotionalOverEquity',
      fillPrice: 'previousMark',
    },
    { kind: 'insuranceFund' },
  ],
  guardrails: { withdrawalGating: { whileDeficit: false, requireInitialMargin: true, minNotionalFraction: 0.1 } },
  funding: {
    intervalH: 1,
    source: 'observed',
    interestRate8h: 0.0001,
    premiumClamp8h: 0.0005,
    capPerHour: 0.04,
    paymentPrice: 'oracle',
  },
} satisfies Partial<RuleSetInput>

export const hyperliquidPresets: RuleSetInput[] = [
  {
    name: 'hyperliquid',
    venue: 'hyperliquid',
    description:
      'Hyperliquid perps: market liquidation in 20% clips, Liquidator-vault backstop below ⅔·MM, ADL at the previous mark.',
    effective: {
      from: '2025-03-12',
      basis: 'announced',
      note: 'max leverage cut to BTC 40x and ETH 25x after the 12 Mar 2025 ETH whale [H13]',
    },
    sources: ['H1', 'H2', 'H4', 'H6', 'H7', 'H8', 'H10', 'H11', 'H13'],
    notes: [
      "the backstop vault is the loss absorber after ADL (insuranceFund): $300M, HLP's TVL in October 2025 (3p; $451M on 12 Mar 2025 per Lookonchain, the $4M ETH-whale loss being ≈ 1% of it [H13][H15]); after JELLY the Liquidator sub-vault is capped at a small share of HLP [H17], so a stricter test sets it lower",
      'Hyperliquid charges no separate liquidation fee; the backstop keeps the maintenance margin [H1]',
      'mark = median(oracle + EMA150(last − oracle), last, EMA30(last)): the two-component rule of [H4] without CEX perp mids',
      'accounts: fills without a fee are charged the base tier (maker 0.015%, taker 0.045%, the fees page; not in venue-rules); HLP is a system account (third-party address)',
      IMPACT_NOTE,
      INTRABAR_NOTE + ' (3 s: validators publish the oracle every 3 s [H3])',
    ],
    price: { mark: { method: 'oracleEmaBasis', emaWindowS: 150, bookEmaWindowS: 30 } },
    margin: {
      mode: 'cross',
      default: tier(10, 20_000_000, 5),
      markets: {
        BTC: tier(40, 150_000_000, 20),
        ETH: tier(25, 100_000_000, 15),
        SOL: tier(20, 70_000_000, 10),
        XRP: tier(20, 40_000_000, 10),
      },
    },
    ...HYPERLIQUID_MECHANICS,
    insuranceFund: { label: 'liquidator vault', initialBalance: '300000000', scope: 'pooled' },
    accounts: HYPERLIQUID_ACCOUNTS,
  },
]
