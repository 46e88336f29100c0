// Source binance-um: Binance USDⓈ-M futures archive files (data.binance.vision), daily zips (fundingRate monthly)
// verified against their .CHECKSUM files; downloaded, or from a directory of zips already downloaded.
import { z } from 'zod'
import { BINANCE_DATASETS } from '../../domain/sources.ts'
import { planBinanceUm } from '../binance/connector.ts'
import { KLINE_INTERVALS, VENUE } from '../binance/datasets.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, dirFlag, forceFlag } from './flags.ts'
import {
  baseUrl,
  dayRange,
  existingDir,
  force,
  keyOf,
  refineDayOrder,
  refineOneOrigin,
  resolveDays,
  symbols,
} from './params.ts'

const DEFAULT_DATASETS = ['aggTrades', 'fundingRate', 'markPriceKlines'] as const

export const binanceUmSource = defineSource({
  id: 'binance-um',
  source: VENUE,
  description: 'Binance USDⓈ-M archive files into DuckDB (from/to default to yesterday).',
  datasets: BINANCE_DATASETS,
  params: refineOneOrigin(
    refineDayOrder(
      z
        .object({
          markets: symbols,
          datasets: z
            .array(z.enum(BINANCE_DATASETS))
            .min(1)
            .default([...DEFAULT_DATASETS]),
          ...dayRange,
          interval: keyOf(KLINE_INTERVALS).optional(),
          baseUrl: baseUrl.optional(),
          dir: existingDir.optional(),
          force,
          /**
           * Load a zip published without its .CHECKSUM (recorded as unverified) instead of failing its partition.
           * Absent: the BINANCE_ALLOW_UNVERIFIED setting.
           */
          allowUnverified: z.boolean().optional(),
        })
        .strict(),
    ),
  ),
  plan(params, { config }) {
    return {
      partitions: planBinanceUm({
        ...(params.dir ? { dir: params.dir } : { baseUrl: params.baseUrl ?? config.binanceUmBaseUrl }),
        markets: params.markets.map((m) => m.toUpperCase()),
        datasets: params.datasets,
        ...resolveDays(params),
        interval: params.interval ?? config.binanceKlineInterval,
        allowUnverified: params.allowUnverified ?? config.binanceAllowUnverified,
      }),
    }
  },
  schedules(config) {
    if (!config.ingestMarkets?.length) return []
    // No from/to: the job takes yesterday (UTC) each time it runs.
    return [
      { name: 'ingest-binance-um-daily', params: { markets: config.ingestMarkets, datasets: config.ingestDatasets } },
    ]
  },
  cli: {
    summary: 'Binance USDⓈ-M futures archive: daily zips (fundingRate monthly), CHECKSUM-verified',
    flags: [
      {
        flag: '--markets <list>',
        description: 'comma-separated symbols, e.g. BTCUSDT,ETHUSDT',
        param: 'markets',
        kind: 'list',
        required: true,
      },
      {
        flag: '--datasets <list>',
        description: `comma-separated: ${BINANCE_DATASETS.join(', ')}`,
        param: 'datasets',
        kind: 'list',
        default: DEFAULT_DATASETS.join(','),
      },
      ...dayFlags(),
      {
        flag: '--interval <interval>',
        description: `kline interval: ${Object.keys(KLINE_INTERVALS).join(', ')} (default BINANCE_KLINE_INTERVAL)`,
        param: 'interval',
        kind: 'text',
      },
      baseUrlFlag('archive', 'BINANCE_UM_BASE_URL'),
      dirFlag('data/futures/um/… below it, or the zips side by side; a zip without its .CHECKSUM loads unverified'),
      forceFlag(),
      {
        flag: '--allow-unverified',
        description:
          'load a zip published without its .CHECKSUM (recorded as unverified) instead of failing (default BINANCE_ALLOW_UNVERIFIED)',
        param: 'allowUnverified',
        kind: 'switch',
      },
    ],
  },
})
