// Prices before a backtest's window, for the synthetic population's entries (kernel/population.ts EntryHistory):
// the stored bars of the lookback, reduced to one-minute buckets per market.
import type { DuckStore } from '../../store/duck/open.ts'
import { readReplayFeed } from '../../store/market/replayFeed.ts'
import { EventKind } from '../kernel/events.ts'
import type { EntryHistory } from '../kernel/population.ts'
import type { ReplayPlan } from './plan.ts'

const BUCKET_US = 60e6

/**
 * One-minute buckets of each market's bars in [fromUs − lookbackHours, fromUs): lowest low, highest high, last
 * close. Null for a market without bars there (its initial positions enter at the first mark).
 */
export async function readEntryHistory(
  duck: DuckStore,
  feed: ReplayPlan['feed'],
  fromUs: number,
  lookbackHours: number,
): Promise<Array<EntryHistory | null>> {
  const markets = feed.markets.length
  if (!(lookbackHours > 0) || feed.bars.every((b) => b === null)) return Array.from({ length: markets }, () => null)
  const buckets = Array.from({ length: markets }, () => ({
    ts: [] as number[],
    low: [] as number[],
    high: [] as number[],
    close: [] as number[],
  }))
  const spec = {
    ...feed,
    prices: [],
    funding: false,
    premiumFundingIntervalH: null,
    openInterest: false,
    accounts: false,
    fromUs: fromUs - lookbackHours * 3600e6,
    toUs: fromUs,
  }
  for await (const batch of readReplayFeed(duck, spec)) {
    for (let i = 0; i < batch.length; i++) {
      if (batch.kind[i] !== EventKind.BAR) continue
      const close = batch.c[i]!
      if (!(close > 0)) continue
      const b = buckets[batch.market[i]!]!
      const start = Math.floor(batch.ts[i]! / BUCKET_US) * BUCKET_US
      const n = b.ts.length
      if (n > 0 && b.ts[n - 1] === start) {
        b.low[n - 1] = Math.min(b.low[n - 1]!, batch.a[i]!)
        b.high[n - 1] = Math.max(b.high[n - 1]!, batch.b[i]!)
        b.close[n - 1] = close
      } else {
        b.ts.push(start)
        b.low.push(batch.a[i]!)
        b.high.push(batch.b[i]!)
        b.close.push(close)
      }
    }
  }
  return buckets.map((b) =>
    b.ts.length
      ? {
          ts: Float64Array.from(b.ts),
          low: Float64Array.from(b.low),
          high: Float64Array.from(b.high),
          close: Float64Array.from(b.close),
        }
      : null,
  )
}
