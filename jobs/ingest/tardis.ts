// Job: ingest Tardis.dev CSV files (trades, derivative_ticker, liquidations) from its datasets URL or a local
// directory of downloaded files.
import { z } from 'zod'
import { TARDIS_TYPES } from '../../src/domain/sources.ts'
import { TARDIS, planTardis } from '../../src/ingest/tardis/connector.ts'
import { defineJob } from '../job.ts'
import { baseUrl, dayRange, httpClientFor, refineDayOrder, resolveDays, runIngestion, symbols } from './common.ts'

export const tardisParams = z
  .object({
    exchange: z.string().regex(/^[a-z0-9-]+$/, 'a Tardis exchange id such as binance-futures'),
    types: z.array(z.enum(TARDIS_TYPES)).min(1).default(['trades', 'derivative_ticker', 'liquidations']),
    symbols,
    ...dayRange,
    baseUrl: baseUrl.optional(),
    dir: z.string().min(1).optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine((p) => !(p.baseUrl && p.dir), { message: 'give baseUrl or dir, not both', path: ['dir'] })

export const tardisJob = defineJob({
  name: 'ingest.tardis',
  description: 'Tardis.dev CSV files (trades, derivative_ticker, liquidations) into DuckDB.',
  params: tardisParams,
  async run(context, params) {
    const { config } = context.runtime
    const planned = planTardis({
      exchange: params.exchange,
      types: params.types,
      symbols: params.symbols.map((s) => s.toUpperCase()),
      ...resolveDays(params),
      ...(params.dir ? { dir: params.dir } : { baseUrl: params.baseUrl ?? config.tardisBaseUrl }),
    })
    const auth = config.tardisApiKey ? { authorization: `Bearer ${config.tardisApiKey}` } : undefined
    return runIngestion(context, TARDIS, planned, { force: params.force, http: httpClientFor(config, auth) })
  },
})
