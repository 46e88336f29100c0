// Source hyperliquid-node-fills: Hyperliquid node_fills_by_block hour files from a local directory laid out as the
// archive (both sides of every fill, liquidations, trades and their bars), one partition per hour file.
import { z } from 'zod'
import { HYPERLIQUID_NODE_FILLS_DATASETS } from '../../domain/sources.ts'
import { NODE_FILLS_SOURCE, planNodeFills } from '../hyperliquid/nodeFills.ts'
import { defineSource } from './definition.ts'
import { forceFlag } from './flags.ts'
import { existingDir, force, isoDay, refineDayOrder } from './params.ts'

export const hyperliquidNodeFillsSource = defineSource({
  id: 'hyperliquid-node-fills',
  source: NODE_FILLS_SOURCE,
  description: 'Hyperliquid node_fills_by_block hour files on disk: fills (both sides), liquidations, trades.',
  datasets: HYPERLIQUID_NODE_FILLS_DATASETS,
  params: refineDayOrder(
    z.object({ dir: existingDir, from: isoDay.optional(), to: isoDay.optional(), force }).strict(),
  ).refine((p) => !p.from === !p.to, { message: 'both from and to, or neither (every hour file found)', path: ['to'] }),
  plan(params) {
    return {
      partitions: planNodeFills({
        dir: params.dir,
        ...(params.from && params.to ? { from: params.from, to: params.to } : {}),
      }),
    }
  },
  cli: {
    summary:
      'Hyperliquid node_fills_by_block hour files on disk (YYYYMMDD/H[.lz4]): fills of every user, liquidations, trades',
    flags: [
      {
        flag: '--dir <path>',
        description: 'the archive folder (node_fills_by_block/hourly, or a folder holding it)',
        param: 'dir',
        kind: 'text',
        required: true,
      },
      {
        flag: '--from <day>',
        description: 'first UTC day, YYYY-MM-DD (with --to: every hour of those days; absent hours are gaps)',
        param: 'from',
        kind: 'text',
      },
      { flag: '--to <day>', description: 'last UTC day, YYYY-MM-DD (inclusive)', param: 'to', kind: 'text' },
      forceFlag('reload hour files already loaded (their rows are replaced, not duplicated)'),
    ],
  },
})
