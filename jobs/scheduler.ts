// The cron scheduler inside `serve`: config and JobSchedule rows become node-cron tasks; runs never overlap.
import cron, { type ScheduledTask } from 'node-cron'
import type { Runtime } from '../src/app/runtime.ts'
import { InvalidInputError, type InputProblem } from '../src/errors.ts'
import { listEnabledSchedules, syncConfigSchedules, type ScheduleSpec } from '../src/store/meta/jobRuns.ts'
import type { JobDefinition } from './job.ts'
import { recoverInterruptedRuns } from './recovery.ts'
import { missedScheduleRuns } from './report/catchUp.ts'
import { backtestScheduleTasks } from './report/scheduleTasks.ts'
import { SCHEDULED_BACKTEST_JOB } from '../src/report/schedule/params.ts'
import { JobBusyError, parseJobParams, runJob, type RunOptions } from './runner.ts'

export interface Scheduler {
  /** Names of the schedules that are active. */
  readonly schedules: string[]
  /** Stops the cron tasks, asks running jobs to stop, and waits for them up to `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>
}

/** Checks config schedules up front: a bad cron, an unknown job or bad params stop the start with every problem. */
export function validateSchedules(specs: ScheduleSpec[], registry: ReadonlyMap<string, JobDefinition<never>>): void {
  const problems: InputProblem[] = []
  for (const spec of specs) {
    const detail = cron.validateDetailed(spec.cron)
    if (!detail.valid) {
      problems.push({
        path: `schedules.${spec.name}.cron`,
        received: spec.cron,
        expected: `a cron expression (${detail.errors.map((e) => e.message).join('; ')})`,
      })
    }
    const job = registry.get(spec.job)
    if (!job) {
      problems.push({
        path: `schedules.${spec.name}.job`,
        received: spec.job,
        expected: `one of ${[...registry.keys()].join(', ')}`,
      })
      continue
    }
    try {
      parseJobParams(job, spec.params)
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      problems.push(...error.problems.map((p) => ({ ...p, path: `schedules.${spec.name}.params.${p.path}` })))
    }
  }
  if (problems.length) throw new InvalidInputError('invalid job schedules', problems)
}

export async function startScheduler(
  runtime: Runtime,
  registry: ReadonlyMap<string, JobDefinition<never>>,
  fromConfig: ScheduleSpec[],
): Promise<Scheduler> {
  const { log, meta } = runtime
  validateSchedules(fromConfig, registry)
  await syncConfigSchedules(meta, fromConfig)
  const stopping = new AbortController()
  const running = new Set<Promise<unknown>>()

  const launch = (job: JobDefinition<never>, params: unknown, options: RunOptions) => {
    const run = runJob(runtime, job, params, { ...options, signal: stopping.signal })
      .catch((error) => {
        if (error instanceof JobBusyError) log.warn({ job: job.name }, error.message)
        else log.error({ err: error, job: job.name }, 'job could not start')
      })
      .finally(() => running.delete(run))
    running.add(run)
    return run
  }

  for (const run of await recoverInterruptedRuns(runtime)) {
    const job = registry.get(run.job)
    if (!job) continue
    log.info({ job: run.job, retryOf: run.id }, 're-running interrupted job')
    void launch(job, run.params, {
      trigger: 'recovery',
      retryOfId: run.id,
      attempt: run.attempt + 1,
      scheduleId: run.scheduleId,
    })
  }

  for (const schedule of await missedScheduleRuns(runtime, new Date())) {
    const job = registry.get(schedule.job)
    if (!job) continue
    log.info({ schedule: schedule.name, missedAt: schedule.missedAt }, 'running a schedule missed while stopped')
    void launch(job, schedule.params, { trigger: 'cron', scheduleId: schedule.id })
  }

  const tasks: ScheduledTask[] = []
  const names: string[] = []
  for (const schedule of await listEnabledSchedules(meta)) {
    // backtest schedules follow the table while the server runs (report/scheduleTasks.ts)
    if (schedule.job === SCHEDULED_BACKTEST_JOB) continue
    const job = registry.get(schedule.job)
    if (!job || !cron.validate(schedule.cron)) {
      log.error(
        { schedule: schedule.name, job: schedule.job, cron: schedule.cron },
        'schedule skipped: unknown job or bad cron',
      )
      continue
    }
    const task = cron.createTask(
      schedule.cron,
      () => launch(job, schedule.params, { trigger: 'cron', scheduleId: schedule.id }),
      { timezone: schedule.timezone, noOverlap: true, name: schedule.name },
    )
    await task.start()
    tasks.push(task)
    names.push(schedule.name)
  }
  const backtestJob = registry.get(SCHEDULED_BACKTEST_JOB)
  const backtests = backtestJob
    ? await backtestScheduleTasks(runtime, (params, scheduleId) =>
        launch(backtestJob, params, { trigger: 'cron', scheduleId }),
      )
    : null
  log.info({ schedules: [...names, ...(backtests?.names() ?? [])] }, 'scheduler started')

  return {
    get schedules() {
      return [...names, ...(backtests?.names() ?? [])]
    },
    async stop(timeoutMs) {
      await backtests?.stop()
      for (const task of tasks) await task.destroy()
      stopping.abort(new Error('shutting down'))
      if (running.size === 0) return
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
      })
      await Promise.race([Promise.allSettled([...running]), timeout])
      clearTimeout(timer)
      // A run still going is marked failed by recovery on the next start, and re-run there.
      if (running.size) log.warn({ running: running.size }, 'jobs still running at shutdown')
    },
  }
}
