// Source dydx: the dYdX v4 indexer — trades (with liquidations and ADL), funding (with oracle prices) and candles per
// market; fills and transfers per subaccount — for UTC days that have ended.
import { z } from 'zod'
import { DYDX_ACCOUNT_DATASETS, DYDX_DATASETS } from '../../domain/sources.ts'
import { parseSubaccount } from '../dydx/account.ts'
import { DYDX_RESOLUTIONS } from '../dydx/candles.ts'
import { VENUE } from '../dydx/indexer.ts'
import { planDydx } from '../dydx/plan.ts'
import { defineSource } from './definition.ts'
import { baseUrlFlag, dayFlags, forceFlag } from './flags.ts'
import { baseUrl, closedDayRange, force, keyOf, refineDayOrder, requireTargetsFor, resolveDays } from './params.ts'

const MARKET_DATASETS = DYDX_DATASETS.filter((d) => !DYDX_ACCOUNT_DATASETS.includes(d))
const DEFAULT_DATASETS = MARKET_DATASETS

export const dydxSource = defineSource({
  id: 'dydx',
  source: VENUE,
  description: 'dYdX v4 trades, liquidations, funding, candles, subaccount fills and transfers (from/to: yesterday).',
  datasets: DYDX_DATASETS,
  params: requireTargetsFor(
    refineDayOrder(
      z
        .object({
          markets: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'a ticker such as BTC-USD')).default([]),
          subaccounts: z
            .array(z.string().refine((s) => parseSubaccount(s) !== null, 'address/subaccountNumber, e.g. dydx1…/0'))
            .default([]),
          datasets: z
            .array(z.enum(DYDX_DATASETS))
            .min(1)
            .default([...DEFAULT_DATASETS]),
          ...closedDayRange,
          resolution: keyOf(DYDX_RESOLUTIONS).optional(),
          baseUrl: baseUrl.optional(),
          force,
        })
        .strict(),
    ),
    {
      markets: {
        datasets: MARKET_DATASETS,
        message: 'at least one market for the trades, funding and candles datasets',
      },
      subaccounts: {
        datasets: DYDX_ACCOUNT_DATASETS,
        message: 'at least one subaccount for the fills and ledger datasets',
      },
    },
  ),
  plan(params, { config }) {
    return {
      partitions: planDydx({
        baseUrl: params.baseUrl ?? config.dydxIndexerUrl,
        markets: params.markets,
        subaccounts: params.subaccounts.map((s) => parseSubaccount(s)!),
        datasets: params.datasets,
        ...resolveDays(params),
        resolution: params.resolution ?? config.dydxCandleResolution,
      }),
    }
  },
  schedules(config) {
    const markets = config.ingestDydxMarkets ?? []
    const subaccounts = config.ingestDydxSubaccounts ?? []
    if (!markets.length && !subaccounts.length) return []
    const datasets = [...(markets.length ? MARKET_DATASETS : []), ...(subaccounts.length ? DYDX_ACCOUNT_DATASETS : [])]
    return [{ name: 'ingest-dydx-daily', params: { markets, subaccounts, datasets } }]
  },
  cli: {
    summary:
      'dYdX v4 indexer: trades + liquidations/ADL, funding + oracle prices, candles, subaccount fills, transfers',
    flags: [
      {
        flag: '--markets <list>',
        description: 'comma-separated tickers, e.g. BTC-USD,ETH-USD',
        param: 'markets',
        kind: 'list',
      },
      {
        flag: '--datasets <list>',
        description: `comma-separated: ${DYDX_DATASETS.join(', ')}`,
        param: 'datasets',
        kind: 'list',
        default: DEFAULT_DATASETS.join(','),
      },
      // Both feed `subaccounts` (address/number): problems with either are reported under --address.
      {
        flag: '--address <list>',
        description: 'dydx1… address(es) for fills and ledger',
        param: 'subaccounts',
        kind: 'list',
      },
      {
        flag: '--subaccount <list>',
        description: 'subaccount number(s) of those addresses',
        param: null,
        kind: 'list',
        default: '0',
      },
      ...dayFlags('inclusive, already ended'),
      {
        flag: '--resolution <r>',
        description: `candle resolution: ${Object.keys(DYDX_RESOLUTIONS).join(', ')}`,
        param: 'resolution',
        kind: 'text',
      },
      baseUrlFlag('indexer', 'DYDX_INDEXER_URL'),
      forceFlag(),
    ],
    /** Every address with every subaccount number: `dydx1…/0`. */
    toParams(raw) {
      const { subaccount, subaccounts: addresses, ...rest } = raw
      if (!Array.isArray(addresses)) return { params: rest }
      const numbers = Array.isArray(subaccount) ? (subaccount as string[]) : ['0']
      const asNumber = (n: string) => (/^\d{1,3}$/.test(n) ? String(Number(n)) : n)
      return {
        params: {
          ...rest,
          subaccounts: (addresses as string[]).flatMap((a) => numbers.map((n) => `${a}/${asNumber(n)}`)),
        },
      }
    },
  },
})
