// Tardis.dev downloadable CSV files (trades, derivative_ticker, liquidations), from its datasets URL layout or from a
// local directory of already-downloaded files. Times are µs; a liquidation's side is the liquidation order's side.
import path from 'node:path'
import type { SourceColumn, TableLoad, TimeUnit, TradeBarsSpec } from '../../domain/loadSpec.ts'
import type { PlannedPartition } from '../connector.ts'
import type { CsvLayoutSpec } from '../csvLayout.ts'
import { daysBetween } from '../dates.ts'
import { gzipCsvPartition } from '../gzipCsvPartition.ts'

export const TARDIS = 'tardis'
import type { TardisType } from '../../domain/sources.ts'

/** Tardis exchange ids whose venue Backstop already knows under another name. */
const VENUE_ALIASES: Readonly<Record<string, string>> = {
  'binance-futures': 'binance-um',
  'binance-delivery': 'binance-cm',
}
export const tardisVenue = (exchange: string) => VENUE_ALIASES[exchange] ?? exchange

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

interface TypeLayout {
  csv: CsvLayoutSpec
  table: string
  loads(unit: TimeUnit): TableLoad[]
  tradeBars?: TradeBarsSpec
}

function layoutOf(type: TardisType): TypeLayout {
  const head = [
    c('exchange', 'VARCHAR'),
    c('symbol', 'VARCHAR'),
    c('timestamp', 'BIGINT'),
    c('local_timestamp', 'BIGINT'),
  ]
  switch (type) {
    case 'trades':
      return {
        csv: {
          columns: [...head, c('id', 'VARCHAR'), c('side', 'VARCHAR'), c('price', 'DOUBLE'), c('amount', 'DOUBLE')],
          timeColumn: 'timestamp',
          defaultUnit: 'us',
        },
        table: 'trades',
        loads: (unit) => [
          {
            kind: 'rows',
            table: 'trades',
            values: {
              ts: { epoch: 'timestamp', unit },
              price: { column: 'price' },
              qty: { column: 'amount' },
              // side is the aggressor's; Tardis writes "unknown" when the exchange does not say.
              side: { lookup: 'side', values: { buy: 'buy', sell: 'sell', unknown: null } },
              trade_id: { column: 'id' },
            },
          },
        ],
        tradeBars: {},
      }
    case 'liquidations':
      return {
        csv: {
          columns: [
            ...head,
            c('id', 'VARCHAR'),
            c('side', 'VARCHAR'),
            c('price', 'DECIMAL(38,18)'),
            c('amount', 'DECIMAL(38,18)'),
          ],
          timeColumn: 'timestamp',
          defaultUnit: 'us',
        },
        table: 'liquidations',
        loads: (unit) => [
          {
            kind: 'rows',
            table: 'liquidations',
            values: {
              ts: { epoch: 'timestamp', unit },
              // The liquidation order buys back a short position, or sells a long one.
              side: { lookup: 'side', values: { buy: 'short', sell: 'long' } },
              price: { column: 'price' },
              qty: { column: 'amount' },
              kind: { literal: 'liquidation' },
              trade_id: { column: 'id' },
              source: { literal: TARDIS },
            },
          },
        ],
      }
    case 'derivative_ticker': {
      const tick = (kind: 'mark' | 'index', column: string, unit: TimeUnit): TableLoad => ({
        kind: 'rows',
        table: 'prices',
        values: {
          ts: { epoch: 'timestamp', unit },
          kind: { literal: kind },
          source: { literal: TARDIS },
          price: { column },
        },
        requireNotNull: [column],
      })
      return {
        csv: {
          columns: [
            ...head,
            c('funding_timestamp', 'BIGINT'),
            c('funding_rate', 'DOUBLE'),
            c('predicted_funding_rate', 'DOUBLE'),
            c('open_interest', 'DOUBLE'),
            c('last_price', 'DOUBLE'),
            c('index_price', 'DOUBLE'),
            c('mark_price', 'DOUBLE'),
          ],
          timeColumn: 'timestamp',
          defaultUnit: 'us',
        },
        table: 'prices,open_interest,funding',
        loads: (unit) => [
          tick('mark', 'mark_price', unit),
          tick('index', 'index_price', unit),
          {
            kind: 'rows',
            table: 'open_interest',
            values: { ts: { epoch: 'timestamp', unit }, oi_base: { column: 'open_interest' } },
            requireNotNull: ['open_interest'],
          },
          // The stream announces the next settlement and its current rate; the last rate before it is what settled.
          {
            kind: 'funding-settlements',
            table: 'funding',
            observedAt: 'timestamp',
            settlesAt: 'funding_timestamp',
            unit,
            rate: 'funding_rate',
            maxLagSeconds: 120,
          },
        ],
      }
    }
  }
}

export interface TardisPlan {
  exchange: string
  types: readonly TardisType[]
  symbols: readonly string[]
  from: string
  to: string
  /** Either the datasets base URL or a local directory of downloaded files. */
  baseUrl?: string
  dir?: string
}

export const tardisUrl = (baseUrl: string, exchange: string, type: string, day: string, symbol: string) =>
  `${baseUrl.replace(/\/+$/, '')}/v1/${exchange}/${type}/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/${symbol}.csv.gz`

/** Where a downloaded file may sit in `dir`: the datasets URL layout, or tardis-dev's `downloadDatasets` naming. */
export const tardisLocalCandidates = (dir: string, exchange: string, type: string, day: string, symbol: string) => [
  path.join(dir, exchange, type, day.slice(0, 4), day.slice(5, 7), day.slice(8, 10), `${symbol}.csv.gz`),
  path.join(dir, `${exchange}_${type}_${day}_${symbol}.csv.gz`),
]

export function planTardis(plan: TardisPlan): PlannedPartition[] {
  if (!plan.baseUrl === !plan.dir) throw new Error('planTardis needs exactly one of baseUrl and dir')
  const venue = tardisVenue(plan.exchange)
  const out: PlannedPartition[] = []
  for (const symbol of plan.symbols) {
    for (const type of plan.types) {
      const layout = layoutOf(type)
      for (const day of daysBetween(plan.from, plan.to)) {
        const key = { source: TARDIS, dataset: `${plan.exchange}/${type}`, venue, market: symbol, period: day }
        const local = plan.dir ? tardisLocalCandidates(plan.dir, plan.exchange, type, day, symbol) : null
        out.push(
          gzipCsvPartition({
            key,
            table: layout.table,
            file: local ? local[0]! : tardisUrl(plan.baseUrl!, plan.exchange, type, day, symbol),
            ...(local ? { local } : {}),
            name: `${plan.exchange}_${type}_${day}_${symbol}.csv.gz`,
            period: day,
            layout: layout.csv,
            loads: layout.loads,
            ...(layout.tradeBars ? { tradeBars: layout.tradeBars } : {}),
          }),
        )
      }
    }
  }
  return out
}
