// Job: load local CSV / Parquet files in Backstop's normalized layout into one table.
import { z } from 'zod'
import { NORMALIZED_TABLES } from '../../src/domain/loadSpec.ts'
import { FILE_SOURCE, planFiles } from '../../src/ingest/file/connector.ts'
import { defineJob } from '../job.ts'
import { runIngestion } from './common.ts'

export const fileParams = z
  .object({
    table: z.enum(NORMALIZED_TABLES),
    venue: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case venue name such as binance-um'),
    market: z.string().min(1).optional(),
    paths: z.array(z.string().min(1)).min(1),
    force: z.boolean().default(false),
  })
  .strict()

export const fileJob = defineJob({
  name: 'ingest.file',
  description: 'Local CSV/Parquet files in the normalized layout into one table.',
  params: fileParams,
  async run(context, params) {
    const planned = planFiles({
      table: params.table,
      venue: params.venue,
      ...(params.market ? { market: params.market } : {}),
      paths: params.paths,
    })
    return runIngestion(context, FILE_SOURCE, planned, { force: params.force })
  },
})
