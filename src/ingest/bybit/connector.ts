// Bybit public trading archive (public.bybit.com/trading/SYMBOL/SYMBOLYYYY-MM-DD.csv.gz): one gzip CSV of trades
// per day, seconds-with-fraction timestamps, newest-first rows in early files, and an RPI column from 2025; or the same
// files from a local directory.
import path from 'node:path'
import type { SourceColumn } from '../../domain/loadSpec.ts'
import type { PlannedPartition } from '../connector.ts'
import type { CsvLayoutSpec } from '../csvLayout.ts'
import { daysBetween } from '../dates.ts'
import { gzipCsvPartition } from '../gzipCsvPartition.ts'

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
      out.push(
        gzipCsvPartition({
          key,
          table: 'trades',
          file: url,
          ...(local ? { local } : {}),
          name: `${market}${day}.csv.gz`,
          period: day,
          layout: LAYOUT,
          loads: (unit) => [
            {
              kind: 'rows',
              table: 'trades',
              values: {
                // Row order does not matter (early files are newest-first): everything keys on ts.
                ts: { epoch: 'timestamp', unit },
                price: { column: 'price' },
                qty: { column: 'size' },
                side: { lookup: 'side', values: { buy: 'buy', sell: 'sell' } },
                trade_id: { column: 'trdMatchID' },
              },
            },
          ],
          tradeBars: {},
        }),
      )
    }
  }
  return out
}
