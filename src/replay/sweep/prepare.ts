// Preparing a sweep: validate the request and its axes (bad input throws here, before any run exists), draw the
// points, derive each point's rule set (a point whose rule set fails validation as a whole is kept as skipped, with
// its problems), and prepare every window once for the base and once per point (the plan depends on the rules);
// each cost-of-attack search asked for is prepared once under the base rule set (liquidity measured, window planned)
// and replanned under each point's rules when it runs.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { buildAccountSetup } from '../accounts/setup.ts'
import { prepareAttackCost, type PreparedAttackCost } from '../attack/prepare.ts'
import type { AccountPlan } from '../backtest/accountReplay.ts'
import { prepareBacktest, type PreparedBacktest } from '../backtest/prepare.ts'
import { planReplay } from '../backtest/plan.ts'
import { parseExplicitPositions } from '../positions/explicit.ts'
import { deriveRuleSet, type Override } from '../rules/derive.ts'
import { resolveRuleSet, type ResolvedRuleSet } from '../rules/resolve.ts'
import { checkAxisValues, overridesOf, parseAxis, type Axis } from './axes.ts'
import { gridPoints, gridSize, latinHypercubePoints } from './points.ts'
import { parseSweepRequest, type SweepAttackCostSpec, type SweepRequest } from './request.ts'

/** One point: its value on each axis, the rule-set overrides they stand for, and its rule set or why it has none. */
export interface SweepPoint {
  index: number
  /** The value on each axis, in axis order. */
  values: Array<{ path: string; value: unknown }>
  /** Every rule-set path it changes from the base (a special axis expands to many). */
  overrides: Override[]
  ruleSet: { rules: ResolvedRuleSet['rules']; hash: string; body: string } | null
  /** Why it was skipped: its derived rule set's problems, or a window it cannot be planned in. */
  skipped: InputProblem[] | null
}

export interface PreparedSweep {
  request: SweepRequest
  base: ResolvedRuleSet
  axes: Axis[]
  sampling: 'grid' | 'latinHypercube'
  points: SweepPoint[]
  /** Per window: the base run prepared, and each point's (null when the point is skipped). */
  windows: Array<{ base: PreparedBacktest; points: Array<PreparedBacktest | null> }>
  /** The cost-of-attack searches run for every evaluated point, prepared under the base rule set. */
  attacks: PreparedAttackCost[]
}

export interface SweepDeps {
  duck: DuckStore
  meta: MetaClient
}

/** The problems of a rejected derivation or plan, as a skipped point's reasons. */
const problemsOfError = (error: unknown): InputProblem[] => {
  if (error instanceof InvalidInputError) return error.problems
  throw error
}

/**
 * A point's account plan: the window's account data (read once, for the base), set up again under the point's rules
 * (modes, leverage and system accounts come from the rule set), as `backtest --positions accounts` would.
 */
function accountsFor(rules: ResolvedRuleSet['rules'], base: PreparedBacktest): AccountPlan {
  const plan = base.accounts!
  const { request } = base
  const setup = buildAccountSetup(rules, request.markets, plan.data, {
    mode: request.mode,
    overrides: plan.overrides,
    excludeAccounts: request.excludeAccounts,
  })
  return { ...plan, setup }
}

/** The request, or every problem at once: those of the request and those of its axes' syntax. */
function parseWithAxes(input: unknown): SweepRequest {
  try {
    return parseSweepRequest(input)
  } catch (error) {
    const vary = (input as { vary?: unknown } | null)?.vary
    if (!(error instanceof InvalidInputError) || !Array.isArray(vary)) throw error
    const more: InputProblem[] = []
    vary.forEach((text, i) => typeof text === 'string' && parseAxis(text, `vary[${i}]`, more))
    if (!more.length) throw error
    throw new InvalidInputError(error.message, [...error.problems, ...more])
  }
}

/**
 * Each cost-of-attack search of the request prepared under the base rule set (the point's replaces it when it runs),
 * or every problem at once, under `attackCost[i]`: an unknown pattern is refused by the request schema already.
 */
