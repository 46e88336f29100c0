// Source pyth: Pyth Benchmarks oracle history (price × 10^expo, confidence, publish time) sampled through UTC days
// that have ended, every request under one request budget.
import { z } from 'zod'
import { PYTH_DATASETS } from '../../domain/sources.ts'
import { VENUE } from '../pyth/benchmarks.ts'
import { PYTH_INTERVALS } from '../pyth/oracle.ts'
import { planPyth } from '../pyth/plan.ts'
import { WeightBudget } from '../weightBudget.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, forceFlag } from './flags.ts'
import { baseUrl, closedDayRange, force, keyOf, refineDayOrder, resolveDays } from './params.ts'

export const pythSource = defineSource({
  id: 'pyth',
  source: VENUE,
  description: 'Pyth Benchmarks oracle prices with confidence, sampled per interval (from/to default to yesterday).',
  datasets: PYTH_DATASETS,
  params: refineDayOrder(
    z
      .object({
        feeds: z
          .array(z.string().regex(/^[A-Za-z0-9_.:/-]{1,80}$/, 'a symbol such as Crypto.BTC/USD, or a feed id'))
          .min(1),
        interval: keyOf(PYTH_INTERVALS).optional(),
        ...closedDayRange,
        baseUrl: baseUrl.optional(),
        force,
      })
      .strict(),
  ),
  plan(params, { config }) {
    return {
      partitions: planPyth({
        baseUrl: params.baseUrl ?? config.pythBenchmarksUrl,
        feeds: params.feeds,
        ...resolveDays(params),
        interval: params.interval ?? config.pythInterval,
        budget: new WeightBudget({ capacity: config.pythRequestsPer10s, windowMs: 10_000 }),
      }),
    }
  },
  schedules(config) {
    if (!config.ingestPythFeeds?.length) return []
    return [{ name: 'ingest-pyth-daily', params: { feeds: config.ingestPythFeeds } }]
  },
  cli: {
    summary: 'Pyth Benchmarks oracle history into prices (kind oracle, source pyth), with confidence',
    flags: [
      {
        flag: '--feeds <list>',
        description: 'comma-separated symbols such as Crypto.BTC/USD (or 64-hex feed ids)',
        param: 'feeds',
        kind: 'list',
        required: true,
      },
      ...dayFlags('inclusive, already ended'),
      {
        flag: '--interval <interval>',
        description: `sampling interval: ${Object.keys(PYTH_INTERVALS).join(', ')} (default PYTH_INTERVAL)`,
        param: 'interval',
        kind: 'text',
      },
      baseUrlFlag('Benchmarks', 'PYTH_BENCHMARKS_URL'),
      forceFlag(),
    ],
  },
})
