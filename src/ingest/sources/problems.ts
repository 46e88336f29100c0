// The one problem collector for source parameters: runs a source's zod schema and turns every issue into an
// InputProblem (where, what was received, what is valid), named the way the caller's user wrote the input — a job
// parameter path, or a command-line flag.
import type { z } from 'zod'
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type { SourceDefinition } from './definition.ts'

export interface ProblemNaming {
  /** The name a top-level parameter goes by for this user (e.g. `markets` → `--markets`); default: the path. */
  nameOf?(param: string): string | undefined
  /** The text the user gave for a parameter, when it differs from the raw value (e.g. a whole comma list). */
  textOf?(param: string): string | undefined
  /** Whether the parameter was written as a comma-separated list (its problems then name the list). */
  isList?(param: string): boolean
}

/** The value at a path of user input, through own properties only. */
function ownValueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

function problemOf(issue: z.core.$ZodIssue, raw: unknown, naming: ProblemNaming): InputProblem {
  const param = typeof issue.path[0] === 'string' ? issue.path[0] : undefined
  const name = param === undefined ? undefined : naming.nameOf?.(param)
  const list = param !== undefined && naming.isList?.(param) === true
  const values = 'values' in issue && Array.isArray(issue.values) ? (issue.values as unknown[]) : null
  const itemLevel = issue.path.length === 2 && typeof issue.path[1] === 'number'
  let expected = issue.message
  if (values) expected = `${itemLevel ? 'items from' : 'one of'} ${values.join(', ')}`
  else if (list && issue.code === 'too_small') expected = 'a comma-separated list with at least one item'
  else if (issue.code === 'invalid_type' && ownValueAt(raw, issue.path) === undefined)
    expected = `a value${name ? ` for ${name}` : ''}`
  // An item named among others: the item itself, unless the problem is about which items the list may hold.
  const text = param === undefined ? undefined : naming.textOf?.(param)
  const received =
    itemLevel && !values ? ownValueAt(raw, issue.path) : text !== undefined ? text : ownValueAt(raw, issue.path)
  const path = name ?? (issue.path.length ? issue.path.join('.') : '(params)')
  return { path, received, expected }
}

/**
 * Validates raw parameters with the source's schema. Throws InvalidInputError listing every problem (`extra` ones
 * first, e.g. about flags the schema does not see); returns the parsed parameters otherwise.
 */
export function parseSourceParams(
  source: Pick<SourceDefinition, 'id' | 'params'>,
  raw: Record<string, unknown>,
  naming: ProblemNaming = {},
  extra: readonly InputProblem[] = [],
): unknown {
  const parsed = source.params.safeParse(raw)
  const problems = [...extra]
  if (!parsed.success) {
    const keyOf = (p: InputProblem) => `${p.path}\u0000${p.expected}\u0000${JSON.stringify(p.received) ?? ''}`
    const seen = new Set(problems.map(keyOf))
    for (const issue of parsed.error.issues) {
      const problem = problemOf(issue, raw, naming)
      const key = keyOf(problem)
      if (seen.has(key)) continue // one line for a list whose items are not all allowed
      seen.add(key)
      problems.push(problem)
    }
  }
  if (problems.length) throw new InvalidInputError('invalid options', problems)
  return (parsed as { data: unknown }).data
}
