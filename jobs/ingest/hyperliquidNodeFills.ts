// Job: Hyperliquid node_fills_by_block hour files from a local directory laid out as the archive (both sides of
// every fill, liquidations, trades and their bars), one partition per hour file.
import fs from 'node:fs'
import { z } from 'zod'
import { NODE_FILLS_SOURCE, planNodeFills } from '../../src/ingest/hyperliquid/nodeFills.ts'
import { defineJob } from '../job.ts'
import { isoDay, refineDayOrder, runIngestion } from './common.ts'

export const hyperliquidNodeFillsParams = z
  .object({
    dir: z
      .string()
      .min(1)
      .refine((d) => fs.existsSync(d) && fs.statSync(d).isDirectory(), 'an existing directory'),
    from: isoDay.optional(),
    to: isoDay.optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine((p) => !p.from === !p.to, { message: 'both from and to, or neither (every hour file found)', path: ['to'] })

export const hyperliquidNodeFillsJob = defineJob({
  name: 'ingest.hyperliquid-node-fills',
  description: 'Hyperliquid node_fills_by_block hour files on disk: fills (both sides), liquidations, trades.',
  params: hyperliquidNodeFillsParams,
  async run(context, params) {
    const planned = planNodeFills({
      dir: params.dir,
      ...(params.from && params.to ? { from: params.from, to: params.to } : {}),
    })
    return runIngestion(context, NODE_FILLS_SOURCE, planned, { force: params.force })
  },
})
