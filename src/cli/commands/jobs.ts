// `backstop jobs`: list jobs and schedules, show recent runs, run a job now (handed to a running server, which holds
// the DuckDB file, through runJob).
import path from 'node:path'
import type { Command } from 'commander'
import { openRunSystem } from '../../../jobs/open.ts'
import { findJob, jobRegistry } from '../../../jobs/registry.ts'
import { parseJobParams } from '../../../jobs/runner.ts'
import { STORED_RUN_TRIGGERS } from '../../domain/run.ts'
import { InvalidInputError } from '../../errors.ts'
import { createLogger } from '../../obs/logger.ts'
import { listEnabledSchedules } from '../../store/meta/jobRuns.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { runProgressView } from '../progress.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { viaServerOr } from '../remote/handOver.ts'
import type { ServerClient } from '../remote/client.ts'
import { isRuleSetFile, storeRuleSetFile } from '../remote/ruleSetFile.ts'
import { withMeta } from '../withMeta.ts'
import { listRunsCommand, type ListOptions } from './runs.ts'
import type { Config } from '../../config/load.ts'
import type { RunSystem } from '../../../jobs/open.ts'

function parseParams(text: string | undefined): unknown {
  if (text === undefined) return {}
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new InvalidInputError('invalid --params', [
      { path: '--params', received: text, expected: `a JSON object (${(error as Error).message})` },
    ])
  }
}

/**
 * Parameters to send to the server: a rule set named by a file (`ruleSet`, or an entry of `ruleSets`) is read and
 * stored here and replaced by its version id, since the server reads no path an API client names.
 */
async function withRuleSetFilesStored(client: ServerClient, name: string, params: unknown): Promise<unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params
  const out: Record<string, unknown> = { ...(params as Record<string, unknown>) }
  const stored = async (ref: unknown) =>
    typeof ref === 'string' && isRuleSetFile(ref)
      ? storeRuleSetFile(client, ref, `backstop jobs run ${name} --params (${path.basename(ref)})`)
      : ref
  if ('ruleSet' in out) out.ruleSet = await stored(out.ruleSet)
  if (Array.isArray(out.ruleSets)) out.ruleSets = await Promise.all(out.ruleSets.map(stored))
  return out
}

async function withRunSystem<T>(config: Config, fn: (system: RunSystem) => Promise<T>) {
  const system = await openRunSystem(config, { migrate: true, log: createLogger(config.logLevel, 2) })
  try {
    return await fn(system)
  } finally {
    await system.close()
  }
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('scheduled and on-demand jobs')
  jobs
    .command('list')
    .description('registered jobs and enabled schedules')
    .action(
      action(async (config) => {
        for (const job of jobRegistry.values()) console.log(`${job.name}\t${job.description}`)
        // the metadata store alone: works while a server holds the DuckDB file
        const schedules = await withMeta(config, (meta) => listEnabledSchedules(meta))
        console.log('\nschedules:')
        for (const s of schedules)
          console.log(`${s.name}\t${s.cron} ${s.timezone}\t${s.job}\t${JSON.stringify(s.params)}`)
      }),
    )
  jobs
    .command('runs')
    .description('recent runs, newest first (the same as `backstop runs list`)')
    .option('--job <name>', 'only this job')
    .option('--kind <kind>', 'only this kind: ingest, backtest, maintenance, …')
    .option('--status <status>', 'only this status')
    .option('--trigger <trigger>', `only runs started this way: ${STORED_RUN_TRIGGERS.join(', ')}`)
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(action((config, options: ListOptions) => listRunsCommand(config, options)))
  jobs
    .command('run <name>')
    .description('run a job now and record it, here or in the running server (exit 1 if it fails)')
    .option('--params <json>', 'job parameters as a JSON object')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, name: string, options: { params?: string; local?: boolean }) => {
        const job = findJob(name)
        const params = parseParams(options.params)
        parseJobParams(job, params) // bad parameters fail here, before the stores are opened or anything is sent
        const result = await viaServerOr(config, options, {
          // the server runs it (runJob) and this process follows the run to its end, printing the same line
          remote: async (client) => {
            const { runJob } = await client.request<{ runJob: { id: string } }>(
              `mutation ($name: String!, $params: JSON) { runJob(name: $name, params: $params) { id } }`,
              { name, params: await withRuleSetFilesStored(client, name, params) },
            )
            const { run, interrupted } = await followRun(
              client,
              runJob.id,
              runProgressView({ plain: 'tenths', quiet: true }),
            )
            return { runId: run.id, status: run.status as string, error: run.error, interrupted }
          },
          local: async () => ({
            ...(await withRunSystem(config, ({ runs }) => runs.run(job, params, { trigger: 'cli' }))),
            interrupted: false,
          }),
        })
        console.log(`${name}: ${result.status} (run ${result.runId})${result.error ? `: ${result.error}` : ''}`)
        if (result.status === 'succeeded') return 0
        return result.interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE
      }),
    )
}
