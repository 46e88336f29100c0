// Job: ingest Pyth oracle history (price, confidence, publish time) sampled through some UTC days; from/to default
// to yesterday.
import { z } from 'zod'
import { VENUE } from '../../src/ingest/pyth/benchmarks.ts'
import { PYTH_INTERVALS } from '../../src/ingest/pyth/oracle.ts'
import { planPyth } from '../../src/ingest/pyth/plan.ts'
import { WeightBudget } from '../../src/ingest/weightBudget.ts'
import { defineJob } from '../job.ts'
import { refineClosedDays } from './closedDays.ts'
import { baseUrl, dayRange, refineDayOrder, resolveDays, runIngestion } from './common.ts'

export const pythParams = z
  .object({
    feeds: z
      .array(z.string().regex(/^[A-Za-z0-9_.:/-]{1,80}$/, 'a symbol such as Crypto.BTC/USD, or a feed id'))
      .min(1),
    interval: z
      .string()
      .refine((i) => i in PYTH_INTERVALS, `one of ${Object.keys(PYTH_INTERVALS).join(', ')}`)
      .optional(),
    ...dayRange,
    baseUrl: baseUrl.optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine(refineClosedDays, { message: 'a UTC day that has ended (before today)', path: ['to'] })

export const pythJob = defineJob({
  name: 'ingest.pyth',
  description: 'Pyth Benchmarks oracle prices with confidence, sampled per interval (from/to default to yesterday).',
  params: pythParams,
  async run(context, params) {
    const { config } = context.runtime
    const planned = planPyth({
      baseUrl: params.baseUrl ?? config.pythBenchmarksUrl,
      feeds: params.feeds,
      ...resolveDays(params),
      interval: params.interval ?? config.pythInterval,
      budget: new WeightBudget({ capacity: config.pythRequestsPer10s, windowMs: 10_000 }),
    })
    return runIngestion(context, VENUE, planned, { force: params.force })
  },
})
