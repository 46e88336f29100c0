// Hyperliquid as of July 2023: 50x on every coin with maintenance at half the initial margin (MMR 1%), from the
// venue's own `meta` response recorded on 2023-07-17 (../shared/data/hyperliquid-info-api/meta_2023-07-17.json).
import type { RuleSetInput } from '../schema.ts'
import { IMPACT_NOTE, INTRABAR_NOTE } from './common.ts'
import { HYPERLIQUID_ACCOUNTS, HYPERLIQUID_MECHANICS } from './hyperliquid.ts'

/** Every coin of the 2023-07-17 meta lists maxLeverage 50; MM = ½ × IM at max leverage [H1]. */
const flat50 = { brackets: [{ notionalFloor: 0, maxLeverage: 50, mmr: 0.5 / 50, imr: 1 / 50 }] }

export const hyperliquid2023Presets: RuleSetInput[] = [
  {
    name: 'hyperliquid',
    venue: 'hyperliquid',
    description: 'Hyperliquid perps in 2023: 50x on every coin, maintenance 1% (half the initial margin).',
    effective: {
      from: '2023-07-17',
      basis: 'recorded',
      note: 'the info API meta response of 2023-07-17 (hyperliquid-python-sdk test cassette, commit 7ee976d1): maxLeverage 50 for all 28 coins',
    },
    sources: ['H1', 'H2', 'H10'],
    notes: [
      'tiers: one bracket per coin at the recorded maxLeverage 50; MM = ½ IM at max leverage [H1]',
      'execution (20% clips over $100k, backstop below ⅔·MM), ADL and funding are those of the 2025 preset: venue-rules dates none of them before 2025, so they are assumptions for 2023',
      'fills of 2023 carry their own fee (0.0 on the recorded fills): no schedule is charged',
      'the backstop vault size is a placeholder',
      IMPACT_NOTE,
      INTRABAR_NOTE + ' (3 s: validators publish the oracle every 3 s [H3])',
    ],
    price: { mark: { method: 'oracleEmaBasis', emaWindowS: 150, bookEmaWindowS: 30 } },
    margin: { mode: 'cross', default: flat50 },
    ...HYPERLIQUID_MECHANICS,
    insuranceFund: { label: 'liquidator vault', initialBalance: '100000000', scope: 'pooled' },
    accounts: { ...HYPERLIQUID_ACCOUNTS, fillFees: null },
  },
]
