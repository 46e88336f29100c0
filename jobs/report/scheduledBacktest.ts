// Job backtest.scheduled (kind schedule): one run of a backtest schedule. Waits until ingestion covers the window
// (or the deadline passes, noted as a caveat), then starts a run of kind backtest per rule set and a run of kind
// report (each recorded, queued and cancellable like any run, and cancelled with this one), and delivers the report.
// A failed or cancelled step fails this run; a report exists only if its own run succeeded.
import { deliverStoredReport } from '../../src/report/delivery/deliver.ts'
import { configuredTargets } from '../../src/report/delivery/targets.ts'
import { REPORT_JOB } from '../../src/report/reportRun.ts'
import { windowCoverage } from '../../src/report/schedule/coverage.ts'
import {
  SCHEDULED_BACKTEST_JOB,
  backtestRequestOf,
  scheduleParamsSchema,
  scheduleWindow,
  type ScheduleParams,
} from '../../src/report/schedule/params.ts'
import { getReport } from '../../src/store/meta/reports.ts'
import { otherOpenScheduleRun, scheduleOfRun } from '../../src/store/meta/schedules.ts'
import { detectAfterBacktest, type DetectFollowUp } from '../detect.ts'
import { defineJob, emptyOutcome, type ChildRuns, type JobContext } from '../job.ts'
import { deliveryOptions } from './deliveryOptions.ts'

/** Clock and waiting, replaceable in tests. */
export interface ScheduledRunClock {
  now(): Date
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

const realClock: ScheduledRunClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    }),
}

let clock = realClock
/** Tests drive the coverage wait with their own clock. */
export function useScheduledRunClock(next: ScheduledRunClock | null): void {
  clock = next ?? realClock
}

/** Starts a run of `job` for this schedule, waits for it, and returns its id; throws unless it succeeded. */
async function childRun(runs: ChildRuns, job: string, params: unknown, scheduleId: string | null, what: string) {
  const { runId, done } = await runs.submit(job, params, { trigger: 'cron', scheduleId })
  const result = await done
  if (result.status !== 'succeeded') throw new Error(`${what} (run ${runId}) ${result.status}: ${result.error ?? ''}`)
  return result
}

/** Waits for the window's coverage; after the deadline, goes on and returns the caveat to print. */
async function awaitCoverage(context: JobContext, params: ScheduleParams, window: { from: Date; to: Date }) {
  const { runtime, log, signal } = context
  const { scheduleCoverageDeadlineMinutes: deadlineMin, scheduleCoveragePollSeconds: pollS } = runtime.config
  const deadline = clock.now().getTime() + deadlineMin * 60_000
  for (;;) {
    const coverage = await windowCoverage(runtime.duck, params.venue, params.markets, window)
    if (coverage.covered) return []
    if (signal.aborted) throw new Error('cancelled while waiting for the data to cover the window')
    if (clock.now().getTime() >= deadline) {
      log.warn({ missing: coverage.missing }, 'coverage deadline passed: running with a caveat')
      return [
        `The run waited ${deadlineMin} min for ingestion to cover the window, then ran without: ${coverage.missing.join('; ')}.`,
      ]
    }
    log.info({ missing: coverage.missing.length }, 'waiting for ingestion to cover the window')
    await clock.sleep(pollS * 1000, signal)
  }
}

