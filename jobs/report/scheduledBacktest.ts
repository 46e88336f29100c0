// Job backtest.scheduled: one run of a backtest schedule. Waits until ingestion covers the window (or the deadline
// passes, noted as a caveat), backtests each rule set, runs the detectors when asked and available, renders the
// report (files first, then its row) and delivers it. A failed step fails the run and leaves no report.
import type { Runtime } from '../../src/app/runtime.ts'
import { deliverReport } from '../../src/report/delivery/deliver.ts'
import { configuredTargets } from '../../src/report/delivery/targets.ts'
import { generateReport, reportDependencies } from '../../src/report/generate.ts'
import { windowCoverage } from '../../src/report/schedule/coverage.ts'
import {
  SCHEDULED_BACKTEST_JOB,
  backtestRequestOf,
  scheduleParamsSchema,
  scheduleWindow,
  type ScheduleParams,
} from '../../src/report/schedule/params.ts'
import { executeBacktest, prepareBacktest } from '../../src/replay/backtest/run.ts'
import { scheduleOfRun } from '../../src/store/meta/schedules.ts'
import { defineJob, emptyOutcome, type JobContext } from '../job.ts'

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

/** Runs one backtest of the schedule to its end and returns its id (the run system's backtest kind when it lands). */
async function backtest(runtime: Runtime, request: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const prepared = await prepareBacktest(runtime, request, { allowFiles: false })
  const outcome = await executeBacktest(runtime, prepared, { signal })
  if (outcome.status !== 'succeeded')
    throw new Error(
      `backtest ${prepared.run.id} of ${String(request.ruleSet)} ${outcome.status}: ${outcome.error ?? ''}`,
    )
  return prepared.run.id
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
  description: 'One run of a backtest schedule: coverage wait → backtests → detectors → report → delivery.',
  params: scheduleParamsSchema,
  async run(context, params) {
    const { runtime, log, signal, runId } = context
    const schedule = await scheduleOfRun(runtime.meta, runId)
    if (schedule && !schedule.enabled) {
      log.info({ schedule: schedule.name }, 'schedule paused: nothing to run')
      return emptyOutcome()
    }
    const window = scheduleWindow(params.window, clock.now())
    const coverageNotes = await awaitCoverage(context, params, window)
    const runIds: string[] = []
    for (const ruleSet of params.ruleSets) {
      runIds.push(await backtest(runtime, backtestRequestOf(params, ruleSet, window), signal))
      if (signal.aborted) throw new Error('cancelled between backtests')
    }
    if (params.detectors) coverageNotes.push('Detectors were asked for but are not part of this build yet.')
    const targets = configuredTargets(runtime.config, params.delivery)
    const report = await generateReport(reportDependencies(runtime), {
      runId: runIds[0]!,
      compare: runIds.slice(1),
      formats: params.formats,
      schedule: schedule ? { id: schedule.id, name: schedule.name } : null,
      coverageNotes,
      jobRunId: runId,
      deliveryPending: targets.length > 0,
    })
    log.info({ report: report.id, runs: runIds }, 'report written')
    if (targets.length) {
      const { config } = runtime
      const delivery = await deliverReport(
        { meta: runtime.meta, dataDir: config.dataDir },
        report,
        report.model,
        targets,
        {
          retries: config.reportDeliveryRetries,
          baseMs: config.reportDeliveryRetryBaseMs,
          baseUrl: config.reportBaseUrl ?? `http://${config.host}:${config.port}`,
          signal,
          onFailure: (target, attempt, error) => log.warn({ target, attempt, error }, 'report delivery failed'),
        },
      )
      log.info({ report: report.id, delivery: delivery.deliveryStatus }, 'report delivered')
    }
    return emptyOutcome()
  },
})
