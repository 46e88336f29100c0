// Bybit public trading archive (public.bybit.com/trading/SYMBOL/SYMBOLYYYY-MM-DD.csv.gz): one gzip CSV of trades
// per day, seconds-with-fraction timestamps, newest-first rows in early files, and an RPI column from 2025; or the same
// files from a local directory.
import path from 'node:path'
import type { SourceColumn } from '../../domain/loadSpec.ts'
import type { PlannedPartition } from '../connector.ts'
import { detectCsvLayout, type CsvLayoutSpec } from '../csvLayout.ts'
import { daysBetween, periodRange } from '../dates.ts'
import { fetchGzip, localGzip, verifyGzip } from '../gzipFile.ts'
import { firstLines } from '../peek.ts'

export const BYBIT = 'bybit'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

const LAYOUT: CsvLayoutSpec = {
  columns: [
    c('timestamp', 'DOUBLE'),
    c('symbol', 'VARCHAR'),
    c('side', 'VARCHAR'),
    c('size', 'DOUBLE'),
    c('price', 'DOUBLE'),
    c('tickDirection', 'VARCHAR'),
    c('trdMatchID', 'VARCHAR'),
    c('grossValue', 'DOUBLE'),
    c('homeNotional', 'DOUBLE'),
    c('foreignNotional', 'DOUBLE'),
  ],
  // Retail-price-improvement flag, added in 2025.
  optionalTrailing: [c('RPI', 'VARCHAR')],
  timeColumn: 'timestamp',
  defaultUnit: 's',
}

export interface BybitPlan {
  /** Either the archive's base URL or a local directory of files already downloaded. */
  baseUrl?: string
  dir?: string
  markets: readonly string[]
  from: string
  to: string
}

export const bybitUrl = (baseUrl: string, market: string, day: string) =>
  `${baseUrl.replace(/\/+$/, '')}/trading/${market}/${market}${day}.csv.gz`

/** Where a downloaded file may sit in `dir`: the archive's layout (`trading/SYMBOL/…`) or side by side. */
export const bybitLocalCandidates = (dir: string, market: string, day: string) => [
  path.join(dir, 'trading', market, `${market}${day}.csv.gz`),
  path.join(dir, `${market}${day}.csv.gz`),
]

export function planBybit(plan: BybitPlan): PlannedPartition[] {
  if (!plan.baseUrl === !plan.dir) throw new Error('planBybit needs exactly one of baseUrl and dir')
  const out: PlannedPartition[] = []
  for (const market of plan.markets) {
    for (const day of daysBetween(plan.from, plan.to)) {
      const local = plan.dir ? bybitLocalCandidates(plan.dir, market, day) : null
      const url = local ? local[0]! : bybitUrl(plan.baseUrl!, market, day)
      const key = { source: BYBIT, dataset: 'trades', venue: BYBIT, market, period: day }
      out.push({
        key,
        table: 'trades',
        file: url,
        async fetch(ctx) {
          const got = local ? await localGzip(local) : await fetchGzip(ctx, url)
          if (got.kind === 'missing') return { kind: 'missing', file: url }
          const name = `${market}${day}.csv.gz`
          const csv = detectCsvLayout(name, await firstLines(got.path, 2, undefined, name), LAYOUT)
          // An empty or header-only day is a hole at the source, not a loaded day of 0 rows.
          if (!csv.hasData) {
            // a day cut short at the source could look empty: only a whole gzip stream is an empty day
            await verifyGzip(got.path, name)
            return { kind: 'missing', file: url, reason: 'empty-at-source', scratch: got.scratch }
          }
          const { start, end } = periodRange(day)
          return {
            kind: 'ready',
            scratch: got.scratch,
            bytes: got.bytes,
            request: {
              partition: key,
              file: { path: got.path, name, format: 'csv', header: csv.header, columns: csv.columns },
              loads: [
                {
                  kind: 'rows',
                  table: 'trades',
                  values: {
                    // Row order does not matter (early files are newest-first): everything keys on ts.
                    ts: { epoch: 'timestamp', unit: csv.unit },
                    price: { column: 'price' },
                    qty: { column: 'size' },
                    side: { lookup: 'side', values: { buy: 'buy', sell: 'sell' } },
                    trade_id: { column: 'trdMatchID' },
                  },
                },
              ],
              tradeBars: {},
              upstream: { file: url, checksum: got.sha256 },
              periodStart: start,
              periodEnd: end,
            },
          }
        },
      })
    }
  }
  return out
}
