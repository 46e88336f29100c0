// Job: ingest Binance USDⓈ-M archive files (aggTrades, trades, fundingRate, klines, mark/index/premium klines,
// metrics) for some markets and days; defaults to yesterday, which is what the daily schedule runs.
import { z } from 'zod'
import { planBinanceUm } from '../../src/ingest/binance/connector.ts'
import { BINANCE_DATASETS } from '../../src/domain/sources.ts'
import { KLINE_INTERVALS, VENUE } from '../../src/ingest/binance/datasets.ts'
import { defineJob } from '../job.ts'
import { baseUrl, dayRange, refineDayOrder, resolveDays, runIngestion, symbols } from './common.ts'

export const binanceUmParams = z
  .object({
    markets: symbols,
    datasets: z.array(z.enum(BINANCE_DATASETS)).min(1).default(['aggTrades', 'fundingRate', 'markPriceKlines']),
    ...dayRange,
    interval: z
      .string()
      .refine((i) => i in KLINE_INTERVALS, `one of ${Object.keys(KLINE_INTERVALS).join(', ')}`)
      .optional(),
    baseUrl: baseUrl.optional(),
    force: z.boolean().default(false),
    /** Load a zip published without its .CHECKSUM (recorded as unverified) instead of failing its partition. */
    allowUnverified: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })

export const binanceUmJob = defineJob({
  name: 'ingest.binance-um',
  description: 'Binance USDⓈ-M archive files into DuckDB (from/to default to yesterday).',
  params: binanceUmParams,
  async run(context, params) {
    const { config } = context.runtime
    const planned = planBinanceUm({
      baseUrl: params.baseUrl ?? config.binanceUmBaseUrl,
      markets: params.markets.map((m) => m.toUpperCase()),
      datasets: params.datasets,
      ...resolveDays(params),
      interval: params.interval ?? config.binanceKlineInterval,
      allowUnverified: params.allowUnverified,
    })
    return runIngestion(context, VENUE, planned, { force: params.force })
  },
})
