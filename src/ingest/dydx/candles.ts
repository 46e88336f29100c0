// dYdX v4 candles → bars (trade OHLC, base and USD volume, trades), the open interest at each candle's start →
// open_interest, and the order-book mid at open and close, where given → prices (kind mid).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { isoMs, VENUE, type IndexerClient } from './indexer.ts'
import { PAGE_LIMIT } from './limits.ts'

/** Candle resolutions the indexer serves, in seconds. */
export const DYDX_RESOLUTIONS: Readonly<Record<string, number>> = {
  '1MIN': 60,
  '5MINS': 300,
  '15MINS': 900,
  '30MINS': 1800,
  '1HOUR': 3600,
  '4HOURS': 14_400,
  '1DAY': 86_400,
}

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const COLUMNS: SourceColumn[] = [
  c('ts', 'BIGINT'),
  c('open', 'DOUBLE'),
  c('high', 'DOUBLE'),
  c('low', 'DOUBLE'),
  c('close', 'DOUBLE'),
  c('base_volume', 'DOUBLE'),
  c('usd_volume', 'DOUBLE'),
  c('trades', 'BIGINT'),
  c('open_interest', 'DOUBLE'),
  c('mid_open', 'DOUBLE'),
  c('mid_close', 'DOUBLE'),
]

interface Candle {
  ts: number
  row: Record<string, string | number | null>
}

export function parseCandles(source: string, body: unknown, market: string, resolution: string): Candle[] {
  return arrayBody(source, body, 'candles').map((record, index) => {
    const r = new FieldReader(source, index, record)
    const ts = r.isoMicros('startedAt')
    r.identity = `startedAt ${r.get('startedAt') as string}`
    if (r.string('ticker') !== market) r.fail('ticker', `the market asked for (${market})`)
    if (r.string('resolution') !== resolution) r.fail('resolution', `the resolution asked for (${resolution})`)
    return {
      ts,
      row: {
        ts,
        open: r.number('open'),
        high: r.number('high'),
        low: r.number('low'),
        close: r.number('close'),
        base_volume: r.number('baseTokenVolume'),
        usd_volume: r.number('usdVolume'),
        trades: r.integer('trades'),
        open_interest: r.optionalNumber('startingOpenInterest'),
        mid_open: r.optionalNumber('orderbookMidPriceOpen'),
        mid_close: r.optionalNumber('orderbookMidPriceClose'),
      },
    }
  })
}

export function candlesPartition(
  indexer: IndexerClient,
  market: string,
  resolution: string,
  day: string,
): PlannedPartition {
  const w = dayWindow(day)
  const seconds = DYDX_RESOLUTIONS[resolution]!
  const path = `candles/perpetualMarkets/${encodeURIComponent(market)}`
  const source = `${VENUE} candles ${market} ${resolution} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: `candles-${resolution}`, venue: VENUE, market, period: day },
    table: 'bars,open_interest,prices',
    file: indexer.url(path, { resolution, day }),
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'bars',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          interval_s: { literal: seconds },
          open: { column: 'open' },
          high: { column: 'high' },
          low: { column: 'low' },
          close: { column: 'close' },
          volume: { column: 'base_volume' },
          quote_volume: { column: 'usd_volume' },
          trades: { column: 'trades' },
          vwap: { ratio: ['usd_volume', 'base_volume'] },
          source: { literal: 'klines' },
        },
      },
      {
        kind: 'rows',
        table: 'open_interest',
        requireNotNull: ['open_interest'],
        values: { ts: { epoch: 'ts', unit: 'us' }, oi_base: { column: 'open_interest' } },
      },
      {
        kind: 'rows',
        table: 'prices',
        requireNotNull: ['mid_close'],
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          kind: { literal: 'mid' },
          source: { literal: VENUE },
          price: { column: 'mid_close' },
          open: { column: 'mid_open' },
          interval_s: { literal: seconds },
        },
      },
    ],
    cadence: { table: 'bars', everySeconds: seconds },
    periodStart: w.start,
    periodEnd: w.end,
    emptyIsMissing: true,
    async collect(ctx, out) {
      // Candles come newest first and a start time is unique per resolution: page back by start time.
      const byTime = new Map<number, Candle>()
      let toUs = w.endUs - 1000
      for (;;) {
        const page = parseCandles(
          source,
          await indexer.get(
            ctx,
            path,
            { resolution, limit: PAGE_LIMIT, fromISO: isoMs(w.startUs), toISO: isoMs(toUs) },
            source,
          ),
          market,
          resolution,
        )
        let oldest = Infinity
        for (const candle of page) {
          if (candle.ts < oldest) oldest = candle.ts
          if (candle.ts >= w.startUs && candle.ts < w.endUs) byTime.set(candle.ts, candle)
        }
        if (page.length < PAGE_LIMIT || oldest <= w.startUs) break
        toUs = oldest - 1000
      }
      for (const candle of [...byTime.values()].sort((a, b) => a.ts - b.ts)) out.write(candle.row)
    },
  })
}
