// Generating a report: model from the stores → charts → HTML / Markdown / JSON → files moved into place → Report row.
// The row is written only after every file exists; any failure before leaves neither files nor row.
import crypto from 'node:crypto'
import { InvalidInputError } from '../errors.ts'
import type { DuckStore } from '../store/duck/open.ts'
import type { MetaClient } from '../store/meta/client.ts'
import {
  createReport,
  deleteReport,
  previousScheduleReport,
  type StoredReport,
  type TargetDelivery,
} from '../store/meta/reports.ts'
import { buildReportModel } from './build.ts'
import { reportCharts } from './charts/index.ts'
import { DELIVERY_FILE, deliverySummary } from './delivery/summary.ts'
import {
  removePartialReport,
  removeReportFiles,
  reportPath,
  writeReportFiles,
  type AfterFile,
  type ReportFile,
} from './files.ts'
import { detectedIncidentSource, type IncidentSource } from './incidents.ts'
import type { Headline, ReportModel } from './model.ts'
import { renderHtml } from './render/html.ts'
import { renderJson } from './render/json.ts'
import { renderMarkdown } from './render/markdown.ts'

export const REPORT_FORMATS = ['html', 'md', 'json'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export interface GenerateReportRequest {
  /** The report's id; a report run's is its run id (its files and row are found by it). Default: a new UUID. */
  id?: string
  runId: string
  compare?: string[]
  formats?: ReportFormat[]
  schedule?: { id: string; name: string } | null
  coverageNotes?: string[]
  /** The run (JobRun) generating it, when one does. */
  jobRunId?: string | null
  /**
   * The targets a delivery will try once the row exists, as pending entries: the row then says pending, and the
   * folder holds delivery.json, what they are sent (delivered from there, by this process or after a restart).
   */
  deliveries?: TargetDelivery[]
  /** Stops the work before the files are moved into place (nothing is left); after that the row is written. */
  signal?: AbortSignal
  /** Told when each step starts (model, charts and documents, files, row). */
  onStep?: (step: ReportStep) => void
}

export const REPORT_STEPS = ['building the model', 'rendering', 'writing files', 'recording'] as const
export type ReportStep = (typeof REPORT_STEPS)[number]

export interface ReportDependencies {
  duck: DuckStore
  meta: MetaClient
  dataDir: string
  incidents: IncidentSource
  /** The generation time shown in the report and stored on its row. */
  now?: () => Date
  /** Test hook: runs after each file is written, before the folder is moved into place. */
  afterFile?: AfterFile
}

/** Formats given by a user ("html,md") checked against the valid ones; every problem listed. */
export function parseFormats(value: readonly string[], path = 'formats'): ReportFormat[] {
  const bad = value.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f))
  if (bad.length || !value.length) {
    throw new InvalidInputError('invalid report formats', [
      { path, received: value.join(','), expected: `one or more of ${REPORT_FORMATS.join(', ')}` },
    ])
  }
  return [...new Set(value)] as ReportFormat[]
}

/** The report's files: each format asked for, and the charts as SVG files beside the Markdown. */
export async function renderReportFiles(model: ReportModel, formats: readonly ReportFormat[]): Promise<ReportFile[]> {
  const charts = await reportCharts(model)
  const files: ReportFile[] = []
  const chartFiles = charts.map((c) => `${c.name}.svg`)
  if (formats.includes('html')) files.push({ name: 'report.html', content: renderHtml(model, charts) })
  if (formats.includes('md')) {
    files.push({ name: 'report.md', content: renderMarkdown(model, charts) })
    for (const c of charts) files.push({ name: `${c.name}.svg`, content: c.svg })
  }
  if (formats.includes('json'))
    files.push({ name: 'report.json', content: renderJson(model, formats.includes('md') ? chartFiles : []) })
  return files
}

/** A stored report with the model it was rendered from (for delivery). */
export type GeneratedReport = StoredReport & { model: ReportModel }

export async function generateReport(
  deps: ReportDependencies,
  request: GenerateReportRequest,
): Promise<GeneratedReport> {
  const formats = parseFormats(request.formats ?? ['html', 'md', 'json'])
  const id = request.id ?? crypto.randomUUID()
  const step = (name: ReportStep) => {
    request.signal?.throwIfAborted()
    request.onStep?.(name)
  }
  step('building the model')
  const generatedAt = (deps.now ?? (() => new Date()))()
  const schedule = request.schedule ?? null
  const previousRow = schedule ? await previousScheduleReport(deps.meta, schedule.id, generatedAt) : null
  const model = await buildReportModel(deps, {
    id,
    runId: request.runId,
    compareRunIds: request.compare ?? [],
    schedule,
    previous: previousRow
      ? {
          reportId: previousRow.id,
          generatedAt: previousRow.createdAt,
          runId: previousRow.runId,
          headline: previousRow.headline as unknown as Headline,
        }
      : null,
    coverageNotes: request.coverageNotes ?? [],
    generatedAt,
  })
  step('rendering')
  const files = await renderReportFiles(model, formats)
  const deliveries = request.deliveries ?? []
  if (deliveries.length)
    files.push({ name: DELIVERY_FILE, content: `${JSON.stringify(deliverySummary(model), null, 2)}\n` })
  step('writing files')
  const written = await writeReportFiles(deps.dataDir, id, files, async (n, total) => {
    request.signal?.throwIfAborted()
    await deps.afterFile?.(n, total)
  })
  try {
    step('recording')
    const row = await createReport(deps.meta, {
      id,
      kind: model.comparison ? 'comparison' : 'backtest',
      title: model.title,
      params: {
        runId: request.runId,
        compare: request.compare ?? [],
        formats,
        coverageNotes: request.coverageNotes ?? [],
      },
      formats,
      path: reportPath(id),
      files: written,
      scheduleId: schedule?.id ?? null,
      runId: request.runId,
      runIds: [request.runId, ...(request.compare ?? [])],
      headline: model.headline as unknown as Record<string, string | number | null>,
      deliveryStatus: deliveries.length ? 'pending' : 'none',
      deliveries,
      jobRunId: request.jobRunId ?? null,
      createdAt: generatedAt,
    })
    return Object.assign(row, { model })
  } catch (error) {
    // no row: the files must not outlive it
    await removeReportFiles(deps.dataDir, reportPath(id)).catch(() => undefined)
    throw error
  }
}

/**
 * Deletes report `id` whole: its row first (it is never listed half deleted), then its folder and any partial folder
 * left by a render that did not finish. Safe to call more than once, and for a report that never got a row.
 */
export async function discardReport(deps: Pick<ReportDependencies, 'meta' | 'dataDir'>, id: string): Promise<void> {
  await deleteReport(deps.meta, id)
  await removeReportFiles(deps.dataDir, reportPath(id))
  await removePartialReport(deps.dataDir, id)
}

/** What generating a report needs from an open runtime. */
export function reportDependencies(runtime: {
  duck: DuckStore
  meta: MetaClient
  config: { dataDir: string }
}): ReportDependencies {
  return {
    duck: runtime.duck,
    meta: runtime.meta,
    dataDir: runtime.config.dataDir,
    incidents: detectedIncidentSource(runtime.duck, runtime.meta),
  }
}
