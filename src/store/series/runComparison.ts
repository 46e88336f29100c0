// compareRuns: several succeeded backtest runs over one bucketed range (by default the union of their windows),
// with each run's record (its summary holds the headline figures) and the per-bucket series and differences.
import { InvalidInputError, NotFoundError, type InputProblem } from '../../errors.ts'
import { getBacktestRuns, type StoredBacktestRun } from '../meta/backtestRuns.ts'
import { requireSucceededRun } from '../results/servable.ts'
import type { ResultStores } from '../results/resultLists.ts'
import { bucketRange, type BucketRange, type Granularity } from './buckets.ts'
import { readRunSeries, type RunBucketRow } from './runSeries.ts'

export const MAX_COMPARED = 10

export interface RunComparison {
  range: BucketRange
  runs: StoredBacktestRun[]
  rows: RunBucketRow[]
}

export async function readRunComparison(
  stores: ResultStores,
  ids: readonly string[],
  window: { from: Date | null; to: Date | null; granularity: Granularity },
): Promise<RunComparison> {
  const problems: InputProblem[] = []
  if (ids.length < 2 || ids.length > MAX_COMPARED)
    problems.push({ path: 'ids', received: `${ids.length} ids`, expected: `2 to ${MAX_COMPARED} run ids` })
  const dup = ids.find((id, i) => ids.indexOf(id) !== i)
  if (dup !== undefined) problems.push({ path: 'ids', received: dup, expected: 'each run once' })
  if (problems.length) throw new InvalidInputError('invalid comparison', problems)
  const found = await getBacktestRuns(stores.meta, ids)
  const missing = ids.filter((id) => !found.some((r) => r.id === id))
  if (missing.length) throw new NotFoundError(`no backtest run with id ${missing.join(', ')}`, { ids: missing })
  for (const id of ids) await requireSucceededRun(stores.meta, id)
  const runs = ids.map((id) => found.find((r) => r.id === id)!)
  const from = window.from ?? new Date(Math.min(...runs.map((r) => r.fromTs.getTime())))
  const to = window.to ?? new Date(Math.max(...runs.map((r) => r.toTs.getTime())))
  const range = bucketRange(from, to, window.granularity)
  return { range, runs, rows: await readRunSeries(stores.duck, [...ids], range) }
}

/** One run's series (NOT_FOUND / CONFLICT unless it exists and succeeded). */
export async function readOneRunSeries(
  stores: ResultStores,
  runId: string,
  window: { from: Date; to: Date; granularity: Granularity },
): Promise<{ range: BucketRange; rows: RunBucketRow[] }> {
  const range = bucketRange(window.from, window.to, window.granularity)
  await requireSucceededRun(stores.meta, runId)
  return { range, rows: await readRunSeries(stores.duck, [runId], range) }
}
