// Series for charts and BI tools (marketSeries, runSeries) and compareRuns: one store call each; ranges, bucket
// counts and run states are checked in the store.
import { bucketRange } from '../../../store/series/buckets.ts'
import { readMarketSeries } from '../../../store/series/marketSeries.ts'
import { readOneRunSeries, readRunComparison } from '../../../store/series/runComparison.ts'
import type { QueryResolvers } from '../../generated/resolvers-types.ts'

const date = (d: Date | string) => (d instanceof Date ? d : new Date(d))

export const marketSeries: QueryResolvers['marketSeries'] = async (_p, args, { runtime }) => {
  const range = bucketRange(date(args.from), date(args.to), args.granularity)
  const nodes = await readMarketSeries(runtime.duck, {
    venue: args.venue,
    market: args.market,
    range,
    oracleSource: args.oracleSource ?? null,
  })
  return {
    venue: args.venue,
    market: args.market,
    granularity: args.granularity,
    bucketSeconds: range.seconds,
    from: range.from,
    to: range.to,
    nodes,
  }
}

export const runSeries: QueryResolvers['runSeries'] = async (_p, args, { runtime }) => {
  const { range, rows } = await readOneRunSeries(runtime, args.runId, {
    from: date(args.from),
    to: date(args.to),
    granularity: args.granularity,
  })
  return {
    runId: args.runId,
    granularity: args.granularity,
    bucketSeconds: range.seconds,
    from: range.from,
    to: range.to,
    nodes: rows,
  }
}

export const compareRuns: QueryResolvers['compareRuns'] = async (_p, args, { runtime }) => {
  const { range, runs, rows } = await readRunComparison(runtime, args.ids, {
    from: args.from ? date(args.from) : null,
    to: args.to ? date(args.to) : null,
    granularity: args.granularity,
  })
  return {
    granularity: range.granularity,
    bucketSeconds: range.seconds,
    from: range.from,
    to: range.to,
    baseline: args.ids[0]!,
    runs,
    nodes: rows,
  }
}
