// Hyperliquid candleSnapshot → bars: trade-price candles of one coin and interval for one UTC day. Only about the
// 5000 most recent candles are served; older windows come back empty and are recorded as gaps at source.
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { arrayBody, FieldReader, SourceRecordError } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type InfoClient } from './info.ts'
import { collectTimeWindow } from './timeWindows.ts'

/** Candle intervals the info API serves, in seconds ('1M' has no fixed length, so no cadence check). */
export const CANDLE_INTERVALS: Readonly<Record<string, number | null>> = {
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '15m': 900,
  '30m': 1800,
  '1h': 3600,
  '2h': 7200,
  '4h': 14_400,
  '8h': 28_800,
  '12h': 43_200,
  '1d': 86_400,
  '3d': 259_200,
  '1w': 604_800,
  '1M': null,
}

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

const COLUMNS: SourceColumn[] = [
  c('t', 'BIGINT'),
  c('o', 'DOUBLE'),
  c('h', 'DOUBLE'),
  c('l', 'DOUBLE'),
  c('c', 'DOUBLE'),
  c('v', 'DOUBLE'),
  c('n', 'BIGINT'),
]

interface Candle {
  t: number
  row: Record<string, string | number>
}

/** Parses one response page; `s` and `i` must be the coin and interval asked for, and `T` the candle's last ms. */
export function parseCandles(source: string, body: unknown, coin: string, interval: string): Candle[] {
  const seconds = CANDLE_INTERVALS[interval]
  return arrayBody(source, body).map((record, index) => {
    const r = new FieldReader(source, index, record)
    const t = r.epochMs('t')
    r.identity = `t ${t}`
    if (r.string('s') !== coin) r.fail('s', `the coin asked for (${coin})`)
    if (r.string('i') !== interval) r.fail('i', `the interval asked for (${interval})`)
    const close = r.epochMs('T')
    if (seconds && close !== t + seconds * 1000 - 1) {
      throw new SourceRecordError(source, r.label, 'T', close, `t + ${seconds} s − 1 ms (${t + seconds * 1000 - 1})`)
    }
    return {
      t,
      row: {
        t,
        o: r.number('o'),
        h: r.number('h'),
        l: r.number('l'),
        c: r.number('c'),
        v: r.number('v'),
        n: r.integer('n'),
      },
    }
  })
}

export function candlesPartition(info: InfoClient, coin: string, interval: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const seconds = CANDLE_INTERVALS[interval] ?? null
  const source = `${VENUE} candleSnapshot ${coin} ${interval} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: `candles-${interval}`, venue: VENUE, market: coin, period: day },
    table: 'bars',
    file: `${info.url} candleSnapshot ${coin} ${interval} ${day}`,
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'bars',
        values: {
          ts: { epoch: 't', unit: 'ms' },
          interval_s: { literal: seconds },
          open: { column: 'o' },
          high: { column: 'h' },
          low: { column: 'l' },
          close: { column: 'c' },
          volume: { column: 'v' },
          trades: { column: 'n' },
          source: { literal: 'klines' },
        },
      },
    ],
    ...(seconds ? { cadence: { table: 'bars', everySeconds: seconds } } : {}),
    periodStart: w.start,
    periodEnd: w.end,
    emptyIsMissing: true,
    async collect(ctx, out) {
      const candles = await collectTimeWindow({
        start: w.startMs,
        end: w.lastMs,
        time: (candle: Candle) => candle.t,
        fetch: async (startTime, endTime) =>
          parseCandles(
            source,
            await info.post(ctx, { type: 'candleSnapshot', req: { coin, interval, startTime, endTime } }, source),
            coin,
            interval,
          ),
      })
      candles.sort((a, b) => a.t - b.t)
      for (const candle of candles) out.write(candle.row)
    },
  })
}
