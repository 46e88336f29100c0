// Job: ingest Bybit public trading archive files (one gzip CSV of trades per market and day); defaults to yesterday.
import { z } from 'zod'
import { BYBIT, planBybit } from '../../src/ingest/bybit/connector.ts'
import { defineJob } from '../job.ts'
import { baseUrl, dayRange, refineDayOrder, resolveDays, runIngestion, symbols } from './common.ts'

export const bybitParams = z
  .object({ markets: symbols, ...dayRange, baseUrl: baseUrl.optional(), force: z.boolean().default(false) })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })

export const bybitJob = defineJob({
  name: 'ingest.bybit',
  description: 'Bybit public trading archive (trades) into DuckDB (from/to default to yesterday).',
  params: bybitParams,
  async run(context, params) {
    const planned = planBybit({
      baseUrl: params.baseUrl ?? context.runtime.config.bybitBaseUrl,
      markets: params.markets.map((m) => m.toUpperCase()),
      ...resolveDays(params),
    })
    return runIngestion(context, BYBIT, planned, { force: params.force })
  },
})
