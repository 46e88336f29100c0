// Runs of every kind: run(id), runs(kind, status, first), cancelRun(id), triggerIngest, runJob and the scenario runs;
// the run of a backtest is its `run` field.
import { isAbsolute } from 'node:path'
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

/**
 * Parameters that name files on the server's disk. Only the local principal may send them: a CLI on the server's own
 * host, which proved it can read the server's 0600 discovery file (its token), so it could read those files itself.
 * Any other caller — a key, anonymous — never makes the server read its disk.
 */
const SERVER_PATH_PARAMS = ['dir', 'paths', 'csv'] as const

function pathProblems(path: string, value: unknown, local: boolean): InputProblem[] {
  if (!local)
    return [
      {
        path,
        received: value,
        expected: "nothing: the API does not read files on the server's disk (use the CLI on that host)",
      },
    ]
  const values = Array.isArray(value) ? value : [value]
  return values.some((v) => typeof v !== 'string' || !isAbsolute(v))
    ? [{ path, received: value, expected: 'absolute paths on the server host (the CLI resolves them)' }]
    : []
}

/**
 * Per-run settings (chainlink's rpcUrl): like server paths, only from the local principal — the server must not
 * fetch a URL an API client names. Values are never echoed (a URL may hold a key); the job checks each setting.
 */
function settingsProblems(settings: unknown, local: boolean): InputProblem[] {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
    return [{ path: 'input.settings', received: typeof settings, expected: 'an object of per-run settings' }]
  if (local) return []
  return [
    {
      path: 'input.settings',
      received: Object.keys(settings).join(', '),
      expected:
        "nothing: per-run settings (e.g. rpcUrl) are taken only from the CLI on the server's host; set them in the server's environment",
    },
  ]
}

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
        problems.push(
          ...pathProblems(
            `input.params.${key}`,
            (params as Record<string, unknown>)[key],
            context.principal.kind === 'local',
          ),
        )
    }
  }
  const settings = input.settings ?? null
  if (settings !== null) problems.push(...settingsProblems(settings, context.principal.kind === 'local'))
  if (problems.length) throw new InvalidInputError('invalid triggerIngest input', problems)
  const { runId } = await control.submit(`ingest.${input.source}`, params, {
    trigger: 'api',
    ...(settings !== null ? { settings: settings as Record<string, unknown> } : {}),
  })
  return (await getRun(context.runtime.meta, runId))!
}

/**
 * Runs any registered job now (what `backstop jobs run NAME` does, handed to the server): the job's own schema checks
 * the parameters, file parameters follow triggerIngest's rule (the local principal only), and the run is an API run,
 * so a job that reads a rule-set file from its parameters refuses it here as for any API request.
 */
export const runJob: MutationResolvers['runJob'] = async (_p, { name, params }, context) => {
  const control = runsOf(context)
  const problems: InputProblem[] = []
  const names = control.jobNames()
  if (!names.includes(name)) problems.push({ path: 'name', received: name, expected: `one of ${names.join(', ')}` })
  const given: unknown = params ?? {}
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    problems.push({ path: 'params', received: given, expected: 'an object of the job parameters' })
  else
    for (const key of SERVER_PATH_PARAMS)
      if (Object.hasOwn(given, key))
        problems.push(
          ...pathProblems(`params.${key}`, (given as Record<string, unknown>)[key], context.principal.kind === 'local'),
        )
  if (problems.length) throw new InvalidInputError('invalid runJob input', problems)
  const { runId } = await control.submit(name, given, { trigger: 'api' })
  return (await getRun(context.runtime.meta, runId))!
}

/** Starts the scenario-load run kind (job scenario.load): name and seed are checked before anything is recorded. */
export const loadScenario: MutationResolvers['loadScenario'] = async (_p, { name, seed, force }, context) => {
  const params = { name, ...(seed != null ? { seed } : {}), ...(force != null ? { force } : {}) }
  const { runId } = await runsOf(context).submit('scenario.load', params, { trigger: 'api' })
  return (await getRun(context.runtime.meta, runId))!
}

/** Starts a scenario removal (job scenario.remove): a name or all, checked before anything is recorded. */
export const removeScenario: MutationResolvers['removeScenario'] = async (_p, { name, all }, context) => {
  const params = { ...(name != null ? { name } : {}), ...(all != null ? { all } : {}) }
  const { runId } = await runsOf(context).submit('scenario.remove', params, { trigger: 'api' })
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
