// Source file: local CSV / Parquet / NDJSON files in Backstop's normalized layout, one table per run, each file
// identified by venue, table, market and content.
import { z } from 'zod'
import { NORMALIZED_TABLES } from '../../domain/loadSpec.ts'
import { FILE_DATASETS } from '../../domain/sources.ts'
import { FILE_SOURCE, fileFormatOf, planFiles } from '../file/connector.ts'
import { resolveFileIdentities } from '../file/identities.ts'
import { defineSource } from './definition.ts'
import { forceFlag } from './flags.ts'
import { existingFile, force } from './params.ts'

// eslint-disable-next-line no-control-regex
const printable = (s: string) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)

export const fileSource = defineSource({
  id: 'file',
  source: FILE_SOURCE,
  description: 'Local CSV/Parquet files in the normalized layout into one table.',
  datasets: FILE_DATASETS,
  params: z
    .object({
      table: z.enum(NORMALIZED_TABLES),
      venue: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case venue name such as binance-um'),
      market: z.string().min(1).max(128).refine(printable, 'a market name without control characters').optional(),
      paths: z
        .array(existingFile.refine((p) => fileFormatOf(p) !== null, 'a .csv, .csv.gz, .parquet or .ndjson file'))
        .min(1),
      force,
    })
    .strict(),
  async plan(params, ctx) {
    const planned = await planFiles({
      table: params.table,
      venue: params.venue,
      ...(params.market ? { market: params.market } : {}),
      paths: params.paths,
    })
    const partitions = await resolveFileIdentities(ctx.earlierFileLoads, planned, {
      venue: params.venue,
      force: params.force,
    })
    return { partitions }
  },
  cli: {
    summary: 'local CSV/Parquet files in the normalized layout (see README, "Normalized file layout")',
    argument: {
      name: 'paths...',
      description: 'files to load; each is one partition, identified by venue, table, market and content',
      param: 'paths',
    },
    flags: [
      {
        flag: '--table <table>',
        description: NORMALIZED_TABLES.join('|'),
        param: 'table',
        kind: 'text',
        required: true,
      },
      {
        flag: '--venue <venue>',
        description: 'venue the rows belong to, e.g. binance-um',
        param: 'venue',
        kind: 'text',
        required: true,
      },
      {
        flag: '--market <market>',
        description: "market for every row (otherwise the file's market column)",
        param: 'market',
        kind: 'text',
      },
      forceFlag('reload files already loaded; a changed file replaces what it loaded before from the same path'),
    ],
  },
})
