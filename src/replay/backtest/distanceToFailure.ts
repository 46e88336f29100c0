// Distance to failure [issue 16]: how close a run came to a deficit (the liquidation fills nearest their bankruptcy
// price and what ate their buffer), and how much stress the first deficit needs: the smallest return shock and the
// smallest liquidity shock that produce one, found by bracketing and bisecting over shocked re-runs of the window.
import type { NearMiss } from '../kernel/kernelState.ts'
import { LIQUIDATION_KINDS } from '../kernel/outputs.ts'
import type { LiquidationKind } from '../../domain/resultCategories.ts'
import type { RuleSet } from '../rules/schema.ts'

/** One liquidation fill near (or past) its bankruptcy price, with what ate the buffer between trigger and bankruptcy. */
export interface NearMissRow {
  at: string
  account: string
  market: string
  side: 'long' | 'short'
  kind: LiquidationKind
  notional: number
  triggerPrice: number
  pathPrice: number
  marketPrice: number
  bankruptcyPrice: number
  /** side·(market price − bankruptcy) / bankruptcy: negative means a deficit. */
  margin: number
  /** side·(trigger − bankruptcy) / bankruptcy: the cushion the rules left (maintenance margin, fee). */
  buffer: number
  /** side·(trigger − path) / bankruptcy: how far the path went past the trigger before the engine acted. */
  pathOvershoot: number
  /** side·(path − market price) / bankruptcy: the market impact (or slippage) of the fill. */
  impact: number
}

/** What a shock search found along one axis. */
export interface ShockSearch {
  /** The smallest factor tried that produced a deficit (returns: > 1; liquidity: < 1), null when none did. */
  deficitAt: number | null
  /** The largest shock tried that produced none (1 when the first try already did). */
  noDeficitUpTo: number
  /** Every re-run: factor, whether it produced a deficit, its total shortfall. */
  runs: Array<{ factor: number; deficit: boolean; shortfall: string }>
}

export interface StressToFirstDeficit {
  /** Whether the search ran (`distanceToFailure` in the request). */
  searched: boolean
  /** The base run already had a deficit: no search needed. */
  deficitWithoutShock: boolean
  returns: ShockSearch | null
  liquidity: ShockSearch | null
}

export interface DistanceToFailure {
  /** The smallest margin of any fill (null without liquidations that filled). */
  closestMargin: number | null
  nearest: NearMissRow[]
  /** Fills within 1% of their bankruptcy price, or past it. */
  fillsWithin1Percent: number
  stressToFirstDeficit: StressToFirstDeficit
  /** The assumptions that decided how close the run came, in words. */
  dominant: string[]
  /** One paragraph: the CLI prints it, reports quote it. */
  text: string
}

export function nearMissRows(
  nearest: readonly NearMiss[],
  name: (account: number, serial: number) => string,
  markets: readonly string[],
): NearMissRow[] {
  return nearest.map((n) => {
    const rel = (x: number) => (n.side * x) / n.bankruptcy
    return {
      at: new Date(n.ts / 1000).toISOString(),
      account: name(n.account, n.serial),
      market: markets[n.market]!,
      side: n.side > 0 ? 'long' : 'short',
      kind: LIQUIDATION_KINDS[n.kind] ?? 'full',
      notional: n.notional,
      triggerPrice: n.triggerPrice,
      pathPrice: n.pathPrice,
      marketPrice: n.marketPrice,
      bankruptcyPrice: n.bankruptcy,
      margin: n.margin,
      buffer: rel(n.triggerPrice - n.bankruptcy),
      pathOvershoot: rel(n.triggerPrice - n.pathPrice),
      impact: rel(n.pathPrice - n.marketPrice),
    }
  })
}

/** The most re-runs a search spends per axis. */
export const MAX_RERUNS = 8

/**
 * Smallest shock producing a deficit along one axis, assuming more shock never gives less (see ARCHITECTURE: this
 * holds for liquidity shocks without feedback and loss-sharing steps, and is an assumption for return shocks).
 * `grow` is the bracketing sequence tried first (stronger and stronger), then the bracket [last without, first
 * with] is bisected (geometrically) until `maxRuns` re-runs are spent. `evaluate` runs the window at one factor.
 */
export async function searchShock(
  grow: readonly number[],
  evaluate: (factor: number) => Promise<{ deficit: boolean; shortfall: string }>,
  maxRuns = MAX_RERUNS,
): Promise<ShockSearch> {
  const runs: ShockSearch['runs'] = []
  const tryAt = async (factor: number) => {
    const r = await evaluate(factor)
    runs.push({ factor, ...r })
    return r.deficit
  }
  let without = 1
  let withDeficit: number | null = null
  for (const factor of grow) {
    if (runs.length >= maxRuns) break
    if (await tryAt(factor)) {
      withDeficit = factor
      break
    }
    without = factor
  }
  while (withDeficit !== null && runs.length < maxRuns) {
    const mid = Math.sqrt(without * withDeficit)
    if (await tryAt(mid)) withDeficit = mid
    else without = mid
  }
  return { deficitAt: withDeficit, noDeficitUpTo: without, runs }
}

