// Source bybit: the Bybit public trading archive, one gzip CSV of trades per market and day, downloaded or from a
// directory of files already downloaded.
import { z } from 'zod'
import { BYBIT_DATASETS } from '../../domain/sources.ts'
import { BYBIT, planBybit } from '../bybit/connector.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, dirFlag, forceFlag } from './flags.ts'
import {
  baseUrl,
  dayRange,
  existingDir,
  force,
  refineDayOrder,
  refineOneOrigin,
  resolveDays,
  symbols,
} from './params.ts'

export const bybitSource = defineSource({
  id: 'bybit',
  source: BYBIT,
  description: 'Bybit public trading archive (trades) into DuckDB (from/to default to yesterday).',
  datasets: BYBIT_DATASETS,
  params: refineOneOrigin(
    refineDayOrder(
      z
        .object({ markets: symbols, ...dayRange, baseUrl: baseUrl.optional(), dir: existingDir.optional(), force })
        .strict(),
    ),
  ),
  plan(params, { config }) {
    return {
      partitions: planBybit({
        ...(params.dir ? { dir: params.dir } : { baseUrl: params.baseUrl ?? config.bybitBaseUrl }),
        markets: params.markets.map((m) => m.toUpperCase()),
        ...resolveDays(params),
      }),
    }
  },
  schedules(config) {
    if (!config.ingestBybitMarkets?.length) return []
    return [{ name: 'ingest-bybit-daily', params: { markets: config.ingestBybitMarkets } }]
  },
  cli: {
    summary: 'Bybit public trading archive: one gzip CSV of trades per market and day',
    flags: [
      {
        flag: '--markets <list>',
        description: 'comma-separated symbols, e.g. BTCUSDT',
        param: 'markets',
        kind: 'list',
        required: true,
      },
      ...dayFlags(),
      baseUrlFlag('archive', 'BYBIT_BASE_URL'),
      dirFlag('trading/SYMBOL/SYMBOLYYYY-MM-DD.csv.gz below it, or the .csv.gz files side by side'),
      forceFlag('reload partitions that are already loaded'),
    ],
  },
})
