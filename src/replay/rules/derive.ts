// Derives a rule set from a base by overriding fields ("path=value"), then validates the result. A path may only
// name fields of the rule-set schema (schemaPath.ts), so no override reaches a prototype.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { ruleSetSchema, type RuleSet, type RuleSetInput } from './schema.ts'
import { schemaPathProblem } from './schemaPath.ts'
import { validateRuleSet, type ValidatedRuleSet } from './validate.ts'

export interface Override {
  /** Dotted path with [n] for array items, e.g. "margin.default.brackets[0].mmr". */
  path: string
  value: unknown
}

/** Splits "a.b[2].c" into ["a", "b", 2, "c"]; null when malformed. */
export function parsePath(path: string): Array<string | number> | null {
  const out: Array<string | number> = []
  const re = /([^.[\]]+)|\[(\d+)\]/g
  let consumed = 0
  for (const m of path.matchAll(re)) {
    const sep = path.slice(consumed, m.index)
    if (sep !== '' && sep !== '.') return null
    if (sep === '.' && out.length === 0) return null
    if (m[2] !== undefined) out.push(Number(m[2]))
    else out.push(/^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!)
    consumed = m.index + m[0].length
  }
  return consumed === path.length && out.length ? out : null
}

/** "path=value" with the value read as JSON when it parses, else as a string ("mark" needs no quotes). */
export function parseAssignment(text: string): Override | null {
  const eq = text.indexOf('=')
  if (eq <= 0) return null
  const raw = text.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    // a bare word such as bankruptcy or BTCUSDT
  }
  return { path: text.slice(0, eq).trim(), value }
}

/** Defines an own property (never a setter such as __proto__'s, even if a key slipped through). */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Sets `value` at `keys` (already checked against the schema), creating missing objects and lists on the way. */
function setAt(target: Record<string, unknown>, keys: Array<string | number>, value: unknown): string | null {
  let node: unknown = target
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!
    const container = node as Record<string | number, unknown>
    if (!Object.hasOwn(container, key) || container[key] === undefined || container[key] === null)
      define(container, key, typeof keys[i + 1] === 'number' ? [] : {})
    node = container[key]
    if (typeof node !== 'object' || node === null) return `${keys.slice(0, i + 1).join('.')} is not an object or a list`
  }
  const last = keys[keys.length - 1]!
  if (Array.isArray(node) && typeof last === 'number' && last > node.length) {
    return `index ${last} is past the end of a list of ${node.length}`
  }
  define(node as object, last, value)
  return null
}

/**
 * A copy of `base` with every override applied and the name set, validated. Problems in the overrides themselves
 * (syntax, impossible paths) and in the resulting document are all reported together.
 */
export function deriveRuleSet(
  base: RuleSet | RuleSetInput,
  overrides: Override[],
  options: { name?: string; derivedFrom: string },
): ValidatedRuleSet {
  const doc = structuredClone(base) as unknown as Record<string, unknown>
  const problems: InputProblem[] = []
  overrides.forEach((o, i) => {
    const keys = parsePath(o.path)
    if (!keys) {
      problems.push({ path: `set[${i}]`, received: o.path, expected: 'a path like margin.default.brackets[0].mmr' })
      return
    }
    const unknown = schemaPathProblem(ruleSetSchema, keys)
    if (unknown) {
      problems.push(unknown)
      return
    }
    const error = setAt(doc, keys, o.value)
    if (error) problems.push({ path: o.path, received: o.value, expected: `a settable path (${error})` })
  })
  if (options.name !== undefined) doc.name = options.name
  const effective = (doc.effective ?? {}) as Record<string, unknown>
  const changed = overrides.map((o) => `${o.path}=${JSON.stringify(o.value)}`).join(', ')
  doc.effective = {
    ...effective,
    basis: 'user',
    note: `derived from ${options.derivedFrom}${changed ? `: ${changed}` : ''}`,
  }
  try {
    const validated = validateRuleSet(doc, 'invalid derived rule set')
    if (problems.length) throw new InvalidInputError('invalid overrides', problems)
    return validated
  } catch (error) {
    if (error instanceof InvalidInputError && error.problems !== problems) {
      throw new InvalidInputError('invalid derived rule set', [...problems, ...error.problems])
    }
    throw error
  }
}