/** Return shocks tried first: ×1.25 up to ×8. */
export const RETURN_SHOCKS = [1.25, 1.6, 2.5, 4, 8] as const
/** Liquidity shocks tried first: half down to a hundredth. */
export const LIQUIDITY_SHOCKS = [0.5, 0.25, 0.1, 0.03, 0.01] as const

const pct = (x: number) => `${(x * 100).toFixed(2)}%`
const times = (x: number) => `${x < 10 ? x.toFixed(2).replace(/\.?0+$/, '') : Math.round(x)}×`

/**
 * The assumptions that decided the distance: for the nearest fills, which of the path (bar length, reaction time)
 * and the impact model ate more of the buffer the rules left; and which shock axis the first deficit is nearer on.
 */
export function dominantAssumptions(
  rules: RuleSet,
  nearest: readonly NearMissRow[],
  stress: StressToFirstDeficit,
  pathSpans: readonly number[],
): string[] {
  const out: string[] = []
  if (nearest.length) {
    const mean = (f: (r: NearMissRow) => number) => nearest.reduce((s, r) => s + f(r), 0) / nearest.length
    const buffer = mean((r) => r.buffer)
    const path = mean((r) => r.pathOvershoot)
    const impact = mean((r) => r.impact)
    const span = Math.max(0, ...pathSpans)
    const ib = rules.execution.intrabar
    const pathWhat =
      ib.path === 'trigger'
        ? 'fills at the trigger price (intrabar.path = trigger)'
        : `the path within ${span} s updates, acted on ${ib.reactionS} s after the crossing`
    const im = rules.execution.impact
    const impactWhat = im
      ? `square-root impact (k = ${im.coefficient}, depth refilling with a ${im.replenishHalfLifeS} s half-life)`
      : `slippage model ${rules.execution.slippage.model}`
    out.push(
      `buffer between trigger and bankruptcy ${pct(buffer)} on the nearest fills (maintenance margin and fees of the rule set)`,
    )
    const [first, second] = path >= impact ? [pathWhat, impactWhat] : [impactWhat, pathWhat]
    out.push(`${first} took ${pct(Math.max(path, impact))} of it, ${second} ${pct(Math.min(path, impact))}`)
  }
  const r = stress.returns?.deficitAt ?? null
  const l = stress.liquidity?.deficitAt ?? null
  if (r !== null && l !== null) {
    // compare the shocks on a log scale: a ×1.5 move against ÷3 liquidity
    const nearer = Math.log(r) <= Math.log(1 / l) ? 'the price path (return shock)' : 'liquidity (impact model)'
    out.push(`the first deficit is nearer along ${nearer}`)
  } else if (r !== null) out.push('only a sharper move produced a deficit within the searched range')
  else if (l !== null) out.push('only thinner liquidity produced a deficit within the searched range')
  return out
}

/** The paragraph the CLI prints: the deficit (or its absence) and the stress it would take. */
export function distanceText(d: Omit<DistanceToFailure, 'text'>, deficit: boolean): string {
  const parts: string[] = []
  const near = d.nearest[0]
  if (deficit) parts.push('Deficits occurred.')
  else parts.push('No deficit.')
  if (near) {
    parts.push(
      `${deficit ? 'Worst' : 'Closest'}: ${near.account} (${near.market} ${near.side}) at ${near.at}, filled ${near.margin >= 0 ? `${pct(near.margin)} before` : `${pct(-near.margin)} past`} its bankruptcy price (buffer ${pct(near.buffer)}, path ${pct(near.pathOvershoot)}, impact ${pct(near.impact)}); ${d.fillsWithin1Percent} fill(s) within 1%.`,
    )
  } else parts.push('No liquidation filled.')
  const s = d.stressToFirstDeficit
  if (!deficit) {
    if (!s.searched) parts.push('Stress to the first deficit not searched (--distance-to-failure).')
    else {
      const r = s.returns
      const l = s.liquidity
      const rText = r
        ? r.deficitAt !== null
          ? `a ${times(r.deficitAt)} sharper move (returns ×${+r.deficitAt.toFixed(3)}; none at ×${+r.noDeficitUpTo.toFixed(3)})`
          : `more than a ${times(r.noDeficitUpTo)} sharper move`
        : null
      const lText = l
        ? l.deficitAt !== null
          ? `${times(1 / l.deficitAt)} thinner liquidity (×${+l.deficitAt.toFixed(4)}; none at ×${+l.noDeficitUpTo.toFixed(4)})`
          : `more than ${times(1 / l.noDeficitUpTo)} thinner liquidity`
        : null
      parts.push(`It would have taken ${[rText, lText].filter(Boolean).join(' or ')} to produce one.`)
    }
  }
  if (d.dominant.length) parts.push(`Dominant: ${d.dominant.join('; ')}.`)
  return parts.join(' ')
}
