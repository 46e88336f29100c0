// The model of a sweep report: the sweep's stored document and points (as the sweep run wrote them) turned into what
// the report shows — the points table (frontier first), the Pareto frontier, the recommendation with its differences
// from the base rule set as `rules derive` paths, the windows and positions source, and the skipped points with
// their problems. Plain JSON (exact amounts as decimal text); the renderers read only this.
import type { SweepAttackCost } from '../../replay/sweep/attacks.ts'
import type { SweepDocument, SweepPointResult } from '../../replay/sweep/execute.ts'
import type { WindowFigures } from '../../replay/sweep/figures.ts'
import { microsOf } from '../../replay/sweep/frontier.ts'
import { formatMicros } from '../../replay/money.ts'
import { quoteUnit } from '../build.ts'

export const SWEEP_REPORT_VERSION = 1

export interface SweepPointRow {
  index: number
  /** The point's values along the axes, in axis order. */
  values: Array<{ path: string; value: unknown }>
  onFrontier: boolean
  recommended: boolean
  /** Bad debt over every window, and the largest of one window (what the budget is held against). */
  badDebt: string
  worstWindowBadDebt: string
  withinBudget: boolean
  /** Initial margin locked per unit of notional; null when no position opened. */
  initialMarginPerNotional: string | null
  refusedOrLiquidatedEarlierShare: string
  liquidationFees: string
  maxLeverage: number
  liquidations: number
  deficits: number
  adlFills: number
  ruleSetHash: string | null
  /** Per window, as the sweep measured it. */
  windows: WindowFigures[]
  /** Each cost-of-attack search's outcome under the point's rules, in the order of `attacks` (empty: none asked). */
  attackCost: SweepAttackCost[]
}

export interface SkippedPoint {
  index: number
  values: Array<{ path: string; value: unknown }>
  problems: Array<{ path: string; received: unknown; expected: string }>
}

export interface SweepReportModel {
  version: typeof SWEEP_REPORT_VERSION
  kind: 'sweep'
  id: string
  title: string
  generatedAt: string
  /** The sweep run reported. */
  sweepRunId: string
  venue: string
  markets: string[]
  unit: string
  base: { ruleSet: string; hash: string; windows: WindowFigures[]; badDebt: string }
  /** ISO 8601 intervals (UTC). */
  windows: string[]
  positions: string
  seed: number
  sampling: string
  samples: number | null
  axes: Array<{ path: string; special: string | null; values: unknown[] }>
  budget: string
  /** The cost-of-attack searches run per point (none when the sweep asked for none). */
  attacks: Array<{ pattern: string; market: string; at: string; window: string; breaks: string }>
  /** Evaluated points: the frontier first (cheapest first, as the sweep ordered it), then the rest by index. */
  points: SweepPointRow[]
  frontier: number[]
  recommendation: {
    point: number | null
    statement: string
    /** `rules derive --set` arguments: the recommended point's differences from the base. */
    set: string[]
    command: string | null
  }
  skipped: SkippedPoint[]
}

const sum = (texts: string[]) => formatMicros(texts.reduce((a, t) => a + microsOf(t), 0n))

/** The report model of sweep run `sweepRunId` from its stored document and points (JSON as the sweep wrote them). */
export function buildSweepReportModel(input: {
  id: string
  sweepRunId: string
  generatedAt: Date
  document: Omit<SweepDocument, 'points'>
  points: SweepPointResult[]
}): SweepReportModel {
  const { document: d } = input
  const frontier = new Set(d.frontier)
  const recommended = d.recommendation.point
  const budget = microsOf(d.sweep.budget)
  const rowOf = (p: SweepPointResult): SweepPointRow => {
    const totals = p.totals!
    return {
      index: p.index,
      values: p.values,
      onFrontier: frontier.has(p.index),
      recommended: p.index === recommended,
      badDebt: totals.badDebt,
      worstWindowBadDebt: totals.worstWindowBadDebt,
      withinBudget: p.windows.every((w) => microsOf(w.risk.badDebt) <= budget),
      initialMarginPerNotional: totals.initialMarginPerNotional,
      refusedOrLiquidatedEarlierShare: totals.refusedOrLiquidatedEarlierShare,
      liquidationFees: totals.liquidationFees,
      maxLeverage: Math.max(...p.windows.map((w) => w.cost.maxLeverage)),
      liquidations: p.windows.reduce((n, w) => n + w.liquidations, 0),
      deficits: p.windows.reduce((n, w) => n + w.risk.deficits, 0),
      adlFills: p.windows.reduce((n, w) => n + w.risk.adlFills, 0),
      ruleSetHash: p.ruleSetHash,
      windows: p.windows,
      attackCost: p.attackCost ?? [],
    }
  }
  const evaluated = input.points.filter((p) => p.status === 'evaluated' && p.totals)
  const byIndex = new Map(evaluated.map((p) => [p.index, p]))
  const ordered = [
    ...d.frontier.flatMap((i) => byIndex.get(i) ?? []),
    ...evaluated.filter((p) => !frontier.has(p.index)).sort((a, b) => a.index - b.index),
  ]
  const markets = d.sweep.markets
  return {
    version: SWEEP_REPORT_VERSION,
    kind: 'sweep',
    id: input.id,
    title: `Sweep of ${d.sweep.ruleSet} ${markets.join(', ')}: ${d.sweep.axes.map((a) => a.path).join(', ')}`,
    generatedAt: input.generatedAt.toISOString(),
    sweepRunId: input.sweepRunId,
    venue: d.sweep.venue,
    markets,
    unit: quoteUnit(markets),
    base: {
      ruleSet: d.sweep.ruleSet,
      hash: d.sweep.ruleSetHash,
      windows: d.base,
      badDebt: sum(d.base.map((w) => w.risk.badDebt)),
    },
    windows: d.sweep.windows,
    positions: d.sweep.positions,
    seed: d.sweep.seed,
    sampling: d.sweep.sampling,
    samples: d.sweep.samples,
    axes: d.sweep.axes,
    budget: d.sweep.budget,
    attacks: d.sweep.attackCost ?? [],
    points: ordered.map(rowOf),
    frontier: d.frontier,
    recommendation: d.recommendation,
    skipped: input.points
      .filter((p) => p.status === 'skipped')
      .map((p) => ({ index: p.index, values: p.values, problems: p.problems ?? [] })),
  }
}
