// The report kind: job report.generate renders the report of a succeeded backtest run (from the API, the CLI or a
// scheduled run), or of a succeeded sweep run (on demand). Checked at submission (nothing recorded for a bad request); the report's id is its run's id, so
// a run that does not succeed — failed, cancelled, or interrupted by a crash — has its row, folder and partial
// folder deleted by `discard`, and a report that has a row is whole.
import { pendingDeliveries } from '../../src/report/delivery/deliver.ts'
import { configuredTargets } from '../../src/report/delivery/targets.ts'
import {
  REPORT_STEPS,
  discardReport,
  generateReport,
  reportDependencies,
  type ReportStep,
} from '../../src/report/generate.ts'
import { generateSweepReport } from '../../src/report/sweep/generate.ts'
import {
  REPORT_JOB,
  checkReportRun,
  reportRunParamsSchema,
  type CheckedReportRun,
  type ReportRunParams,
} from '../../src/report/reportRun.ts'
import { defineJob, emptyOutcome } from '../job.ts'

export const reportJob = defineJob<ReportRunParams, CheckedReportRun>({
  name: REPORT_JOB,
  kind: 'report',
  description: 'Render the report of a succeeded backtest run (HTML, Markdown with SVG charts, JSON) and record it.',
  params: reportRunParamsSchema,
  // reports queue (RUN_CONCURRENCY) rather than refuse one another; an interrupted one is discarded, not re-run
  exclusive: false,
  retryOnCrash: false,
  prepare: ({ runtime }, params) => checkReportRun(runtime, params),
  async run({ runtime, runId, signal, progress, log }, request) {
    const onStep = (step: ReportStep) =>
      progress.update({ phase: step, done: REPORT_STEPS.indexOf(step), total: REPORT_STEPS.length, unit: 'steps' })
    const report = request.sweepId
      ? await generateSweepReport(
          { duck: runtime.duck, meta: runtime.meta, dataDir: runtime.config.dataDir },
          { id: runId, sweepRunId: request.sweepId, formats: request.formats, jobRunId: runId, signal, onStep },
        )
      : await generateReport(reportDependencies(runtime), {
          id: runId,
          runId: request.runId!,
          compare: request.compare,
          formats: request.formats,
          schedule: request.schedule,
          coverageNotes: request.coverageNotes,
          jobRunId: runId,
          // the row records each configured target pending; the delivery reads the report back from the store
          deliveries: pendingDeliveries(configuredTargets(runtime.config, request.delivery)),
          signal,
          onStep,
        })
    progress.update({ phase: 'done', done: REPORT_STEPS.length, total: REPORT_STEPS.length, unit: 'steps' })
    log.info({ report: report.id, title: report.title }, 'report written')
    const files = report.files as Array<{ bytes: number }>
    return {
      ...emptyOutcome(),
      result: {
        reportId: report.id,
        title: report.title,
        formats: request.formats,
        files: files.length,
        bytes: files.reduce((n, f) => n + f.bytes, 0),
      },
    }
  },
  async discard(runtime, runId) {
    await discardReport({ meta: runtime.meta, dataDir: runtime.config.dataDir }, runId)
  },
})
