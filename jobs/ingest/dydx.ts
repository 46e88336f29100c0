// Job: ingest dYdX v4 indexer history (trades with liquidations, funding with oracle prices, candles per market;
// fills and transfers per subaccount) for some UTC days; from/to default to yesterday.
import { z } from 'zod'
import { parseSubaccount } from '../../src/ingest/dydx/account.ts'
import { DYDX_RESOLUTIONS } from '../../src/ingest/dydx/candles.ts'
import { VENUE } from '../../src/ingest/dydx/indexer.ts'
import { DYDX_DATASETS } from '../../src/domain/sources.ts'
import { planDydx } from '../../src/ingest/dydx/plan.ts'
import { defineJob } from '../job.ts'
import { refineClosedDays } from './closedDays.ts'
import { baseUrl, dayRange, refineDayOrder, resolveDays, runIngestion } from './common.ts'

const ACCOUNT: readonly string[] = ['fills', 'ledger']

export const dydxParams = z
  .object({
    markets: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'a ticker such as BTC-USD')).default([]),
    subaccounts: z
      .array(z.string().refine((s) => parseSubaccount(s) !== null, 'address/subaccountNumber, e.g. dydx1…/0'))
      .default([]),
    datasets: z.array(z.enum(DYDX_DATASETS)).min(1).default(['trades', 'funding', 'candles']),
    ...dayRange,
    resolution: z
      .string()
      .refine((r) => r in DYDX_RESOLUTIONS, `one of ${Object.keys(DYDX_RESOLUTIONS).join(', ')}`)
      .optional(),
    baseUrl: baseUrl.optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine(refineClosedDays, { message: 'a UTC day that has ended (before today)', path: ['to'] })
  .refine((p) => !p.datasets.some((d) => !ACCOUNT.includes(d)) || p.markets.length > 0, {
    message: 'at least one market for the trades, funding and candles datasets',
    path: ['markets'],
  })
  .refine((p) => !p.datasets.some((d) => ACCOUNT.includes(d)) || p.subaccounts.length > 0, {
    message: 'at least one subaccount for the fills and ledger datasets',
    path: ['subaccounts'],
  })

export const dydxJob = defineJob({
  name: 'ingest.dydx',
  description: 'dYdX v4 trades, liquidations, funding, candles, subaccount fills and transfers (from/to: yesterday).',
  params: dydxParams,
  async run(context, params) {
    const { config } = context.runtime
    const planned = planDydx({
      baseUrl: params.baseUrl ?? config.dydxIndexerUrl,
      markets: params.markets,
      subaccounts: params.subaccounts.map((s) => parseSubaccount(s)!),
      datasets: params.datasets,
      ...resolveDays(params),
      resolution: params.resolution ?? config.dydxCandleResolution,
    })
    return runIngestion(context, VENUE, planned, { force: params.force })
  },
})
