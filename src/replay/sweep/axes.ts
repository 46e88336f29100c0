// Sweep axes: what `--vary` names (a rule-set path, or a special axis such as maintenanceScale) and the values it
// takes (a list, or FROM..TO:STEP), each checked against the rule-set schema before anything runs.
import { Decimal } from 'decimal.js'
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { deriveRuleSet, parsePath, type Override } from '../rules/derive.ts'
import { maintenanceScaleOverrides } from '../rules/maintenanceScale.ts'
import { ruleSetSchema, type RuleSet } from '../rules/schema.ts'
import { schemaPathProblem } from '../rules/schemaPath.ts'

/** Values an axis may take at most (a range with a tiny step is a typo, not a sweep). */
export const MAX_AXIS_VALUES = 1000

/**
 * Axes that are not one rule-set path. maintenanceScale: every bracket's maintenance rate (margin.default and each
 * market's tier) multiplied by the value, so the brackets keep their shape; 1 is the base.
 */
export const SPECIAL_AXES = {
  maintenanceScale: 'every bracket maintenance rate (mmr) of every tier multiplied by the value (1 = the base)',
} as const
export type SpecialAxis = keyof typeof SPECIAL_AXES

export interface Axis {
  /** A rule-set path (margin.default.brackets[0].mmr) or a special axis name. */
  path: string
  special: SpecialAxis | null
  values: unknown[]
}

const isSpecial = (path: string): path is SpecialAxis => Object.hasOwn(SPECIAL_AXES, path)

/** A value as `rules derive --set` reads it: JSON when it parses, else the bare word. */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** FROM..TO:STEP as exact decimals: FROM, FROM+STEP, … up to TO inclusive. */
function rangeValues(path: string, text: string, problems: InputProblem[]): number[] | null {
  const m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/.exec(text)
  if (!m) return null
  const [from, to, step] = [new Decimal(m[1]!), new Decimal(m[2]!), new Decimal(m[3]!)]
  if (step.lte(0)) {
    problems.push({ path, received: text, expected: 'a range FROM..TO:STEP with a positive STEP' })
    return []
  }
  if (to.lt(from)) {
    problems.push({ path, received: text, expected: `a non-empty range: TO at least FROM (${from.toString()})` })
    return []
  }
  const count = to.minus(from).div(step).floor().plus(1)
  if (count.gt(MAX_AXIS_VALUES)) {
    problems.push({ path, received: text, expected: `at most ${MAX_AXIS_VALUES} values on one axis (${count} here)` })
    return []
  }
  return Array.from({ length: count.toNumber() }, (_, i) => from.plus(step.times(i)).toNumber())
}

/** Parses `PATH=V1,V2,…` or `PATH=FROM..TO:STEP`; every problem is collected in `problems`. */
export function parseAxis(text: string, at: string, problems: InputProblem[]): Axis | null {
  const eq = text.indexOf('=')
  if (eq <= 0 || eq === text.length - 1) {
    problems.push({ path: at, received: text, expected: 'PATH=V1,V2,… or PATH=FROM..TO:STEP' })
    return null
  }
  const path = text.slice(0, eq).trim()
  const body = text.slice(eq + 1).trim()
  const special = isSpecial(path) ? path : null
  if (!special) {
    const keys = parsePath(path)
    if (!keys) {
      problems.push({
        path: at,
        received: path,
        expected: `a rule-set path like margin.default.brackets[0].mmr, or ${Object.keys(SPECIAL_AXES).join(', ')}`,
      })
      return null
    }
    const unknown = schemaPathProblem(ruleSetSchema, keys)
    if (unknown) {
      problems.push({ ...unknown, path: `${at} ${unknown.path}` })
      return null
    }
  }
  const before = problems.length
  const range = rangeValues(`${at} ${path}`, body, problems)
  const values = range ?? body.split(',').map((v) => valueOf(v.trim()))
  if (problems.length > before) return null
  if (values.length === 0 || (range === null && body.split(',').some((v) => v.trim() === ''))) {
    problems.push({ path: `${at} ${path}`, received: body, expected: 'at least one value, none of them empty' })
    return null
  }
  if (special && values.some((v) => typeof v !== 'number' || !(v > 0))) {
    problems.push({
      path: `${at} ${path}`,
      received: body,
      expected: `positive numbers (${path}: ${SPECIAL_AXES[special]})`,
    })
    return null
  }
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) {
    problems.push({ path: `${at} ${path}`, received: body, expected: 'distinct values' })
    return null
  }
  return { path, special, values }
}

/** The rule-set overrides one axis value stands for (a special axis may stand for many paths). */
export function overridesOf(base: RuleSet, axis: Axis, value: unknown): Override[] {
  if (axis.special === 'maintenanceScale') return maintenanceScaleOverrides(base, value as number)
  return [{ path: axis.path, value }]
}

/**
 * Each value alone on the base must give a valid rule set: a value that cannot be valid whatever the other axes
 * say is bad input (its problems named), not a point to skip.
 */
export function checkAxisValues(base: RuleSet, axes: Axis[]): void {
  const problems: InputProblem[] = []
  axes.forEach((axis, a) => {
    for (const value of axis.values) {
      try {
        deriveRuleSet(base, overridesOf(base, axis, value), { derivedFrom: 'sweep' })
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error
        const why = error.problems.map((p) => `${p.path}: ${p.expected}`).join('; ')
        problems.push({
          path: `vary[${a}] ${axis.path}`,
          received: value,
          expected: `a value valid on the base (${why})`,
        })
      }
    }
  })
  if (problems.length) throw new InvalidInputError('invalid sweep axis values', problems)
}
