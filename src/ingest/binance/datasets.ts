// Binance USDⓈ-M archive datasets: each one's CSV columns, where it lands in the normalized tables, and its cadence.
import type { Cadence, SourceColumn, TableLoad, TimeUnit, TradeBarsSpec } from '../../domain/loadSpec.ts'
import type { CsvLayoutSpec } from '../csvLayout.ts'

import type { BinanceDataset } from '../../domain/sources.ts'

export const VENUE = 'binance-um'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

const KLINE_COLUMNS: SourceColumn[] = [
  c('open_time', 'BIGINT'),
  c('open', 'DOUBLE'),
  c('high', 'DOUBLE'),
  c('low', 'DOUBLE'),
  c('close', 'DOUBLE'),
  c('volume', 'DOUBLE'),
  c('close_time', 'BIGINT'),
  c('quote_volume', 'DOUBLE'),
  c('count', 'BIGINT'),
  c('taker_buy_volume', 'DOUBLE'),
  c('taker_buy_quote_volume', 'DOUBLE'),
  c('ignore', 'VARCHAR'),
]

/** Kline interval names Binance uses, in seconds ('1mo' has no fixed length, so no cadence check). */
export const KLINE_INTERVALS: Readonly<Record<string, number | null>> = {
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '15m': 900,
  '30m': 1800,
  '1h': 3600,
  '2h': 7200,
  '4h': 14_400,
  '6h': 21_600,
  '8h': 28_800,
  '12h': 43_200,
  '1d': 86_400,
  '3d': 259_200,
  '1w': 604_800,
  '1mo': null,
}

export interface DatasetLayout {
  csv: CsvLayoutSpec
  /** Partitions are months (fundingRate is published monthly only) or days. */
  period: 'day' | 'month'
  /** Table(s) it loads, for the manifest. */
  table: string
  loads(unit: TimeUnit): TableLoad[]
  tradeBars?: TradeBarsSpec
  cadence?: Cadence
}

/** The trades table from a trade file (aggTrades, trades): the same mapping under each file's column names. */
const tradesLoad = (unit: TimeUnit, columns: { time: string; qty: string; id: string }): TableLoad => ({
  kind: 'rows',
  table: 'trades',
  values: {
    ts: { epoch: columns.time, unit },
    price: { column: 'price' },
    qty: { column: columns.qty },
    // The buyer being the maker means the taker sold.
    side: { lookup: 'is_buyer_maker', values: { true: 'sell', false: 'buy' } },
    trade_id: { column: columns.id },
  },
})

const PRICE_KIND: Partial<Record<BinanceDataset, string>> = {
  markPriceKlines: 'mark',
  indexPriceKlines: 'index',
  premiumIndexKlines: 'premium',
}

