// Hyperliquid fundingHistory → funding (rate per settlement, times kept with their published ms jitter) and the
// premium published with each rate → prices (kind premium).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type InfoClient } from './info.ts'
import { collectTimeWindow } from './timeWindows.ts'

/**
 * Until 2023-06-08 00:00 UTC Hyperliquid settled funding every 8 hours; hourly since. The real fundingHistory of BTC
 * shows it: 8-hour spacing and the 0.01 % default rate (0.0001) before, hourly rows and 0.0000125 (0.01 % / 8) after.
 * The settlement at 2023-06-08 00:00 still closes an 8-hour interval.
 */
export const HOURLY_FUNDING_FROM_MS = Date.UTC(2023, 5, 8, 0, 30)

export const fundingIntervalHours = (timeMs: number): number => (timeMs < HOURLY_FUNDING_FROM_MS ? 8 : 1)

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const COLUMNS: SourceColumn[] = [
  c('time', 'BIGINT'),
  c('rate', 'DOUBLE'),
  c('premium', 'DOUBLE'),
  c('interval_h', 'INTEGER'),
]

interface FundingRow {
  time: number
  row: Record<string, string | number>
}

export function parseFundingHistory(source: string, body: unknown, coin: string): FundingRow[] {
  return arrayBody(source, body).map((record, index) => {
    const r = new FieldReader(source, index, record)
    const time = r.epochMs('time')
    r.identity = `time ${time}`
    if (r.string('coin') !== coin) r.fail('coin', `the coin asked for (${coin})`)
    return {
      time,
      row: {
        time,
        rate: r.number('fundingRate'),
        premium: r.number('premium'),
        interval_h: fundingIntervalHours(time),
      },
    }
  })
}

export function fundingPartition(info: InfoClient, coin: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const source = `${VENUE} fundingHistory ${coin} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: 'funding', venue: VENUE, market: coin, period: day },
    table: 'funding,prices',
    file: `${info.url} fundingHistory ${coin} ${day}`,
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'funding',
        values: {
          ts: { epoch: 'time', unit: 'ms' },
          rate: { column: 'rate' },
          interval_h: { column: 'interval_h' },
        },
      },
      {
        kind: 'rows',
        table: 'prices',
        values: {
          ts: { epoch: 'time', unit: 'ms' },
          kind: { literal: 'premium' },
          source: { literal: VENUE },
          price: { column: 'premium' },
        },
      },
    ],
    cadence: { table: 'funding', stepColumn: 'interval_h', stepUnitSeconds: 3600 },
    periodStart: w.start,
    periodEnd: w.end,
    emptyIsMissing: true,
    async collect(ctx, out) {
      const rows = await collectTimeWindow({
        start: w.startMs,
        end: w.lastMs,
        time: (f: FundingRow) => f.time,
        fetch: async (startTime, endTime) =>
          parseFundingHistory(
            source,
            await info.post(ctx, { type: 'fundingHistory', coin, startTime, endTime }, source),
            coin,
          ),
      })
      rows.sort((a, b) => a.time - b.time)
      for (const f of rows) out.write(f.row)
    },
  })
}
