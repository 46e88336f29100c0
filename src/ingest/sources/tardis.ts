// Source tardis: Tardis.dev CSV files (trades, derivative_ticker, liquidations) from its datasets URL or from a
// directory of files already downloaded.
import { z } from 'zod'
import { TARDIS_TYPES } from '../../domain/sources.ts'
import { TARDIS, planTardis } from '../tardis/connector.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, forceFlag } from './flags.ts'
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

export const tardisSource = defineSource({
  id: 'tardis',
  source: TARDIS,
  description: 'Tardis.dev CSV files (trades, derivative_ticker, liquidations) into DuckDB.',
  datasets: TARDIS_TYPES,
  params: refineOneOrigin(
    refineDayOrder(
      z
        .object({
          exchange: z.string().regex(/^[a-z0-9-]+$/, 'a Tardis exchange id such as binance-futures'),
          types: z
            .array(z.enum(TARDIS_TYPES))
            .min(1)
            .default([...TARDIS_TYPES]),
          symbols,
          ...dayRange,
          baseUrl: baseUrl.optional(),
          dir: existingDir.optional(),
          force,
        })
        .strict(),
    ),
  ),
  plan(params, { config }) {
    return {
      partitions: planTardis({
        exchange: params.exchange,
        types: params.types,
        symbols: params.symbols.map((s) => s.toUpperCase()),
        ...resolveDays(params),
        ...(params.dir ? { dir: params.dir } : { baseUrl: params.baseUrl ?? config.tardisBaseUrl }),
      }),
      ...(config.tardisApiKey ? { headers: { authorization: `Bearer ${config.tardisApiKey}` } } : {}),
    }
  },
  cli: {
    summary: 'Tardis.dev CSV files (trades, derivative_ticker, liquidations), by URL or from a local directory',
    flags: [
      {
        flag: '--exchange <id>',
        description: 'Tardis exchange id, e.g. binance-futures',
        param: 'exchange',
        kind: 'text',
        required: true,
      },
      {
        flag: '--types <list>',
        description: `comma-separated: ${TARDIS_TYPES.join(', ')}`,
        param: 'types',
        kind: 'list',
        default: TARDIS_TYPES.join(','),
      },
      {
        flag: '--symbols <list>',
        description: 'comma-separated symbols, e.g. BTCUSDT',
        param: 'symbols',
        kind: 'list',
        required: true,
      },
      ...dayFlags(),
      baseUrlFlag('datasets', 'TARDIS_BASE_URL'),
      {
        flag: '--dir <path>',
        description: 'read already-downloaded files from this directory instead',
        param: 'dir',
        kind: 'text',
      },
      forceFlag('reload partitions that are already loaded'),
    ],
  },
})
