// The report model: every figure a report shows, as plain JSON (exact amounts as decimal text). The renderers
// (HTML, Markdown, JSON) read only this, so the three formats always agree.
import type { RuleSetDifference } from './ruleSetDiff.ts'

export const REPORT_MODEL_VERSION = 1

/** The figures the risk committee reads first, for one run. Amounts are exact decimal text in the quote currency. */
export interface Headline {
  liquidations: number
  liquidatedNotional: string
  bankruptcies: number
  totalBadDebt: string
  /** Lowest total insurance-fund balance over the window. */
  fundLow: string
  maxFundDrawdown: string
  /** Largest drawdown of any fund as a fraction of its peak (0–1). */
  maxFundDrawdownFraction: number
  adlFills: number
  /** Seconds from the window's start to the first deficit; null when there was none. */
  timeToFirstDeficitSeconds: number | null
}

export const HEADLINE_KEYS = [
  'liquidatedNotional',
  'liquidations',
  'bankruptcies',
  'totalBadDebt',
  'fundLow',
  'maxFundDrawdown',
  'maxFundDrawdownFraction',
  'adlFills',
  'timeToFirstDeficitSeconds',
] as const satisfies ReadonlyArray<keyof Headline>

/** Change of each headline figure since the previous report (current − previous); null where either is null. */
export type HeadlineDeltas = { [K in keyof Headline]: Headline[K] extends string ? string : number | null }

export interface ReportRunInfo {
  runId: string
  /** What the run asked for and the exact body it used. */
  ruleSetRef: string
  ruleSetLabel: string
  ruleSetHash: string
  positionsSource: string
  seed: number | null
  eventsReplayed: number
  outputHash: string
  warnings: string[]
}

export interface FundSection {
  bucketSeconds: number
  /** Per fund and bucket (decimal text): balance at the bucket's end, low and high inside it. */
  points: Array<{ ts: string; fund: string; close: string; low: string; high: string }>
  initial: string
  final: string
  low: string
  maxDrawdown: string
}

export interface HourlyLiquidationFigures {
  hour: string
  kind: string
  count: number
  notional: string
}

export interface ReportDetection {
  id: string
  detector: string
  severity: string
  score: number
  from: string
  to: string
  accounts: string[]
  summary: string
  /** The detector's own statistic, threshold and contributing rows. */
  evidence: unknown
  /** Estimated cost and profit of the attack, exact decimal text in quote; null when not estimated. */
  estimatedCost: string | null
  estimatedProfit: string | null
}

export interface ReportIncident {
  /** Rank by shortfall (then severity), 1 = largest. */
  rank: number
  id: string
  title: string
  severity: string
  markets: string[]
  from: string
  to: string
  deficits: number
  accounts: number
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
  liquidations: number
  liquidatedNotional: string
  adlFills: number
  /** Detectors with a detection in the incident (empty when detectors did not run). */
  detectors: string[]
  /** Accounts the incident involves, by id (its detections' and deficits' accounts; empty for deficit clusters). */
  accountIds: string[]
  detections: ReportDetection[]
  /** The timeline chart's data, for the top incidents only. */
  timeline: IncidentTimelineData | null
}

export interface IncidentTimelineData {
  market: string
  from: string
  to: string
  bucketSeconds: number
  prices: Array<{ ts: string; series: 'venue price' | 'mark' | 'oracle' | 'reference'; price: number }>
  liquidations: Array<{ ts: string; price: number; side: 'long' | 'short'; notional: string }>
}

/** Whether detectors were run over the reported run, and which detect runs did. */
export interface DetectionCoverage {
  ran: boolean
  /** Detect runs over the run's outputs, newest first: the detectors that ran, lacked data or failed. */
  runs: Array<{ runId: string; finishedAt: string; detectors: string[]; missingData: string[]; failed: string[] }>
  /** One sentence for the reader: what the incidents are built from. */
  note: string
}

export interface IncidentSection {
  /** Where incidents came from: the detectors' incidents, or deficits clustered in time when detectors did not run. */
  source: 'incidents' | 'deficit-clusters'
  /** How the clusters were cut (deficit-clusters only). */
  gapSeconds: number | null
  total: number
  items: ReportIncident[]
  detection: DetectionCoverage
}

export interface CoverageCaveat {
  market: string
  dataset: string
  from: string
  to: string
  /** missing-at-source, empty-at-source, not-loaded, hole (rows missing inside a loaded file), or no-data. */
  reason: string
  detail: string
}

export interface ComparisonRow extends ReportRunInfo {
  headline: Headline
  /** Change against the first rule set of the comparison (the baseline); null for the baseline itself. */
  againstBaseline: HeadlineDeltas | null
  /** Total fund balance at the end of each bucket (buckets as in the report's fund section). */
  fundPath: Array<{ ts: string; balance: string }>
}

export interface ReportModel {
  version: typeof REPORT_MODEL_VERSION
  id: string
  title: string
  generatedAt: string
  schedule: { id: string; name: string } | null
  venue: string
  markets: string[]
  window: { from: string; to: string }
  /** Currency the amounts are in, as far as the market names tell (e.g. USDT), else "quote". */
  unit: string
  run: ReportRunInfo
  headline: Headline
  previous: { reportId: string; generatedAt: string; runId: string | null; headline: Headline } | null
  deltas: HeadlineDeltas | null
  fund: FundSection
  liquidationsByHour: HourlyLiquidationFigures[]
  incidents: IncidentSection
  coverage: { caveats: CoverageCaveat[]; notes: string[] }
  ruleSet: {
    ref: string
    label: string
    hash: string
    /** The preset it is compared with ("name@date"), or null when none applies. */
    preset: string | null
    differences: RuleSetDifference[]
    /** Why no difference could be computed, when none could. */
    note: string | null
  }
  comparison: ComparisonRow[] | null
}
