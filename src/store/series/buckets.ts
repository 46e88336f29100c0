// Time buckets for series: a granularity, a [from, to) range aligned to the epoch, and the refusal of a range that
// would return more than MAX_BUCKETS rows (with the numbers in the error).
import { InvalidInputError } from '../../errors.ts'
import { timestampText } from '../query/duckList.ts'

export const GRANULARITIES = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86_400 } as const
export type Granularity = keyof typeof GRANULARITIES

/** Most buckets one series answers. */
export const MAX_BUCKETS = 100_000

/** A range cut into buckets: the first bucket starts at `from` rounded down to the granularity (epoch-aligned). */
export interface BucketRange {
  granularity: Granularity
  seconds: number
  from: Date
  to: Date
  /** Start of the first bucket. */
  start: Date
  count: number
}

export function bucketRange(from: Date, to: Date, granularity: Granularity): BucketRange {
  const seconds = GRANULARITIES[granularity]
  const sizeMs = seconds * 1000
  if (!(to.getTime() > from.getTime()))
    throw new InvalidInputError('invalid range', [
      { path: 'to', received: to.toISOString(), expected: `a time after from (${from.toISOString()})` },
    ])
  const startMs = Math.floor(from.getTime() / sizeMs) * sizeMs
  const count = Math.ceil((to.getTime() - startMs) / sizeMs)
  if (count > MAX_BUCKETS) {
    const coarser = (Object.keys(GRANULARITIES) as Granularity[]).find(
      (g) => Math.ceil((to.getTime() - from.getTime()) / (GRANULARITIES[g] * 1000)) + 1 <= MAX_BUCKETS,
    )
    throw new InvalidInputError(
      `${from.toISOString()} to ${to.toISOString()} is ${count} buckets of ${granularity}; a series has at most ${MAX_BUCKETS}`,
      [
        {
          path: 'granularity',
          received: granularity,
          expected: `a range of at most ${MAX_BUCKETS} buckets (${count} asked for)${coarser ? `: ${coarser} or coarser, or a shorter range` : ': a shorter range'}`,
        },
      ],
    )
  }
  return { granularity, seconds, from, to, start: new Date(startMs), count }
}

/** SQL fragments for a range: its bucket expression over `column` and the parameters it binds. */
export function bucketSql(range: BucketRange) {
  // the interval comes from a closed map (an enum), not from input text
  const interval = `INTERVAL ${range.seconds} SECOND`
  return {
    bucketOf: (column: string) => `time_bucket(${interval}, ${column}, TIMESTAMP '1970-01-01 00:00:00')`,
    /** Every bucket of the range, as rows of `bucket` (needs the start µs and count bound at startParam / countParam). */
    buckets: (startParam: string, countParam: string) =>
      `SELECT make_timestamp(CAST(${startParam} AS BIGINT) + k * ${range.seconds * 1_000_000}) AS bucket FROM range(0, CAST(${countParam} AS BIGINT)) t(k)`,
    fromText: timestampText(range.from),
    toText: timestampText(range.to),
    startMicros: range.start.getTime() * 1000,
  }
}
