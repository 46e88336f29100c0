// What a report run (job report.generate, kind report) is asked for, checked before anything is recorded: the run
// reported (a backtest run, or a sweep run) and the runs compared exist and succeeded, the formats are valid. The run
// system (jobs/report) runs it.
import { z } from 'zod'
import { InvalidInputError } from '../errors.ts'
import type { DuckStore } from '../store/duck/open.ts'
import type { MetaClient } from '../store/meta/client.ts'
import { REPORT_FORMATS, parseFormats, type ReportFormat } from './generate.ts'
import { loadReportRun } from './runRecord.ts'
import { loadStoredSweep } from './sweep/generate.ts'

export const REPORT_JOB = 'report.generate'

const runId = z.string().min(1).max(64)

export const reportRunParamsSchema = z.strictObject({
  /** The backtest run to report; or, instead, */
  runId: runId.optional(),
  /** the sweep run to report (its frontier, points and recommendation). */
  sweepId: runId.optional(),
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

/**
 * Bad formats, neither or both of runId and sweepId, compared runs with a sweep, an unknown run or one that has not
 * succeeded: InvalidInputError / NotFoundError, nothing recorded.
 */
export async function checkReportRun(
  stores: { meta: MetaClient; duck: DuckStore },
  params: ReportRunParams,
): Promise<CheckedReportRun> {
  const formats = parseFormats(params.formats)
  const given = [params.runId, params.sweepId].filter((v) => v !== undefined).length
  if (given !== 1)
    throw new InvalidInputError('a report is of one backtest run or of one sweep run', [
      {
        path: 'runId',
        received: { runId: params.runId ?? null, sweepId: params.sweepId ?? null },
        expected: 'exactly one of runId (a backtest run) and sweepId (a sweep run)',
      },
    ])
  if (params.sweepId !== undefined) {
    if (params.compare.length || params.schedule || params.delivery.length)
      throw new InvalidInputError('a sweep report is on demand, compared with nothing', [
        {
          path: 'compare',
          received: params.compare,
          expected: 'no compared runs, schedule or delivery with sweepId',
        },
      ])
    await loadStoredSweep(stores, params.sweepId, 'sweepId')
    return { ...params, formats }
  }
  await loadReportRun(stores.meta, params.runId!, 'runId')
  for (const [i, id] of params.compare.entries()) await loadReportRun(stores.meta, id, `compare[${i}]`)
  return { ...params, formats }
}
