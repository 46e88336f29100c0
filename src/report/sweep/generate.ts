// Generating the report of a sweep run: its stored document and points (read through the store) → model → frontier
// chart → HTML / Markdown / JSON → files moved into place → Report row (kind sweep). Like a backtest's report, the row
// is written only after every file exists; any failure before leaves neither files nor row.
import { InvalidInputError } from '../../errors.ts'
import type { SweepDocument, SweepPointResult } from '../../replay/sweep/execute.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { createReport, type StoredReport } from '../../store/meta/reports.ts'
import { readAllSweepPoints, readSweepDocument } from '../../store/results/sweepResults.ts'
import { sweepFrontierChart } from '../charts/sweepFrontier.ts'
import type { RenderedChart } from '../charts/render.ts'
import { removeReportFiles, reportPath, writeReportFiles, type AfterFile, type ReportFile } from '../files.ts'
import { parseFormats, type ReportFormat, type ReportStep } from '../generate.ts'
import type { Headline } from '../model.ts'
import { renderSweepHtml } from '../render/sweepHtml.ts'
import { renderSweepMarkdown } from '../render/sweepMarkdown.ts'
import { buildSweepReportModel, type SweepReportModel } from './model.ts'
import { microsOf } from '../../replay/sweep/frontier.ts'
import { formatMicros } from '../../replay/money.ts'

export interface SweepReportDependencies {
  duck: DuckStore
  meta: MetaClient
  dataDir: string
  now?: () => Date
  afterFile?: AfterFile
}

export interface SweepReportRequest {
  id: string
  sweepRunId: string
  formats?: ReportFormat[]
  jobRunId?: string | null
  signal?: AbortSignal
  onStep?: (step: ReportStep) => void
}

/** The stored sweep of run `sweepRunId`: NotFound / not servable unless it succeeded; a run of another kind is refused. */
export async function loadStoredSweep(
  stores: { duck: DuckStore; meta: MetaClient },
  sweepRunId: string,
  path = 'sweepId',
): Promise<{ document: Omit<SweepDocument, 'points'>; points: SweepPointResult[] }> {
  const text = await readSweepDocument(stores, sweepRunId)
  if (text === null)
    throw new InvalidInputError('only a succeeded sweep run can be reported as a sweep', [
      { path, received: sweepRunId, expected: 'the id of a sweep run (backstop sweep, runSweep) that succeeded' },
    ])
  const points = (await readAllSweepPoints(stores.duck, sweepRunId)).map((p) => JSON.parse(p) as SweepPointResult)
  return { document: JSON.parse(text) as Omit<SweepDocument, 'points'>, points }
}

/** The frontier chart when any evaluated point opened positions (a cost to plot). */
export async function sweepCharts(model: SweepReportModel): Promise<RenderedChart[]> {
  const frontierOrder = new Map(model.frontier.map((index, i) => [index, i]))
  const plotted = model.points.filter((p) => p.initialMarginPerNotional !== null)
  if (!plotted.length) return []
  const budget = model.windows.length === 1 ? Number(model.budget) : null
  return [
    await sweepFrontierChart(
      plotted.map((p) => ({
        index: p.index,
        cost: Number(p.initialMarginPerNotional),
        badDebt: Number(p.badDebt),
        onFrontier: p.onFrontier,
        recommended: p.recommended,
        frontierOrder: frontierOrder.get(p.index) ?? null,
      })),
      model.unit,
      budget,
    ),
  ]
}

export async function renderSweepFiles(
  model: SweepReportModel,
  formats: readonly ReportFormat[],
): Promise<ReportFile[]> {
  const charts = await sweepCharts(model)
  const files: ReportFile[] = []
  if (formats.includes('html')) files.push({ name: 'report.html', content: renderSweepHtml(model, charts) })
  if (formats.includes('md')) {
    files.push({ name: 'report.md', content: renderSweepMarkdown(model, charts) })
    for (const c of charts) files.push({ name: `${c.name}.svg`, content: c.svg })
  }
  if (formats.includes('json')) {
    const chartFiles = formats.includes('md') ? charts.map((c) => `${c.name}.svg`) : []
    files.push({ name: 'report.json', content: `${JSON.stringify({ ...model, charts: chartFiles }, null, 2)}\n` })
  }
  return files
}

/**
 * What a sweep report lists as its headline: the base rule set's figures over the sweep's windows (summed; the fund
 * low the lowest, the drawdown and its fraction of the fund's peak the largest). A sweep does not measure the time to
 * the first deficit, nor did sweeps stored before the fraction was kept: those read null here.
 */
export function sweepHeadline(model: SweepReportModel): Record<keyof Headline, string | number | null> {
  const w = model.base.windows
  const total = (f: (x: (typeof w)[number]) => string) => formatMicros(w.reduce((a, x) => a + microsOf(f(x)), 0n))
  const pick = (f: (x: (typeof w)[number]) => string, better: (a: bigint, b: bigint) => boolean) =>
    w.length ? formatMicros(w.map((x) => microsOf(f(x))).reduce((a, b) => (better(b, a) ? b : a))) : '0.000000'
  return {
    liquidations: w.reduce((n, x) => n + x.liquidations, 0),
    liquidatedNotional: total((x) => x.risk.liquidatedNotional),
    bankruptcies: w.reduce((n, x) => n + x.risk.deficits, 0),
    totalBadDebt: total((x) => x.risk.badDebt),
    fundLow: pick(
      (x) => x.risk.fundLow,
      (a, b) => a < b,
    ),
    maxFundDrawdown: pick(
      (x) => x.risk.fundMaxDrawdown,
      (a, b) => a > b,
    ),
    maxFundDrawdownFraction:
      w.length && w.every((x) => typeof x.risk.fundMaxDrawdownFraction === 'number')
        ? Math.max(...w.map((x) => x.risk.fundMaxDrawdownFraction))
        : null,
    adlFills: w.reduce((n, x) => n + x.risk.adlFills, 0),
    timeToFirstDeficitSeconds: null,
  }
}

export async function generateSweepReport(
  deps: SweepReportDependencies,
  request: SweepReportRequest,
): Promise<StoredReport & { model: SweepReportModel }> {
  const formats = parseFormats(request.formats ?? ['html', 'md', 'json'])
  const step = (name: ReportStep) => {
    request.signal?.throwIfAborted()
    request.onStep?.(name)
  }
  step('building the model')
  const stored = await loadStoredSweep(deps, request.sweepRunId)
  const generatedAt = (deps.now ?? (() => new Date()))()
  const model = buildSweepReportModel({ id: request.id, sweepRunId: request.sweepRunId, generatedAt, ...stored })
  step('rendering')
  const files = await renderSweepFiles(model, formats)
  step('writing files')
  const written = await writeReportFiles(deps.dataDir, request.id, files, async (n, total) => {
    request.signal?.throwIfAborted()
    await deps.afterFile?.(n, total)
  })
  try {
    step('recording')
    const row = await createReport(deps.meta, {
      id: request.id,
      kind: 'sweep',
      title: model.title,
      params: { sweepId: request.sweepRunId, formats },
      formats,
      path: reportPath(request.id),
      files: written,
      scheduleId: null,
      runId: request.sweepRunId,
      runIds: [request.sweepRunId],
      headline: sweepHeadline(model),
      deliveryStatus: 'none',
      jobRunId: request.jobRunId ?? null,
      createdAt: generatedAt,
    })
    return Object.assign(row, { model })
  } catch (error) {
    await removeReportFiles(deps.dataDir, reportPath(request.id)).catch(() => undefined)
    throw error
  }
}