export const scheduledBacktestJob = defineJob<ScheduleParams>({
  name: SCHEDULED_BACKTEST_JOB,
  // its own kind: it waits on runs of kind backtest and report, so it must never hold one of their slots
  kind: 'schedule',
  description: 'One run of a backtest schedule: coverage wait → backtest runs → detectors → report run → delivery.',
  params: scheduleParamsSchema,
  // schedules queue one behind another (RUN_CONCURRENCY schedule=N); one interrupted by a crash is run again by the
  // catch-up at start (jobs/report/catchUp.ts), not by crash recovery, so it runs once
  exclusive: false,
  retryOnCrash: false,
  async run(context, params) {
    const { runtime, log, signal, runId, progress } = context
    const runs = context.runs
    if (!runs) throw new Error('a scheduled backtest needs the run system (its backtests and report are runs)')
    const schedule = await scheduleOfRun(runtime.meta, runId)
    if (schedule && !schedule.enabled) {
      log.info({ schedule: schedule.name }, 'schedule paused: nothing to run')
      return { ...emptyOutcome(), result: { skipped: 'the schedule is paused' } }
    }
    if (schedule) {
      const other = await otherOpenScheduleRun(runtime.meta, schedule.id, runId)
      if (other) throw new Error(`the previous run of schedule ${schedule.name} (run ${other}) is still running`)
    }
    const scheduleId = schedule?.id ?? null
    const steps = params.ruleSets.length + 2 + (params.detectors ? 1 : 0)
    const window = scheduleWindow(params.window, clock.now())
    progress.update({ phase: 'waiting for data', done: 0, total: steps, unit: 'steps' })
    const coverageNotes = await awaitCoverage(context, params, window)
    const runIds: string[] = []
    for (const [i, ruleSet] of params.ruleSets.entries()) {
      signal.throwIfAborted()
      progress.update({ phase: 'backtesting', done: 1 + i, total: steps, unit: 'steps' })
      const request = backtestRequestOf(params, ruleSet, window)
      runIds.push((await childRun(runs, 'backtest', request, scheduleId, `the backtest of ${ruleSet}`)).runId)
    }
    // detectors over each backtest (child runs); a failure is noted in the report and the result, never fatal
    const detections: DetectFollowUp[] = []
    if (params.detectors) {
      progress.update({ phase: 'detecting', done: 1 + runIds.length, total: steps, unit: 'steps' })
      for (const backtestRunId of runIds) {
        signal.throwIfAborted()
        const d = await detectAfterBacktest(
          runs,
          { runId: backtestRunId, venue: params.venue },
          { trigger: 'cron', scheduleId },
        )
        detections.push(d)
        if (d.status !== 'succeeded') {
          log.warn({ backtest: backtestRunId, detect: d.detectRunId, error: d.error }, 'detectors failed')
          coverageNotes.push(
            `Detectors over run ${backtestRunId} ${d.status === 'refused' ? 'were refused' : d.status}` +
              `${d.detectRunId ? ` (detect run ${d.detectRunId})` : ''}: ${d.error ?? 'no error recorded'}`,
          )
        }
      }
    }
    const targets = configuredTargets(runtime.config, params.delivery)
    signal.throwIfAborted()
    progress.update({
      phase: 'reporting',
      done: 1 + runIds.length + (params.detectors ? 1 : 0),
      total: steps,
      unit: 'steps',
    })
    const reportRun = await childRun(
      runs,
      REPORT_JOB,
      {
        runId: runIds[0]!,
        compare: runIds.slice(1),
        formats: params.formats,
        schedule: schedule ? { id: schedule.id, name: schedule.name } : null,
        coverageNotes,
        delivery: targets.map((t) => t.kind),
      },
      scheduleId,
      'the report',
    )
    const report = await getReport(runtime.meta, reportRun.runId)
    if (!report) throw new Error(`the report of run ${reportRun.runId} is missing`)
    let deliveryStatus = report.deliveryStatus
    if (report.deliveryStatus === 'pending') {
      // the report is whole and recorded with its targets pending: from here a failure is recorded on it, and a stop
      // leaves the rest pending for the next start (catch-up); it is never lost
      progress.update({ phase: 'delivering', done: steps - 1, total: steps, unit: 'steps' })
      const delivery = await deliverStoredReport(
        { meta: runtime.meta, dataDir: runtime.config.dataDir },
        report.id,
        targets,
        deliveryOptions(runtime.config, log, signal),
      )
      deliveryStatus = delivery.deliveryStatus
      log.info({ report: report.id, delivery: deliveryStatus }, 'report delivered')
    }
    progress.update({ phase: 'done', done: steps, total: steps, unit: 'steps' })
    return {
      ...emptyOutcome(),
      result: { backtestRuns: runIds, detections, reportRun: reportRun.runId, reportId: report.id, deliveryStatus },
    }
  },
})
