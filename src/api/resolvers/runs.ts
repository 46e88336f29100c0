// Runs of every kind: run(id), runs(kind, status, first), cancelRun(id) and triggerIngest; the run of a backtest is its
// `run` field.
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

/** Parameters that name files on the server's disk: the API never makes the server read its own files. */
const SERVER_PATH_PARAMS = ['dir', 'paths'] as const

/**
 * Starts the ingestion job of a source (`ingest.<source>`, the job the CLI and cron run) with the given parameters;
 * the job's schema reports every problem and nothing is recorded on bad input.
 */
export const triggerIngest: MutationResolvers['triggerIngest'] = async (_p, { input }, context) => {
  const control = runsOf(context)
  const sources = control
    .jobNames()
    .filter((name) => name.startsWith('ingest.'))
    .map((name) => name.slice('ingest.'.length))
  const problems: InputProblem[] = []
  if (!sources.includes(input.source))
    problems.push({ path: 'input.source', received: input.source, expected: `one of ${sources.join(', ')}` })
  const params = input.params ?? {}
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    problems.push({ path: 'input.params', received: params, expected: 'an object of the job parameters' })
  else {
    for (const key of SERVER_PATH_PARAMS) {
      if (Object.hasOwn(params, key))
        problems.push({
          path: `input.params.${key}`,
          received: (params as Record<string, unknown>)[key],
          expected: "nothing: the API does not read files on the server's disk (use the CLI on that host)",
        })
    }
  }
  if (problems.length) throw new InvalidInputError('invalid triggerIngest input', problems)
  const { runId } = await control.submit(`ingest.${input.source}`, params, { trigger: 'api' })
  return (await getRun(context.runtime.meta, runId))!
}

/** Starts the scenario-load run kind (job scenario.load): name and seed are checked before anything is recorded. */
export const loadScenario: MutationResolvers['loadScenario'] = async (_p, { name, seed, force }, context) => {
  const params = { name, ...(seed != null ? { seed } : {}), ...(force != null ? { force } : {}) }
  const { runId } = await runsOf(context).submit('scenario.load', params, { trigger: 'api' })
  return (await getRun(context.runtime.meta, runId))!
}

export const Run: RunResolvers = {
  status: (r) => runStatus(r),
  progress: (r) => (r.progress ? progressOfRecord(r) : null),
  result: (r) => r.result ?? null,
  failures: (r) => (Array.isArray(r.errors) ? (r.errors as Array<{ partition?: string; message: string }>) : []),
}

export const RunProgress: RunProgressResolvers = {
  updatedAt: (p) => p.at,
}
