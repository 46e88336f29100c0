// Binance USDⓈ-M futures public archive (data.binance.vision layout): plans daily (monthly for fundingRate)
// partitions, downloads each zip with its CHECKSUM (or reads it from a local directory), and describes the CSV inside
// for the loader.
import path from 'node:path'
import type { FetchContext, PlannedPartition } from '../connector.ts'
import { detectCsvLayout } from '../csvLayout.ts'
import { daysBetween, monthsBetween, periodRange } from '../dates.ts'
import { firstLines } from '../peek.ts'
import { fetchVerifiedZip, localZip, probeChecksum } from '../zipArchive.ts'
import type { BinanceDataset } from '../../domain/sources.ts'
import { VENUE, datasetLayout, isKlineDataset, partitionDataset } from './datasets.ts'

export interface BinanceUmPlan {
  /** Either the archive's base URL or a local directory of zips already downloaded. */
  baseUrl?: string
  dir?: string
  markets: readonly string[]
  datasets: readonly BinanceDataset[]
  /** Inclusive UTC days, YYYY-MM-DD. */
  from: string
  to: string
  /** Kline interval for the kline datasets, e.g. 1m. */
  interval: string
  /** Load a zip the archive publishes without its .CHECKSUM (recorded as unverified) instead of failing it. */
  allowUnverified?: boolean
}

/** URL of one archive zip, e.g. …/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2025-10-01.zip. */
export function binanceZipUrl(
  baseUrl: string,
  dataset: BinanceDataset,
  market: string,
  period: string,
  interval: string,
): string {
  const cadence = period.length === 7 ? 'monthly' : 'daily'
  const base = baseUrl.replace(/\/+$/, '')
  if (isKlineDataset(dataset)) {
    return `${base}/data/futures/um/${cadence}/${dataset}/${market}/${interval}/${market}-${interval}-${period}.zip`
  }
  return `${base}/data/futures/um/${cadence}/${dataset}/${market}/${market}-${dataset}-${period}.zip`
}

/**
 * Where a downloaded zip may sit in `dir`: the archive's own layout below it (`data/futures/um/daily/…`, as
 * binance-public-data's download scripts store them), or all zips side by side.
 */
export function binanceLocalCandidates(
  dir: string,
  dataset: BinanceDataset,
  market: string,
  period: string,
  interval: string,
): string[] {
  const mirrored = binanceZipUrl(dir, dataset, market, period, interval)
  return [path.normalize(mirrored), path.join(dir, path.basename(mirrored))]
}

export function planBinanceUm(plan: BinanceUmPlan): PlannedPartition[] {
  if (!plan.baseUrl === !plan.dir) throw new Error('planBinanceUm needs exactly one of baseUrl and dir')
  const out: PlannedPartition[] = []
  for (const market of plan.markets) {
    for (const dataset of plan.datasets) {
      const layout = datasetLayout(dataset, plan.interval)
      const periods = layout.period === 'month' ? monthsBetween(plan.from, plan.to) : daysBetween(plan.from, plan.to)
      for (const period of periods) {
        const key = { source: VENUE, dataset: partitionDataset(dataset, plan.interval), venue: VENUE, market, period }
        const local = plan.dir ? binanceLocalCandidates(plan.dir, dataset, market, period, plan.interval) : null
        const url = local ? local[0]! : binanceZipUrl(plan.baseUrl!, dataset, market, period, plan.interval)
        out.push({
          key,
          table: layout.table,
          file: url,
          ...(local ? {} : { probe: (ctx: FetchContext) => probeChecksum(ctx, url) }),
          async fetch(ctx, probe) {
            const zip = local
              ? await localZip(ctx, local)
              : await fetchVerifiedZip(ctx, url, probe, { allowUnverified: !!plan.allowUnverified })
            if (zip.kind === 'missing') return { kind: 'missing', file: url }
            const name = zip.extracted.entry
            const csv = detectCsvLayout(name, await firstLines(zip.extracted.path, 2, undefined, name), layout.csv)
            // An empty or header-only day is a hole at the source, not a loaded day of 0 rows.
            if (!csv.hasData) return { kind: 'missing', file: url, reason: 'empty-at-source', scratch: zip.scratch }
            const { start, end } = periodRange(period)
            return {
              kind: 'ready',
              scratch: zip.scratch,
              bytes: zip.bytes,
              checksumVerified: !zip.unverified,
              request: {
                partition: key,
                file: { path: zip.extracted.path, name, format: 'csv', header: csv.header, columns: csv.columns },
                loads: layout.loads(csv.unit),
                upstream: { file: url, checksum: zip.sha256, ...(zip.unverified ? { unverified: true } : {}) },
                ...(layout.tradeBars ? { tradeBars: layout.tradeBars } : {}),
                ...(layout.cadence ? { cadence: layout.cadence } : {}),
                periodStart: start,
                periodEnd: end,
              },
            }
          },
        })
      }
    }
  }
  return out
}