async function prepareAttacks(
  deps: SweepDeps,
  request: SweepRequest,
  base: ResolvedRuleSet,
  options: { allowFiles: boolean },
): Promise<PreparedAttackCost[]> {
  const problems: InputProblem[] = []
  const prepared: PreparedAttackCost[] = []
  for (const [i, spec] of (request.attackCost ?? []).entries()) {
    const { market, ...rest } = spec satisfies SweepAttackCostSpec
    const input = {
      ...rest,
      ruleSet: request.ruleSet,
      venue: request.venue,
      market: market ?? request.markets[0],
      seed: request.seed,
      resolutionSeconds: request.resolutionSeconds,
    }
    try {
      prepared.push(await prepareAttackCost(deps, input, { ...options, ruleSet: base }))
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      problems.push(
        ...error.problems.map((p) => ({ ...p, path: p.path ? `attackCost[${i}].${p.path}` : `attackCost[${i}]` })),
      )
    }
  }
  if (problems.length) throw new InvalidInputError('invalid sweep cost-of-attack searches', problems)
  return prepared
}

export async function prepareSweep(
  deps: SweepDeps,
  input: unknown,
  options: { allowFiles: boolean },
): Promise<PreparedSweep> {
  const request = parseWithAxes(input)
  const problems: InputProblem[] = []
  const axes = request.vary.map((text, i) => parseAxis(text, `vary[${i}]`, problems))
  const paths = axes.flatMap((a) => (a ? [a.path] : []))
  paths.forEach((p, i) => {
    if (paths.indexOf(p) !== i) problems.push({ path: 'vary', received: p, expected: 'each path on one axis only' })
  })
  if (problems.length) throw new InvalidInputError('invalid sweep axes', problems)
  const valid = axes as Axis[]
  const size = gridSize(valid)
  if (request.samples === undefined && size > request.maxPoints) {
    throw new InvalidInputError('too many sweep points', [
      {
        path: 'vary',
        received: `${size} points (${valid.map((a) => a.values.length).join(' × ')})`,
        expected: `at most maxPoints = ${request.maxPoints}: fewer values, or a sample (samples / --samples N)`,
      },
    ])
  }
  const base = await resolveRuleSet(request.ruleSet, { meta: deps.meta, allowFiles: options.allowFiles })
  checkAxisValues(base.rules, valid)
  const attacks = await prepareAttacks(deps, request, base, options)

  const sampling = request.samples === undefined ? 'grid' : 'latinHypercube'
  const choices =
    request.samples === undefined ? gridPoints(valid) : latinHypercubePoints(valid, request.samples, request.seed)
  const points: SweepPoint[] = choices.map((choice, index) => {
    const values = choice.map((v, a) => ({ path: valid[a]!.path, value: valid[a]!.values[v] }))
    const overrides = choice.flatMap((v, a) => overridesOf(base.rules, valid[a]!, valid[a]!.values[v]))
    try {
      const derived = deriveRuleSet(base.rules, overrides, { derivedFrom: `${base.ref} (sweep point ${index})` })
      return { index, values, overrides, ruleSet: derived, skipped: null }
    } catch (error) {
      return { index, values, overrides, ruleSet: null, skipped: problemsOfError(error) }
    }
  })

  const windows: PreparedSweep['windows'] = []
  for (const w of request.windows) {
    const single = {
      ruleSet: request.ruleSet,
      venue: request.venue,
      markets: request.markets,
      from: w.from,
      to: w.to,
      positions: request.positions,
      explicitPositions: request.explicitPositions,
      population: request.population,
      seed: request.seed,
      resolutionSeconds: request.resolutionSeconds,
    }
    const prepared = await prepareBacktest(deps, single, options)
    const perPoint = points.map((point): PreparedBacktest | null => {
      if (!point.ruleSet) return null
      try {
        const rules = point.ruleSet.rules
        return {
          ...prepared,
          accounts: prepared.accounts ? accountsFor(rules, prepared) : null,
          ruleSet: { ...point.ruleSet, ref: `sweep point ${point.index}`, kind: 'file', ruleSetVersionId: null },
          plan: planReplay(rules, prepared.request, prepared.data),
          explicit:
            prepared.request.positions === 'explicit'
              ? parseExplicitPositions(prepared.request.explicitPositions, request.markets, rules, undefined)
              : null,
        }
      } catch (error) {
        const at = `${w.from.toISOString()}/${w.to.toISOString()}`
        point.skipped = problemsOfError(error).map((p) => ({ ...p, path: `window ${at}: ${p.path}` }))
        point.ruleSet = null
        return null
      }
    })
    windows.push({ base: prepared, points: perPoint })
  }
  // a point skipped in a later window is skipped in every window
  for (const w of windows) w.points = w.points.map((p, i) => (points[i]!.ruleSet ? p : null))
  return { request, base, axes: valid, sampling, points, windows, attacks }
}
