// Builds a report model from the stores: a succeeded run (and optional runs to compare and the previous report of
import { Decimal } from 'decimal.js'
// the same schedule) read into headline figures, series, incidents, coverage caveats and the rule set's changes.
import { InvalidInputError, type InputProblem } from '../errors.ts'
import { presets } from '../replay/rules/presets/index.ts'
import type { DuckStore } from '../store/duck/open.ts'
import { marketCoverage, type DatasetCoverage } from '../store/market/coverage.ts'
import type { MetaClient } from '../store/meta/client.ts'
import {
  readFundBuckets,
  readLiquidationsByHour,
  readWindowLiquidations,
  readWindowPrices,
  readWindowStats,
} from '../store/results/reportReads.ts'
import { coverageCaveats } from './coverageCaveats.ts'
import { exact, headlineDeltas, headlineOf } from './headline.ts'
import type { IncidentSource, SourcedIncident } from './incidents.ts'
import {
  REPORT_MODEL_VERSION,
  type ComparisonRow,
  type FundSection,
  type Headline,
  type IncidentTimelineData,
  type ReportIncident,
  type ReportModel,
  type ReportRunInfo,
} from './model.ts'
import { describeRuleSet } from './ruleSetInfo.ts'
import { totalFundPath } from './totalFund.ts'
import { loadReportRun, type ReportRun } from './runRecord.ts'

export interface ReportRequest {
  /** Id of the report being built (its files live under reports/<id>/). */
  id: string
  runId: string
  /** Runs of other rule sets over the same venue, markets and window, shown side by side. */
  compareRunIds?: string[]
  schedule?: { id: string; name: string } | null
  /** The previous report of the same schedule, for the deltas. */
  previous?: { reportId: string; generatedAt: Date; runId: string | null; headline: Headline } | null
  /** Notes about how the data was waited for (e.g. the coverage deadline passed). */
  coverageNotes?: string[]
  /** When the report is generated (shown, never used in a figure). */
  generatedAt: Date
  title?: string
}

export interface ReportDeps {
  duck: DuckStore
  meta: MetaClient
  incidents: IncidentSource
}

/** Incidents listed in a report, and how many of them get a timeline chart. */
export const INCIDENTS_LISTED = 10
export const TIMELINES = 3
/** Points per series a chart is given at most (the store buckets to stay under it). */
const POINTS = 480
const BUCKETS = [1, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 14_400, 86_400]

/** The smallest bucket that keeps a span under POINTS buckets. */
export function bucketFor(spanMs: number, minimum = 1): number {
  return BUCKETS.find((b) => b >= minimum && spanMs / 1000 / b <= POINTS) ?? 86_400
}

const iso = (d: Date | number) => new Date(d).toISOString()

/** The quote currency the market names share (BTCUSDT → USDT, BTC-USD → USD), else "quote". */
export function quoteUnit(markets: string[]): string {
  const of = (m: string) => /(USDT|USDC|USD|BUSD|FDUSD)(?:-PERP|-SWAP)?$/i.exec(m)?.[1]
  const units = new Set(markets.map((m) => of(m)?.toUpperCase() ?? null))
  if (units.size === 1) {
    const [unit] = units
    if (unit) return unit
  }
  return 'quote'
}

export async function buildReportModel(deps: ReportDeps, request: ReportRequest): Promise<ReportModel> {
  const { duck, meta } = deps
  const run = await loadReportRun(meta, request.runId, 'runId')
  const compared: ReportRun[] = []
  const problems: InputProblem[] = []
  for (const [i, id] of (request.compareRunIds ?? []).entries()) {
    if (id === run.id) {
      problems.push({ path: `compare[${i}]`, received: id, expected: 'another run than the one reported' })
      continue
    }
    const other = await loadReportRun(meta, id, `compare[${i}]`)
    const same =
      other.venue === run.venue &&
      other.from.getTime() === run.from.getTime() &&
      other.to.getTime() === run.to.getTime() &&
      [...other.markets].sort().join(',') === [...run.markets].sort().join(',')
    if (!same) {
      problems.push({
        path: `compare[${i}]`,
        received: `${id}: ${other.venue} ${other.markets.join(',')} ${iso(other.from)}–${iso(other.to)}`,
        expected: `a run over the same venue, markets and window (${run.venue} ${run.markets.join(',')} ${iso(run.from)}–${iso(run.to)})`,
      })
    }
    compared.push(other)
  }
  if (problems.length) throw new InvalidInputError('runs cannot be compared', problems)

  const unit = quoteUnit(run.markets)
  const headline = headlineOf(run.summary)
  const runInfo = await runInfoOf(meta, run)
  const spanMs = run.to.getTime() - run.from.getTime()
  const fund = await fundSection(duck, run, bucketFor(spanMs, 60))
  const hourly = await readLiquidationsByHour(duck, run.id)
  const sourced = await deps.incidents.incidentsOf(
    { id: run.id, venue: run.venue, markets: run.markets, fromMs: run.from.getTime(), toMs: run.to.getTime() },
    INCIDENTS_LISTED,
  )
  const items: ReportIncident[] = []
  for (const [i, incident] of sourced.items.entries()) {
    items.push(await reportIncident(duck, run, incident, i + 1, i < TIMELINES))
  }

  const coverage = new Map<string, DatasetCoverage[]>()
  for (const market of run.markets) coverage.set(market, await marketCoverage(duck, run.venue, market))
  const { caveats, dropped } = coverageCaveats(coverage, run.from.getTime(), run.to.getTime())
  const notes = [...(request.coverageNotes ?? [])]
  if (dropped) notes.push(`${dropped} further coverage caveats are not listed (see dataCoverage for all).`)

  let comparison: ComparisonRow[] | null = null
  if (compared.length) {
    comparison = [{ ...runInfo, headline, againstBaseline: null, fundPath: totalFundPath(fund.points) }]
    for (const other of compared) {
      const h = headlineOf(other.summary)
      const otherFund = await fundSection(duck, other, fund.bucketSeconds)
      comparison.push({
        ...(await runInfoOf(meta, other)),
        headline: h,
        againstBaseline: headlineDeltas(h, headline),
        fundPath: totalFundPath(otherFund.points),
      })
    }
  }

  const previous = request.previous ?? null
  return {
    version: REPORT_MODEL_VERSION,
    id: request.id,
    title:
      request.title ??
      (request.schedule
        ? `${request.schedule.name}: ${run.venue} ${run.markets.join(', ')}`
        : `Backtest ${run.venue} ${run.markets.join(', ')}`),
    generatedAt: iso(request.generatedAt),
    schedule: request.schedule ?? null,
    venue: run.venue,
    markets: run.markets,
    window: { from: iso(run.from), to: iso(run.to) },
    unit,
    run: runInfo,
    headline,
    previous: previous
      ? {
          reportId: previous.reportId,
          generatedAt: iso(previous.generatedAt),
          runId: previous.runId,
          headline: previous.headline,
        }
      : null,
    deltas: previous ? headlineDeltas(headline, previous.headline) : null,
    fund,
    liquidationsByHour: hourly.map((h) => ({
      hour: iso(h.hourMs),
      kind: h.kind,
      count: h.count,
      notional: exact(h.notional),
    })),
    incidents: {
      source: sourced.source,
      gapSeconds: sourced.gapSeconds,
      total: sourced.total,
      items,
      detection: sourced.detection,
    },
    coverage: { caveats, notes },
    ruleSet: await describeRuleSet(meta, run, presets),
    comparison,
  }
}

