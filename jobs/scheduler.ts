// The cron scheduler inside `serve`: config and JobSchedule rows become node-cron tasks that submit runs to the run
// system; a schedule's runs never overlap. At start it re-runs the runs a crash interrupted.
import cron, { type ScheduledTask } from 'node-cron'
import type { Runtime } from '../src/app/runtime.ts'
import { InvalidInputError, type InputProblem } from '../src/errors.ts'
import { listEnabledSchedules, syncConfigSchedules, type ScheduleSpec } from '../src/store/meta/jobRuns.ts'
import type { JobDefinition } from './job.ts'
import { runsToRetry } from './recovery.ts'
import { missedScheduleRuns, reportsOwedDelivery } from './report/catchUp.ts'
import { DELIVER_REPORTS_JOB } from './report/deliverJob.ts'
import { backtestScheduleTasks } from './report/scheduleTasks.ts'
import { SCHEDULED_BACKTEST_JOB } from '../src/report/schedule/params.ts'
import { RunManager, type SubmitOptions } from './runManager.ts'
import { JobBusyError, parseJobParams } from './runner.ts'

export interface Scheduler {
  /** Names of the schedules that are active. */
  readonly schedules: string[]
  /**
   * Stops the cron tasks. The runs they started belong to the run system that was passed in (stopped by its owner);
   * a scheduler that made its own also stops that, waiting up to `timeoutMs` for its runs.
   */
  stop(timeoutMs?: number): Promise<void>
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
  shared?: RunManager,
): Promise<Scheduler> {
  const { log, meta } = runtime
  const runs = shared ?? new RunManager(runtime, registry, { limits: runtime.config.runConcurrency })
  validateSchedules(fromConfig, registry)
  await syncConfigSchedules(meta, fromConfig)

  /** Submits a run and settles when it has finished (so node-cron's noOverlap waits for it). */
  const launch = async (job: JobDefinition<never>, params: unknown, options: SubmitOptions) => {
    try {
      await (
        await runs.submit(job, params, options)
      ).done
    } catch (error) {
      if (error instanceof JobBusyError) log.warn({ job: job.name }, error.message)
      else log.error({ err: error, job: job.name }, 'job could not start')
    }
  }

  // found before any run starts here, so a report this process is about to render is not among them
  const owedDelivery = await reportsOwedDelivery(runtime)
  const deliverJob = registry.get(DELIVER_REPORTS_JOB)
  if (owedDelivery.length && deliverJob) {
    log.info({ reports: owedDelivery.length }, 'resuming pending report deliveries')
    void launch(deliverJob, { reports: owedDelivery }, { trigger: 'recovery' })
  }

  for (const run of await runsToRetry(runtime, registry)) {
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
    async stop(timeoutMs = runtime.config.shutdownTimeoutMs) {
      await backtests?.stop()
      for (const task of tasks) await task.destroy()
      if (!shared) await runs.stop(timeoutMs)
    },
  }
}
