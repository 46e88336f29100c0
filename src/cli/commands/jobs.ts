// `backstop jobs`: list jobs and schedules, show recent runs, run a job now.
import type { Command } from 'commander'
import { findJob, jobRegistry } from '../../../jobs/registry.ts'
import { parseJobParams, runJob } from '../../../jobs/runner.ts'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import { InvalidInputError } from '../../errors.ts'
import { createLogger } from '../../obs/logger.ts'
import { listEnabledSchedules, listJobRuns } from '../../store/meta/jobRuns.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import type { Config } from '../../config/load.ts'

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

async function withRuntime<T>(
  config: Config,
  fn: (runtime: Awaited<ReturnType<typeof openRuntime>>['runtime']) => Promise<T>,
) {
  const { runtime } = await openRuntime(config, { migrate: true, log: createLogger(config.logLevel) })
  try {
    return await fn(runtime)
  } finally {
    await closeRuntime(runtime)
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
        const schedules = await withRuntime(config, (runtime) => listEnabledSchedules(runtime.meta))
        console.log('\nschedules:')
        for (const s of schedules)
          console.log(`${s.name}\t${s.cron} ${s.timezone}\t${s.job}\t${JSON.stringify(s.params)}`)
      }),
    )
  jobs
    .command('runs')
    .description('recent job runs, newest first')
    .option('--job <name>', 'only this job')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(
      action(async (config, options: { job?: string; limit: string; json?: boolean }) => {
        const limit = Number(options.limit)
        if (!Number.isInteger(limit) || limit < 1) {
          throw new InvalidInputError('invalid --limit', [
            { path: '--limit', received: options.limit, expected: 'a positive integer' },
          ])
        }
        const runs = await withRuntime(config, (runtime) =>
          listJobRuns(runtime.meta, { job: options.job ?? null, limit }),
        )
        if (options.json) {
          console.log(JSON.stringify(runs, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2))
          return
        }
        for (const r of runs) {
          console.log(
            [
              r.startedAt.toISOString(),
              r.job,
              r.status,
              r.trigger,
              `${r.durationMs ?? '-'} ms`,
              `partitions ${r.partitionsLoaded}/${r.partitionsSkipped}/${r.partitionsFailed}`,
              `rows ${r.rows}`,
              r.error ?? '',
            ].join('\t'),
          )
        }
      }),
    )
  jobs
    .command('run <name>')
    .description('run a job now in this process and record it (exit 1 if it fails)')
    .option('--params <json>', 'job parameters as a JSON object')
    .action(
      action(async (config, name: string, options: { params?: string }) => {
        const job = findJob(name)
        const params = parseParams(options.params)
        parseJobParams(job, params) // bad parameters fail here, before the stores are opened
        const result = await withRuntime(config, (runtime) => runJob(runtime, job, params, { trigger: 'cli' }))
        console.log(`${name}: ${result.status} (run ${result.runId})${result.error ? `: ${result.error}` : ''}`)
        return result.status === 'succeeded' ? 0 : EXIT_FAILURE
      }),
    )
}
