// The sweep's answer: each point's totals over its windows, the Pareto frontier of risk (bad debt over all windows)
// against cost (initial margin per unit of notional, then the share of positions refused or liquidated earlier than
// under the base, then liquidation fees: compared in that order, exactly), and the recommendation — the cheapest
// point whose bad debt stays within the budget in every window — as `rules derive --set` paths from the base.
import { formatMicros } from '../money.ts'
import { deriveRuleSet, type Override } from '../rules/derive.ts'
import { maintenanceScaleOverrides } from '../rules/maintenanceScale.ts'
import type { RuleSet } from '../rules/schema.ts'
import type { CostParts, WindowFigures } from './figures.ts'
import { ratioText } from './figures.ts'

/** Exact micro-units of a decimal amount text (at most 6 places, as the summaries write them). */
export function microsOf(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text)
  if (!m) throw new Error(`not an amount: ${text}`)
  const v = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'))
  return m[1] ? -v : v
}

export interface EvaluatedPoint {
  index: number
  values: Array<{ path: string; value: unknown }>
  overrides: Override[]
  windows: WindowFigures[]
  parts: CostParts
}

export interface PointTotals {
  badDebt: string
  /** The largest bad debt of any one window (what the budget is held against). */
  worstWindowBadDebt: string
  initialMarginPerNotional: string | null
  refusedOrLiquidatedEarlierShare: string
  liquidationFees: string
}

export function totalsOf(p: EvaluatedPoint): PointTotals {
  const debts = p.windows.map((w) => microsOf(w.risk.badDebt))
  return {
    badDebt: formatMicros(debts.reduce((a, b) => a + b, 0n)),
    worstWindowBadDebt: formatMicros(debts.reduce((a, b) => (b > a ? b : a), 0n)),
    initialMarginPerNotional:
      p.parts.notionalMicros > 0n ? ratioText(p.parts.marginMicros, p.parts.notionalMicros) : null,
    refusedOrLiquidatedEarlierShare: ratioText(BigInt(p.parts.earlier), BigInt(Math.max(1, p.parts.population))),
    liquidationFees: formatMicros(p.parts.feeMicros),
  }
}

const sign = (x: bigint) => (x < 0n ? -1 : x > 0n ? 1 : 0)

/** Cost order: initial margin per notional, then refused / liquidated-earlier share, then fees (exact fractions). */
export function compareCost(a: CostParts, b: CostParts): number {
  const im = (p: CostParts) => (p.notionalMicros > 0n ? p : { ...p, marginMicros: 0n, notionalMicros: 1n })
  const [x, y] = [im(a), im(b)]
  return (
    sign(x.marginMicros * y.notionalMicros - y.marginMicros * x.notionalMicros) ||
    sign(
      BigInt(a.earlier) * BigInt(Math.max(1, b.population)) - BigInt(b.earlier) * BigInt(Math.max(1, a.population)),
    ) ||
    sign(a.feeMicros - b.feeMicros)
  )
}

const riskOf = (p: EvaluatedPoint) => p.windows.reduce((s, w) => s + microsOf(w.risk.badDebt), 0n)

/**
 * The points no other point beats on both risk and cost, cheapest first: along it cost rises and bad debt strictly
 * falls. Of points equal in both, the lowest index stands for them.
 */
export function paretoFrontier(points: EvaluatedPoint[]): EvaluatedPoint[] {
  const sorted = [...points].sort(
    (a, b) => compareCost(a.parts, b.parts) || sign(riskOf(a) - riskOf(b)) || a.index - b.index,
  )
  const out: EvaluatedPoint[] = []
  let best: bigint | null = null
  for (const p of sorted) {
    const r = riskOf(p)
    if (best === null || r < best) {
      out.push(p)
      best = r
    }
  }
  return out
}

export interface Recommendation {
  /** The point recommended, or null with the statement why none is. */
  point: number | null
  statement: string
  /** Its changes from the base as `rules derive --set` arguments (only paths whose value differs from the base). */
  set: string[]
  /**
   * The `rules derive` that gives its rule set: a maintenanceScale value as --maintenance-scale (one option instead
   * of a --set per bracket) when that derivation gives the point's own rules, the other changes as --set.
   */
  command: string | null
}

/** A value as `--set` reads it back: a bare word stays bare, anything JSON would read differently is JSON. */
function assignmentText(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value)
  try {
    JSON.parse(value)
    return JSON.stringify(value)
  } catch {
    return value
  }
}

/** The cheapest point whose bad debt is within `budget` in every window (ties: lower total bad debt, then index). */
export function recommend(
  points: EvaluatedPoint[],
  budget: string,
  baseRef: string,
  baseValueAt: (path: string) => unknown,
  baseRules?: RuleSet,
): Recommendation {
  const limit = microsOf(budget)
  const within = points.filter((p) => p.windows.every((w) => microsOf(w.risk.badDebt) <= limit))
  within.sort((a, b) => compareCost(a.parts, b.parts) || sign(riskOf(a) - riskOf(b)) || a.index - b.index)
  const best = within[0]
  if (!best) {
    const least = [...points].sort((a, b) => sign(riskOf(a) - riskOf(b)) || a.index - b.index)[0]
    return {
      point: null,
      statement: least
        ? `no point keeps bad debt within ${budget} in every window (the least: point ${least.index}, ${formatMicros(riskOf(least))} in all)`
        : 'no point could be evaluated (every point was skipped)',
      set: [],
      command: null,
    }
  }
  const differs = (o: Override) => JSON.stringify(baseValueAt(o.path)) !== JSON.stringify(o.value)
  const set = best.overrides.filter(differs).map((o) => `${o.path}=${assignmentText(o.value)}`)
  const scaled = baseRules ? asMaintenanceScale(baseRules, best) : null
  const args = scaled
    ? [
        `--maintenance-scale ${scaled.scale}`,
        ...scaled.rest.filter(differs).map((o) => `--set ${quote(`${o.path}=${assignmentText(o.value)}`)}`),
      ]
    : set.map((s) => `--set ${quote(s)}`)
  return {
    point: best.index,
    statement: `point ${best.index} is the cheapest whose bad debt stays within ${budget} in every window`,
    set,
    command: `backstop rules derive --from ${quote(baseRef)}${args.map((a) => ` ${a}`).join('')}`,
  }
}

const quote = (s: string) => (/^[\w.@/:=[\],-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`)

/**
 * A point on a maintenanceScale axis (other than 1) as the scale and its other overrides — null when the scale
 * followed by those overrides would not give exactly the point's rule set (say another axis set one bracket's mmr).
 */
function asMaintenanceScale(base: RuleSet, point: EvaluatedPoint): { scale: number; rest: Override[] } | null {
  const value = point.values.find((v) => v.path === 'maintenanceScale')?.value
  if (typeof value !== 'number' || value === 1) return null
  const scaled = maintenanceScaleOverrides(base, value)
  const paths = new Set(scaled.map((o) => o.path))
  const rest = point.overrides.filter((o) => !paths.has(o.path))
  const options = { derivedFrom: 'recommendation' }
  const same =
    deriveRuleSet(base, [...scaled, ...rest], options).hash === deriveRuleSet(base, point.overrides, options).hash
  return same ? { scale: value, rest } : null
}
