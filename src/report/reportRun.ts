// Generating a report as a recorded run (JobRun, job report.generate): the request is checked first (an unknown or
// unfinished run, bad formats: refused with nothing recorded), then the run is recorded and finished with its outcome.
import os from 'node:os'
import { createJobRun, finishJobRun } from '../store/meta/jobRuns.ts'
import type { StoredReport } from '../store/meta/reports.ts'
import { generateReport, parseFormats, type ReportDependencies, type ReportFormat } from './generate.ts'
import { loadReportRun } from './runRecord.ts'

export const REPORT_JOB = 'report.generate'

export interface ReportRunRequest {
  runId: string
  compare?: string[]
  formats?: string[]
}

export interface ReportRunOutcome {
  id: string
  status: 'succeeded' | 'failed'
  error: string | null
  report: StoredReport | null
}

export async function runReportGeneration(
  deps: ReportDependencies,
  request: ReportRunRequest,
  trigger: 'api' | 'cli',
): Promise<ReportRunOutcome> {
  const formats: ReportFormat[] = parseFormats(request.formats ?? ['html', 'md', 'json'])
  await loadReportRun(deps.meta, request.runId, 'runId')
  for (const [i, id] of (request.compare ?? []).entries()) await loadReportRun(deps.meta, id, `compare[${i}]`)
  const params = { runId: request.runId, compare: request.compare ?? [], formats }
  const run = await createJobRun(deps.meta, { job: REPORT_JOB, trigger, params, host: os.hostname(), pid: process.pid })
  const t0 = performance.now()
  const finish = (status: 'succeeded' | 'failed', error: string | null) =>
    finishJobRun(deps.meta, run.id, {
      status,
      durationMs: performance.now() - t0,
      partitionsLoaded: 0,
      partitionsSkipped: 0,
      partitionsFailed: 0,
      rows: 0,
      errors: error ? [{ message: error }] : [],
      error,
    })
  try {
    const { model: _model, ...report } = await generateReport(deps, { ...params, jobRunId: run.id })
    await finish('succeeded', null)
    return { id: run.id, status: 'succeeded', error: null, report }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    await finish('failed', message)
    return { id: run.id, status: 'failed', error: message, report: null }
  }
}
