// Pyth oracle history → prices (kind oracle, source pyth): one update sampled per interval through a UTC day, each
// stored at its own publish time; an interval with no fresh update leaves a hole in the cadence (a stale oracle).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { periodRange } from '../dates.ts'
import { VENUE, type BenchmarksClient, type OracleUpdate } from './benchmarks.ts'

/** Sampling intervals, in seconds. */
export const PYTH_INTERVALS: Readonly<Record<string, number>> = {
  '1s': 1,
  '10s': 10,
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
}

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const COLUMNS: SourceColumn[] = [c('publish_time', 'BIGINT'), c('price', 'DOUBLE'), c('confidence', 'DOUBLE')]

export function oraclePartition(
  client: BenchmarksClient,
  symbol: string,
  interval: string,
  day: string,
  feedIds: Map<string, Promise<string>>,
): PlannedPartition {
  const seconds = PYTH_INTERVALS[interval]!
  const { start, end } = periodRange(day)
  const startS = start.getTime() / 1000
  const endS = end.getTime() / 1000
  return apiPartition({
    key: { source: VENUE, dataset: `oracle-${interval}`, venue: VENUE, market: symbol, period: day },
    table: 'prices',
    file: `${client.base}/v1/updates/price ${symbol} every ${interval} ${day}`,
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'prices',
        values: {
          ts: { epoch: 'publish_time', unit: 's' },
          kind: { literal: 'oracle' },
          source: { literal: VENUE },
          price: { column: 'price' },
          confidence: { column: 'confidence' },
        },
      },
    ],
    cadence: { table: 'prices', everySeconds: seconds },
    periodStart: start,
    periodEnd: end,
    emptyIsMissing: true,
    async collect(ctx, out) {
      // One lookup per symbol and run, shared by the symbol's partitions.
      let id = feedIds.get(symbol)
      if (!id) {
        id = client.feedId(ctx, symbol)
        feedIds.set(symbol, id)
        id.catch(() => feedIds.delete(symbol))
      }
      const feedId = await id
      // The update at or just before the middle of each interval: a healthy feed then yields one row per interval,
      // about one interval apart, and a stale one repeats an update (kept once), which the cadence reports as a hole.
      const samples: number[] = []
      for (let t = startS + Math.floor(seconds / 2); t < endS; t += seconds) samples.push(t)
      const updates = await Promise.all(samples.map((t) => client.updateAt(ctx, feedId, t, symbol)))
      const byTime = new Map<number, OracleUpdate>()
      for (const u of updates) {
        if (u && u.publishTime >= startS && u.publishTime < endS) byTime.set(u.publishTime, u)
      }
      for (const u of [...byTime.values()].sort((a, b) => a.publishTime - b.publishTime)) {
        out.write({ publish_time: u.publishTime, price: u.price, confidence: u.confidence })
      }
    },
  })
}
