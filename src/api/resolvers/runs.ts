// Runs of every kind: run(id), runs(kind, status, first) and cancelRun(id); the run of a backtest is its `run` field.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { getRun, listRuns, runStatus } from '../../store/meta/runs.ts'
import type {
  MutationResolvers,
  QueryResolvers,
  RunProgressResolvers,
  RunResolvers,
} from '../generated/resolvers-types.ts'
import { progressOfRecord } from '../subscriptions/runProgressModel.ts'
import { runsOf } from './backtests.ts'

export const run: QueryResolvers['run'] = (_p, { id }, { runtime }) => getRun(runtime.meta, id)

export const runs: QueryResolvers['runs'] = (_p, { kind, status, first }, { runtime }) => {
  const limit = first ?? 50
  const problems: InputProblem[] = []
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    problems.push({ path: 'first', received: first, expected: 'an integer from 1 to 1000' })
  if (kind != null && !/^[a-z][a-z0-9-]{0,39}$/.test(kind))
    problems.push({ path: 'kind', received: kind, expected: 'a run kind such as ingest, backtest or maintenance' })
  if (problems.length) throw new InvalidInputError('invalid runs query', problems)
  return listRuns(runtime.meta, { kind: kind ?? null, status: status ?? null, limit })
}

export const cancelRun: MutationResolvers['cancelRun'] = (_p, { id }, context) => runsOf(context).cancel(id)

export const Run: RunResolvers = {
  status: (r) => runStatus(r),
  progress: (r) => (r.progress ? progressOfRecord(r) : null),
}

export const RunProgress: RunProgressResolvers = {
  updatedAt: (p) => p.at,
}
