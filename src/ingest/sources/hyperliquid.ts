// Source hyperliquid: the Hyperliquid info API — candles and funding per coin; fills, ledger and a margin snapshot
// per account — for UTC days that have ended, every request under one rate-limit weight budget.
import { z } from 'zod'
import { HYPERLIQUID_ACCOUNT_DATASETS, HYPERLIQUID_DATASETS, type HyperliquidDataset } from '../../domain/sources.ts'
import { CANDLE_INTERVALS } from '../hyperliquid/candles.ts'
import { VENUE } from '../hyperliquid/info.ts'
import { planHyperliquid } from '../hyperliquid/plan.ts'
import { WeightBudget } from '../weightBudget.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, forceFlag } from './flags.ts'
import { baseUrl, closedDayRange, force, keyOf, refineDayOrder, requireTargetsFor, resolveDays } from './params.ts'

const coin = z.string().regex(/^[A-Za-z0-9_.:@/-]{1,40}$/, 'a coin as the info API names it, e.g. BTC or kPEPE')
// Addresses are case-insensitive hex; the venue reports them in lower case, so they are kept that way.
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'addresses: 0x and 40 hex digits')
  .transform((a) => a.toLowerCase())

const COIN_DATASETS = HYPERLIQUID_DATASETS.filter((d) => !HYPERLIQUID_ACCOUNT_DATASETS.includes(d))

/** Without datasets: the coin datasets when coins are given, the account datasets when accounts are. */
const defaultDatasets = (coins: readonly string[], accounts: readonly string[]): HyperliquidDataset[] => [
  ...(coins.length ? COIN_DATASETS : []),
  ...(accounts.length ? HYPERLIQUID_ACCOUNT_DATASETS : []),
]

const fields = z
  .object({
    coins: z.array(coin).default([]),
    accounts: z.array(address).default([]),
    datasets: z.array(z.enum(HYPERLIQUID_DATASETS)).min(1).optional(),
    ...closedDayRange,
    interval: keyOf(CANDLE_INTERVALS).optional(),
    baseUrl: baseUrl.optional(),
    force,
  })
  .strict()
  .refine((p) => p.coins.length > 0 || p.accounts.length > 0, { message: 'coins and/or accounts', path: ['coins'] })
  .transform((p) => ({ ...p, datasets: p.datasets ?? defaultDatasets(p.coins, p.accounts) }))

export const hyperliquidSource = defineSource({
  id: 'hyperliquid',
  source: VENUE,
  description:
    'Hyperliquid candles, funding, account fills, ledger and margin snapshots (from/to default to yesterday).',
  datasets: HYPERLIQUID_DATASETS,
  params: requireTargetsFor(refineDayOrder(fields), {
    coins: { datasets: COIN_DATASETS, message: 'at least one coin for the candles and funding datasets' },
    accounts: {
      datasets: HYPERLIQUID_ACCOUNT_DATASETS,
      message: 'at least one account for the fills, ledger and state datasets',
    },
  }),
  plan(params, { config, now }) {
    const budget = new WeightBudget({ capacity: config.hyperliquidWeightPerMinute, windowMs: 60_000 })
    return {
      partitions: planHyperliquid({
        baseUrl: params.baseUrl ?? config.hyperliquidBaseUrl,
        coins: params.coins,
        accounts: params.accounts,
        datasets: params.datasets,
        ...resolveDays(params),
        interval: params.interval ?? config.hyperliquidCandleInterval,
        budget,
        snapshotAt: now,
      }),
      finished: (log) => log.info({ weightSpent: budget.spent }, 'hyperliquid info weight spent'),
    }
  },
  schedules(config) {
    const coins = config.ingestHyperliquidCoins ?? []
    const accounts = config.ingestHyperliquidAccounts ?? []
    if (!coins.length && !accounts.length) return []
    // No from/to: the job takes yesterday (UTC) each time it runs; the margin snapshot is taken then.
    return [
      { name: 'ingest-hyperliquid-daily', params: { coins, accounts, datasets: defaultDatasets(coins, accounts) } },
    ]
  },
  cli: {
    summary: 'Hyperliquid info API: candles, funding, account fills (+ liquidations), ledger, margin snapshots',
    flags: [
      {
        flag: '--coins <list>',
        description: 'comma-separated coins for candles and funding, e.g. BTC,ETH',
        param: 'coins',
        kind: 'list',
      },
      {
        flag: '--accounts <list>',
        description: 'comma-separated addresses for fills, ledger and state, e.g. 0xb7b6…',
        param: 'accounts',
        kind: 'list',
      },
      {
        flag: '--datasets <list>',
        description: `comma-separated: ${HYPERLIQUID_DATASETS.join(', ')} (default: candles,funding with --coins; fills,ledger,state with --accounts)`,
        param: 'datasets',
        kind: 'list',
      },
      // A margin snapshot is taken now: a run of only `state` needs no days.
      ...dayFlags('inclusive, already ended', (raw) => {
        const datasets = raw.datasets as string[] | undefined
        return datasets === undefined || datasets.some((d) => d !== 'state')
      }),
      {
        flag: '--interval <interval>',
        description: `candle interval: ${Object.keys(CANDLE_INTERVALS).join(', ')}`,
        param: 'interval',
        kind: 'text',
      },
      baseUrlFlag('API', 'HYPERLIQUID_BASE_URL'),
      forceFlag(),
    ],
  },
})
