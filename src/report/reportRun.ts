// What a report run (job report.generate, kind report) is asked for, checked before anything is recorded: the run
// reported and the runs compared exist and succeeded, the formats are valid. The run system (jobs/report) runs it.
import { z } from 'zod'
import type { MetaClient } from '../store/meta/client.ts'
import { REPORT_FORMATS, parseFormats, type ReportFormat } from './generate.ts'
import { loadReportRun } from './runRecord.ts'

export const REPORT_JOB = 'report.generate'

const runId = z.string().min(1).max(64)

export const reportRunParamsSchema = z.strictObject({
  runId,
  /** Runs of other rule sets over the same venue, markets and window, shown side by side. */
  compare: z.array(runId).max(8).default([]),
  formats: z
    .array(z.string().max(10))
    .max(3)
    .default([...REPORT_FORMATS]),
  /** Set by a scheduled run: the schedule (deltas since its previous report) and its coverage caveats. */
  schedule: z
    .strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(64) })
    .nullable()
    .default(null),
  coverageNotes: z.array(z.string().max(4000)).max(50).default([]),
  /** Delivery targets (configured ones) a delivery will try once the report exists: its row records them pending. */
  delivery: z
    .array(z.enum(['webhook', 'email']))
    .max(2)
    .default([]),
})

export type ReportRunParams = z.output<typeof reportRunParamsSchema>
export type CheckedReportRun = Omit<ReportRunParams, 'formats'> & { formats: ReportFormat[] }

/** Bad formats, an unknown run or one that has not succeeded: InvalidInputError / NotFoundError, nothing recorded. */
export async function checkReportRun(meta: MetaClient, params: ReportRunParams): Promise<CheckedReportRun> {
  const formats = parseFormats(params.formats)
  await loadReportRun(meta, params.runId, 'runId')
  for (const [i, id] of params.compare.entries()) await loadReportRun(meta, id, `compare[${i}]`)
  return { ...params, formats }
}
