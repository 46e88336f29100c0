// Cost of attack per sweep point: each search the sweep asked for, run under every evaluated point's rule set after
// the points' backtests, so the frontier can show safety as "capital needed to break it" beside bad debt in history.
import { AttackCostCancelled, executeAttackCost } from '../attack/execute.ts'
import { attackCostUnder, type PreparedAttackCost } from '../attack/prepare.ts'
import type { ResolvedRuleSet } from '../rules/resolve.ts'
import type { SweepPoint } from './prepare.ts'

/** One search's outcome at one point. */
export interface SweepAttackCost {
  pattern: string
  market: string
  at: string
  /** The smallest capital found that breaks the point's rule set, or null: none up to maxCapital. */
  costOfAttack: string | null
  /** The largest capital the search would try (what a null cost is "none up to"). */
  maxCapital: string
  profitAtCost: string | null
  atMinimum: boolean
  breaks: 'deficit' | 'badDebt'
  /** Replays the search took. */
  steps: number
  statement: string
}

export interface SweepAttackProgress {
  /** Searches finished, of points × searches. */
  done: number
  total: number
  point: number
  pattern: string
  step: number
}

/** A point's derived rule set as a resolved one (the search names it in its statement). */
const resolvedOf = (point: SweepPoint): ResolvedRuleSet => ({
  ...point.ruleSet!,
  ref: `sweep point ${point.index}`,
  kind: 'file',
  ruleSetVersionId: null,
})

/**
 * Runs every search for every point given (in order), one at a time; the signal is checked between searches and
 * by each search between its replays. Throws AttackCostCancelled when it is aborted.
 */
export async function runPointAttacks(
  deps: Parameters<typeof executeAttackCost>[0],
  points: SweepPoint[],
  attacks: PreparedAttackCost[],
  options: { signal?: AbortSignal; onProgress?: (p: SweepAttackProgress) => void } = {},
): Promise<Map<number, SweepAttackCost[]>> {
  const out = new Map<number, SweepAttackCost[]>()
  const total = points.length * attacks.length
  let done = 0
  for (const point of points) {
    const costs: SweepAttackCost[] = []
    for (const attack of attacks) {
      if (options.signal?.aborted) throw new AttackCostCancelled()
      const pattern = attack.request.pattern
      const { document: d } = await executeAttackCost(deps, attackCostUnder(attack, resolvedOf(point)), {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => options.onProgress?.({ done, total, point: point.index, pattern, step: p.step }),
      })
      costs.push({
        pattern,
        market: d.attack.market,
        at: d.attack.at,
        costOfAttack: d.costOfAttack,
        maxCapital: d.attack.bounds.maxCapital,
        profitAtCost: d.profitAtCost,
        atMinimum: d.atMinimum,
        breaks: d.attack.breaks,
        steps: d.steps.length,
        statement: d.statement,
      })
      done++
      options.onProgress?.({ done, total, point: point.index, pattern, step: 0 })
    }
    out.set(point.index, costs)
  }
  return out
}