async function runInfoOf(meta: MetaClient, run: ReportRun): Promise<ReportRunInfo> {
  const s = run.summary as { eventsReplayed?: number; outputHash?: string; warnings?: string[] }
  const { label } = await describeRuleSet(meta, run, presets, { labelOnly: true })
  return {
    runId: run.id,
    ruleSetRef: run.ruleSetRef,
    ruleSetLabel: label,
    ruleSetHash: run.ruleSetHash,
    positionsSource: run.positionsSource,
    seed: run.seed,
    eventsReplayed: s.eventsReplayed ?? 0,
    outputHash: s.outputHash ?? '',
    warnings: s.warnings ?? [],
  }
}

async function fundSection(duck: DuckStore, run: ReportRun, bucketSeconds: number): Promise<FundSection> {
  const fund = (run.summary as { fund: { initial: string; final: string; low: string; maxDrawdown: string } }).fund
  const rows = await readFundBuckets(duck, run.id, bucketSeconds)
  return {
    bucketSeconds,
    points: rows.map((r) => ({
      ts: iso(r.tsMs),
      fund: r.fund,
      close: exact(r.close),
      low: exact(r.low),
      high: exact(r.high),
    })),
    initial: exact(fund.initial),
    final: exact(fund.final),
    low: exact(fund.low),
    maxDrawdown: exact(fund.maxDrawdown),
  }
}

async function reportIncident(
  duck: DuckStore,
  run: ReportRun,
  incident: SourcedIncident,
  rank: number,
  withTimeline: boolean,
): Promise<ReportIncident> {
  let liquidations = 0
  let notional = new Decimal(0)
  let adlFills = 0
  for (const market of incident.markets) {
    const stats = await readWindowStats(duck, run.id, market, incident.fromMs, incident.toMs)
    liquidations += stats.liquidations
    notional = notional.plus(stats.notional)
    adlFills += stats.adlFills
  }
  return {
    rank,
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    markets: incident.markets,
    from: iso(incident.fromMs),
    to: iso(incident.toMs),
    deficits: incident.deficits,
    accounts: incident.accounts,
    shortfall: exact(incident.shortfall),
    coveredByFund: exact(incident.coveredByFund),
    coveredByFeePool: exact(incident.coveredByFeePool),
    coveredByAdl: exact(incident.coveredByAdl),
    socialized: exact(incident.socialized),
    uncovered: exact(incident.uncovered),
    liquidations,
    liquidatedNotional: notional.toFixed(6),
    adlFills,
    detectors: incident.detectors,
    accountIds: incident.accountIds,
    detections: incident.detections,
    timeline: withTimeline && incident.markets.length ? await timeline(duck, run, incident) : null,
  }
}

const SERIES_NAME = { venue: 'venue price', mark: 'mark', oracle: 'oracle', index: 'reference' } as const

/** The incident's first market around its window (a quarter of its length each side, at least 5 minutes). */
async function timeline(duck: DuckStore, run: ReportRun, incident: SourcedIncident): Promise<IncidentTimelineData> {
  const market = incident.markets[0]!
  const pad = Math.max(5 * 60_000, (incident.toMs - incident.fromMs) / 4)
  const fromMs = Math.max(run.from.getTime(), incident.fromMs - pad)
  const toMs = Math.min(run.to.getTime(), incident.toMs + pad)
  const bucketSeconds = bucketFor(toMs - fromMs)
  const prices = await readWindowPrices(duck, run.venue, market, fromMs, toMs, bucketSeconds)
  const liquidations = await readWindowLiquidations(duck, run.id, market, fromMs, toMs, 300)
  return {
    market,
    from: iso(fromMs),
    to: iso(toMs),
    bucketSeconds,
    prices: prices.map((p) => ({ ts: iso(p.tsMs), series: SERIES_NAME[p.series], price: p.price })),
    liquidations: liquidations.map((l) => ({
      ts: iso(l.tsMs),
      price: l.fillPrice,
      side: l.side,
      notional: exact(l.notional),
    })),
  }
}