/** How one dataset's files are read and mapped (the kline interval matters for kline datasets only). */
export function datasetLayout(dataset: BinanceDataset, interval: string): DatasetLayout {
  switch (dataset) {
    case 'aggTrades':
      return {
        csv: {
          columns: [
            c('agg_trade_id', 'BIGINT'),
            c('price', 'DOUBLE'),
            c('quantity', 'DOUBLE'),
            c('first_trade_id', 'BIGINT'),
            c('last_trade_id', 'BIGINT'),
            c('transact_time', 'BIGINT'),
            c('is_buyer_maker', 'BOOLEAN'),
          ],
          timeColumn: 'transact_time',
        },
        period: 'day',
        table: 'trades',
        loads: (unit) => [tradesLoad(unit, { time: 'transact_time', qty: 'quantity', id: 'agg_trade_id' })],
        tradeBars: { tradeCount: { span: ['first_trade_id', 'last_trade_id'] }, sequence: { column: 'agg_trade_id' } },
      }
    case 'trades':
      return {
        csv: {
          columns: [
            c('id', 'BIGINT'),
            c('price', 'DOUBLE'),
            c('qty', 'DOUBLE'),
            c('quote_qty', 'DOUBLE'),
            c('time', 'BIGINT'),
            c('is_buyer_maker', 'BOOLEAN'),
          ],
          timeColumn: 'time',
        },
        period: 'day',
        table: 'trades',
        loads: (unit) => [tradesLoad(unit, { time: 'time', qty: 'qty', id: 'id' })],
        tradeBars: { sequence: { column: 'id' } },
      }
    case 'fundingRate':
      return {
        csv: {
          columns: [c('calc_time', 'BIGINT'), c('funding_interval_hours', 'INTEGER'), c('last_funding_rate', 'DOUBLE')],
          timeColumn: 'calc_time',
        },
        period: 'month',
        table: 'funding',
        loads: (unit) => [
          {
            kind: 'rows',
            table: 'funding',
            values: {
              // Kept as published (a few ms of jitter): joins round to the hour.
              ts: { epoch: 'calc_time', unit },
              rate: { column: 'last_funding_rate' },
              interval_h: { column: 'funding_interval_hours' },
            },
          },
        ],
        cadence: { table: 'funding', stepColumn: 'interval_h', stepUnitSeconds: 3600 },
      }
    case 'metrics':
      return {
        csv: {
          columns: [
            c('create_time', 'TIMESTAMP'),
            c('symbol', 'VARCHAR'),
            c('sum_open_interest', 'DOUBLE'),
            c('sum_open_interest_value', 'DOUBLE'),
            c('count_toptrader_long_short_ratio', 'VARCHAR'),
            c('sum_toptrader_long_short_ratio', 'VARCHAR'),
            c('count_long_short_ratio', 'VARCHAR'),
            c('sum_taker_long_short_vol_ratio', 'VARCHAR'),
          ],
        },
        period: 'day',
        table: 'open_interest',
        loads: () => [
          {
            kind: 'rows',
            table: 'open_interest',
            values: {
              ts: { column: 'create_time' },
              oi_base: { column: 'sum_open_interest' },
              oi_quote: { column: 'sum_open_interest_value' },
            },
          },
        ],
        cadence: { table: 'open_interest', everySeconds: 300 },
      }
    case 'klines': {
      const seconds = KLINE_INTERVALS[interval] ?? null
      return {
        csv: { columns: KLINE_COLUMNS, timeColumn: 'open_time' },
        period: 'day',
        table: 'bars',
        loads: (unit) => [
          {
            kind: 'rows',
            table: 'bars',
            values: {
              ts: { epoch: 'open_time', unit },
              interval_s: { literal: seconds },
              open: { column: 'open' },
              high: { column: 'high' },
              low: { column: 'low' },
              close: { column: 'close' },
              volume: { column: 'volume' },
              quote_volume: { column: 'quote_volume' },
              trades: { column: 'count' },
              taker_buy_volume: { column: 'taker_buy_volume' },
              vwap: { ratio: ['quote_volume', 'volume'] },
              source: { literal: 'klines' },
            },
          },
        ],
        ...(seconds ? { cadence: { table: 'bars', everySeconds: seconds } as Cadence } : {}),
      }
    }
    case 'markPriceKlines':
    case 'indexPriceKlines':
    case 'premiumIndexKlines': {
      const seconds = KLINE_INTERVALS[interval] ?? null
      return {
        csv: { columns: KLINE_COLUMNS, timeColumn: 'open_time' },
        period: 'day',
        table: 'prices',
        loads: (unit) => [
          {
            kind: 'rows',
            table: 'prices',
            values: {
              ts: { epoch: 'open_time', unit },
              kind: { literal: PRICE_KIND[dataset]! },
              source: { literal: VENUE },
              price: { column: 'close' },
              open: { column: 'open' },
              high: { column: 'high' },
              low: { column: 'low' },
              interval_s: { literal: seconds },
            },
          },
        ],
        ...(seconds ? { cadence: { table: 'prices', everySeconds: seconds } as Cadence } : {}),
      }
    }
  }
}

/** Kline datasets carry their interval in the partition's dataset name, so 1m and 5m files never collide. */
export const isKlineDataset = (d: BinanceDataset): boolean => d.endsWith('lines')

export const partitionDataset = (d: BinanceDataset, interval: string): string =>
  isKlineDataset(d) ? `${d}-${interval}` : d
