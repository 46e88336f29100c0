// dYdX v4 historicalFunding → funding (hourly rate, with the oracle price the payment uses) and the same oracle price
// → prices (kind oracle).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type IndexerClient } from './indexer.ts'
import { collectBackwards } from './pager.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const COLUMNS: SourceColumn[] = [
  c('ts', 'BIGINT'),
  c('rate', 'DOUBLE'),
  c('price', 'DOUBLE'),
  c('interval_h', 'INTEGER'),
]

interface Funding {
  height: number
  ts: number
  row: Record<string, string | number>
}

export function parseHistoricalFunding(source: string, body: unknown, market: string): Funding[] {
  return arrayBody(source, body, 'historicalFunding').map((record, index) => {
    const r = new FieldReader(source, index, record)
    const height = r.integer('effectiveAtHeight')
    r.identity = `height ${height}`
    if (r.string('ticker') !== market) r.fail('ticker', `the market asked for (${market})`)
    const ts = r.isoMicros('effectiveAt')
    // dYdX v4 settles funding every hour.
    return { height, ts, row: { ts, rate: r.number('rate'), price: r.number('price'), interval_h: 1 } }
  })
}

export function fundingPartition(indexer: IndexerClient, market: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const path = `historicalFunding/${encodeURIComponent(market)}`
  const source = `${VENUE} historicalFunding ${market} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: 'funding', venue: VENUE, market, period: day },
    table: 'funding,prices',
    file: indexer.url(path, { day }),
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'funding',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          rate: { column: 'rate' },
          interval_h: { column: 'interval_h' },
          mark_price: { column: 'price' },
        },
      },
      {
        kind: 'rows',
        table: 'prices',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          kind: { literal: 'oracle' },
          source: { literal: VENUE },
          price: { column: 'price' },
        },
      },
    ],
    cadence: { table: 'funding', stepColumn: 'interval_h', stepUnitSeconds: 3600 },
    periodStart: w.start,
    periodEnd: w.end,
    emptyIsMissing: true,
    async collect(ctx, out) {
      const rows = await collectBackwards({
        startUs: w.startUs,
        endUs: w.endUs,
        id: (f: Funding) => String(f.height),
        fetch: async (cursor, limit) =>
          parseHistoricalFunding(
            source,
            await indexer.get(
              ctx,
              path,
              { limit, effectiveBeforeOrAt: cursor.beforeOrAt, effectiveBeforeOrAtHeight: cursor.beforeOrAtHeight },
              source,
            ),
            market,
          ),
      })
      rows.sort((a, b) => a.ts - b.ts)
      for (const f of rows) out.write(f.row)
    },
  })
}
