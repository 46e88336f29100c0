// Job: ingest Hyperliquid info-API history (candles and funding per coin; fills, ledger and a margin snapshot per
// account) for some UTC days; from/to default to yesterday, which is what the daily schedule runs.
import { z } from 'zod'
import { CANDLE_INTERVALS } from '../../src/ingest/hyperliquid/candles.ts'
import { VENUE } from '../../src/ingest/hyperliquid/info.ts'
import { HYPERLIQUID_ACCOUNT_DATASETS as ACCOUNT_DATASETS, HYPERLIQUID_DATASETS } from '../../src/domain/sources.ts'
import { planHyperliquid } from '../../src/ingest/hyperliquid/plan.ts'
import { WeightBudget } from '../../src/ingest/weightBudget.ts'
import { defineJob } from '../job.ts'
import { refineClosedDays } from './closedDays.ts'
import { baseUrl, dayRange, refineDayOrder, resolveDays, runIngestion } from './common.ts'

const coin = z.string().regex(/^[A-Za-z0-9_.:@/-]{1,40}$/, 'a coin as the info API names it, e.g. BTC or kPEPE')
// Addresses are case-insensitive hex; the venue reports them in lower case, so they are kept that way.
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits')
  .transform((a) => a.toLowerCase())

export const hyperliquidParams = z
  .object({
    coins: z.array(coin).default([]),
    accounts: z.array(address).default([]),
    datasets: z
      .array(z.enum(HYPERLIQUID_DATASETS))
      .min(1)
      .default([...HYPERLIQUID_DATASETS]),
    ...dayRange,
    interval: z
      .string()
      .refine((i) => i in CANDLE_INTERVALS, `one of ${Object.keys(CANDLE_INTERVALS).join(', ')}`)
      .optional(),
    baseUrl: baseUrl.optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine(refineClosedDays, { message: 'a UTC day that has ended (before today)', path: ['to'] })
  .refine((p) => !p.datasets.some((d) => !ACCOUNT_DATASETS.includes(d)) || p.coins.length > 0, {
    message: 'at least one coin for the candles and funding datasets',
    path: ['coins'],
  })
  .refine((p) => !p.datasets.some((d) => ACCOUNT_DATASETS.includes(d)) || p.accounts.length > 0, {
    message: 'at least one account for the fills, ledger and state datasets',
    path: ['accounts'],
  })

export const hyperliquidJob = defineJob({
  name: 'ingest.hyperliquid',
  description:
    'Hyperliquid candles, funding, account fills, ledger and margin snapshots (from/to default to yesterday).',
  params: hyperliquidParams,
  async run(context, params) {
    const { config } = context.runtime
    const budget = new WeightBudget({ capacity: config.hyperliquidWeightPerMinute, windowMs: 60_000 })
    const planned = planHyperliquid({
      baseUrl: params.baseUrl ?? config.hyperliquidBaseUrl,
      coins: params.coins,
      accounts: params.accounts,
      datasets: params.datasets,
      ...resolveDays(params),
      interval: params.interval ?? config.hyperliquidCandleInterval,
      budget,
      snapshotAt: new Date(),
    })
    const outcome = await runIngestion(context, VENUE, planned, { force: params.force })
    context.log.info({ weightSpent: budget.spent }, 'hyperliquid info weight spent')
    return outcome
  },
})
